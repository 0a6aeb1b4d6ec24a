package postgres

import (
	"bytes"
	"errors"
	"testing"
	"time"

	"github.com/gatehouse-id/gatehouse/keys"
	"github.com/gatehouse-id/gatehouse/keys/keystest"
	"github.com/gatehouse-id/gatehouse/storage/postgres/pgtest"
)

// TestUpgradeFrom0005 migrates a schema holding signing keys under the
// fifth version, which stored their state, and reads them back with the
// schedule 0006 gives them: published and active from their creation.
func TestUpgradeFrom0005(t *testing.T) {
	u := atVersion(t, 5, []string{
		`INSERT INTO signing_keys (id, algorithm, sealed, public_jwk, state, created_at, updated_at)
			VALUES ('k-old', 'RS256', '\x00ff01', '\x7b7d', 'retired',
			'2025-01-14T15:09:26.535897Z', '2025-03-14T15:09:26.535897Z')`,
		`INSERT INTO signing_keys (id, algorithm, sealed, public_jwk, state, created_at, updated_at)
			VALUES ('k-1', 'EdDSA', '\x00ff02', '\x7b2278227d', 'active',
			'2025-03-14T16:09:26.535897+01:00', '2025-03-15T00:00:00.000001Z')`,
		`INSERT INTO secrets (name, sealed) VALUES ('csrf', '\x0a0b')`,
	})

	s := open(t, u)
	ctx := t.Context()
	wantVersions(t, s)
	retired := time.Date(2025, 1, 14, 15, 9, 26, 535897000, time.UTC)
	active := time.Date(2025, 3, 14, 15, 9, 26, 535897000, time.UTC)
	want := []keys.Record{
		{ID: "k-old", Algorithm: "RS256", Sealed: []byte{0x00, 0xff, 0x01}, PublicJWK: []byte(`{}`),
			PublishAt: retired, ActivateAt: retired, CreatedAt: retired, UpdatedAt: active},
		{ID: "k-1", Algorithm: "EdDSA", Sealed: []byte{0x00, 0xff, 0x02}, PublicJWK: []byte(`{"x"}`),
			PublishAt: active, ActivateAt: active, CreatedAt: active,
			UpdatedAt: time.Date(2025, 3, 15, 0, 0, 0, 1000, time.UTC)},
	}
	got, err := s.ListKeys(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Fatalf("keys after upgrade = %+v, want %+v", got, want)
	}
	for i := range want {
		g, w := got[i], want[i]
		if g.ID != w.ID || g.Algorithm != w.Algorithm || !bytes.Equal(g.Sealed, w.Sealed) ||
			!bytes.Equal(g.PublicJWK, w.PublicJWK) || g.PublishAt != w.PublishAt || g.ActivateAt != w.ActivateAt ||
			g.CreatedAt != w.CreatedAt || g.UpdatedAt != w.UpdatedAt {
			t.Errorf("key %d after upgrade = %+v, want %+v", i, g, w)
		}
	}
	if sealed, err := s.Secret(ctx, "csrf"); err != nil || !bytes.Equal(sealed, []byte{0x0a, 0x0b}) {
		t.Errorf("secret after upgrade = %x, %v", sealed, err)
	}

	// The state column stays for nodes not yet upgraded, with a default
	// for the keys this version stores; the schedule may not be left out.
	if _, err := s.pool.Exec(ctx, `SELECT state FROM signing_keys`); err != nil {
		t.Errorf("signing_keys lost its state column: %v", err)
	}
	if _, err := s.pool.Exec(ctx, `INSERT INTO signing_keys (id, algorithm, sealed, public_jwk, created_at, updated_at)
		VALUES ('k-2', 'EdDSA', '\x00', '\x00', now(), now())`); err == nil {
		t.Error("a key without a schedule was stored")
	}
}

// TestRotationAcrossStores is keystest's OneAtATime for two Stores on one
// schema, as two nodes have: the advisory lock, not anything in the
// process, keeps them apart.
func TestRotationAcrossStores(t *testing.T) {
	u := pgtest.FreshSchemaURL(t)
	keystest.OneAtATime(t, open(t, u), open(t, u))
}

// TestRotationLockReleased: the lock is held while fn runs, and is the
// transaction's, so it is free again after a commit, after fn's error and
// after a panic in fn, whatever connection of the pool the next rotation
// gets.
func TestRotationLockReleased(t *testing.T) {
	s := fresh(t)
	ctx := t.Context()
	// held counts the holders of the lock, looked at from another
	// connection. A bigint key is classid (high half) and objid (low half)
	// with objsubid 1.
	held := func() int {
		t.Helper()
		var n int
		if err := s.pool.QueryRow(ctx, `SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted
			AND database = (SELECT oid FROM pg_database WHERE datname = current_database()) AND objsubid = 1
			AND ((classid::bigint << 32) | objid::bigint) = $1`, rotationLock).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if err := s.InRotation(ctx, func(keys.Store) error {
		if n := held(); n != 1 {
			t.Errorf("the rotation lock is held %d times while fn runs, want 1", n)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	errFn := errors.New("fn failed")
	if err := s.InRotation(ctx, func(keys.Store) error { return errFn }); !errors.Is(err, errFn) {
		t.Fatalf("InRotation = %v, want fn's error", err)
	}
	func() {
		defer func() { recover() }()
		s.InRotation(ctx, func(keys.Store) error { panic("fn panicked") })
	}()
	if n := held(); n != 0 {
		t.Errorf("the rotation lock is still held %d times", n)
	}
	if err := s.InRotation(ctx, func(keys.Store) error { return nil }); err != nil {
		t.Fatal(err)
	}
}
