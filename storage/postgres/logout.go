package postgres

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/gatehouse-id/gatehouse/logout"
)

// Back-channel logout (package logout): participations and the outbox.
// Nodes claim deliveries with FOR UPDATE SKIP LOCKED and a lease, so two
// nodes never send the same one at once; the outbox's bound is kept under
// a transaction-scoped advisory lock, so that concurrent queuers count
// each other's rows.

// outboxLock is the advisory lock key of QueueDeliveries ("logout" in
// ASCII).
const outboxLock = 0x6c6f676f7574

const participationColumns = `session_id, client_id, user_id, tenant_id, support, created_at, expires_at`

// RecordParticipation stores p, replacing the row of its session and client.
func (s *Store) RecordParticipation(ctx context.Context, p logout.Participation) error {
	_, err := s.pool.Exec(ctx, `INSERT INTO logout_sessions (`+participationColumns+`) VALUES (`+params(7)+`)
		ON CONFLICT (session_id, client_id) DO UPDATE SET user_id = excluded.user_id, tenant_id = excluded.tenant_id,
		support = excluded.support, created_at = excluded.created_at, expires_at = excluded.expires_at`,
		p.SessionID, p.ClientID, p.UserID, p.TenantID, p.Support, p.CreatedAt, p.ExpiresAt)
	if err != nil {
		return fmt.Errorf("record participation of %s: %w", p.ClientID, unavailable(err))
	}
	return nil
}

// SessionParticipations returns the participations in the sessions ids.
func (s *Store) SessionParticipations(ctx context.Context, ids []string) ([]logout.Participation, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	return s.participations(ctx, `session_id = ANY($1) ORDER BY session_id, client_id`, ids)
}

// UserParticipations returns the participations in the sessions of userID.
func (s *Store) UserParticipations(ctx context.Context, userID string) ([]logout.Participation, error) {
	return s.participations(ctx, `user_id = $1 ORDER BY session_id, client_id`, userID)
}

// TenantParticipations returns the participations in sessions acting in
// any of tenantIDs.
func (s *Store) TenantParticipations(ctx context.Context, ids []string) ([]logout.Participation, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	return s.participations(ctx, `tenant_id = ANY($1) ORDER BY session_id, client_id`, ids)
}

// EndedSupportParticipations returns up to limit participations in support
// sessions ended at now.
func (s *Store) EndedSupportParticipations(ctx context.Context, now time.Time, limit int) ([]logout.Participation, error) {
	return s.participations(ctx, `support AND expires_at <= $1 ORDER BY expires_at, session_id, client_id LIMIT $2`, now, limit)
}

func (s *Store) participations(ctx context.Context, where string, args ...any) ([]logout.Participation, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+participationColumns+` FROM logout_sessions WHERE `+where, args...)
	if err != nil {
		return nil, fmt.Errorf("list participations: %w", unavailable(err))
	}
	out, err := collect(rows, func(r scanner) (logout.Participation, error) {
		var p logout.Participation
		err := r.Scan(&p.SessionID, &p.ClientID, &p.UserID, &p.TenantID, &p.Support, &p.CreatedAt, &p.ExpiresAt)
		p.CreatedAt, p.ExpiresAt = p.CreatedAt.UTC(), p.ExpiresAt.UTC()
		return p, err
	})
	if err != nil {
		return nil, fmt.Errorf("list participations: %w", unavailable(err))
	}
	return out, nil
}

// DeleteParticipations removes the rows of ps.
func (s *Store) DeleteParticipations(ctx context.Context, ps []logout.Participation) error {
	if len(ps) == 0 {
		return nil
	}
	sids, cids := make([]string, len(ps)), make([]string, len(ps))
	for i, p := range ps {
		sids[i], cids[i] = p.SessionID, p.ClientID
	}
	_, err := s.pool.Exec(ctx, `DELETE FROM logout_sessions l USING unnest($1::text[], $2::text[]) AS d(sid, cid)
		WHERE l.session_id = d.sid AND l.client_id = d.cid`, sids, cids)
	if err != nil {
		return fmt.Errorf("delete participations: %w", unavailable(err))
	}
	return nil
}

// DeleteEndedParticipations removes participations in ordinary sessions
// that ended before before.
func (s *Store) DeleteEndedParticipations(ctx context.Context, before time.Time) (int, error) {
	tag, err := s.pool.Exec(ctx, `DELETE FROM logout_sessions WHERE NOT support AND expires_at < $1`, before)
	if err != nil {
		return 0, fmt.Errorf("delete ended participations: %w", unavailable(err))
	}
	return int(tag.RowsAffected()), nil
}

