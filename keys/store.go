package keys

import (
	"context"
	"errors"
	"time"
)

// ErrNotFound is returned by a Store for an unknown key or secret name.
var ErrNotFound = errors.New("key not found")

// Record is a signing key as stored: the private key sealed under the
// key-encryption key, the public key as a JWK for publication, and its
// schedule. Where a key is in its life (next, active, retired, removed) is
// not stored: it follows from the schedules of all keys and the clock
// (Lifecycle), so that every node that holds the same records agrees on the
// JWKS and the signing key at every moment, whenever it last reloaded.
type Record struct {
	ID        string
	Algorithm string // JOSE alg: RS256, ES256, EdDSA
	Sealed    []byte // AES-256-GCM(KEK, PKCS#8 private key)
	PublicJWK []byte // JSON Web Key, public part only
	// PublishAt is when the key enters the JWKS.
	PublishAt time.Time
	// ActivateAt is when it starts signing: from then until a key with a
	// later ActivateAt activates.
	ActivateAt time.Time
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// Store persists signing keys and installation secrets (random values that
// every node must share, such as the key that hashes client secrets), both
// sealed under the key-encryption key before they reach it.
type Store interface {
	CreateKey(ctx context.Context, r Record) error
	UpdateKey(ctx context.Context, r Record) error
	DeleteKey(ctx context.Context, id string) error
	// ListKeys returns every key, oldest first.
	ListKeys(ctx context.Context) ([]Record, error)

	// Secret returns the sealed secret stored under name, or ErrNotFound.
	Secret(ctx context.Context, name string) ([]byte, error)
	// PutSecretIfAbsent stores sealed under name unless a secret of that
	// name exists; it reports whether it stored. Two nodes starting at once
	// thus agree on one value.
	PutSecretIfAbsent(ctx context.Context, name string, sealed []byte) (bool, error)
	// ListSecrets returns the names of every secret, sorted.
	ListSecrets(ctx context.Context) ([]string, error)
	// ReplaceSecret replaces the sealed value under name (a rewrap under a
	// new key-encryption key), or returns ErrNotFound.
	ReplaceSecret(ctx context.Context, name string, sealed []byte) error

	// InRotation runs fn with a Store bound to one transaction that holds
	// the installation's key-rotation lock: of any number of nodes (and
	// command-line runs) calling it at once, fn runs for one at a time,
	// and sees what the others committed. If fn returns an error, nothing
	// it wrote is kept. Calling InRotation on the bound Store runs fn in
	// the same transaction.
	InRotation(ctx context.Context, fn func(Store) error) error
}
