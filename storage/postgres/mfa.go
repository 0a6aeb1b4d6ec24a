package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/gatehouse-id/gatehouse/mfa"
)

const credentialColumns = `user_id, sealed_secret, created_at`

// TOTPCredential returns the user's credential, or mfa.ErrNotFound.
func (s *Store) TOTPCredential(ctx context.Context, userID string) (mfa.Credential, error) {
	c, err := scanCredential(s.pool.QueryRow(ctx,
		`SELECT `+credentialColumns+` FROM totp_credentials WHERE user_id = $1`, userID))
	if errors.Is(err, pgx.ErrNoRows) {
		err = mfa.ErrNotFound
	}
	if err != nil {
		return mfa.Credential{}, fmt.Errorf("get TOTP credential of user %s: %w", userID, unavailable(err))
	}
	return c, nil
}

func scanCredential(row scanner) (mfa.Credential, error) {
	var c mfa.Credential
	err := row.Scan(&c.UserID, &c.SealedSecret, &c.CreatedAt)
	return c, err
}

// PutTOTPCredential stores c, replacing the user's credential and every
// recovery code, in one transaction; a missing user is mfa.ErrNotFound.
//
// Of concurrent calls for one user, the first upsert takes the
// credential's row lock and the others wait for its commit; each then
// deletes the codes committed before it (READ COMMITTED: every statement
// sees the latest commits) and inserts its own, so the user ends with one
// call's credential and codes, never a mix.
func (s *Store) PutTOTPCredential(ctx context.Context, c mfa.Credential, recoveryHashes [][]byte) error {
	err := inTx(ctx, s.pool, pgx.TxOptions{IsoLevel: pgx.ReadCommitted}, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO totp_credentials (user_id, sealed_secret, created_at) VALUES ($1, $2, $3)
			ON CONFLICT (user_id) DO UPDATE SET sealed_secret = excluded.sealed_secret, created_at = excluded.created_at`,
			c.UserID, blob(c.SealedSecret), c.CreatedAt)
		if pgCode(err) == codeForeignKeyViolation {
			return fmt.Errorf("user %s: %w", c.UserID, mfa.ErrNotFound)
		}
		if err != nil {
			return err
		}
		return putRecoveryCodes(ctx, tx, c.UserID, recoveryHashes)
	})
	if err != nil {
		return fmt.Errorf("put TOTP credential of user %s: %w", c.UserID, unavailable(err))
	}
	return nil
}

// DeleteTOTPCredential removes the user's credential; its recovery codes go
// with it (ON DELETE CASCADE).
func (s *Store) DeleteTOTPCredential(ctx context.Context, userID string) error {
	if _, err := s.pool.Exec(ctx, `DELETE FROM totp_credentials WHERE user_id = $1`, userID); err != nil {
		return fmt.Errorf("delete TOTP credential of user %s: %w", userID, unavailable(err))
	}
	return nil
}

// ReplaceRecoveryCodes replaces the user's recovery codes in one
// transaction; mfa.ErrNotFound without a credential. The credential's row
// is locked first, so that a concurrent Put or Delete of it runs wholly
// before or after.
func (s *Store) ReplaceRecoveryCodes(ctx context.Context, userID string, hashes [][]byte) error {
	err := inTx(ctx, s.pool, pgx.TxOptions{IsoLevel: pgx.ReadCommitted}, func(tx pgx.Tx) error {
		var one int
		err := tx.QueryRow(ctx, `SELECT 1 FROM totp_credentials WHERE user_id = $1 FOR UPDATE`, userID).Scan(&one)
		if errors.Is(err, pgx.ErrNoRows) {
			return mfa.ErrNotFound
		}
		if err != nil {
			return err
		}
		return putRecoveryCodes(ctx, tx, userID, hashes)
	})
	if err != nil {
		return fmt.Errorf("replace recovery codes of user %s: %w", userID, unavailable(err))
	}
	return nil
}

// putRecoveryCodes makes hashes the user's only recovery codes, all
// unused, in two statements whatever their number.
func putRecoveryCodes(ctx context.Context, tx pgx.Tx, userID string, hashes [][]byte) error {
	if _, err := tx.Exec(ctx, `DELETE FROM recovery_codes WHERE user_id = $1`, userID); err != nil {
		return err
	}
	hs := make([][]byte, len(hashes))
	for i, h := range hashes {
		hs[i] = blob(h)
	}
	_, err := tx.Exec(ctx, `INSERT INTO recovery_codes (user_id, hash) SELECT $1, unnest($2::bytea[])`, userID, hs)
	return err
}

// UseRecoveryCode spends the user's unused code with hash. The UPDATE
// decides: of concurrent uses of a code, the first takes the row lock and
// sets used_at; the others wait for its commit, then PostgreSQL re-checks
// their WHERE against the committed row, and they update nothing.
func (s *Store) UseRecoveryCode(ctx context.Context, userID string, hash []byte, at time.Time) (bool, error) {
	tag, err := s.pool.Exec(ctx, `UPDATE recovery_codes SET used_at = $3
		WHERE user_id = $1 AND hash = $2 AND used_at IS NULL`, userID, blob(hash), at)
	if err != nil {
		return false, fmt.Errorf("use recovery code of user %s: %w", userID, unavailable(err))
	}
	return tag.RowsAffected() == 1, nil
}

// RecoveryCodesLeft counts the user's unused recovery codes.
func (s *Store) RecoveryCodesLeft(ctx context.Context, userID string) (int, error) {
	var n int
	err := s.pool.QueryRow(ctx, `SELECT count(*) FROM recovery_codes WHERE user_id = $1 AND used_at IS NULL`,
		userID).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("count recovery codes of user %s: %w", userID, unavailable(err))
	}
	return n, nil
}

// ListTOTPCredentials returns every credential, by user id (byte order: the
// column is COLLATE "C").
func (s *Store) ListTOTPCredentials(ctx context.Context) ([]mfa.Credential, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+credentialColumns+` FROM totp_credentials ORDER BY user_id`)
	if err != nil {
		return nil, fmt.Errorf("list TOTP credentials: %w", unavailable(err))
	}
	cs, err := collect(rows, scanCredential)
	if err != nil {
		return nil, fmt.Errorf("list TOTP credentials: %w", unavailable(err))
	}
	return cs, nil
}

// ResealTOTPCredential replaces the sealed secret of the user's credential,
// and nothing else, in one statement, if it is still old; mfa.ErrNotFound
// without a credential or with another one.
func (s *Store) ResealTOTPCredential(ctx context.Context, userID string, old, sealed []byte) error {
	tag, err := s.pool.Exec(ctx, `UPDATE totp_credentials SET sealed_secret = $2 WHERE user_id = $1 AND sealed_secret = $3`,
		userID, blob(sealed), blob(old))
	if err != nil {
		return fmt.Errorf("reseal TOTP credential of user %s: %w", userID, unavailable(err))
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("reseal TOTP credential of user %s: %w", userID, mfa.ErrNotFound)
	}
	return nil
}
