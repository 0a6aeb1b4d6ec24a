package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/gatehouse-id/gatehouse/logout"
)

// Back-channel logout (package logout): participations and the outbox.
// SQLite serves one node, and every write transaction holds the database's
// write lock (BEGIN IMMEDIATE), so a claim is a select and an update in
// one transaction.

const participationColumns = `session_id, client_id, user_id, tenant_id, support, created_at, expires_at`

// RecordParticipation stores p, replacing the row of its session and client.
func (s *Store) RecordParticipation(ctx context.Context, p logout.Participation) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO logout_sessions (`+participationColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (session_id, client_id) DO UPDATE SET user_id = excluded.user_id, tenant_id = excluded.tenant_id,
		support = excluded.support, created_at = excluded.created_at, expires_at = excluded.expires_at`,
		p.SessionID, p.ClientID, p.UserID, p.TenantID, p.Support, encTime(p.CreatedAt), encTime(p.ExpiresAt))
	if err != nil {
		return fmt.Errorf("record participation of %s: %w", p.ClientID, err)
	}
	return nil
}

// SessionParticipations returns the participations in the sessions ids.
func (s *Store) SessionParticipations(ctx context.Context, ids []string) ([]logout.Participation, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	return s.participations(ctx, `session_id IN (?`+strings.Repeat(", ?", len(ids)-1)+`) ORDER BY session_id, client_id`, args...)
}

// UserParticipations returns the participations in the sessions of userID.
func (s *Store) UserParticipations(ctx context.Context, userID string) ([]logout.Participation, error) {
	return s.participations(ctx, `user_id = ? ORDER BY session_id, client_id`, userID)
}

// TenantParticipations returns the participations in sessions acting in
// any of tenantIDs.
func (s *Store) TenantParticipations(ctx context.Context, ids []string) ([]logout.Participation, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	return s.participations(ctx, `tenant_id IN (?`+strings.Repeat(", ?", len(ids)-1)+`) ORDER BY session_id, client_id`, args...)
}

// EndedSupportParticipations returns up to limit participations in support
// sessions ended at now.
func (s *Store) EndedSupportParticipations(ctx context.Context, now time.Time, limit int) ([]logout.Participation, error) {
	return s.participations(ctx, `support = 1 AND expires_at <= ? ORDER BY expires_at, session_id, client_id LIMIT ?`,
		encTime(now), limit)
}

func (s *Store) participations(ctx context.Context, where string, args ...any) ([]logout.Participation, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+participationColumns+` FROM logout_sessions WHERE `+where, args...)
	if err != nil {
		return nil, fmt.Errorf("list participations: %w", err)
	}
	defer rows.Close()
	var out []logout.Participation
	for rows.Next() {
		var (
			p                logout.Participation
			created, expires string
			d                decoder
		)
		if err := rows.Scan(&p.SessionID, &p.ClientID, &p.UserID, &p.TenantID, &p.Support, &created, &expires); err != nil {
			return nil, fmt.Errorf("list participations: %w", err)
		}
		p.CreatedAt, p.ExpiresAt = d.time(created), d.time(expires)
		if d.err != nil {
			return nil, fmt.Errorf("list participations: %w", d.err)
		}
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list participations: %w", err)
	}
	return out, nil
}

