package postgres

import (
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-id/gatehouse/directory"
	"github.com/gatehouse-id/gatehouse/directory/directorytest"
	"github.com/gatehouse-id/gatehouse/grants"
	"github.com/gatehouse-id/gatehouse/grants/grantstest"
	"github.com/gatehouse-id/gatehouse/keys"
	"github.com/gatehouse-id/gatehouse/keys/keystest"
	"github.com/gatehouse-id/gatehouse/mfa"
	"github.com/gatehouse-id/gatehouse/storage"
	"github.com/gatehouse-id/gatehouse/storage/postgres/pgtest"
)

// open opens a store on u and closes it when the test ends.
func open(t *testing.T, u string) *Store {
	t.Helper()
	s, err := Open(t.Context(), u)
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

// fresh opens a store on a new, empty schema.
func fresh(t *testing.T) *Store {
	return open(t, pgtest.FreshSchemaURL(t))
}

func TestDirectory(t *testing.T) {
	pgtest.URL(t) // skip (or fail) once, not in every subtest
	directorytest.Run(t, func(t *testing.T) directory.Store { return fresh(t) }, enrolTOTP)
}

// TestDirectoryThroughCache runs the directory's conformance suite through
// the cache a Directory keeps over this backend.
func TestDirectoryThroughCache(t *testing.T) {
	pgtest.URL(t)
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
	pgtest.URL(t) // skip (or fail) once, not in every subtest
	grantstest.Run(t, func(t *testing.T) grants.Store { return fresh(t) })
}

func TestKeys(t *testing.T) {
	pgtest.URL(t) // skip (or fail) once, not in every subtest
	keystest.Run(t, func(t *testing.T) keys.Store { return fresh(t) })
}

// TestReopenKeepsData writes through one Store, closes it as a restart would,
// and reads everything back through a new one.
func TestReopenKeepsData(t *testing.T) {
	u := pgtest.FreshSchemaURL(t)
	ts := time.Date(2025, 3, 14, 15, 9, 26, 535897000, time.UTC)
	tenant := directory.Tenant{ID: "t-sys", Slug: "sys", Name: "System", Level: directory.LevelSystem,
		Path: []string{"t-sys"}, CreatedAt: ts, UpdatedAt: ts}
	token := grants.RefreshToken{ID: "rt-1", Hash: []byte{1, 2, 3}, FamilyID: "fam-1", AuthTime: ts,
		CreatedAt: ts, ExpiresAt: ts.Add(time.Hour)}
	key := keys.Record{ID: "k-1", Algorithm: "EdDSA", Sealed: []byte{4}, PublicJWK: []byte("{}"),
		PublishAt: ts.Add(time.Minute), ActivateAt: ts.Add(time.Hour), CreatedAt: ts, UpdatedAt: ts}

	s, err := Open(t.Context(), u)
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

	s = open(t, u)
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

// TestTimePrecision pins what this backend keeps: times to the microsecond
// (timestamptz has no more; pgx drops the rest), in UTC, and the zero time.
func TestTimePrecision(t *testing.T) {
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
	if want := in.UTC().Truncate(time.Microsecond); got.CreatedAt != want {
		t.Errorf("CreatedAt = %v, want %v", got.CreatedAt, want)
	}
	if got.UpdatedAt != (time.Time{}) {
		t.Errorf("zero UpdatedAt came back as %v", got.UpdatedAt)
	}
}

func TestPing(t *testing.T) {
	s := fresh(t)
	if err := s.Ping(t.Context()); err != nil {
		t.Fatal(err)
	}
}

// TestUnreachableIsUnavailable: a server that cannot be reached is
// storage.ErrUnavailable ("try again"); a server that answers but refuses
// what it was asked (here, a database that does not exist) is not, since
// trying again does not help. The first needs no test database.
func TestUnreachableIsUnavailable(t *testing.T) {
	// Port 1 on the loopback interface: nothing listens there, and the
	// refusal is immediate.
	_, err := Open(t.Context(), "postgres://gatehouse@127.0.0.1:1/gatehouse?sslmode=disable&connect_timeout=5")
	if !errors.Is(err, storage.ErrUnavailable) {
		t.Errorf("Open of an unreachable server: error = %v, want one wrapping storage.ErrUnavailable", err)
	}

	u, err := url.Parse(pgtest.URL(t))
	if err != nil || u.Scheme == "" {
		t.Skipf("%s is not a URL; cannot name another database in it", pgtest.EnvURL)
	}
	u.Path = "/gatehouse_no_such_database"
	_, err = Open(t.Context(), u.String())
	if err == nil || errors.Is(err, storage.ErrUnavailable) {
		t.Errorf("Open of a missing database: error = %v, want one not wrapping storage.ErrUnavailable", err)
	}
}

// TestBadURLHidesIt: a URL that does not parse is not repeated in the error,
// since it may hold a password.
func TestBadURLHidesIt(t *testing.T) {
	_, err := Open(t.Context(), "postgres://user:s3cret@host:notaport/db")
	if err == nil || strings.Contains(err.Error(), "s3cret") {
		t.Errorf("error = %v, want one without the password", err)
	}
}

// TestWatchChanges: a node hears of what another node writes.
func TestWatchChanges(t *testing.T) {
	url := pgtest.FreshSchemaURL(t)
	directorytest.RunWatch(t, func(t *testing.T) (directory.ChangeWatcher, directory.Store) {
		return open(t, url), open(t, url)
	})
}
