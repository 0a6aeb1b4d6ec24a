package keys

import (
	"context"
	"errors"
	"time"
)

// ErrNotFound is returned by a Store for an unknown key or secret name.
var ErrNotFound = errors.New("key not found")

// State is where a signing key is in its life: next (published, not yet
// signing), active (signing), retired (published for verification only).
type State string

// Signing key states.
const (
	StateNext    State = "next"
	StateActive  State = "active"
	StateRetired State = "retired"
)

// Record is a signing key as stored: the private key sealed under the
// key-encryption key, the public key as a JWK for publication.
type Record struct {
	ID        string
	Algorithm string // JOSE alg: RS256, ES256, EdDSA
	Sealed    []byte // AES-256-GCM(KEK, PKCS#8 private key)
	PublicJWK []byte // JSON Web Key, public part only
	State     State
	CreatedAt time.Time
	UpdatedAt time.Time
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
}
