package postgres

import (
	"context"
	"embed"
	"fmt"
	"slices"
	"time"

	"github.com/gatehouse-id/gatehouse/storage"
	"github.com/jackc/pgx/v5"
)

// migrationFiles holds the schema history, PostgreSQL's dialect of the same
// versions as storage/sqlite's: version N has the same tables and columns on
// both. Files are named NNNN_what.sql; the number is the version recorded in
// schema_migrations. A released file is never edited: a change is a new
// file, in both dialects.
//
//go:embed migrations/*.sql
var migrationFiles embed.FS

// migrations returns the embedded migrations in version order.
func migrations() ([]storage.Migration, error) {
	return storage.LoadMigrations(migrationFiles, "migrations/*.sql")
}

// migrateLock is the key of the session advisory lock that Migrate holds.
// Any number would do, as long as it never changes and nothing else in the
// database uses it; this one is "gatemigr" in ASCII. Advisory locks are per
// database, so Gatehouse installations in separate schemas of one database
// take turns migrating, which costs nothing.
const migrateLock int64 = 0x676174656d696772

// Migrate applies, in order, every embedded migration the database has not
// recorded yet. Each runs in its own transaction together with its record in
// schema_migrations, so a failure leaves the database at the last good
// version. Open calls it; so does `gatehouse migrate`.
//
// Nodes starting together all call it. It runs under a session advisory
// lock: the first node migrates while the others wait at the lock, and they
// then find every version recorded. Without it, two nodes could both see
// version 1 missing and both try to create its tables; PostgreSQL would let
// only one commit, but the other would fail with a duplicate-table error
// rather than wait.
//
// A database that records a version this binary does not know was migrated by
// a newer Gatehouse; Migrate refuses it rather than run old code on a schema
// it does not understand.
func (s *Store) Migrate(ctx context.Context) error {
	ms, err := migrations()
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	if err := s.migrate(ctx, ms); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	return nil
}

// migrate applies ms on one connection, which holds the lock.
func (s *Store) migrate(ctx context.Context, ms []storage.Migration) error {
	pc, err := s.pool.Acquire(ctx)
	if err != nil {
		return unavailable(err)
	}
	defer pc.Release()
	conn := pc.Conn()
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock($1)`, migrateLock); err != nil {
		return fmt.Errorf("lock: %w", unavailable(err))
	}
	defer func() {
		// Even when ctx is done: the connection goes back to the pool,
		// and must not take the lock with it. If the unlock fails
		// nonetheless, closing the connection ends its session and so
		// the lock, and the pool discards a closed connection.
		uctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		if _, err := conn.Exec(uctx, `SELECT pg_advisory_unlock($1)`, migrateLock); err != nil {
			conn.Close(uctx)
		}
	}()

	if _, err := conn.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    integer CONSTRAINT schema_migrations_pkey PRIMARY KEY,
		applied_at timestamptz NOT NULL
	)`); err != nil {
		return fmt.Errorf("schema_migrations: %w", unavailable(err))
	}
	rows, err := conn.Query(ctx, `SELECT version FROM schema_migrations`)
	if err != nil {
		return fmt.Errorf("schema_migrations: %w", unavailable(err))
	}
	applied, err := pgx.CollectRows(rows, pgx.RowTo[int32])
	if err != nil {
		return fmt.Errorf("schema_migrations: %w", unavailable(err))
	}
	if len(ms) > 0 && len(applied) > 0 {
		if latest := int(slices.Max(applied)); latest > ms[len(ms)-1].Version {
			return fmt.Errorf("database is at version %d, newer than this binary's %d", latest, ms[len(ms)-1].Version)
		}
	}
	for _, m := range ms {
		if slices.Contains(applied, int32(m.Version)) {
			continue
		}
		if err := apply(ctx, conn, m); err != nil {
			return fmt.Errorf("%s: %w", m.Name, unavailable(err))
		}
	}
	return nil
}

// apply runs m and records it, in one transaction. A migration is several
// statements; Exec without arguments sends them as one simple query.
func apply(ctx context.Context, conn *pgx.Conn, m storage.Migration) error {
	return pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, m.SQL); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO schema_migrations (version, applied_at) VALUES ($1, now())`, m.Version)
		return err
	})
}
