package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/gatehouse-id/gatehouse/directory"
)

// directoryQueries implements directory.Store except InTx over a querier, so
// that Store (on the pool) and txStore (on one transaction) share every query.
type directoryQueries struct {
	q querier
}

// InTx runs fn in one transaction; see directory.Store.
func (s *Store) InTx(ctx context.Context, fn func(directory.Store) error) error {
	return inTx(ctx, s.db, func(tx *sql.Tx) error {
		return fn(txStore{directoryQueries{q: tx}})
	})
}

// txStore is the directory.Store that InTx hands to fn: every call runs in
// the transaction.
type txStore struct {
	directoryQueries
}

// InTx joins the transaction already open, as directory.Store requires of
// nested calls: fn's writes commit or roll back with the outer ones.
func (s txStore) InTx(_ context.Context, fn func(directory.Store) error) error {
	return fn(s)
}

const tenantColumns = `id, slug, name, level, parent_id, path, settings, created_at, updated_at`

// tenantArgs returns t's column values in tenantColumns order, id first.
func tenantArgs(t directory.Tenant) ([]any, error) {
	var e encoder
	args := []any{t.ID, t.Slug, t.Name, string(t.Level), optString(t.ParentID), e.list(t.Path),
		e.settings(t.Settings), encTime(t.CreatedAt), encTime(t.UpdatedAt)}
	return args, e.err
}

// CreateTenant stores t; a taken id or slug is ErrConflict, a missing parent
// ErrNotFound.
func (s directoryQueries) CreateTenant(ctx context.Context, t directory.Tenant) error {
	args, err := tenantArgs(t)
	if err != nil {
		return fmt.Errorf("create tenant %q: %w", t.Slug, err)
	}
	_, err = s.q.ExecContext(ctx, `INSERT INTO tenants (`+tenantColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, args...)
	if err != nil {
		return fmt.Errorf("create tenant %q: %w", t.Slug, s.writeErr(ctx, err, ref{"parent tenant", "tenants", t.ParentID}))
	}
	return nil
}

// UpdateTenant replaces every field of the tenant with t.ID.
func (s directoryQueries) UpdateTenant(ctx context.Context, t directory.Tenant) error {
	args, err := tenantArgs(t)
	if err != nil {
		return fmt.Errorf("update tenant %s: %w", t.ID, err)
	}
	res, err := s.q.ExecContext(ctx, `UPDATE tenants SET slug = ?, name = ?, level = ?, parent_id = ?, path = ?,
		settings = ?, created_at = ?, updated_at = ? WHERE id = ?`, append(args[1:], t.ID)...)
	if err != nil {
		return fmt.Errorf("update tenant %s: %w", t.ID, s.writeErr(ctx, err, ref{"parent tenant", "tenants", t.ParentID}))
	}
	return affectedOne(res, "update tenant "+t.ID)
}

// TenantByID returns the tenant with id, or ErrNotFound.
func (s directoryQueries) TenantByID(ctx context.Context, id string) (directory.Tenant, error) {
	t, err := scanTenant(s.q.QueryRowContext(ctx, `SELECT `+tenantColumns+` FROM tenants WHERE id = ?`, id))
	if err != nil {
		return directory.Tenant{}, fmt.Errorf("get tenant %s: %w", id, dirErr(err))
	}
	return t, nil
}

// TenantBySlug returns the tenant with slug, or ErrNotFound.
func (s directoryQueries) TenantBySlug(ctx context.Context, slug string) (directory.Tenant, error) {
	t, err := scanTenant(s.q.QueryRowContext(ctx, `SELECT `+tenantColumns+` FROM tenants WHERE slug = ?`, slug))
	if err != nil {
		return directory.Tenant{}, fmt.Errorf("get tenant %q: %w", slug, dirErr(err))
	}
	return t, nil
}

// ListTenants returns every tenant ordered by path, compared id by id, so
// that each parent comes right before its subtree. The order is computed
// here rather than in SQL because the JSON text of a path does not sort that
// way (`["a"]` sorts after `["a","b"]`), and the tree is small.
func (s directoryQueries) ListTenants(ctx context.Context) ([]directory.Tenant, error) {
	rows, err := s.q.QueryContext(ctx, `SELECT `+tenantColumns+` FROM tenants`)
	if err != nil {
		return nil, fmt.Errorf("list tenants: %w", err)
	}
	ts, err := collect(rows, scanTenant)
	if err != nil {
		return nil, fmt.Errorf("list tenants: %w", err)
	}
	slices.SortFunc(ts, func(a, b directory.Tenant) int {
		if c := slices.Compare(a.Path, b.Path); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return ts, nil
}

func scanTenant(r scanner) (directory.Tenant, error) {
	var (
		t                directory.Tenant
		level, path      string
		parent           sql.NullString
		settings         string
		created, updated string
	)
	if err := r.Scan(&t.ID, &t.Slug, &t.Name, &level, &parent, &path, &settings, &created, &updated); err != nil {
		return directory.Tenant{}, err
	}
	t.Level, t.ParentID = directory.Level(level), parent.String
	var d decoder
	t.Path, t.Settings = d.list(path), d.settings(settings)
	t.CreatedAt, t.UpdatedAt = d.time(created), d.time(updated)
	if d.err != nil {
		return directory.Tenant{}, d.err
	}
	return t, nil
}

// scanner is a *sql.Row or *sql.Rows.
type scanner interface{ Scan(dest ...any) error }

// collect scans every row with scan and closes rows.
func collect[T any](rows *sql.Rows, scan func(scanner) (T, error)) ([]T, error) {
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// dirErr translates driver errors into the directory sentinels, keeping the
// driver's message for the log. A foreign key that fails means a row the
// write refers to does not exist; writeErr says which.
func dirErr(err error) error {
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return directory.ErrNotFound
	case isUnique(err):
		return fmt.Errorf("%w: %v", directory.ErrConflict, err)
	case isForeignKey(err):
		return fmt.Errorf("a row it refers to: %w (%v)", directory.ErrNotFound, err)
	}
	return err
}

// ref is a row that a write refers to through a foreign key: what it is
// called in messages, its table, and its id (empty: no reference).
type ref struct{ what, table, id string }

// writeErr is dirErr for a write with foreign keys to refs. SQLite reports
// that a foreign key failed but not which one, so on that error each ref is
// looked up, in the write's transaction, and the first missing one named:
// "tenant t-1: not found".
func (s directoryQueries) writeErr(ctx context.Context, err error, refs ...ref) error {
	if !isForeignKey(err) {
		return dirErr(err)
	}
	for _, r := range refs {
		if r.id == "" {
			continue
		}
		var one int
		e := s.q.QueryRowContext(ctx, `SELECT 1 FROM `+r.table+` WHERE id = ?`, r.id).Scan(&one)
		if errors.Is(e, sql.ErrNoRows) {
			return fmt.Errorf("%s %s: %w", r.what, r.id, directory.ErrNotFound)
		}
	}
	return dirErr(err)
}

// affectedOne turns an UPDATE that matched no row into ErrNotFound.
func affectedOne(res sql.Result, what string) error {
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	if n == 0 {
		return fmt.Errorf("%s: %w", what, directory.ErrNotFound)
	}
	return nil
}
