package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/gatehouse-id/gatehouse/audit"
	"github.com/gatehouse-id/gatehouse/directory"
	"github.com/gatehouse-id/gatehouse/grants"
	"github.com/gatehouse-id/gatehouse/keys"
	"github.com/gatehouse-id/gatehouse/mfa"
)

// Store serves every contract; txStore serves the directory inside InTx,
// rotationStore the keys inside InRotation.
var (
	_ directory.Store = (*Store)(nil)
	_ directory.Store = txStore{}
	_ grants.Store    = (*Store)(nil)
	_ keys.Store      = (*Store)(nil)
	_ keys.Store      = rotationStore{}
	_ mfa.Store       = (*Store)(nil)
	_ audit.Store     = (*Store)(nil)
)

// Store is the SQLite backend: one database file holding the directory,
// refresh tokens, signing keys and installation secrets, TOTP credentials
// and the audit log. It implements directory.Store, grants.Store,
// keys.Store, mfa.Store and audit.Store. It is safe for concurrent use.
type Store struct {
	db *sql.DB
	directoryQueries
	keyQueries
}

// querier is what *sql.DB and *sql.Tx have in common, so that the directory
// and key queries run unchanged inside and outside InTx and InRotation.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// Open opens (creating if needed) the database file at path and brings its
// schema up to date. The directory holding path must exist.
func Open(ctx context.Context, path string) (*Store, error) {
	db, err := sql.Open("sqlite", dsn(path))
	if err != nil {
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	s := &Store{db: db, directoryQueries: directoryQueries{q: db}, keyQueries: keyQueries{q: db}}
	if err := s.Migrate(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	return s, nil
}

// dsn builds the modernc connection string. Every pooled connection gets the
// same settings because they are per-connection in SQLite:
//   - busy_timeout makes a writer wait for the lock instead of failing at once;
//   - WAL lets readers run while one writer writes;
//   - foreign_keys is off by default in SQLite, for compatibility;
//   - _txlock=immediate starts every read-write transaction with the write
//     lock held. A deferred transaction that reads and then writes would have
//     to upgrade its lock, and SQLite answers an upgrade that collides with
//     another writer with SQLITE_BUSY at once, without waiting (waiting
//     could deadlock), which would surface as spurious failures in
//     RotateRefreshToken under load.
//
// The path is escaped because a "file:" name is a URI: a '?' or '#' in a
// directory name would otherwise cut it short.
func dsn(path string) string {
	q := url.Values{}
	q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", busyTimeout.Milliseconds()))
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "foreign_keys(1)")
	q.Set("_txlock", "immediate")
	return "file:" + (&url.URL{Path: path}).EscapedPath() + "?" + q.Encode()
}

// Close closes the database. Calls after Close fail.
func (s *Store) Close() error { return s.db.Close() }

// DBStats is the state of the connection pool now, for metrics.
func (s *Store) DBStats() sql.DBStats { return s.db.Stats() }

// Ping reports whether the database answers a query, for readiness probes.
func (s *Store) Ping(ctx context.Context) error {
	var one int
	if err := s.db.QueryRowContext(ctx, `SELECT 1`).Scan(&one); err != nil {
		return fmt.Errorf("ping sqlite: %w", err)
	}
	return nil
}

// inTx runs fn in a read-write transaction on db and commits unless fn fails.
// The deferred Rollback also covers a panic in fn; after Commit it is a no-op.
func inTx(ctx context.Context, db *sql.DB, fn func(*sql.Tx) error) error {
	tx, err := begin(ctx, db)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback()
	if err := fn(tx); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// busyTimeout is how long a writer queues for the lock (see dsn).
const busyTimeout = 10 * time.Second

// begin starts a transaction. busy_timeout makes BEGIN IMMEDIATE queue for
// the write lock, but in WAL mode SQLite answers SQLITE_BUSY without waiting
// during two short exclusive windows: while another process's last
// connection closes and removes the WAL, and while a first connection
// recovers it (https://sqlite.org/wal.html, "Sometimes Queries Return
// SQLITE_BUSY In WAL Mode"). A restart, or `gatehouse migrate` next to a
// running server, hits them, so BEGIN, which has no effect when it fails, is
// retried for as long as busy_timeout would have waited.
func begin(ctx context.Context, db *sql.DB) (*sql.Tx, error) {
	deadline := time.Now().Add(busyTimeout)
	for wait := time.Millisecond; ; wait = min(2*wait, 100*time.Millisecond) {
		tx, err := db.BeginTx(ctx, nil)
		if err == nil || !isBusy(err) || time.Now().After(deadline) {
			return tx, err
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(wait):
		}
	}
}

func isBusy(err error) bool {
	var e *sqlite.Error
	return errors.As(err, &e) && e.Code()&0xff == sqlite3.SQLITE_BUSY
}

// isUnique reports whether err is a UNIQUE or PRIMARY KEY violation, the two
// ways a natural or surrogate key can collide.
func isUnique(err error) bool {
	var e *sqlite.Error
	if !errors.As(err, &e) {
		return false
	}
	switch e.Code() {
	case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
		return true
	}
	return false
}

// isForeignKey reports whether err is a FOREIGN KEY violation: a write
// referring to a row that does not exist.
func isForeignKey(err error) bool {
	var e *sqlite.Error
	return errors.As(err, &e) && e.Code() == sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY
}

// timeLayout is RFC 3339 in UTC with exactly nine fractional digits. The fixed
// width makes the text sort in time order, so SQL comparisons such as
// expires_at > ? work on it; unlike unix nanoseconds it also covers the zero
// time.Time and every year up to 9999, so every value round-trips exactly.
const timeLayout = "2006-01-02T15:04:05.000000000Z"

func encTime(t time.Time) string { return t.UTC().Format(timeLayout) }

func decTime(s string) (time.Time, error) {
	t, err := time.Parse(timeLayout, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("decode time %q: %w", s, err)
	}
	return t, nil
}

// encOptTime maps the zero time to NULL, for columns such as used_at where
// "not yet" must be testable with IS NULL.
func encOptTime(t time.Time) sql.NullString {
	if t.IsZero() {
		return sql.NullString{}
	}
	return sql.NullString{String: encTime(t), Valid: true}
}

func decOptTime(s sql.NullString) (time.Time, error) {
	if !s.Valid {
		return time.Time{}, nil
	}
	return decTime(s.String)
}

// optString maps "" to NULL for optional foreign keys, which must be NULL
// rather than empty to satisfy the constraint.
func optString(s string) sql.NullString {
	return sql.NullString{String: s, Valid: s != ""}
}

// decoder decodes a row's text columns and keeps the first error, so that a
// scan function reads as a list of fields rather than a ladder of ifs.
type decoder struct{ err error }

func (d *decoder) time(s string) time.Time {
	t, err := decTime(s)
	d.keep(err)
	return t
}

func (d *decoder) optTime(s sql.NullString) time.Time {
	t, err := decOptTime(s)
	d.keep(err)
	return t
}

func (d *decoder) keep(err error) {
	if d.err == nil {
		d.err = err
	}
}
