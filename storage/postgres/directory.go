package postgres

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/gatehouse-id/gatehouse/directory"
	"github.com/gatehouse-id/gatehouse/storage"
)

// directoryQueries implements directory.Store except InTx over a querier, so
// that Store (on the pool) and txStore (on one transaction) share every query.
type directoryQueries struct {
	q querier
}

// maxAttempts bounds how often InTx runs fn when PostgreSQL keeps aborting
// it for conflicts with concurrent transactions.
const maxAttempts = 10

// InTx runs fn in one SERIALIZABLE transaction; see directory.Store.
//
// The Directory's transactions read, check and then write (a tenant's
// parent, a user's roles, a role that must not exist yet), and rely on
// nothing changing in between, as SQLite guarantees by running one writer at
// a time. PostgreSQL runs them side by side and, at SERIALIZABLE, aborts one
// of two transactions whose outcome no serial order could produce (SQLSTATE
// 40001), as it aborts one of two deadlocked ones (40P01). Nothing of the
// aborted one is kept, so InTx rolls back and runs fn again, on what the
// winner committed, up to maxAttempts times.
//
// A key that a concurrent transaction committed after this one began is
// reported as a unique violation instead (PostgreSQL's manual, "Serialization
// Failure Handling": "In some cases it is also appropriate to retry
// unique-key failures"): fn looked the key up, found nothing and created it,
// as two nodes applying the same directory file at start-up both do. InTx
// runs fn again once for that; the second run finds the row and leaves it. A
// unique violation on the second run is a true conflict, and is returned as
// ErrConflict.
func (s *Store) InTx(ctx context.Context, fn func(directory.Store) error) error {
	opts := pgx.TxOptions{IsoLevel: pgx.Serializable}
	uniqueRetried := false
	for attempt := 1; ; attempt++ {
		err := inTx(ctx, s.pool, opts, func(tx pgx.Tx) error {
			return fn(txStore{directoryQueries{q: tx}})
		})
		switch code := pgCode(err); {
		case err == nil:
			return nil
		case code == codeSerializationFailure, code == codeDeadlockDetected:
		case code == codeUniqueViolation && !uniqueRetried:
			uniqueRetried = true
		default:
			return err
		}
		if attempt == maxAttempts {
			// Still contended: the caller may try again shortly (503),
			// nothing was written.
			return fmt.Errorf("transaction aborted by concurrent ones %d times: %w: %w", attempt, storage.ErrUnavailable, err)
		}
		// A random pause, growing with the attempts, so that the
		// same rivals do not collide again at once.
		pause := time.Duration(rand.Int64N(int64(min(time.Millisecond<<attempt, 100*time.Millisecond))))
		select {
		case <-ctx.Done():
			return fmt.Errorf("%w (while retrying after: %w)", ctx.Err(), err)
		case <-time.After(pause):
		}
	}
}

// txStore is the directory.Store that InTx hands to fn: every call runs in
// the transaction.
type txStore struct {
	directoryQueries
}

// InTx joins the transaction already open, as directory.Store requires of
// nested calls: fn's writes commit or roll back with the outer ones, and a
// retry of the outer transaction runs fn again with it.
func (s txStore) InTx(_ context.Context, fn func(directory.Store) error) error {
	return fn(s)
}

const tenantColumns = `id, slug, name, level, parent_id, path, settings, created_at, updated_at`

// tenantArgs returns t's column values in tenantColumns order, id first.
func tenantArgs(t directory.Tenant) ([]any, error) {
	var e encoder
	args := []any{t.ID, t.Slug, t.Name, string(t.Level), optString(t.ParentID), list(t.Path),
		e.settings(t.Settings), t.CreatedAt, t.UpdatedAt}
	return args, e.err
}

func tenantRefs(t directory.Tenant) ref {
	return ref{"tenants_parent_id_fkey", "parent tenant", t.ParentID}
}

