package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/gatehouse-id/gatehouse/grants"
)

const refreshColumns = `id, hash, family_id, client_id, subject, tenant_id, session_id, scopes, audience, amr,
	acr, auth_time, actor_id, support_reason, created_at, expires_at, used_at, revoked_at`

// CreateRefreshToken stores t, the first token of a family or a token issued
// outside rotation.
func (s *Store) CreateRefreshToken(ctx context.Context, t grants.RefreshToken) error {
	if err := insertRefresh(ctx, s.db, t); err != nil {
		return fmt.Errorf("create refresh token %s: %w", t.ID, err)
	}
	return nil
}

func insertRefresh(ctx context.Context, q querier, t grants.RefreshToken) error {
	var lists [3]string
	for i, l := range [][]string{t.Scopes, t.Audience, t.AMR} {
		var err error
		if lists[i], err = encList(l); err != nil {
			return err
		}
	}
	_, err := q.ExecContext(ctx, `INSERT INTO refresh_tokens (`+refreshColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		t.ID, t.Hash, t.FamilyID, t.ClientID, t.Subject, t.TenantID, t.SessionID, lists[0], lists[1], lists[2],
		t.ACR, encTime(t.AuthTime), t.ActorID, t.SupportReason, encTime(t.CreatedAt), encTime(t.ExpiresAt),
		encOptTime(t.UsedAt), encOptTime(t.RevokedAt))
	return err
}

// RefreshTokenByHash returns the token with hash in whatever state, or
// ErrNotFound.
func (s *Store) RefreshTokenByHash(ctx context.Context, hash []byte) (grants.RefreshToken, error) {
	t, err := scanRefresh(s.db.QueryRowContext(ctx, `SELECT `+refreshColumns+` FROM refresh_tokens WHERE hash = ?`, hash))
	if errors.Is(err, sql.ErrNoRows) {
		err = grants.ErrNotFound
	}
	if err != nil {
		return grants.RefreshToken{}, fmt.Errorf("get refresh token: %w", err)
	}
	return t, nil
}

// RotateRefreshToken exchanges the live token with oldHash for next, in one
// immediate transaction, so that concurrent rotations of one token are
// serialized: the first marks it used, every later one finds it used.
//
// RFC 9700 §4.14.2: "If a refresh token is compromised and subsequently used
// by both the attacker and the legitimate client, one of them will present an
// invalidated refresh token, which will inform the authorization server of
// the breach." A used token therefore revokes its family, and that revocation
// is committed although the call returns ErrReused. Reuse is checked before
// revocation and expiry, so that every loser of a race (and every later
// replay) reports ErrReused even once the family is revoked.
func (s *Store) RotateRefreshToken(ctx context.Context, oldHash []byte, next grants.RefreshToken, now time.Time) error {
	var reused bool
	err := inTx(ctx, s.db, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE refresh_tokens SET used_at = ?
			WHERE hash = ? AND used_at IS NULL AND revoked_at IS NULL AND expires_at > ?`,
			encTime(now), oldHash, encTime(now))
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		if err != nil {
			return err
		}
		if n == 1 {
			return insertRefresh(ctx, tx, next)
		}
		var (
			family string
			usedAt sql.NullString
		)
		err = tx.QueryRowContext(ctx, `SELECT family_id, used_at FROM refresh_tokens WHERE hash = ?`, oldHash).
			Scan(&family, &usedAt)
		if errors.Is(err, sql.ErrNoRows) {
			return grants.ErrNotFound
		}
		if err != nil {
			return err
		}
		if !usedAt.Valid {
			// Revoked or expired: refused, and nothing was written.
			return grants.ErrNotFound
		}
		if err := revokeFamily(ctx, tx, family, now); err != nil {
			return err
		}
		reused = true
		return nil // commit the revocation
	})
	if err == nil && reused {
		err = grants.ErrReused
	}
	if err != nil {
		return fmt.Errorf("rotate refresh token: %w", err)
	}
	return nil
}

// RevokeRefreshToken revokes the token with hash; an unknown or already
// revoked token is no error, and the first revocation time is kept.
func (s *Store) RevokeRefreshToken(ctx context.Context, hash []byte, now time.Time) error {
	if _, err := s.db.ExecContext(ctx, `UPDATE refresh_tokens SET revoked_at = ? WHERE hash = ? AND revoked_at IS NULL`,
		encTime(now), hash); err != nil {
		return fmt.Errorf("revoke refresh token: %w", err)
	}
	return nil
}

// RevokeRefreshFamily revokes every token of familyID.
func (s *Store) RevokeRefreshFamily(ctx context.Context, familyID string, now time.Time) error {
	if err := revokeFamily(ctx, s.db, familyID, now); err != nil {
		return fmt.Errorf("revoke refresh family %s: %w", familyID, err)
	}
	return nil
}

func revokeFamily(ctx context.Context, q querier, familyID string, now time.Time) error {
	_, err := q.ExecContext(ctx, `UPDATE refresh_tokens SET revoked_at = ? WHERE family_id = ? AND revoked_at IS NULL`,
		encTime(now), familyID)
	return err
}

// RevokeSessionRefreshTokens revokes every token born in sessionID.
func (s *Store) RevokeSessionRefreshTokens(ctx context.Context, sessionID string, now time.Time) error {
	if _, err := s.db.ExecContext(ctx, `UPDATE refresh_tokens SET revoked_at = ? WHERE session_id = ? AND revoked_at IS NULL`,
		encTime(now), sessionID); err != nil {
		return fmt.Errorf("revoke refresh tokens of session %s: %w", sessionID, err)
	}
	return nil
}

// DeleteExpiredRefreshTokens removes tokens that expired before before and
// reports how many.
func (s *Store) DeleteExpiredRefreshTokens(ctx context.Context, before time.Time) (int, error) {
	res, err := s.db.ExecContext(ctx, `DELETE FROM refresh_tokens WHERE expires_at < ?`, encTime(before))
	if err != nil {
		return 0, fmt.Errorf("delete expired refresh tokens: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("delete expired refresh tokens: %w", err)
	}
	return int(n), nil
}

func scanRefresh(r scanner) (grants.RefreshToken, error) {
	var (
		t                          grants.RefreshToken
		scopes, audience, amr      string
		authTime, created, expires string
		used, revoked              sql.NullString
	)
	if err := r.Scan(&t.ID, &t.Hash, &t.FamilyID, &t.ClientID, &t.Subject, &t.TenantID, &t.SessionID,
		&scopes, &audience, &amr, &t.ACR, &authTime, &t.ActorID, &t.SupportReason, &created, &expires, &used, &revoked); err != nil {
		return grants.RefreshToken{}, err
	}
	var d decoder
	t.Scopes, t.Audience, t.AMR = d.list(scopes), d.list(audience), d.list(amr)
	t.AuthTime, t.CreatedAt, t.ExpiresAt = d.time(authTime), d.time(created), d.time(expires)
	t.UsedAt, t.RevokedAt = d.optTime(used), d.optTime(revoked)
	if d.err != nil {
		return grants.RefreshToken{}, d.err
	}
	return t, nil
}
