package sqlite

import (
	"database/sql"
	"path/filepath"
	"testing"
)

// atVersion returns the path of a new database file left at schema version
// n, as a data folder last opened by an older binary is: migrations 1 to n
// applied, none after, then rows (SQL statements written against that
// schema) executed in order. The file is closed, for open to upgrade.
//
// schema_migrations is created as Migrate did before 0002 existed, and
// each migration is applied and recorded as Migrate does.
func atVersion(t *testing.T, n int, rows []string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "gatehouse.db")
	ms, err := migrations()
	if err != nil {
		t.Fatal(err)
	}
	if n < 1 || n > len(ms) {
		t.Fatalf("atVersion(%d): there are migrations 1 to %d", n, len(ms))
	}
	db, err := sql.Open("sqlite", dsn(path))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() }) // when a step below fails; Close is idempotent
	old := &Store{db: db, directoryQueries: directoryQueries{q: db}}
	ctx := t.Context()
	if _, err := db.ExecContext(ctx,
		`CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL) STRICT`); err != nil {
		t.Fatal(err)
	}
	for _, m := range ms[:n] {
		if err := old.apply(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	for _, stmt := range rows {
		if _, err := db.ExecContext(ctx, stmt); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}
