package mfa

import (
	"context"
	"errors"
	"fmt"

	"github.com/gatehouse-id/gatehouse/keys"
)

// Rewrap re-seals every stored TOTP secret under the sealer's current
// key-encryption key and returns how many it changed (see keys.Rewrap:
// what the current key sealed already is left alone, so a run cut short
// can run again). Pending enrolments in the ephemeral store are not
// rewrapped: they live ten minutes, and the previous key opens them
// meanwhile.
func Rewrap(ctx context.Context, store Store, sealer *keys.Sealer) (int, error) {
	creds, err := store.ListTOTPCredentials(ctx)
	if err != nil {
		return 0, fmt.Errorf("list TOTP credentials: %w", err)
	}
	n := 0
	for _, c := range creds {
		out, changed, err := sealer.Reseal(c.SealedSecret, credentialAAD(c.UserID))
		if err != nil {
			return n, fmt.Errorf("TOTP secret of user %s: %w", c.UserID, err)
		}
		if !changed {
			continue
		}
		err = store.ResealTOTPCredential(ctx, c.UserID, c.SealedSecret, out)
		if errors.Is(err, ErrNotFound) {
			continue // re-enrolled or removed meanwhile: sealed with the current key, or gone
		}
		if err != nil {
			return n, fmt.Errorf("TOTP secret of user %s: %w", c.UserID, err)
		}
		n++
	}
	return n, nil
}
