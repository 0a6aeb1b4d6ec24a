package keys

import (
	"context"
	"fmt"
)

// Rewrap re-seals every signing key and installation secret in store under
// the sealer's current key-encryption key, holding the rotation lock, and
// returns how many it changed. What the current key sealed already is left
// as it is, so a run cut short can simply be run again. The sealer must
// know the key everything was sealed with before (a previous key).
func Rewrap(ctx context.Context, store Store, sealer *Sealer) (int, error) {
	n := 0
	err := store.InRotation(ctx, func(tx Store) error {
		n = 0
		recs, err := tx.ListKeys(ctx)
		if err != nil {
			return fmt.Errorf("list signing keys: %w", err)
		}
		for _, r := range recs {
			out, changed, err := sealer.Reseal(r.Sealed, keyAAD(r.ID))
			if err != nil {
				return fmt.Errorf("signing key %s: %w", r.ID, err)
			}
			if !changed {
				continue
			}
			r.Sealed = out
			if err := tx.UpdateKey(ctx, r); err != nil {
				return fmt.Errorf("signing key %s: %w", r.ID, err)
			}
			n++
		}
		names, err := tx.ListSecrets(ctx)
		if err != nil {
			return fmt.Errorf("list secrets: %w", err)
		}
		for _, name := range names {
			sealed, err := tx.Secret(ctx, name)
			if err != nil {
				return fmt.Errorf("secret %q: %w", name, err)
			}
			out, changed, err := sealer.Reseal(sealed, secretAAD(name))
			if err != nil {
				return fmt.Errorf("secret %q: %w", name, err)
			}
			if !changed {
				continue
			}
			if err := tx.ReplaceSecret(ctx, name, out); err != nil {
				return fmt.Errorf("secret %q: %w", name, err)
			}
			n++
		}
		return nil
	})
	return n, err
}
