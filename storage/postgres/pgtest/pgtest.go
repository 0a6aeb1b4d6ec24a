// Package pgtest gives tests a PostgreSQL database of their own: a new,
// empty schema per test in the database that GATEHOUSE_TEST_POSTGRES_URL
// names, dropped when the test ends. The storage/postgres conformance tests
// and the end-to-end tests of cmd/gatehouse share it.
//
// Without the variable the tests skip, since a developer's machine need not
// run PostgreSQL; under CI (CI=true) they fail instead, so that a
// misconfigured pipeline cannot pass by skipping them. `eval
// "$(.ci/services)"` starts PostgreSQL and sets the variable.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// EnvURL is the variable that names the test database.
const EnvURL = "GATEHOUSE_TEST_POSTGRES_URL"

// URL returns the test database's URL. Without one it skips t, or fails it
// under CI.
func URL(t testing.TB) string {
	t.Helper()
	u := os.Getenv(EnvURL)
	if u != "" {
		return u
	}
	const how = EnvURL + " is not set; to run the PostgreSQL tests, set it to a database the tests may " +
		"create schemas in, e.g. " + EnvURL + "='postgres://root@127.0.0.1:5432/test?sslmode=disable' " +
		"(`eval \"$(.ci/services)\"` starts PostgreSQL and sets it)"
	if os.Getenv("CI") == "true" {
		t.Fatal(how + "; under CI (CI=true) these tests must run")
		return ""
	}
	t.Skip(how)
	return ""
}

// FreshSchemaURL creates a randomly named, empty schema in the test
// database, drops it with everything in it when t ends, and returns a URL
// whose connections use it (their search_path is that schema). Several
// stores opened on the URL, as several Gatehouse nodes would be, share the
// schema.
//
// The URL's connections also skip waiting for each commit to reach the disk
// (synchronous_commit off): a test has no use for its data surviving a crash
// of the server, and the wait would be most of its running time.
//
// It closes nothing of the caller's: open stores on the URL after calling
// it, so that their cleanup (registered later) runs before the drop.
func FreshSchemaURL(t testing.TB) string {
	t.Helper()
	base := URL(t)
	b := make([]byte, 8)
	rand.Read(b)
	schema := "gatehouse_test_" + hex.EncodeToString(b)
	ident := pgx.Identifier{schema}.Sanitize()

	// One connection creates the schema and, at the end, drops it.
	conn, err := pgx.Connect(t.Context(), base)
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	t.Cleanup(func() {
		// t.Context is done by now.
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := conn.Exec(ctx, "DROP SCHEMA IF EXISTS "+ident+" CASCADE"); err != nil {
			t.Errorf("pgtest: drop schema %s: %v", schema, err)
		}
		conn.Close(ctx)
	})
	if _, err := conn.Exec(t.Context(), "SET synchronous_commit = off; CREATE SCHEMA "+ident); err != nil {
		t.Fatalf("pgtest: create schema: %v", err)
	}
	u, err := withOptions(base, "-csearch_path="+schema+" -csynchronous_commit=off")
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	return u
}

// withOptions returns the connection string u with opts added to its
// startup options ("-cname=value …", read by libpq and pgx alike), keeping
// any u has.
func withOptions(u, opts string) (string, error) {
	if !strings.HasPrefix(u, "postgres://") && !strings.HasPrefix(u, "postgresql://") {
		// A key=value connection string.
		if strings.Contains(u, "options=") {
			return "", fmt.Errorf("%s: a key=value connection string with options is not supported; use a URL", EnvURL)
		}
		return u + " options='" + opts + "'", nil
	}
	p, err := url.Parse(u)
	if err != nil {
		return "", fmt.Errorf("%s does not parse as a URL", EnvURL)
	}
	q := p.Query()
	q.Set("options", strings.TrimSpace(q.Get("options")+" "+opts))
	// Encode writes a space as '+', which pgx does not read back as one;
	// a '+' of the URL's own is encoded as %2B, so this replaces spaces
	// only.
	p.RawQuery = strings.ReplaceAll(q.Encode(), "+", "%20")
	return p.String(), nil
}
