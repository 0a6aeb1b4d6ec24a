package postgres

import (
	"errors"
	"sync"
	"testing"

	"github.com/gatehouse-id/gatehouse/storage/postgres/pgtest"
)

func TestMigrateIsIdempotent(t *testing.T) {
	s := fresh(t)
	for range 3 {
		if err := s.Migrate(t.Context()); err != nil {
			t.Fatal(err)
		}
	}
	wantVersions(t, s)
}

// TestConcurrentOpen starts several nodes' worth of Stores on one new schema
// at once: each migration must be applied exactly once, and every Open must
// succeed.
func TestConcurrentOpen(t *testing.T) {
	u := pgtest.FreshSchemaURL(t)
	var (
		wg     sync.WaitGroup
		start  = make(chan struct{})
		stores = make([]*Store, 4)
		errs   = make([]error, len(stores))
	)
	for i := range stores {
		wg.Go(func() {
			<-start
			stores[i], errs[i] = Open(t.Context(), u)
		})
	}
	close(start)
	wg.Wait()
	for _, s := range stores {
		if s != nil {
			s.Close()
		}
	}
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	wantVersions(t, open(t, u))
}

// TestMigrateReleasesLock: the connection that migrated goes back to the
// pool without the advisory lock. A pool of one connection makes the next
// query run on that connection; were the lock still held, every other node
// would wait for it for ever.
func TestMigrateReleasesLock(t *testing.T) {
	s := open(t, pgtest.FreshSchemaURL(t)+"&pool_max_conns=1")
	var held int
	err := s.pool.QueryRow(t.Context(), `SELECT count(*) FROM pg_locks
		WHERE locktype = 'advisory' AND pid = pg_backend_pid() AND granted`).Scan(&held)
	if err != nil {
		t.Fatal(err)
	}
	if held != 0 {
		t.Errorf("the migrating connection still holds %d advisory locks", held)
	}
}

func TestNewerSchemaRefused(t *testing.T) {
	u := pgtest.FreshSchemaURL(t)
	s := open(t, u)
	if _, err := s.pool.Exec(t.Context(), `INSERT INTO schema_migrations (version, applied_at) VALUES (9999, now())`); err != nil {
		t.Fatal(err)
	}
	if s2, err := Open(t.Context(), u); err == nil {
		s2.Close()
		t.Fatal("Open accepted a database migrated by a newer binary")
	}
}

// TestUpgradeFrom0001 migrates a schema holding data under the first
// version, as an existing installation would have, and reads that data back
// with the defaults 0002 gives it: no roles, no groups, no owner, no
// settings; 0013's: no login page; and 0016's: no keys.
func TestUpgradeFrom0001(t *testing.T) {
	ts := "2025-03-14T15:09:26.535897Z"
	u := atVersion(t, 1, []string{
		`INSERT INTO tenants VALUES ('t-sys', 'sys', 'System', 'system', NULL, '{t-sys}', '` + ts + `', '` + ts + `')`,
		`INSERT INTO users VALUES ('u-root', 't-sys', 'root', '', false, '', '', '', '', 'admin', '', false, '` + ts + `', '` + ts + `')`,
		`INSERT INTO clients VALUES ('portal', 'Portal', NULL, 'public', 'none', NULL, '{https://p.example/cb}', '{}',
			'{authorization_code}', '{tenant}', false, 0, 0, 0, '` + ts + `', '` + ts + `')`,
	})

	s := open(t, u)
	ctx := t.Context()
	wantVersions(t, s)
	tn, err := s.TenantByID(ctx, "t-sys")
	if err != nil {
		t.Fatal(err)
	}
	if tn.Settings.UserRoles != nil || tn.Slug != "sys" || len(tn.Path) != 1 {
		t.Errorf("tenant after upgrade = %+v", tn)
	}
	usr, err := s.UserByID(ctx, "u-root")
	if err != nil {
		t.Fatal(err)
	}
	if len(usr.GlobalRoles) != 0 || len(usr.ServiceRoles) != 0 || len(usr.Groups) != 0 || usr.OwnerID != "" || usr.Username != "root" {
		t.Errorf("user after upgrade = %+v", usr)
	}
	c, err := s.ClientByID(ctx, "portal")
	if err != nil {
		t.Fatal(err)
	}
	if len(c.DefaultScopes) != 0 || len(c.Services) != 0 || len(c.GlobalRoles) != 0 || len(c.ServiceRoles) != 0 ||
		len(c.Scopes) != 1 || c.InitiateLoginURI != "" || c.JWKS != "" || c.JWKSURI != "" {
		t.Errorf("client after upgrade = %+v", c)
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
	if err := s.pool.QueryRow(t.Context(), `SELECT count(*), max(version) FROM schema_migrations`).Scan(&n, &maxVersion); err != nil {
		t.Fatal(err)
	}
	if n != len(ms) || maxVersion != ms[len(ms)-1].Version {
		t.Errorf("schema_migrations has %d rows up to version %d, want %d up to %d", n, maxVersion, len(ms), ms[len(ms)-1].Version)
	}
}
