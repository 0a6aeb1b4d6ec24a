package claims_test

import (
	"bytes"
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/gatehouse-id/gatehouse/claims"
)

// The subjects below are what the token endpoint hands package claims once
// the directory has resolved them: a tenant four levels deep (System >
// Provider > Customer > Sub-Customer), global roles already turned into
// permissions, service roles narrowed to the client's services.

var subTenant = &claims.Tenant{ID: "019a7c3e-5b1d-7000-8000-00000000d004", Slug: "rotterdam", Name: "Contoso Rotterdam",
	Level: claims.LevelSubcustomer, Path: []string{
		"019a7c3e-5b1d-7000-8000-00000000a001", "019a7c3e-5b1d-7000-8000-00000000b002",
		"019a7c3e-5b1d-7000-8000-00000000c003", "019a7c3e-5b1d-7000-8000-00000000d004"}}

// machineSubject is a device fleet's client: two global roles, two services.
func machineSubject() claims.Subject {
	return claims.Subject{ID: "fleet-rotterdam", Tenant: subTenant,
		GlobalRoles: []string{"devices", "fleet-operators"},
		Permissions: []string{"alarms:admin", "events:create", "inventory:change", "inventory:create", "inventory:read",
			"measurements:create", "operations:change", "operations:read"},
		ServiceRoles: map[string][]string{"things-manager": {"editor"}, "webshop": {"quotation", "read-only"}},
	}
}

// personSubject is a portal user with a full profile, three global roles
// (one by default), two groups and roles in three services.
func personSubject() claims.Subject {
	return claims.Subject{ID: "019a7c3e-5b1d-7000-8000-0000000e0005", Username: "jill", Email: "jill@contoso.example",
		EmailVerified: true, GivenName: "Jill", FamilyName: "de Vries", Name: "Jill de Vries", Locale: "nl-NL",
		UpdatedAt: time.Date(2026, 2, 1, 9, 30, 0, 0, time.UTC), Tenant: subTenant, TenantRole: claims.TenantRoleUser,
		GlobalRoles: []string{"dashboard-editors", "fleet-operators", "readers"},
		Permissions: []string{"alarms:admin", "audit:read", "clients:read", "events:read", "groups:read", "inventory:change",
			"inventory:read", "measurements:read", "operations:read", "roles:read", "tenants:read", "users:read"},
		ServiceRoles: map[string][]string{"things-manager": {"editor"}, "things-support": {"user"}, "webshop": {"quotation"}},
		Groups:       []string{"night-shift", "rotterdam-team"},
	}
}

// machineScopes is what mint passes for a client credentials token: the
// client's scopes, its default scope (permissions), and tenant and roles,
// which a machine token always carries.
var machineScopes = []string{"devices.read", "devices.write", claims.ScopePermissions, claims.ScopeTenant, claims.ScopeRoles}

// personScopes is a portal's authorization-code request.
var personScopes = []string{claims.ScopeOpenID, claims.ScopeProfile, claims.ScopeEmail, claims.ScopeRoles, claims.ScopePermissions}

// BenchmarkAccessFor measures the access claims of one token (AccessFor,
// called by mint for every access token, and once more for a person's ID
// token to share): copying and sorting the roles, groups and permissions,
// and the flat roles projection.
func BenchmarkAccessFor(b *testing.B) {
	for _, bc := range []struct {
		name    string
		subject claims.Subject
		scopes  []string
		roles   int // entries of the flat roles claim
	}{
		{"machine", machineSubject(), machineScopes, 5},
		{"person", personSubject(), personScopes, 6},
	} {
		b.Run(bc.name, func(b *testing.B) {
			if a := claims.AccessFor(bc.subject, bc.scopes); a.Tenant == nil || len(a.Roles) != bc.roles ||
				!slices.Equal(a.Permissions, bc.subject.Permissions) {
				b.Fatalf("AccessFor released %+v", a)
			}
			b.ReportAllocs()
			for b.Loop() {
				claims.AccessFor(bc.subject, bc.scopes)
			}
		})
	}
}

// BenchmarkPersonClaims measures the claims a person's token response and
// userinfo add to the access claims: the ID token's (profile and access,
// as mint builds it) and the userinfo response's, each to its JSON as
// keys.Manager.SignWith or the userinfo endpoint encodes it.
func BenchmarkPersonClaims(b *testing.B) {
	s := personSubject()
	build := map[string]func() any{
		"id-token": func() any {
			return claims.IDToken{Issuer: "https://id.example.com", Subject: s.ID, Audience: []string{"portal"},
				Expiry: 1772366400, IssuedAt: 1772362800, AuthTime: 1772362790, Nonce: "n-0S6_WzA2Mj", AMR: []string{"pwd"},
				AZP: "portal", SessionID: "019a7c3e-5b1d-7000-8000-00000000f006", AccessTokenHash: "77QmUPtjPfzWtF2AnpK9RQ",
				Profile: claims.ProfileFor(s, personScopes), Access: claims.AccessFor(s, personScopes)}
		},
		"userinfo": func() any {
			return claims.UserInfo{Subject: s.ID, Profile: claims.ProfileFor(s, personScopes), Access: claims.AccessFor(s, personScopes)}
		},
	}
	for _, name := range []string{"id-token", "userinfo"} {
		b.Run(name, func(b *testing.B) {
			benchmarkJSON(b, build[name], `"email_verified":true`)
		})
	}
}

// BenchmarkAccessTokenJSON measures the access token's payload from the
// resolved subject to its JSON, the work mint and SignWith do before the
// signature: AccessFor and encoding/json's reflection over AccessToken.
func BenchmarkAccessTokenJSON(b *testing.B) {
	for _, bc := range []struct {
		name    string
		subject claims.Subject
		scopes  []string
	}{
		{"machine", machineSubject(), machineScopes},
		{"person", personSubject(), personScopes},
	} {
		b.Run(bc.name, func(b *testing.B) {
			benchmarkJSON(b, func() any {
				return claims.AccessToken{Issuer: "https://id.example.com", Subject: bc.subject.ID, Audience: []string{"fleet-rotterdam"},
					Expiry: 1772366400, IssuedAt: 1772362800, JWTID: "c2VjcmV0LXRva2VuLWlkLTE2", ClientID: "fleet-rotterdam",
					Scope: "devices.read devices.write permissions", Access: claims.AccessFor(bc.subject, bc.scopes)}
			}, `"tenant":{"id":"019a7c3e-5b1d-7000-8000-00000000d004"`)
		})
	}
}

// benchmarkJSON runs build and encodes what it returns, first checking
// once that the JSON holds want.
func benchmarkJSON(b *testing.B, build func() any, want string) {
	out, err := json.Marshal(build())
	if err != nil {
		b.Fatal(err)
	}
	if !json.Valid(out) || !bytes.Contains(out, []byte(want)) {
		b.Fatalf("%s lacks %s", out, want)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := json.Marshal(build()); err != nil {
			b.Fatal(err)
		}
	}
}
