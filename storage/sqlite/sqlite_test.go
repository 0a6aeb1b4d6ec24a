package sqlite

import (
	"errors"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse-id/gatehouse/directory"
	"github.com/gatehouse-id/gatehouse/directory/directorytest"
	"github.com/gatehouse-id/gatehouse/grants"
	"github.com/gatehouse-id/gatehouse/grants/grantstest"
	"github.com/gatehouse-id/gatehouse/keys"
	"github.com/gatehouse-id/gatehouse/keys/keystest"
	"github.com/gatehouse-id/gatehouse/mfa"
)

// open opens a store on path and closes it when the test ends.
func open(t *testing.T, path string) *Store {
	t.Helper()
	s, err := Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Error(err)
		}
	})
	return s
}

// fresh opens a new, empty database file.
func fresh(t *testing.T) *Store {
	return open(t, filepath.Join(t.TempDir(), "gatehouse.db"))
}

func TestDirectory(t *testing.T) {
	directorytest.Run(t, func(t *testing.T) directory.Store { return fresh(t) }, enrolTOTP)
}

// TestDirectoryThroughCache runs the directory's conformance suite through
// the cache a Directory keeps over this backend.
func TestDirectoryThroughCache(t *testing.T) {
	directorytest.RunThroughCache(t, func(t *testing.T) directory.Store { return fresh(t) }, enrolTOTP)
}

// enrolTOTP gives the user with id a TOTP credential, through the mfa.Store
// that s (a fresh *Store) is as well, for the suite's enrolment filter.
func enrolTOTP(t *testing.T, s directory.Store, id string) {
	t.Helper()
	c := mfa.Credential{UserID: id, SealedSecret: []byte{1}, CreatedAt: time.Date(2025, 3, 14, 15, 9, 26, 535897000, time.UTC)}
	if err := s.(*Store).PutTOTPCredential(t.Context(), c, [][]byte{{1}}); err != nil {
		t.Fatal(err)
	}
}

func TestGrants(t *testing.T) {
	grantstest.Run(t, func(t *testing.T) grants.Store { return fresh(t) })
}

func TestKeys(t *testing.T) {
	keystest.Run(t, func(t *testing.T) keys.Store { return fresh(t) })
}

// TestReopenKeepsData writes through one Store, closes it as a restart would,
// and reads everything back through a new one.
func TestReopenKeepsData(t *testing.T) {
	path := filepath.Join(t.TempDir(), "gatehouse.db")
	ts := time.Date(2025, 3, 14, 15, 9, 26, 535897932, time.UTC)
	tenant := directory.Tenant{ID: "t-sys", Slug: "sys", Name: "System", Level: directory.LevelSystem,
		Path: []string{"t-sys"}, CreatedAt: ts, UpdatedAt: ts}
	token := grants.RefreshToken{ID: "rt-1", Hash: []byte{1, 2, 3}, FamilyID: "fam-1", AuthTime: ts,
		CreatedAt: ts, ExpiresAt: ts.Add(time.Hour)}
	key := keys.Record{ID: "k-1", Algorithm: "EdDSA", Sealed: []byte{4}, PublicJWK: []byte("{}"),
		PublishAt: ts.Add(time.Minute), ActivateAt: ts.Add(time.Hour), CreatedAt: ts, UpdatedAt: ts}

	s, err := Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	for _, err := range []error{
		s.CreateTenant(t.Context(), tenant),
		s.CreateRefreshToken(t.Context(), token),
		s.CreateKey(t.Context(), key),
		func() error { _, err := s.PutSecretIfAbsent(t.Context(), "kek-check", []byte{5}); return err }(),
		s.Close(),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}

	s = open(t, path)
	if got, err := s.TenantByID(t.Context(), tenant.ID); err != nil || !got.CreatedAt.Equal(ts) || got.Slug != "sys" {
		t.Errorf("tenant after reopen = %+v, %v", got, err)
	}
	if got, err := s.RefreshTokenByHash(t.Context(), token.Hash); err != nil || got.ID != token.ID {
		t.Errorf("refresh token after reopen = %+v, %v", got, err)
	}
	if got, err := s.ListKeys(t.Context()); err != nil || len(got) != 1 || got[0].ID != key.ID ||
		!got[0].PublishAt.Equal(key.PublishAt) || !got[0].ActivateAt.Equal(key.ActivateAt) {
		t.Errorf("keys after reopen = %+v, %v", got, err)
	}
	if got, err := s.Secret(t.Context(), "kek-check"); err != nil || len(got) != 1 || got[0] != 5 {
		t.Errorf("secret after reopen = %x, %v", got, err)
	}
	wantVersions(t, s)
}

