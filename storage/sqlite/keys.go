package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/gatehouse-id/gatehouse/keys"
)

const keyColumns = `id, algorithm, sealed, public_jwk, state, created_at, updated_at`

// CreateKey stores r. The key material arrives sealed; this store never sees
// a private key in the clear.
func (s *Store) CreateKey(ctx context.Context, r keys.Record) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO signing_keys (`+keyColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		r.ID, r.Algorithm, blob(r.Sealed), blob(r.PublicJWK), string(r.State), encTime(r.CreatedAt), encTime(r.UpdatedAt))
	if err != nil {
		return fmt.Errorf("create key %s: %w", r.ID, err)
	}
	return nil
}

// UpdateKey replaces every field of the key with r.ID, or returns
// ErrNotFound.
func (s *Store) UpdateKey(ctx context.Context, r keys.Record) error {
	res, err := s.db.ExecContext(ctx, `UPDATE signing_keys SET algorithm = ?, sealed = ?, public_jwk = ?, state = ?,
		created_at = ?, updated_at = ? WHERE id = ?`,
		r.Algorithm, blob(r.Sealed), blob(r.PublicJWK), string(r.State), encTime(r.CreatedAt), encTime(r.UpdatedAt), r.ID)
	if err != nil {
		return fmt.Errorf("update key %s: %w", r.ID, err)
	}
	return keyAffected(res, "update key "+r.ID)
}

// DeleteKey removes the key with id, or returns ErrNotFound.
func (s *Store) DeleteKey(ctx context.Context, id string) error {
	res, err := s.db.ExecContext(ctx, `DELETE FROM signing_keys WHERE id = ?`, id)
	if err != nil {
		return fmt.Errorf("delete key %s: %w", id, err)
	}
	return keyAffected(res, "delete key "+id)
}

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
func (s *Store) ListKeys(ctx context.Context) ([]keys.Record, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+keyColumns+` FROM signing_keys ORDER BY created_at, id`)
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
		r                       keys.Record
		state, created, updated string
	)
	if err := row.Scan(&r.ID, &r.Algorithm, &r.Sealed, &r.PublicJWK, &state, &created, &updated); err != nil {
		return keys.Record{}, err
	}
	r.State = keys.State(state)
	var d decoder
	r.CreatedAt, r.UpdatedAt = d.time(created), d.time(updated)
	if d.err != nil {
		return keys.Record{}, d.err
	}
	return r, nil
}

// Secret returns the sealed secret stored under name, or ErrNotFound.
func (s *Store) Secret(ctx context.Context, name string) ([]byte, error) {
	var sealed []byte
	err := s.db.QueryRowContext(ctx, `SELECT sealed FROM secrets WHERE name = ?`, name).Scan(&sealed)
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
func (s *Store) PutSecretIfAbsent(ctx context.Context, name string, sealed []byte) (bool, error) {
	res, err := s.db.ExecContext(ctx, `INSERT INTO secrets (name, sealed) VALUES (?, ?) ON CONFLICT (name) DO NOTHING`,
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

// blob makes a nil slice an empty BLOB rather than NULL, which the NOT NULL
// columns for sealed material would refuse.
func blob(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}
