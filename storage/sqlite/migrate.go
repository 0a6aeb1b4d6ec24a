package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"time"

	"github.com/gatehouse-id/gatehouse/storage"
)

// migrationFiles holds the schema history. Files are named NNNN_what.sql; the
// number is the version recorded in schema_migrations. A released file is
// never edited: a change is a new file.
//
//go:embed migrations/*.sql
var migrationFiles embed.FS

// migrations returns the embedded migrations in version order.
func migrations() ([]storage.Migration, error) {
	return storage.LoadMigrations(migrationFiles, "migrations/*.sql")
}

// Migrate applies, in order, every embedded migration the database has not
// recorded yet. Each runs in its own transaction together with its record in
// schema_migrations, so a failure leaves the database at the last good
// version, and two processes migrating at once apply each migration once (the
// write lock is taken at BEGIN). Open calls it; so does `gatehouse migrate`.
//
// A database that records a version this binary does not know was migrated by
// a newer Gatehouse; Migrate refuses it rather than run old code on a schema
// it does not understand.
func (s *Store) Migrate(ctx context.Context) error {
	ms, err := migrations()
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	// In a transaction rather than autocommit, so that the write lock is
	// queued for, and retried (see begin), when another process is
	// migrating or closing at the same moment.
	var latest sql.NullInt64
	err = inTx(ctx, s.db, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
			version    INTEGER PRIMARY KEY,
			applied_at TEXT NOT NULL
		) STRICT`); err != nil {
			return err
		}
		return tx.QueryRowContext(ctx, `SELECT max(version) FROM schema_migrations`).Scan(&latest)
	})
	if err != nil {
		return fmt.Errorf("migrate: schema_migrations: %w", err)
	}
	if len(ms) > 0 && latest.Valid && int(latest.Int64) > ms[len(ms)-1].Version {
		return fmt.Errorf("migrate: database is at version %d, newer than this binary's %d", latest.Int64, ms[len(ms)-1].Version)
	}
	for _, m := range ms {
		if err := s.apply(ctx, m); err != nil {
			return fmt.Errorf("migrate: %s: %w", m.Name, err)
		}
	}
	return nil
}

// apply runs m unless it is recorded. The check is inside the transaction, so
// a concurrent Migrate that got there first is seen.
func (s *Store) apply(ctx context.Context, m storage.Migration) error {
	return inTx(ctx, s.db, func(tx *sql.Tx) error {
		var one int
		err := tx.QueryRowContext(ctx, `SELECT 1 FROM schema_migrations WHERE version = ?`, m.Version).Scan(&one)
		if err == nil {
			return nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)`,
			m.Version, encTime(time.Now()))
		return err
	})
}
