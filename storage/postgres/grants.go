package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/gatehouse-id/gatehouse/grants"
)

const refreshColumns = `id, hash, family_id, client_id, subject, tenant_id, session_id, scopes, audience, amr,
	acr, auth_time, actor_id, support_reason, created_at, expires_at, used_at, revoked_at`

// CreateRefreshToken stores t, the first token of a family or a token issued
// outside rotation.
func (s *Store) CreateRefreshToken(ctx context.Context, t grants.RefreshToken) error {
	if err := insertRefresh(ctx, s.pool, t); err != nil {
		return fmt.Errorf("create refresh token %s: %w", t.ID, unavailable(err))
	}
	return nil
}

func insertRefresh(ctx context.Context, q querier, t grants.RefreshToken) error {
	_, err := q.Exec(ctx, `INSERT INTO refresh_tokens (`+refreshColumns+`) VALUES (`+params(18)+`)`,
		t.ID, t.Hash, t.FamilyID, t.ClientID, t.Subject, t.TenantID, t.SessionID,
		list(t.Scopes), list(t.Audience), list(t.AMR), t.ACR, t.AuthTime, t.ActorID, t.SupportReason,
		t.CreatedAt, t.ExpiresAt, optTime(t.UsedAt), optTime(t.RevokedAt))
	return err
}

// RefreshTokenByHash returns the token with hash in whatever state, or
// ErrNotFound.
func (s *Store) RefreshTokenByHash(ctx context.Context, hash []byte) (grants.RefreshToken, error) {
	t, err := scanRefresh(s.pool.QueryRow(ctx, `SELECT `+refreshColumns+` FROM refresh_tokens WHERE hash = $1`, hash))
	if errors.Is(err, pgx.ErrNoRows) {
		err = grants.ErrNotFound
	}
	if err != nil {
		return grants.RefreshToken{}, fmt.Errorf("get refresh token: %w", unavailable(err))
	}
	return t, nil
}

// RotateRefreshToken exchanges the live token with oldHash for next in one
// READ COMMITTED transaction. Its UPDATE is the arbiter: of concurrent
// rotations of one token, the first takes the row lock and marks the token
// used; the others wait for it to commit, then PostgreSQL re-checks their
// WHERE against the committed row, finds used_at set, and they update
// nothing. Their next statement sees the winner's commit, so every loser
// reports reuse.
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
	err := inTx(ctx, s.pool, pgx.TxOptions{IsoLevel: pgx.ReadCommitted}, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE refresh_tokens SET used_at = $1
			WHERE hash = $2 AND used_at IS NULL AND revoked_at IS NULL AND expires_at > $1`, now, oldHash)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 1 {
			return insertRefresh(ctx, tx, next)
		}
		var (
			family string
			usedAt *time.Time
		)
		err = tx.QueryRow(ctx, `SELECT family_id, used_at FROM refresh_tokens WHERE hash = $1`, oldHash).
			Scan(&family, &usedAt)
		if errors.Is(err, pgx.ErrNoRows) {
			return grants.ErrNotFound
		}
		if err != nil {
			return err
		}
		if usedAt == nil {
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
		return fmt.Errorf("rotate refresh token: %w", unavailable(err))
	}
	return nil
}

// RevokeRefreshToken revokes the token with hash; an unknown or already
// revoked token is no error, and the first revocation time is kept.
func (s *Store) RevokeRefreshToken(ctx context.Context, hash []byte, now time.Time) error {
	if _, err := s.pool.Exec(ctx, `UPDATE refresh_tokens SET revoked_at = $1 WHERE hash = $2 AND revoked_at IS NULL`,
		now, hash); err != nil {
		return fmt.Errorf("revoke refresh token: %w", unavailable(err))
	}
	return nil
}

// RevokeRefreshFamily revokes every token of familyID.
func (s *Store) RevokeRefreshFamily(ctx context.Context, familyID string, now time.Time) error {
	if err := revokeFamily(ctx, s.pool, familyID, now); err != nil {
		return fmt.Errorf("revoke refresh family %s: %w", familyID, unavailable(err))
	}
	return nil
}

func revokeFamily(ctx context.Context, q querier, familyID string, now time.Time) error {
	_, err := q.Exec(ctx, `UPDATE refresh_tokens SET revoked_at = $1 WHERE family_id = $2 AND revoked_at IS NULL`,
		now, familyID)
	return err
}

// RevokeSessionRefreshTokens revokes every token born in sessionID.
func (s *Store) RevokeSessionRefreshTokens(ctx context.Context, sessionID string, now time.Time) error {
	if _, err := s.pool.Exec(ctx, `UPDATE refresh_tokens SET revoked_at = $1 WHERE session_id = $2 AND revoked_at IS NULL`,
		now, sessionID); err != nil {
		return fmt.Errorf("revoke refresh tokens of session %s: %w", sessionID, unavailable(err))
	}
	return nil
}

// DeleteExpiredRefreshTokens removes tokens that expired before before and
// reports how many.
func (s *Store) DeleteExpiredRefreshTokens(ctx context.Context, before time.Time) (int, error) {
	tag, err := s.pool.Exec(ctx, `DELETE FROM refresh_tokens WHERE expires_at < $1`, before)
	if err != nil {
		return 0, fmt.Errorf("delete expired refresh tokens: %w", unavailable(err))
	}
	return int(tag.RowsAffected()), nil
}

func scanRefresh(r scanner) (grants.RefreshToken, error) {
	var (
		t             grants.RefreshToken
		used, revoked *time.Time
	)
	if err := r.Scan(&t.ID, &t.Hash, &t.FamilyID, &t.ClientID, &t.Subject, &t.TenantID, &t.SessionID,
		&t.Scopes, &t.Audience, &t.AMR, &t.ACR, &t.AuthTime, &t.ActorID, &t.SupportReason, &t.CreatedAt, &t.ExpiresAt,
		&used, &revoked); err != nil {
		return grants.RefreshToken{}, err
	}
	if used != nil {
		t.UsedAt = *used
	}
	if revoked != nil {
		t.RevokedAt = *revoked
	}
	return t, nil
}
