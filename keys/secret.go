package keys

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
)

// InstallationSecret returns the random secret stored under name, creating
// it (size random bytes, sealed) if this is the first node to ask. Every node
// sharing the store gets the same value: the key that hashes client secrets,
// the CSRF key, the key that encrypts authorization codes.
func InstallationSecret(ctx context.Context, store Store, sealer *Sealer, name string, size int) ([]byte, error) {
	aad := secretAAD(name)
	sealed, err := store.Secret(ctx, name)
	if errors.Is(err, ErrNotFound) {
		sealed, err = createSecret(ctx, store, sealer, name, size, aad)
	}
	if err != nil {
		return nil, fmt.Errorf("load secret %q: %w", name, err)
	}
	secret, err := sealer.Open(sealed, aad)
	if err != nil {
		return nil, fmt.Errorf("secret %q: %w", name, err)
	}
	if len(secret) != size {
		return nil, fmt.Errorf("secret %q has %d bytes, want %d", name, len(secret), size)
	}
	return secret, nil
}

// createSecret stores a fresh random secret unless another node got there
// first, and returns whichever value won.
func createSecret(ctx context.Context, store Store, sealer *Sealer, name string, size int, aad []byte) ([]byte, error) {
	fresh := make([]byte, size)
	if _, err := rand.Read(fresh); err != nil {
		return nil, err
	}
	sealed, err := sealer.Seal(fresh, aad)
	if err != nil {
		return nil, err
	}
	if _, err := store.PutSecretIfAbsent(ctx, name, sealed); err != nil {
		return nil, fmt.Errorf("store secret %q: %w", name, err)
	}
	return store.Secret(ctx, name)
}

func secretAAD(name string) []byte { return []byte("secret:" + name) }