const deliveryColumns = `id, client_id, tenant_id, user_id, session_id, uri, attempts, created_at, next_at, give_up_at`

// QueueDeliveries stores ds while fewer than max are pending.
func (s *Store) QueueDeliveries(ctx context.Context, ds []logout.Delivery, max int) (int, error) {
	queued := 0
	err := inTx(ctx, s.pool, pgx.TxOptions{}, func(tx pgx.Tx) error {
		queued = 0
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, int64(outboxLock)); err != nil {
			return err
		}
		var pending int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM logout_outbox`).Scan(&pending); err != nil {
			return err
		}
		for _, d := range ds {
			if pending >= max {
				break
			}
			if _, err := tx.Exec(ctx, `INSERT INTO logout_outbox (`+deliveryColumns+`) VALUES (`+params(10)+`)`,
				d.ID, d.ClientID, d.TenantID, d.UserID, d.SessionID, d.URI, d.Attempts, d.CreatedAt, d.NextAt, d.GiveUpAt); err != nil {
				return err
			}
			pending++
			queued++
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("queue logout deliveries: %w", unavailable(err))
	}
	return queued, nil
}

// ClaimDeliveries leases up to limit due deliveries to owner. SKIP LOCKED
// passes over rows another node is claiming at this moment; the lease
// keeps them from being claimed again while they are being sent.
func (s *Store) ClaimDeliveries(ctx context.Context, owner string, now, leaseUntil time.Time, limit int) ([]logout.Delivery, error) {
	rows, err := s.pool.Query(ctx, `UPDATE logout_outbox SET lease_owner = $1, lease_until = $3
		WHERE id IN (SELECT id FROM logout_outbox WHERE next_at <= $2 AND (lease_until IS NULL OR lease_until <= $2)
			ORDER BY next_at, id LIMIT $4 FOR UPDATE SKIP LOCKED)
		RETURNING `+deliveryColumns, owner, now, leaseUntil, limit)
	if err != nil {
		return nil, fmt.Errorf("claim logout deliveries: %w", unavailable(err))
	}
	out, err := collect(rows, func(r scanner) (logout.Delivery, error) {
		var d logout.Delivery
		err := r.Scan(&d.ID, &d.ClientID, &d.TenantID, &d.UserID, &d.SessionID, &d.URI, &d.Attempts,
			&d.CreatedAt, &d.NextAt, &d.GiveUpAt)
		d.CreatedAt, d.NextAt, d.GiveUpAt = d.CreatedAt.UTC(), d.NextAt.UTC(), d.GiveUpAt.UTC()
		return d, err
	})
	if err != nil {
		return nil, fmt.Errorf("claim logout deliveries: %w", unavailable(err))
	}
	// RETURNING gives no order; the contract promises soonest due first.
	slices.SortFunc(out, func(a, b logout.Delivery) int {
		if c := a.NextAt.Compare(b.NextAt); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return out, nil
}

// DeleteDelivery removes the delivery id.
func (s *Store) DeleteDelivery(ctx context.Context, id string) error {
	if _, err := s.pool.Exec(ctx, `DELETE FROM logout_outbox WHERE id = $1`, id); err != nil {
		return fmt.Errorf("delete logout delivery: %w", unavailable(err))
	}
	return nil
}

// RetryDelivery records a failed attempt and releases owner's lease.
func (s *Store) RetryDelivery(ctx context.Context, id, owner string, attempts int, next time.Time) error {
	tag, err := s.pool.Exec(ctx, `UPDATE logout_outbox SET attempts = $3, next_at = $4, lease_owner = '', lease_until = NULL
		WHERE id = $1 AND lease_owner = $2`, id, owner, attempts, next)
	if err != nil {
		return fmt.Errorf("retry logout delivery: %w", unavailable(err))
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("retry logout delivery %s: %w", id, logout.ErrNotFound)
	}
	return nil
}

// PendingDeliveries counts the outbox.
func (s *Store) PendingDeliveries(ctx context.Context) (int, error) {
	var n int
	if err := s.pool.QueryRow(ctx, `SELECT count(*) FROM logout_outbox`).Scan(&n); err != nil {
		return 0, fmt.Errorf("count logout deliveries: %w", unavailable(err))
	}
	return n, nil
}
