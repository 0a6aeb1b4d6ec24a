// Package directorytest is the conformance suite for directory.Store. Every
// backend (SQLite, PostgreSQL) runs the same Run from its own tests, so that
// the domain layer can rely on one behaviour whatever stores the data:
//
//	func TestDirectory(t *testing.T) {
//		directorytest.Run(t, func(t *testing.T) directory.Store { return openFresh(t) })
//	}
//
// The suite imports nothing but the contract and the standard library, so a
// backend brings no test dependency it does not already have. What it
// expects beyond the interface's doc comments, so that backends agree:
//   - times come back in UTC, the same instant to the microsecond (the
//     fixtures use microseconds, PostgreSQL's precision);
//   - a nil and an empty list (or byte slice) may come back either way;
//   - Update replaces every field of the stored row, CreatedAt included.
package directorytest

import (
	"errors"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/gatehouse-id/gatehouse/directory"
)

// Run runs the suite. newStore must return a new, empty store for each call;
// it is called once per subtest, and should register its cleanup with t.
func Run(t *testing.T, newStore func(t *testing.T) directory.Store) {
	t.Run("Tenants", func(t *testing.T) { testTenants(t, newStore) })
	t.Run("Users", func(t *testing.T) { testUsers(t, newStore) })
	t.Run("Clients", func(t *testing.T) { testClients(t, newStore) })
	t.Run("InTx", func(t *testing.T) { testInTx(t, newStore) })
	t.Run("Copies", func(t *testing.T) { testCopies(t, newStore) })
}

// at returns a fixed instant plus m minutes. It has microseconds, so that a
// backend that drops them fails, and no nanoseconds, which PostgreSQL cannot
// keep.
func at(m int) time.Time {
	return time.Date(2025, 3, 14, 15, 9, 26, 535897000, time.UTC).Add(time.Duration(m) * time.Minute)
}

// newTenant returns a tenant one level below parent (the system tenant if
// parent is nil), with every field set.
func newTenant(id, slug string, parent *directory.Tenant) directory.Tenant {
	t := directory.Tenant{
		ID: id, Slug: slug, Name: "Tenant " + slug, Level: directory.LevelSystem,
		Path: []string{id}, CreatedAt: at(1), UpdatedAt: at(2),
	}
	if parent != nil {
		t.Level, _ = parent.Level.ChildLevel()
		t.ParentID = parent.ID
		t.Path = append(append([]string(nil), parent.Path...), id)
	}
	return t
}

// newUser returns a user with every field set to something other than its
// zero value, so that a column the backend forgets shows up.
func newUser(id, tenantID, username, email string) directory.User {
	return directory.User{
		ID: id, TenantID: tenantID, Username: username, Email: email, EmailVerified: true,
		GivenName: "Given " + username, FamilyName: "Family " + username, DisplayName: "Display " + username,
		PreferredLanguage: "nl-NL", TenantRole: directory.TenantRoleAdmin,
		PasswordHash: "$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA", Disabled: true,
		CreatedAt: at(3), UpdatedAt: at(4),
	}
}

// newClient returns a confidential client with every field set.
func newClient(id, tenantID string) directory.Client {
	return directory.Client{
		ID: id, Name: "Client " + id, TenantID: tenantID,
		Type: directory.ClientConfidential, AuthMethod: directory.AuthSecretPost,
		SecretHash:             []byte{0x00, 0x01, 0xfe, 0xff, byte(len(id))},
		RedirectURIs:           []string{"https://" + id + ".example/cb", "https://" + id + ".example/cb2"},
		PostLogoutRedirectURIs: []string{"https://" + id + ".example/bye"},
		GrantTypes:             []string{directory.GrantAuthorizationCode, directory.GrantRefreshToken},
		Scopes:                 []string{"tenant", "roles"},
		InsecureSkipPKCE:       true,
		AccessTokenLifetime:    5*time.Minute + 1,
		IDTokenLifetime:        time.Hour + time.Millisecond,
		RefreshTokenLifetime:   720 * time.Hour,
		CreatedAt:              at(5), UpdatedAt: at(6),
	}
}

// seed stores a system tenant "sys" and a provider "acme" below it.
func seed(t *testing.T, s directory.Store) (sys, acme directory.Tenant) {
	t.Helper()
	sys = newTenant("t-sys", "sys", nil)
	acme = newTenant("t-acme", "acme", &sys)
	mustDo(t, s.CreateTenant(t.Context(), sys))
	mustDo(t, s.CreateTenant(t.Context(), acme))
	return sys, acme
}

func mustDo(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// wantErr fails unless err wraps want (or is nil when want is nil).
func wantErr(t *testing.T, err, want error) {
	t.Helper()
	switch {
	case want == nil && err != nil:
		t.Fatalf("error = %v, want nil", err)
	case want != nil && !errors.Is(err, want):
		t.Fatalf("error = %v, want one wrapping %v", err, want)
	}
}

// wantEqual compares deeply after mapping empty slices to nil (see the
// package doc). DeepEqual also tells a UTC time from the same instant in
// another location, which is what the suite wants.
func wantEqual[T any](t *testing.T, what string, got, want T) {
	t.Helper()
	g, w := normalize(got), normalize(want)
	if !reflect.DeepEqual(g, w) {
		t.Fatalf("%s:\n got %+v\nwant %+v", what, g, w)
	}
}

func normalize(v any) any {
	switch x := v.(type) {
	case directory.Tenant:
		x.Path = nilIfEmpty(x.Path)
		return x
	case directory.Client:
		if len(x.SecretHash) == 0 {
			x.SecretHash = nil
		}
		x.RedirectURIs = nilIfEmpty(x.RedirectURIs)
		x.PostLogoutRedirectURIs = nilIfEmpty(x.PostLogoutRedirectURIs)
		x.GrantTypes = nilIfEmpty(x.GrantTypes)
		x.Scopes = nilIfEmpty(x.Scopes)
		return x
	case []directory.Tenant:
		out := make([]any, len(x))
		for i := range x {
			out[i] = normalize(x[i])
		}
		return out
	case []directory.User:
		out := make([]any, len(x))
		for i := range x {
			out[i] = x[i]
		}
		return out
	case []directory.Client:
		out := make([]any, len(x))
		for i := range x {
			out[i] = normalize(x[i])
		}
		return out
	}
	return v
}

func nilIfEmpty(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	return s
}

// ids returns the ids of xs, for ordering checks with short messages.
func ids[T any](xs []T, id func(T) string) string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = id(x)
	}
	return fmt.Sprint(out)
}
