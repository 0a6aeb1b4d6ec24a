package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/gatehouse-id/gatehouse/keys"
)

// keyQueries implements keys.Store except InRotation over a querier, so
// that Store (on the pool) and rotationStore (in InRotation's transaction)
// share every query.
type keyQueries struct {
	q querier
}

// InRotation runs fn in one read-write transaction; see keys.Store.
//
// The transaction begins IMMEDIATE (see dsn), so it holds SQLite's write
// lock from its first moment to its commit: that lock is the rotation lock.
// Rival rotations, in this process or another one on the same file, queue
// for it (busy_timeout), and each then reads what the one before committed.
// The lock also keeps out every other writer for as long as fn runs, so fn
// should be quick, and must finish well within busy_timeout, or the writers
// queued behind it fail; and fn must write through the Store it is given:
// a write through any other connection waits for the lock fn holds.
func (s *Store) InRotation(ctx context.Context, fn func(keys.Store) error) error {
	return inTx(ctx, s.db, func(tx *sql.Tx) error {
		return fn(rotationStore{keyQueries{q: tx}})
	})
}

// rotationStore is the keys.Store that InRotation hands to fn: every call
// runs in the transaction.
type rotationStore struct {
	keyQueries
}

// InRotation joins the transaction already open, which holds the lock: fn's
// writes commit or roll back with the outer ones.
func (s rotationStore) InRotation(_ context.Context, fn func(keys.Store) error) error {
	return fn(s)
}

const keyColumns = `id, algorithm, sealed, public_jwk, publish_at, activate_at, created_at, updated_at`

// CreateKey stores r. The key material arrives sealed; this store never sees
// a private key in the clear.
func (s keyQueries) CreateKey(ctx context.Context, r keys.Record) error {
	_, err := s.q.ExecContext(ctx, `INSERT INTO signing_keys (`+keyColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		r.ID, r.Algorithm, blob(r.Sealed), blob(r.PublicJWK), encTime(r.PublishAt), encTime(r.ActivateAt),
		encTime(r.CreatedAt), encTime(r.UpdatedAt))
	if err != nil {
		return fmt.Errorf("create key %s: %w", r.ID, err)
	}
	return nil
}

// UpdateKey replaces every field of the key with r.ID, or returns
// ErrNotFound.
func (s keyQueries) UpdateKey(ctx context.Context, r keys.Record) error {
	res, err := s.q.ExecContext(ctx, `UPDATE signing_keys SET algorithm = ?, sealed = ?, public_jwk = ?,
		publish_at = ?, activate_at = ?, created_at = ?, updated_at = ? WHERE id = ?`,
		r.Algorithm, blob(r.Sealed), blob(r.PublicJWK), encTime(r.PublishAt), encTime(r.ActivateAt),
		encTime(r.CreatedAt), encTime(r.UpdatedAt), r.ID)
	if err != nil {
		return fmt.Errorf("update key %s: %w", r.ID, err)
	}
	return keyAffected(res, "update key "+r.ID)
}

// DeleteKey removes the key with id, or returns ErrNotFound.
func (s keyQueries) DeleteKey(ctx context.Context, id string) error {
	res, err := s.q.ExecContext(ctx, `DELETE FROM signing_keys WHERE id = ?`, id)
	if err != nil {
		return fmt.Errorf("delete key %s: %w", id, err)
	}
	return keyAffected(res, "delete key "+id)
}

// keyAffected turns a write that matched no row into keys.ErrNotFound.
func keyAffected(res sql.Result, what string) error {
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	if n == 0 {
		return fmt.Errorf("%s: %w", what, keys.ErrNotFound)
	}
	return nil
}

// ListKeys returns every key, oldest first (ties by id, so the order is
// stable).
func (s keyQueries) ListKeys(ctx context.Context) ([]keys.Record, error) {
	rows, err := s.q.QueryContext(ctx, `SELECT `+keyColumns+` FROM signing_keys ORDER BY created_at, id`)
	if err != nil {
		return nil, fmt.Errorf("list keys: %w", err)
	}
	rs, err := collect(rows, scanKey)
	if err != nil {
		return nil, fmt.Errorf("list keys: %w", err)
	}
	return rs, nil
}

func scanKey(row scanner) (keys.Record, error) {
	var (
		r                                   keys.Record
		publish, activate, created, updated string
	)
	if err := row.Scan(&r.ID, &r.Algorithm, &r.Sealed, &r.PublicJWK, &publish, &activate, &created, &updated); err != nil {
		return keys.Record{}, err
	}
	var d decoder
	r.PublishAt, r.ActivateAt = d.time(publish), d.time(activate)
	r.CreatedAt, r.UpdatedAt = d.time(created), d.time(updated)
	if d.err != nil {
		return keys.Record{}, fmt.Errorf("key %s: %w", r.ID, d.err)
	}
	return r, nil
}

// Secret returns the sealed secret stored under name, or ErrNotFound.
func (s keyQueries) Secret(ctx context.Context, name string) ([]byte, error) {
	var sealed []byte
	err := s.q.QueryRowContext(ctx, `SELECT sealed FROM secrets WHERE name = ?`, name).Scan(&sealed)
	if errors.Is(err, sql.ErrNoRows) {
		err = keys.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("get secret %q: %w", name, err)
	}
	return sealed, nil
}

// PutSecretIfAbsent stores sealed under name unless the name is taken, in one
// statement, so that of nodes racing at first start exactly one stores and
// all of them then read its value.
func (s keyQueries) PutSecretIfAbsent(ctx context.Context, name string, sealed []byte) (bool, error) {
	res, err := s.q.ExecContext(ctx, `INSERT INTO secrets (name, sealed) VALUES (?, ?) ON CONFLICT (name) DO NOTHING`,
		name, blob(sealed))
	if err != nil {
		return false, fmt.Errorf("put secret %q: %w", name, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("put secret %q: %w", name, err)
	}
	return n == 1, nil
}

// ListSecrets returns the name of every secret, in byte order (the column's
// collation is BINARY).
func (s keyQueries) ListSecrets(ctx context.Context) ([]string, error) {
	rows, err := s.q.QueryContext(ctx, `SELECT name FROM secrets ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("list secrets: %w", err)
	}
	names, err := collect(rows, func(row scanner) (string, error) {
		var name string
		err := row.Scan(&name)
		return name, err
	})
	if err != nil {
		return nil, fmt.Errorf("list secrets: %w", err)
	}
	return names, nil
}

// ReplaceSecret replaces the sealed value under name, or returns
// ErrNotFound.
func (s keyQueries) ReplaceSecret(ctx context.Context, name string, sealed []byte) error {
	res, err := s.q.ExecContext(ctx, `UPDATE secrets SET sealed = ? WHERE name = ?`, blob(sealed), name)
	if err != nil {
		return fmt.Errorf("replace secret %q: %w", name, err)
	}
	return keyAffected(res, fmt.Sprintf("replace secret %q", name))
}

// blob makes a nil slice an empty BLOB rather than NULL, which the NOT NULL
// columns for sealed material would refuse.
func blob(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}
