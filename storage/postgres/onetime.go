package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/gatehouse-id/gatehouse/onetime"
)

var (
	_ onetime.Store = (*Store)(nil)
	_ onetime.Store = txStore{}
)

const onetimeColumns = `hash, purpose, user_id, tenant_id, created_by, client_id, redirect_uri,
	created_at, expires_at, used_at`

// CreateToken stores t, or returns onetime.ErrConflict if its hash is taken.
func (s directoryQueries) CreateToken(ctx context.Context, t onetime.Token) error {
	_, err := s.q.Exec(ctx, `INSERT INTO onetime_tokens (`+onetimeColumns+`) VALUES (`+params(10)+`)`,
		t.Hash, string(t.Purpose), t.UserID, t.TenantID, t.CreatedBy, t.ClientID, t.RedirectURI,
		t.CreatedAt, t.ExpiresAt, optTime(t.UsedAt))
	if pgCode(err) == codeUniqueViolation {
		err = fmt.Errorf("%w: %w", onetime.ErrConflict, err)
	}
	if err != nil {
		return fmt.Errorf("create %s token for user %s: %w", t.Purpose, t.UserID, unavailable(err))
	}
	return nil
}

// RedeemToken marks the live token with hash and purpose used at now and
// returns it. The UPDATE is the arbiter, as in RotateRefreshToken: of
// concurrent redeems of one token, the first takes the row lock and marks
// it used; the others wait for it to commit, then PostgreSQL re-checks
// their WHERE against the committed row, finds used_at set, and they update
// nothing. The SELECT that says why is a new statement, so under READ
// COMMITTED it sees the winner's commit and every loser reports ErrUsed.
func (s directoryQueries) RedeemToken(ctx context.Context, hash []byte, purpose onetime.Purpose, now time.Time) (onetime.Token, error) {
	t, err := scanOnetime(s.q.QueryRow(ctx, `UPDATE onetime_tokens SET used_at = $1
		WHERE hash = $2 AND purpose = $3 AND used_at IS NULL AND expires_at > $1
		RETURNING `+onetimeColumns, now, hash, string(purpose)))
	if errors.Is(err, pgx.ErrNoRows) {
		// Not live: say why. Nothing makes a token live again, so the
		// row is used, expired or gone.
		var old onetime.Token
		old, err = peekOnetime(ctx, s.q, hash, purpose)
		if err == nil {
			if err = old.Check(now); err == nil {
				err = errors.New("token live but not updated") // cannot happen
			}
		}
	}
	if err != nil {
		return onetime.Token{}, fmt.Errorf("redeem %s token: %w", purpose, unavailable(err))
	}
	return t, nil
}

// PeekToken returns what RedeemToken would at now, without using the token.
func (s directoryQueries) PeekToken(ctx context.Context, hash []byte, purpose onetime.Purpose, now time.Time) (onetime.Token, error) {
	t, err := peekOnetime(ctx, s.q, hash, purpose)
	if err == nil {
		err = t.Check(now)
	}
	if err != nil {
		return onetime.Token{}, fmt.Errorf("peek %s token: %w", purpose, unavailable(err))
	}
	return t, nil
}

// peekOnetime returns the token with hash and purpose in whatever state, or
// onetime.ErrNotFound.
func peekOnetime(ctx context.Context, q querier, hash []byte, purpose onetime.Purpose) (onetime.Token, error) {
	t, err := scanOnetime(q.QueryRow(ctx, `SELECT `+onetimeColumns+` FROM onetime_tokens
		WHERE hash = $1 AND purpose = $2`, hash, string(purpose)))
	if errors.Is(err, pgx.ErrNoRows) {
		return onetime.Token{}, onetime.ErrNotFound
	}
	return t, err
}

// RevokeTokens marks every unused token of userID and purpose used at now
// and reports how many.
func (s directoryQueries) RevokeTokens(ctx context.Context, userID string, purpose onetime.Purpose, now time.Time) (int, error) {
	tag, err := s.q.Exec(ctx, `UPDATE onetime_tokens SET used_at = $1
		WHERE user_id = $2 AND purpose = $3 AND used_at IS NULL`, now, userID, string(purpose))
	if err != nil {
		return 0, fmt.Errorf("revoke %s tokens of user %s: %w", purpose, userID, unavailable(err))
	}
	return int(tag.RowsAffected()), nil
}

// DeleteExpiredTokens removes tokens that expired before before, used or
// not, and reports how many.
func (s directoryQueries) DeleteExpiredTokens(ctx context.Context, before time.Time) (int, error) {
	tag, err := s.q.Exec(ctx, `DELETE FROM onetime_tokens WHERE expires_at < $1`, before)
	if err != nil {
		return 0, fmt.Errorf("delete expired one-time tokens: %w", unavailable(err))
	}
	return int(tag.RowsAffected()), nil
}

func scanOnetime(r scanner) (onetime.Token, error) {
	var (
		t       onetime.Token
		purpose string
		used    *time.Time
	)
	if err := r.Scan(&t.Hash, &purpose, &t.UserID, &t.TenantID, &t.CreatedBy, &t.ClientID, &t.RedirectURI,
		&t.CreatedAt, &t.ExpiresAt, &used); err != nil {
		return onetime.Token{}, err
	}
	t.Purpose = onetime.Purpose(purpose)
	if used != nil {
		t.UsedAt = *used
	}
	return t, nil
}
