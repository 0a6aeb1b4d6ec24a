package sqlite

import (
	"bytes"
	"path/filepath"
	"testing"
	"time"

	"github.com/gatehouse-id/gatehouse/keys"
	"github.com/gatehouse-id/gatehouse/keys/keystest"
)

// TestUpgradeFrom0005 migrates a database holding signing keys under the
// fifth schema, which stored their state, and reads them back with the
// schedule 0006 gives them: published and active from their creation.
func TestUpgradeFrom0005(t *testing.T) {
	path := atVersion(t, 5, []string{
		`INSERT INTO signing_keys (id, algorithm, sealed, public_jwk, state, created_at, updated_at)
			VALUES ('k-old', 'RS256', X'00ff01', X'7b7d', 'retired',
			'2025-01-14T15:09:26.535897000Z', '2025-03-14T15:09:26.535897000Z')`,
		`INSERT INTO signing_keys (id, algorithm, sealed, public_jwk, state, created_at, updated_at)
			VALUES ('k-1', 'EdDSA', X'00ff02', X'7b2278227d', 'active',
			'2025-03-14T15:09:26.535897000Z', '2025-03-15T00:00:00.000001000Z')`,
		`INSERT INTO secrets (name, sealed) VALUES ('csrf', X'0a0b')`,
	})

	s := open(t, path)
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
	if _, err := s.db.ExecContext(ctx, `SELECT state FROM signing_keys`); err != nil {
		t.Errorf("signing_keys lost its state column: %v", err)
	}
	if _, err := s.db.ExecContext(ctx, `INSERT INTO signing_keys (id, algorithm, sealed, public_jwk, created_at, updated_at)
		VALUES ('k-2', 'EdDSA', X'00', X'00', '', '')`); err == nil {
		t.Error("a key without a schedule was stored")
	}
	// The rebuilt table is STRICT, as 0001's was.
	var strict bool
	if err := s.db.QueryRowContext(ctx, `SELECT strict FROM pragma_table_list WHERE name = 'signing_keys'`).
		Scan(&strict); err != nil || !strict {
		t.Errorf("signing_keys STRICT = %v, %v; want true", strict, err)
	}
}

// TestRotationAcrossStores is keystest's OneAtATime for two Stores on one
// file, as two processes (the server and `gatehouse keys rotate`) have:
// SQLite's write lock, not anything in the process, keeps them apart.
func TestRotationAcrossStores(t *testing.T) {
	path := filepath.Join(t.TempDir(), "gatehouse.db")
	keystest.OneAtATime(t, open(t, path), open(t, path))
}