// CreateTenant stores t; a taken id or slug is ErrConflict, a missing parent
// ErrNotFound.
func (s directoryQueries) CreateTenant(ctx context.Context, t directory.Tenant) error {
	args, err := tenantArgs(t)
	if err != nil {
		return fmt.Errorf("create tenant %q: %w", t.Slug, err)
	}
	_, err = s.q.Exec(ctx, `INSERT INTO tenants (`+tenantColumns+`) VALUES (`+params(9)+`)`, args...)
	if err != nil {
		return fmt.Errorf("create tenant %q: %w", t.Slug, writeErr(err, tenantRefs(t)))
	}
	return nil
}

// UpdateTenant replaces every field of the tenant with t.ID.
func (s directoryQueries) UpdateTenant(ctx context.Context, t directory.Tenant) error {
	args, err := tenantArgs(t)
	if err != nil {
		return fmt.Errorf("update tenant %s: %w", t.ID, err)
	}
	tag, err := s.q.Exec(ctx, `UPDATE tenants SET slug = $2, name = $3, level = $4, parent_id = $5, path = $6,
		settings = $7, created_at = $8, updated_at = $9 WHERE id = $1`, args...)
	if err != nil {
		return fmt.Errorf("update tenant %s: %w", t.ID, writeErr(err, tenantRefs(t)))
	}
	return affectedOne(tag, "update tenant "+t.ID)
}

// TenantByID returns the tenant with id, or ErrNotFound.
func (s directoryQueries) TenantByID(ctx context.Context, id string) (directory.Tenant, error) {
	t, err := scanTenant(s.q.QueryRow(ctx, `SELECT `+tenantColumns+` FROM tenants WHERE id = $1`, id))
	if err != nil {
		return directory.Tenant{}, fmt.Errorf("get tenant %s: %w", id, dirErr(err))
	}
	return t, nil
}

// TenantBySlug returns the tenant with slug, or ErrNotFound.
func (s directoryQueries) TenantBySlug(ctx context.Context, slug string) (directory.Tenant, error) {
	t, err := scanTenant(s.q.QueryRow(ctx, `SELECT `+tenantColumns+` FROM tenants WHERE slug = $1`, slug))
	if err != nil {
		return directory.Tenant{}, fmt.Errorf("get tenant %q: %w", slug, dirErr(err))
	}
	return t, nil
}

// ListTenants returns every tenant ordered by path, so that each parent
// comes right before its subtree: PostgreSQL compares arrays element by
// element, a prefix first, and the column's "C" collation compares ids byte
// by byte.
func (s directoryQueries) ListTenants(ctx context.Context) ([]directory.Tenant, error) {
	rows, err := s.q.Query(ctx, `SELECT `+tenantColumns+` FROM tenants ORDER BY path, id`)
	if err != nil {
		return nil, fmt.Errorf("list tenants: %w", dirErr(err))
	}
	ts, err := collect(rows, scanTenant)
	if err != nil {
		return nil, fmt.Errorf("list tenants: %w", dirErr(err))
	}
	return ts, nil
}

func scanTenant(r scanner) (directory.Tenant, error) {
	var (
		t        directory.Tenant
		level    string
		parent   *string
		settings []byte
	)
	if err := r.Scan(&t.ID, &t.Slug, &t.Name, &level, &parent, &t.Path, &settings, &t.CreatedAt, &t.UpdatedAt); err != nil {
		return directory.Tenant{}, err
	}
	t.Level = directory.Level(level)
	if parent != nil {
		t.ParentID = *parent
	}
	var d decoder
	if t.Settings = d.settings(settings); d.err != nil {
		return directory.Tenant{}, fmt.Errorf("tenant %s: %w", t.ID, d.err)
	}
	return t, nil
}

// affectedOne turns an UPDATE that matched no row into ErrNotFound.
func affectedOne(tag pgconn.CommandTag, what string) error {
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("%s: %w", what, directory.ErrNotFound)
	}
	return nil
}
