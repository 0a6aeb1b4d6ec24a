package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

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
	_, err := s.q.ExecContext(ctx, `INSERT INTO onetime_tokens (`+onetimeColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		t.Hash, string(t.Purpose), t.UserID, t.TenantID, t.CreatedBy, t.ClientID, t.RedirectURI,
		encTime(t.CreatedAt), encTime(t.ExpiresAt), encOptTime(t.UsedAt))
	if isUnique(err) {
		err = fmt.Errorf("%w: %w", onetime.ErrConflict, err)
	}
	if err != nil {
		return fmt.Errorf("create %s token for user %s: %w", t.Purpose, t.UserID, err)
	}
	return nil
}

// RedeemToken marks the live token with hash and purpose used at now and
// returns it. The UPDATE is the arbiter: SQLite runs one writer at a time,
// so of concurrent redeems of one token the first marks it used and every
// later one updates nothing. Nothing makes a token live again, so the
// SELECT that then says why finds it used, expired or gone. Inside InTx
// both run in the transaction, whose write lock is held from BEGIN.
func (s directoryQueries) RedeemToken(ctx context.Context, hash []byte, purpose onetime.Purpose, now time.Time) (onetime.Token, error) {
	t, err := scanOnetime(s.q.QueryRowContext(ctx, `UPDATE onetime_tokens SET used_at = ?1
		WHERE hash = ?2 AND purpose = ?3 AND used_at IS NULL AND expires_at > ?1
		RETURNING `+onetimeColumns, encTime(now), hash, string(purpose)))
	if errors.Is(err, sql.ErrNoRows) {
		var old onetime.Token
		old, err = peekOnetime(ctx, s.q, hash, purpose)
		if err == nil {
			if err = old.Check(now); err == nil {
				err = errors.New("token live but not updated") // cannot happen
			}
		}
	}
	if err != nil {
		return onetime.Token{}, fmt.Errorf("redeem %s token: %w", purpose, err)
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
		return onetime.Token{}, fmt.Errorf("peek %s token: %w", purpose, err)
	}
	return t, nil
}

// peekOnetime returns the token with hash and purpose in whatever state, or
// onetime.ErrNotFound.
func peekOnetime(ctx context.Context, q querier, hash []byte, purpose onetime.Purpose) (onetime.Token, error) {
	t, err := scanOnetime(q.QueryRowContext(ctx, `SELECT `+onetimeColumns+` FROM onetime_tokens
		WHERE hash = ? AND purpose = ?`, hash, string(purpose)))
	if errors.Is(err, sql.ErrNoRows) {
		return onetime.Token{}, onetime.ErrNotFound
	}
	return t, err
}

// RevokeTokens marks every unused token of userID and purpose used at now
// and reports how many.
func (s directoryQueries) RevokeTokens(ctx context.Context, userID string, purpose onetime.Purpose, now time.Time) (int, error) {
	res, err := s.q.ExecContext(ctx, `UPDATE onetime_tokens SET used_at = ?
		WHERE user_id = ? AND purpose = ? AND used_at IS NULL`, encTime(now), userID, string(purpose))
	if err != nil {
		return 0, fmt.Errorf("revoke %s tokens of user %s: %w", purpose, userID, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("revoke %s tokens of user %s: %w", purpose, userID, err)
	}
	return int(n), nil
}

// DeleteExpiredTokens removes tokens that expired before before, used or
// not, and reports how many.
func (s directoryQueries) DeleteExpiredTokens(ctx context.Context, before time.Time) (int, error) {
	res, err := s.q.ExecContext(ctx, `DELETE FROM onetime_tokens WHERE expires_at < ?`, encTime(before))
	if err != nil {
		return 0, fmt.Errorf("delete expired one-time tokens: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("delete expired one-time tokens: %w", err)
	}
	return int(n), nil
}

func scanOnetime(r scanner) (onetime.Token, error) {
	var (
		t                onetime.Token
		purpose          string
		created, expires string
		used             sql.NullString
	)
	if err := r.Scan(&t.Hash, &purpose, &t.UserID, &t.TenantID, &t.CreatedBy, &t.ClientID, &t.RedirectURI,
		&created, &expires, &used); err != nil {
		return onetime.Token{}, err
	}
	t.Purpose = onetime.Purpose(purpose)
	var d decoder
	t.CreatedAt, t.ExpiresAt, t.UsedAt = d.time(created), d.time(expires), d.optTime(used)
	if d.err != nil {
		return onetime.Token{}, d.err
	}
	return t, nil
}
