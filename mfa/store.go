package mfa

import (
	"context"
	"errors"
	"time"
)

// ErrNotFound: the user has no TOTP credential or, for a write, does not
// exist.
var ErrNotFound = errors.New("mfa: not found")

// Credential is a user's TOTP authenticator. The secret is sealed with the
// key-encryption key (keys.Sealer, bound to the user id), never stored in
// clear.
type Credential struct {
	UserID       string
	SealedSecret []byte
	CreatedAt    time.Time
}

// Store keeps TOTP credentials and recovery codes. Recovery codes are
// stored as keyed hashes; using one is atomic (of two concurrent uses of
// the same code, exactly one succeeds). A credential belongs to a user of
// the directory: storing one for a user that does not exist is ErrNotFound,
// and a user's removal removes it. Implementations take ctx into every
// query, return times in UTC and pass mfatest.Run.
type Store interface {
	// TOTPCredential returns the user's confirmed credential, or
	// ErrNotFound.
	TOTPCredential(ctx context.Context, userID string) (Credential, error)
	// PutTOTPCredential stores c as the user's credential and replaces the
	// user's recovery codes by recoveryHashes (distinct, all unused), in
	// one transaction; ErrNotFound if the user does not exist.
	PutTOTPCredential(ctx context.Context, c Credential, recoveryHashes [][]byte) error
	// DeleteTOTPCredential removes the user's credential and recovery
	// codes; a user without one is not an error.
	DeleteTOTPCredential(ctx context.Context, userID string) error
	// ReplaceRecoveryCodes replaces the user's recovery codes, used ones
	// included, by hashes (distinct, all unused), in one transaction;
	// ErrNotFound if the user has no credential.
	ReplaceRecoveryCodes(ctx context.Context, userID string, hashes [][]byte) error
	// UseRecoveryCode marks the user's unused code with hash as used at at
	// and reports whether there was one. Of concurrent calls for one code,
	// on any number of nodes, exactly one reports true.
	UseRecoveryCode(ctx context.Context, userID string, hash []byte, at time.Time) (bool, error)
	// RecoveryCodesLeft counts the user's unused recovery codes.
	RecoveryCodesLeft(ctx context.Context, userID string) (int, error)
	// ListTOTPCredentials returns every credential, by user id: what a
	// rewrap under a new key-encryption key re-seals.
	ListTOTPCredentials(ctx context.Context) ([]Credential, error)
	// ResealTOTPCredential replaces the sealed secret of the user's
	// credential by sealed, and nothing else (not CreatedAt, not the
	// recovery codes), if it is still old; ErrNotFound if the user has no
	// credential or a different one (re-enrolled meanwhile), which then
	// stays as it is.
	ResealTOTPCredential(ctx context.Context, userID string, old, sealed []byte) error
}
