package keys_test

import (
	"bytes"
	"crypto"
	"crypto/rand"
	"crypto/sha256"
	"encoding/json"
	"path/filepath"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/gatehouse-id/gatehouse/claims"
	"github.com/gatehouse-id/gatehouse/keys"
	"github.com/gatehouse-id/gatehouse/storage/sqlite"
)

// machineToken is a client credentials access token as mint builds it: a
// machine client in a Sub-Customer tenant with two global roles, their
// permissions and three service roles.
func machineToken() claims.AccessToken {
	now := time.Now()
	return claims.AccessToken{Issuer: "https://id.example.com", Subject: "fleet-rotterdam", Audience: []string{"fleet-rotterdam"},
		Expiry: now.Add(time.Hour).Unix(), IssuedAt: now.Unix(), JWTID: "c2VjcmV0LXRva2VuLWlkLTE2", ClientID: "fleet-rotterdam",
		Scope: "devices.read devices.write permissions tenant roles",
		Access: claims.Access{
			Tenant: &claims.Tenant{ID: "t-rotterdam", Slug: "rotterdam", Name: "Contoso Rotterdam", Level: claims.LevelSubcustomer,
				Path: []string{"t-system", "t-acme", "t-contoso", "t-rotterdam"}},
			GlobalRoles: []string{"devices", "fleet-operators"},
			Permissions: []string{"alarms:admin", "events:create", "inventory:change", "inventory:create", "inventory:read",
				"measurements:create", "operations:change", "operations:read"},
			ServiceRoles: map[string][]string{"things-manager": {"editor"}, "webshop": {"quotation", "read-only"}},
			Roles:        []string{"devices", "fleet-operators", "things-manager:editor", "webshop:quotation", "webshop:read-only"},
		},
	}
}

// benchManager is a Manager signing with alg over a fresh SQLite store, as
// a server starts it (its first key is created and active at once).
func benchManager(b *testing.B, alg jose.SignatureAlgorithm) *keys.Manager {
	b.Helper()
	st, err := sqlite.Open(b.Context(), filepath.Join(b.TempDir(), "gatehouse.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	sealer, err := keys.NewSealer(bytes.Repeat([]byte{1}, 32))
	if err != nil {
		b.Fatal(err)
	}
	m, _, err := keys.NewManager(b.Context(), st, sealer, keys.Config{Algorithm: alg})
	if err != nil {
		b.Fatal(err)
	}
	return m
}

// BenchmarkSignWith measures signing one access token as mint does: Active
// (the key that signs now) and SignWith (JSON, the signature, the compact
// serialization), per algorithm. Compare with BenchmarkSignatureFloor for
// what JOSE and JSON add to the bare signature.
func BenchmarkSignWith(b *testing.B) {
	at := machineToken()
	for _, alg := range keys.Algorithms {
		b.Run(string(alg), func(b *testing.B) {
			m := benchManager(b, alg)
			k, _ := m.Active()
			if k.Algorithm != alg {
				b.Fatalf("the active key is %s, want %s", k.Algorithm, alg)
			}
			checkSigned(b, m, at)
			b.ReportAllocs()
			for b.Loop() {
				k, ok := m.Active()
				if !ok {
					b.Fatal("no active key")
				}
				if _, err := m.SignWith(k, at, "at+jwt"); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// checkSigned signs at once and verifies it with the published key, so that
// the benchmark measures a token a resource server accepts.
func checkSigned(b *testing.B, m *keys.Manager, at claims.AccessToken) {
	b.Helper()
	k, _ := m.Active()
	raw, err := m.SignWith(k, at, "at+jwt")
	if err != nil {
		b.Fatal(err)
	}
	jws, err := jose.ParseSigned(raw, keys.Algorithms)
	if err != nil {
		b.Fatal(err)
	}
	for _, pub := range m.PublicKeys() {
		if pub.KeyID != k.ID {
			continue
		}
		payload, err := jws.Verify(pub.Key)
		if err != nil {
			b.Fatal(err)
		}
		var got claims.AccessToken
		if err := json.Unmarshal(payload, &got); err != nil || got.Tenant == nil || got.Tenant.ID != at.Tenant.ID {
			b.Fatalf("signed %s, read back %+v (%v)", payload, got, err)
		}
		return
	}
	b.Fatalf("key %s is not published", k.ID)
}

// BenchmarkSignatureFloor is the bare signature of the same payload with
// the same kind of key (SHA-256 and crypto.Signer, no JSON, no JOSE): the
// floor the token endpoint's signing cannot go below.
func BenchmarkSignatureFloor(b *testing.B) {
	payload, err := json.Marshal(machineToken())
	if err != nil {
		b.Fatal(err)
	}
	for _, alg := range keys.Algorithms {
		b.Run(string(alg), func(b *testing.B) {
			k, _ := benchManager(b, alg).Active()
			b.ReportAllocs()
			for b.Loop() {
				var err error
				if alg == jose.EdDSA {
					_, err = k.Private.Sign(rand.Reader, payload, crypto.Hash(0))
				} else {
					digest := sha256.Sum256(payload)
					_, err = k.Private.Sign(rand.Reader, digest[:], crypto.SHA256)
				}
				if err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