// DeleteParticipations removes the rows of ps.
func (s *Store) DeleteParticipations(ctx context.Context, ps []logout.Participation) error {
	if len(ps) == 0 {
		return nil
	}
	err := inTx(ctx, s.db, func(tx *sql.Tx) error {
		for _, p := range ps {
			if _, err := tx.ExecContext(ctx, `DELETE FROM logout_sessions WHERE session_id = ? AND client_id = ?`,
				p.SessionID, p.ClientID); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("delete participations: %w", err)
	}
	return nil
}

// DeleteEndedParticipations removes participations in ordinary sessions
// that ended before before.
func (s *Store) DeleteEndedParticipations(ctx context.Context, before time.Time) (int, error) {
	res, err := s.db.ExecContext(ctx, `DELETE FROM logout_sessions WHERE support = 0 AND expires_at < ?`, encTime(before))
	if err != nil {
		return 0, fmt.Errorf("delete ended participations: %w", err)
	}
	n, err := res.RowsAffected()
	return int(n), err
}

const deliveryColumns = `id, client_id, tenant_id, user_id, session_id, uri, attempts, created_at, next_at, give_up_at`

// QueueDeliveries stores ds while fewer than max are pending.
func (s *Store) QueueDeliveries(ctx context.Context, ds []logout.Delivery, max int) (int, error) {
	queued := 0
	err := inTx(ctx, s.db, func(tx *sql.Tx) error {
		var pending int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM logout_outbox`).Scan(&pending); err != nil {
			return err
		}
		for _, d := range ds {
			if pending >= max {
				break
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO logout_outbox (`+deliveryColumns+`)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, d.ID, d.ClientID, d.TenantID, d.UserID, d.SessionID, d.URI,
				d.Attempts, encTime(d.CreatedAt), encTime(d.NextAt), encTime(d.GiveUpAt)); err != nil {
				return err
			}
			pending++
			queued++
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("queue logout deliveries: %w", err)
	}
	return queued, nil
}

// ClaimDeliveries leases up to limit due deliveries to owner.
func (s *Store) ClaimDeliveries(ctx context.Context, owner string, now, leaseUntil time.Time, limit int) ([]logout.Delivery, error) {
	var out []logout.Delivery
	err := inTx(ctx, s.db, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT `+deliveryColumns+` FROM logout_outbox
			WHERE next_at <= ? AND (lease_until IS NULL OR lease_until <= ?) ORDER BY next_at, id LIMIT ?`,
			encTime(now), encTime(now), limit)
		if err != nil {
			return err
		}
		out, err = scanDeliveries(rows)
		if err != nil {
			return err
		}
		for _, d := range out {
			if _, err := tx.ExecContext(ctx, `UPDATE logout_outbox SET lease_owner = ?, lease_until = ? WHERE id = ?`,
				owner, encTime(leaseUntil), d.ID); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("claim logout deliveries: %w", err)
	}
	return out, nil
}

func scanDeliveries(rows *sql.Rows) ([]logout.Delivery, error) {
	defer rows.Close()
	var out []logout.Delivery
	for rows.Next() {
		var (
			d                     logout.Delivery
			created, next, giveUp string
			dec                   decoder
		)
		if err := rows.Scan(&d.ID, &d.ClientID, &d.TenantID, &d.UserID, &d.SessionID, &d.URI, &d.Attempts,
			&created, &next, &giveUp); err != nil {
			return nil, err
		}
		d.CreatedAt, d.NextAt, d.GiveUpAt = dec.time(created), dec.time(next), dec.time(giveUp)
		if dec.err != nil {
			return nil, dec.err
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// DeleteDelivery removes the delivery id.
func (s *Store) DeleteDelivery(ctx context.Context, id string) error {
	if _, err := s.db.ExecContext(ctx, `DELETE FROM logout_outbox WHERE id = ?`, id); err != nil {
		return fmt.Errorf("delete logout delivery: %w", err)
	}
	return nil
}

// RetryDelivery records a failed attempt and releases owner's lease.
func (s *Store) RetryDelivery(ctx context.Context, id, owner string, attempts int, next time.Time) error {
	res, err := s.db.ExecContext(ctx, `UPDATE logout_outbox SET attempts = ?, next_at = ?, lease_owner = '', lease_until = NULL
		WHERE id = ? AND lease_owner = ?`, attempts, encTime(next), id, owner)
	if err != nil {
		return fmt.Errorf("retry logout delivery: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return fmt.Errorf("retry logout delivery %s: %w", id, logout.ErrNotFound)
	}
	return nil
}

// PendingDeliveries counts the outbox.
func (s *Store) PendingDeliveries(ctx context.Context) (int, error) {
	var n int
	if err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM logout_outbox`).Scan(&n); err != nil {
		return 0, fmt.Errorf("count logout deliveries: %w", err)
	}
	return n, nil
}
