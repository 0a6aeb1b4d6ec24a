// Package grants keeps the durable side of OAuth grants: refresh tokens,
// grouped in families so that a reused refresh token revokes every token
// descended from the same login (OAuth 2.0 Security BCP, RFC 9700 §4.14.2).
//
// Only a SHA-256 hash of each refresh token is stored; the token itself is 256
// random bits that exist only in the client's hands.
package grants

import (
	"context"
	"errors"
	"time"
)

var (
	// ErrNotFound: no live refresh token has that hash (unknown, expired or
	// revoked).
	ErrNotFound = errors.New("refresh token not found")
	// ErrReused: the token had already been exchanged once. The store has
	// revoked its whole family before returning this error.
	ErrReused = errors.New("refresh token reused")
)

// RefreshToken is one link in a rotation chain.
type RefreshToken struct {
	ID        string // public handle, also used in audit logs; never the token
	Hash      []byte // SHA-256 of the token string
	FamilyID  string // shared by every token rotated from the same login
	ClientID  string
	Subject   string // user id
	TenantID  string // the tenant the session acts in
	SessionID string // the SSO session (sid) the family was born in
	Scopes    []string
	Audience  []string
	AMR       []string
	ACR       string
	AuthTime  time.Time
	// ActorID is the support user acting as Subject when the family was
	// born in a support session (seed 004's "jill$john"), and empty
	// otherwise; SupportReason is the reason that login gave. A support
	// family never outlives its session: every token of it, rotated or
	// not, expires when the session ends (AuthTime plus the support
	// session lifetime) at the latest.
	ActorID       string
	SupportReason string
	CreatedAt     time.Time
	ExpiresAt     time.Time
	UsedAt        time.Time // zero until rotated
	RevokedAt     time.Time // zero until revoked
}

// Store persists refresh tokens. Implementations must make RotateRefreshToken
// atomic: of two concurrent rotations of the same token exactly one succeeds,
// and the other sees ErrReused.
type Store interface {
	CreateRefreshToken(ctx context.Context, t RefreshToken) error
	// RefreshTokenByHash returns the token with that hash whatever its state
	// (used, revoked, expired), or ErrNotFound if none was ever stored.
	RefreshTokenByHash(ctx context.Context, hash []byte) (RefreshToken, error)
	// RotateRefreshToken marks the live token with oldHash as used at now and
	// stores next, in one transaction. If the old token was already used it
	// revokes the family and returns ErrReused; if it is unknown, revoked or
	// expired at now it returns ErrNotFound and writes nothing.
	RotateRefreshToken(ctx context.Context, oldHash []byte, next RefreshToken, now time.Time) error
	// RevokeRefreshToken revokes the one token with that hash (RFC 7009);
	// revoking an unknown or already revoked token is not an error.
	RevokeRefreshToken(ctx context.Context, hash []byte, now time.Time) error
	RevokeRefreshFamily(ctx context.Context, familyID string, now time.Time) error
	// RevokeSessionRefreshTokens revokes every token born in the SSO session
	// sessionID (logout).
	RevokeSessionRefreshTokens(ctx context.Context, sessionID string, now time.Time) error
	// DeleteExpiredRefreshTokens removes tokens that expired before t.
	DeleteExpiredRefreshTokens(ctx context.Context, before time.Time) (int, error)
}
