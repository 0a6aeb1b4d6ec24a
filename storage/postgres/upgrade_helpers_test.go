package postgres

import (
	"testing"

	"github.com/gatehouse-id/gatehouse/storage/postgres/pgtest"
)

// atVersion returns the URL of a new schema left at version n, as an
// installation last migrated by an older binary is: migrations 1 to n
// applied (by migrate, as Migrate applies them), none after, then rows (SQL
// statements written against that schema) executed in order. The pool that
// did so is closed, for open to upgrade the schema.
func atVersion(t *testing.T, n int, rows []string) string {
	t.Helper()
	u := pgtest.FreshSchemaURL(t)
	ms, err := migrations()
	if err != nil {
		t.Fatal(err)
	}
	if n < 1 || n > len(ms) {
		t.Fatalf("atVersion(%d): there are migrations 1 to %d", n, len(ms))
	}
	ctx := t.Context()
	old, err := newStore(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	// When a step below fails; Close is idempotent. Registered after
	// FreshSchemaURL's drop, so it runs before it.
	t.Cleanup(func() { old.Close() })
	if err := old.migrate(ctx, ms[:n]); err != nil {
		t.Fatal(err)
	}
	for _, stmt := range rows {
		if _, err := old.pool.Exec(ctx, stmt); err != nil {
			t.Fatal(err)
		}
	}
	old.Close()
	return u
}
