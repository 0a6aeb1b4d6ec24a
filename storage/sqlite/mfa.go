package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/gatehouse-id/gatehouse/mfa"
)

const credentialColumns = `user_id, sealed_secret, created_at`

// TOTPCredential returns the user's credential, or mfa.ErrNotFound.
func (s *Store) TOTPCredential(ctx context.Context, userID string) (mfa.Credential, error) {
	c, err := scanCredential(s.db.QueryRowContext(ctx,
		`SELECT `+credentialColumns+` FROM totp_credentials WHERE user_id = ?`, userID))
	if errors.Is(err, sql.ErrNoRows) {
		err = mfa.ErrNotFound
	}
	if err != nil {
		return mfa.Credential{}, fmt.Errorf("get TOTP credential of user %s: %w", userID, err)
	}
	return c, nil
}

func scanCredential(row scanner) (mfa.Credential, error) {
	var (
		c       mfa.Credential
		created string
	)
	if err := row.Scan(&c.UserID, &c.SealedSecret, &created); err != nil {
		return mfa.Credential{}, err
	}
	var d decoder
	if c.CreatedAt = d.time(created); d.err != nil {
		return mfa.Credential{}, fmt.Errorf("TOTP credential of user %s: %w", c.UserID, d.err)
	}
	return c, nil
}

// PutTOTPCredential stores c, replacing the user's credential and every
// recovery code, in one transaction; a missing user is mfa.ErrNotFound.
func (s *Store) PutTOTPCredential(ctx context.Context, c mfa.Credential, recoveryHashes [][]byte) error {
	err := inTx(ctx, s.db, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO totp_credentials (user_id, sealed_secret, created_at) VALUES (?, ?, ?)
			ON CONFLICT (user_id) DO UPDATE SET sealed_secret = excluded.sealed_secret, created_at = excluded.created_at`,
			c.UserID, blob(c.SealedSecret), encTime(c.CreatedAt))
		if isForeignKey(err) {
			return fmt.Errorf("user %s: %w", c.UserID, mfa.ErrNotFound)
		}
		if err != nil {
			return err
		}
		return putRecoveryCodes(ctx, tx, c.UserID, recoveryHashes)
	})
	if err != nil {
		return fmt.Errorf("put TOTP credential of user %s: %w", c.UserID, err)
	}
	return nil
}

// DeleteTOTPCredential removes the user's credential; its recovery codes go
// with it (ON DELETE CASCADE).
func (s *Store) DeleteTOTPCredential(ctx context.Context, userID string) error {
	if _, err := s.db.ExecContext(ctx, `DELETE FROM totp_credentials WHERE user_id = ?`, userID); err != nil {
		return fmt.Errorf("delete TOTP credential of user %s: %w", userID, err)
	}
	return nil
}

// ReplaceRecoveryCodes replaces the user's recovery codes in one
// transaction; mfa.ErrNotFound without a credential.
func (s *Store) ReplaceRecoveryCodes(ctx context.Context, userID string, hashes [][]byte) error {
	err := inTx(ctx, s.db, func(tx *sql.Tx) error {
		var one int
		err := tx.QueryRowContext(ctx, `SELECT 1 FROM totp_credentials WHERE user_id = ?`, userID).Scan(&one)
		if errors.Is(err, sql.ErrNoRows) {
			return mfa.ErrNotFound
		}
		if err != nil {
			return err
		}
		return putRecoveryCodes(ctx, tx, userID, hashes)
	})
	if err != nil {
		return fmt.Errorf("replace recovery codes of user %s: %w", userID, err)
	}
	return nil
}

// putRecoveryCodes makes hashes the user's only recovery codes, all
// unused.
func putRecoveryCodes(ctx context.Context, tx *sql.Tx, userID string, hashes [][]byte) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM recovery_codes WHERE user_id = ?`, userID); err != nil {
		return err
	}
	for _, h := range hashes {
		if _, err := tx.ExecContext(ctx, `INSERT INTO recovery_codes (user_id, hash) VALUES (?, ?)`, userID, blob(h)); err != nil {
			return err
		}
	}
	return nil
}

// UseRecoveryCode spends the user's unused code with hash. One UPDATE
// decides, and SQLite runs one writer at a time: of concurrent uses of a
// code, the first sets used_at and the others match no row.
func (s *Store) UseRecoveryCode(ctx context.Context, userID string, hash []byte, at time.Time) (bool, error) {
	res, err := s.db.ExecContext(ctx, `UPDATE recovery_codes SET used_at = ?
		WHERE user_id = ? AND hash = ? AND used_at IS NULL`, encTime(at), userID, blob(hash))
	if err != nil {
		return false, fmt.Errorf("use recovery code of user %s: %w", userID, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("use recovery code of user %s: %w", userID, err)
	}
	return n == 1, nil
}

// RecoveryCodesLeft counts the user's unused recovery codes.
func (s *Store) RecoveryCodesLeft(ctx context.Context, userID string) (int, error) {
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM recovery_codes WHERE user_id = ? AND used_at IS NULL`,
		userID).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("count recovery codes of user %s: %w", userID, err)
	}
	return n, nil
}

// ListTOTPCredentials returns every credential, by user id (byte order).
func (s *Store) ListTOTPCredentials(ctx context.Context) ([]mfa.Credential, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+credentialColumns+` FROM totp_credentials ORDER BY user_id`)
	if err != nil {
		return nil, fmt.Errorf("list TOTP credentials: %w", err)
	}
	cs, err := collect(rows, scanCredential)
	if err != nil {
		return nil, fmt.Errorf("list TOTP credentials: %w", err)
	}
	return cs, nil
}

// ResealTOTPCredential replaces the sealed secret of the user's credential,
// and nothing else, if it is still old; mfa.ErrNotFound without a
// credential or with another one.
func (s *Store) ResealTOTPCredential(ctx context.Context, userID string, old, sealed []byte) error {
	res, err := s.db.ExecContext(ctx, `UPDATE totp_credentials SET sealed_secret = ? WHERE user_id = ? AND sealed_secret = ?`,
		blob(sealed), userID, blob(old))
	if err != nil {
		return fmt.Errorf("reseal TOTP credential of user %s: %w", userID, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("reseal TOTP credential of user %s: %w", userID, err)
	}
	if n == 0 {
		return fmt.Errorf("reseal TOTP credential of user %s: %w", userID, mfa.ErrNotFound)
	}
	return nil
}