// TestNanosecondsRoundTrip pins what this backend keeps: times to the
// nanosecond, in UTC. The shared suites only ask for microseconds.
func TestNanosecondsRoundTrip(t *testing.T) {
	s := fresh(t)
	in := time.Date(2025, 3, 14, 15, 9, 26, 535897932, time.FixedZone("CEST", 2*3600))
	tenant := directory.Tenant{ID: "t", Slug: "t", Level: directory.LevelSystem, Path: []string{"t"},
		CreatedAt: in, UpdatedAt: time.Time{}}
	if err := s.CreateTenant(t.Context(), tenant); err != nil {
		t.Fatal(err)
	}
	got, err := s.TenantByID(t.Context(), "t")
	if err != nil {
		t.Fatal(err)
	}
	if got.CreatedAt != in.UTC() {
		t.Errorf("CreatedAt = %v, want %v", got.CreatedAt, in.UTC())
	}
	if got.UpdatedAt != (time.Time{}) {
		t.Errorf("zero UpdatedAt came back as %v", got.UpdatedAt)
	}
}

func TestMigrateIsIdempotent(t *testing.T) {
	s := fresh(t)
	for range 3 {
		if err := s.Migrate(t.Context()); err != nil {
			t.Fatal(err)
		}
	}
	wantVersions(t, s)
}

// TestConcurrentOpen starts several processes' worth of Stores on one new
// file at once: each migration must be applied exactly once, and every Open
// must succeed.
func TestConcurrentOpen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "gatehouse.db")
	var (
		wg   sync.WaitGroup
		errs = make([]error, 4)
	)
	for i := range errs {
		wg.Go(func() {
			s, err := Open(t.Context(), path)
			if err == nil {
				err = s.Close()
			}
			errs[i] = err
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	wantVersions(t, open(t, path))
}

func TestNewerSchemaRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "gatehouse.db")
	s := open(t, path)
	if _, err := s.db.ExecContext(t.Context(), `INSERT INTO schema_migrations (version, applied_at) VALUES (9999, 'x')`); err != nil {
		t.Fatal(err)
	}
	if s2, err := Open(t.Context(), path); err == nil {
		s2.Close()
		t.Fatal("Open accepted a database migrated by a newer binary")
	}
}

func TestConnectionSettings(t *testing.T) {
	s := fresh(t)
	if err := s.Ping(t.Context()); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ pragma, want string }{
		{"journal_mode", "wal"},
		{"foreign_keys", "1"},
		{"busy_timeout", "10000"},
	} {
		var got string
		if err := s.db.QueryRowContext(t.Context(), "PRAGMA "+tc.pragma).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if got != tc.want {
			t.Errorf("PRAGMA %s = %s, want %s", tc.pragma, got, tc.want)
		}
	}
}

// TestPathIsEscaped opens a file whose directory name holds the characters
// that end the path part of a URI.
func TestPathIsEscaped(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data ?#%")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "gatehouse.db")
	open(t, path)
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("database not created at %s: %v", path, err)
	}
}

// wantVersions checks schema_migrations records each embedded migration once.
func wantVersions(t *testing.T, s *Store) {
	t.Helper()
	ms, err := migrations()
	if err != nil {
		t.Fatal(err)
	}
	var n, maxVersion int
	if err := s.db.QueryRowContext(t.Context(), `SELECT count(*), max(version) FROM schema_migrations`).Scan(&n, &maxVersion); err != nil {
		t.Fatal(err)
	}
	if n != len(ms) || maxVersion != ms[len(ms)-1].Version {
		t.Errorf("schema_migrations has %d rows up to version %d, want %d up to %d", n, maxVersion, len(ms), ms[len(ms)-1].Version)
	}
}

// TestWatchChanges: a server sees what a command writes into the same file.
func TestWatchChanges(t *testing.T) {
	changePoll = 20 * time.Millisecond
	t.Cleanup(func() { changePoll = time.Second })
	directorytest.RunWatch(t, func(t *testing.T) (directory.ChangeWatcher, directory.Store) {
		path := filepath.Join(t.TempDir(), "gatehouse.db")
		return open(t, path), open(t, path)
	})
}
