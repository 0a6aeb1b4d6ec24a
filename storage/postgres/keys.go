package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/gatehouse-id/gatehouse/keys"
)

const keyColumns = `id, algorithm, sealed, public_jwk, state, created_at, updated_at`

// CreateKey stores r. The key material arrives sealed; this store never sees
// a private key in the clear.
func (s *Store) CreateKey(ctx context.Context, r keys.Record) error {
	_, err := s.pool.Exec(ctx, `INSERT INTO signing_keys (`+keyColumns+`) VALUES (`+params(7)+`)`,
		r.ID, r.Algorithm, blob(r.Sealed), blob(r.PublicJWK), string(r.State), r.CreatedAt, r.UpdatedAt)
	if err != nil {
		return fmt.Errorf("create key %s: %w", r.ID, unavailable(err))
	}
	return nil
}

// UpdateKey replaces every field of the key with r.ID, or returns
// ErrNotFound.
func (s *Store) UpdateKey(ctx context.Context, r keys.Record) error {
	tag, err := s.pool.Exec(ctx, `UPDATE signing_keys SET algorithm = $2, sealed = $3, public_jwk = $4, state = $5,
		created_at = $6, updated_at = $7 WHERE id = $1`,
		r.ID, r.Algorithm, blob(r.Sealed), blob(r.PublicJWK), string(r.State), r.CreatedAt, r.UpdatedAt)
	return keyAffected(tag, err, "update key "+r.ID)
}

// DeleteKey removes the key with id, or returns ErrNotFound.
func (s *Store) DeleteKey(ctx context.Context, id string) error {
	tag, err := s.pool.Exec(ctx, `DELETE FROM signing_keys WHERE id = $1`, id)
	return keyAffected(tag, err, "delete key "+id)
}

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
func (s *Store) ListKeys(ctx context.Context) ([]keys.Record, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+keyColumns+` FROM signing_keys ORDER BY created_at, id`)
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
	var (
		r     keys.Record
		state string
	)
	if err := row.Scan(&r.ID, &r.Algorithm, &r.Sealed, &r.PublicJWK, &state, &r.CreatedAt, &r.UpdatedAt); err != nil {
		return keys.Record{}, err
	}
	r.State = keys.State(state)
	return r, nil
}

// Secret returns the sealed secret stored under name, or ErrNotFound.
func (s *Store) Secret(ctx context.Context, name string) ([]byte, error) {
	var sealed []byte
	err := s.pool.QueryRow(ctx, `SELECT sealed FROM secrets WHERE name = $1`, name).Scan(&sealed)
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
func (s *Store) PutSecretIfAbsent(ctx context.Context, name string, sealed []byte) (bool, error) {
	tag, err := s.pool.Exec(ctx, `INSERT INTO secrets (name, sealed) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING`,
		name, blob(sealed))
	if err != nil {
		return false, fmt.Errorf("put secret %q: %w", name, unavailable(err))
	}
	return tag.RowsAffected() == 1, nil
}

// blob makes a nil slice an empty bytea rather than NULL, which the NOT NULL
// columns for sealed material would refuse.
func blob(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}
