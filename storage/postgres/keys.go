package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/gatehouse-id/gatehouse/keys"
)

// keyQueries implements keys.Store except InRotation over a querier, so
// that Store (on the pool) and rotationStore (in InRotation's transaction)
// share every query.
type keyQueries struct {
	q querier
}

// rotationLock is the key of the transaction advisory lock that InRotation
// holds: the installation's key-rotation lock. Any number would do, as long
// as it never changes, differs from migrateLock, and nothing else in the
// database uses it; this one is "gatekeys" in ASCII. Advisory locks are per
// database, so Gatehouse installations in separate schemas of one database
// take turns rotating, which costs them a short wait at most.
const rotationLock int64 = 0x676174656b657973

// InRotation runs fn in one READ COMMITTED transaction that first takes
// rotationLock; see keys.Store.
//
// pg_advisory_xact_lock waits until no other transaction, on any node,
// holds the lock, and PostgreSQL releases it when the holder commits or
// rolls back, after its commit is visible. Every statement of a READ
// COMMITTED transaction sees what was committed before the statement
// began, so fn, which runs after the lock is taken, reads what the previous
// holder wrote.
//
// fn runs once: unlike InTx, nothing here is retried. At READ COMMITTED,
// PostgreSQL does not abort a transaction for a concurrent one's writes (a
// write to a row that another transaction is writing waits for it), and
// the writers of the key tables that do not take the lock write one row in
// one statement, which cannot deadlock with it. An error, fn's included,
// rolls back everything fn wrote; fn's own error is returned as it is.
func (s *Store) InRotation(ctx context.Context, fn func(keys.Store) error) error {
	return inTx(ctx, s.pool, pgx.TxOptions{IsoLevel: pgx.ReadCommitted}, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, rotationLock); err != nil {
			return fmt.Errorf("take the key-rotation lock: %w", unavailable(err))
		}
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
	_, err := s.q.Exec(ctx, `INSERT INTO signing_keys (`+keyColumns+`) VALUES (`+params(8)+`)`,
		r.ID, r.Algorithm, blob(r.Sealed), blob(r.PublicJWK), r.PublishAt, r.ActivateAt, r.CreatedAt, r.UpdatedAt)
	if err != nil {
		return fmt.Errorf("create key %s: %w", r.ID, unavailable(err))
	}
	return nil
}

// UpdateKey replaces every field of the key with r.ID, or returns
// ErrNotFound.
func (s keyQueries) UpdateKey(ctx context.Context, r keys.Record) error {
	tag, err := s.q.Exec(ctx, `UPDATE signing_keys SET algorithm = $2, sealed = $3, public_jwk = $4,
		publish_at = $5, activate_at = $6, created_at = $7, updated_at = $8 WHERE id = $1`,
		r.ID, r.Algorithm, blob(r.Sealed), blob(r.PublicJWK), r.PublishAt, r.ActivateAt, r.CreatedAt, r.UpdatedAt)
	return keyAffected(tag, err, "update key "+r.ID)
}

// DeleteKey removes the key with id, or returns ErrNotFound.
func (s keyQueries) DeleteKey(ctx context.Context, id string) error {
	tag, err := s.q.Exec(ctx, `DELETE FROM signing_keys WHERE id = $1`, id)
	return keyAffected(tag, err, "delete key "+id)
}

// keyAffected turns a write that matched no row into keys.ErrNotFound.
func keyAffected(tag pgconn.CommandTag, err error, what string) error {
	if err != nil {
		return fmt.Errorf("%s: %w", what, unavailable(err))
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("%s: %w", what, keys.ErrNotFound)
	}
	return nil
}

// ListKeys returns every key, oldest first (ties by id, so the order is
// stable).
func (s keyQueries) ListKeys(ctx context.Context) ([]keys.Record, error) {
	rows, err := s.q.Query(ctx, `SELECT `+keyColumns+` FROM signing_keys ORDER BY created_at, id`)
	if err != nil {
		return nil, fmt.Errorf("list keys: %w", unavailable(err))
	}
	rs, err := collect(rows, scanKey)
	if err != nil {
		return nil, fmt.Errorf("list keys: %w", unavailable(err))
	}
	return rs, nil
}

func scanKey(row scanner) (keys.Record, error) {
	var r keys.Record
	err := row.Scan(&r.ID, &r.Algorithm, &r.Sealed, &r.PublicJWK, &r.PublishAt, &r.ActivateAt, &r.CreatedAt, &r.UpdatedAt)
	if err != nil {
		return keys.Record{}, err
	}
	return r, nil
}

// Secret returns the sealed secret stored under name, or ErrNotFound.
func (s keyQueries) Secret(ctx context.Context, name string) ([]byte, error) {
	var sealed []byte
	err := s.q.QueryRow(ctx, `SELECT sealed FROM secrets WHERE name = $1`, name).Scan(&sealed)
	if errors.Is(err, pgx.ErrNoRows) {
		err = keys.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("get secret %q: %w", name, unavailable(err))
	}
	return sealed, nil
}

// PutSecretIfAbsent stores sealed under name unless the name is taken, in one
// statement: of nodes racing at first start, one inserts, and the others'
// inserts wait for it to commit and then do nothing, so all of them then
// read its value.
func (s keyQueries) PutSecretIfAbsent(ctx context.Context, name string, sealed []byte) (bool, error) {
	tag, err := s.q.Exec(ctx, `INSERT INTO secrets (name, sealed) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING`,
		name, blob(sealed))
	if err != nil {
		return false, fmt.Errorf("put secret %q: %w", name, unavailable(err))
	}
	return tag.RowsAffected() == 1, nil
}

// ListSecrets returns the name of every secret, in byte order (the column
// is COLLATE "C").
func (s keyQueries) ListSecrets(ctx context.Context) ([]string, error) {
	rows, err := s.q.Query(ctx, `SELECT name FROM secrets ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("list secrets: %w", unavailable(err))
	}
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("list secrets: %w", unavailable(err))
	}
	return names, nil
}

// ReplaceSecret replaces the sealed value under name, or returns
// ErrNotFound.
func (s keyQueries) ReplaceSecret(ctx context.Context, name string, sealed []byte) error {
	tag, err := s.q.Exec(ctx, `UPDATE secrets SET sealed = $2 WHERE name = $1`, name, blob(sealed))
	return keyAffected(tag, err, fmt.Sprintf("replace secret %q", name))
}

// blob makes a nil slice an empty bytea rather than NULL, which the NOT NULL
// columns for sealed material would refuse.
func blob(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}
