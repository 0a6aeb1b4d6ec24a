// Package directorytest is the conformance suite for directory.Store. Every
// backend (SQLite, PostgreSQL) runs the same Run from its own tests, so that
// the domain layer can rely on one behaviour whatever stores the data:
//
//	func TestDirectory(t *testing.T) {
//		directorytest.Run(t, func(t *testing.T) directory.Store { return openFresh(t) }, enrolTOTP)
//	}
//
// The suite imports nothing but the contract (package directory, package
// onetime for the links it keeps, package password for the strength its
// users carry, and package storage for the
// unavailability a store may answer a race with) and the standard
// library, so a backend brings no test dependency it does not already
// have. What it expects beyond the interface's doc comments, so that
// backends agree:
//   - times come back in UTC, the same instant to the microsecond: the
//     fixtures carry microseconds and never nanoseconds, since PostgreSQL
//     keeps microseconds (and rounds, rather than truncates, what is finer),
//     so comparing them exactly compares them at microsecond precision;
//   - a nil and an empty list, byte slice or service-roles map may come back
//     either way: "none" is stored, not how it was spelled (see normalize);
//   - lists keep their order, permissions and service roles included;
//   - Update replaces every field of the stored row, CreatedAt included; it
//     finds the row by its id (by name for services and resources, by user
//     and tenant for links). A user's login statistics are the exception:
//     only RecordLogin writes them (logins.go). A deleted user (soft
//     delete) is a row like any other but for CountUsers and
//     DeletedUsersBefore (lifecycle.go);
//   - a write that refers to a row that does not exist (a tenant, a user, an
//     owner) fails with ErrNotFound and an error naming the missing id;
//   - a list of children of an unknown tenant or user is empty, not an
//     error;
//   - QueryUsers tells enrolled users by the TOTP credentials the backend
//     keeps as mfa.Store, which the suite cannot write through
//     directory.Store: Run's enrol writes one (EnrolTOTP).
package directorytest

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-id/gatehouse/directory"
	"github.com/gatehouse-id/gatehouse/internal/check"
	"github.com/gatehouse-id/gatehouse/password"
)

// Run runs the suite. newStore must return a new, empty store for each call;
// it is called once per subtest, and should register its cleanup with t.
// enrol gives a user of such a store a TOTP credential (see EnrolTOTP).
func Run(t *testing.T, newStore func(t *testing.T) directory.Store, enrol EnrolTOTP) {
	t.Run("Tenants", func(t *testing.T) { testTenants(t, newStore) })
	t.Run("Users", func(t *testing.T) { testUsers(t, newStore) })
	t.Run("Clients", func(t *testing.T) { testClients(t, newStore) })
	t.Run("Links", func(t *testing.T) { testLinks(t, newStore) })
	t.Run("GlobalRoles", func(t *testing.T) { testGlobalRoles(t, newStore) })
	t.Run("Groups", func(t *testing.T) { testGroups(t, newStore) })
	t.Run("Deletes", func(t *testing.T) { testDeletes(t, newStore) })
	t.Run("ClientDeletes", func(t *testing.T) { testClientDeletes(t, newStore) })
	t.Run("Services", func(t *testing.T) { testServices(t, newStore) })
	t.Run("Resources", func(t *testing.T) { testResources(t, newStore) })
	t.Run("SupportConsents", func(t *testing.T) { testSupportConsents(t, newStore) })
	t.Run("ClientConsents", func(t *testing.T) { testClientConsents(t, newStore) })
	t.Run("MissingReferences", func(t *testing.T) { testMissingReferences(t, newStore) })
	t.Run("InTx", func(t *testing.T) { testInTx(t, newStore) })
	t.Run("Race", func(t *testing.T) { testRace(t, newStore) })
	t.Run("Copies", func(t *testing.T) { testCopies(t, newStore) })
	t.Run("TenantDeletes", func(t *testing.T) { testTenantDeletes(t, newStore) })
	t.Run("Logins", func(t *testing.T) { testLogins(t, newStore) })
	t.Run("Lifecycle", func(t *testing.T) { testLifecycle(t, newStore) })
	t.Run("MailedLinks", func(t *testing.T) { testMailedLinks(t, newStore) })
	t.Run("QuotaRace", func(t *testing.T) { testQuotaRace(t, newStore) })
	t.Run("Purges", func(t *testing.T) { testPurges(t, newStore) })
	t.Run("QueryUsers", func(t *testing.T) { testQueryUsers(t, newStore, enrol) })
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
		Path: []string{id},
		Settings: directory.TenantSettings{
			UserRoles: []string{directory.RoleReaders, "operators"}, MFA: directory.MFARequired, MaxUsers: 25,
		},
		CreatedAt: at(1), UpdatedAt: at(2),
	}
	if parent != nil {
		t.Level, _ = parent.Level.ChildLevel()
		t.ParentID = parent.ID
		t.Path = append(append([]string(nil), parent.Path...), id)
	}
	return t
}

// newUser returns a user with every field set to something other than its
// zero value, so that a column the backend forgets shows up; all but
// OwnerID, which must name a stored user (see the Users/Owner test), the
// login statistics, which only RecordLogin writes (see logins.go), and
// DeletedAt: the user is not deleted (see lifecycle.go for those that are).
// Disabled, it has its earlier sessions revoked (RevokedBefore), a
// microsecond apart from its other times so that a mixed-up column shows.
func newUser(id, tenantID, username, email string) directory.User {
	return directory.User{
		ID: id, TenantID: tenantID, Username: username, Email: email, EmailVerified: true,
		GivenName: "Given " + username, FamilyName: "Family " + username, DisplayName: "Display " + username,
		PreferredLanguage: "nl-NL", Phone: "+31 (0)20 555-0134", JobTitle: "Field engineer, " + username,
		OfficeLocation: "Rotterdam — Wilhelminakade", TenantRole: directory.TenantRoleAdmin,
		// Out of order, to catch a store that sorts.
		GlobalRoles: []string{directory.RoleReaders, directory.RoleDevices},
		ServiceRoles: directory.ServiceRoles{
			"things-manager": {"editor", "admin"},
			"invoices":       {"viewer"},
		},
		Groups:           []string{"field", directory.GroupAdministrators},
		PasswordHash:     "$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA",
		PasswordStrength: password.VeryStrong, MustChangePassword: true, Disabled: true,
		RevokedBefore: at(4).Add(-time.Microsecond), CreatedAt: at(3), UpdatedAt: at(4),
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
		Scopes:                 []string{"tenant", "roles", "permissions"},
		DefaultScopes:          []string{"roles", "tenant"},
		Services:               []string{"things-manager", "invoices"},
		GlobalRoles:            []string{directory.RoleDevices},
		ServiceRoles:           directory.ServiceRoles{"things-manager": {"read-only"}},
		InsecureSkipPKCE:       true,
		AccessTokenLifetime:    5*time.Minute + 1,
		IDTokenLifetime:        time.Hour + time.Millisecond,
		RefreshTokenLifetime:   720 * time.Hour,
		CreatedAt:              at(5), UpdatedAt: at(6),
	}
}

// newLink returns a link of userID to tenantID with every field set.
func newLink(userID, tenantID string) directory.Link {
	return directory.Link{
		UserID: userID, TenantID: tenantID, TenantRole: directory.TenantRoleUser,
		GlobalRoles:  []string{directory.RoleReaders, "support"},
		ServiceRoles: directory.ServiceRoles{"things-support": {"user"}, "webshop": {"read-only", "quotation"}},
		Groups:       []string{"support", "external"},
		CreatedAt:    at(7), UpdatedAt: at(8),
	}
}

// newRole returns a global role with every field set.
func newRole(id, tenantID, name string) directory.GlobalRole {
	return directory.GlobalRole{
		ID: id, TenantID: tenantID, Name: name, Description: "Role " + name,
		Permissions: []directory.Permission{
			{Resource: "inventory", Access: directory.AccessRead},
			{Resource: "alarms", Access: directory.AccessAdmin},
			{Resource: "operations", Access: directory.AccessChange},
			{Resource: "measurements", Access: directory.AccessCreate},
		},
		RequireMFA: true,
		CreatedAt:  at(9), UpdatedAt: at(10),
	}
}

// newGroup returns a group with every field set.
func newGroup(id, tenantID, name string) directory.Group {
	return directory.Group{
		ID: id, TenantID: tenantID, Name: name, Description: "Group " + name,
		GlobalRoles:  []string{directory.RoleReaders, directory.RoleDevices},
		ServiceRoles: directory.ServiceRoles{"webshop": {"quotation", "forecasting"}, "invoices": {"viewer"}},
		RequireMFA:   true,
		CreatedAt:    at(11), UpdatedAt: at(12),
	}
}

// newService returns a service with every field set.
func newService(name string) directory.Service {
	return directory.Service{
		Name: name, DisplayName: "Service " + name, Roles: []string{"read-only", "admin", "editor"},
		CreatedAt: at(13), UpdatedAt: at(14),
	}
}

// newResource returns an operator-defined resource with every stored field
// set. Builtin is not: built-in resources are never stored.
func newResource(name string) directory.Resource {
	return directory.Resource{
		Name: name, Description: "Resource " + name,
		Levels: []directory.Level{directory.LevelProvider, directory.LevelCustomer},
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

// wantMissing fails unless err wraps ErrNotFound and names id, the row a
// write referred to that does not exist.
func wantMissing(t *testing.T, err error, id string) {
	t.Helper()
	wantErr(t, err, directory.ErrNotFound)
	if !strings.Contains(err.Error(), id) {
		t.Fatalf("error = %v, want one naming the missing %s", err, id)
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
		x.Settings.UserRoles = nilIfEmpty(x.Settings.UserRoles)
		return x
	case directory.User:
		x.GlobalRoles, x.ServiceRoles, x.Groups = nilIfEmpty(x.GlobalRoles), normRoles(x.ServiceRoles), nilIfEmpty(x.Groups)
		return x
	case directory.Link:
		x.GlobalRoles, x.ServiceRoles, x.Groups = nilIfEmpty(x.GlobalRoles), normRoles(x.ServiceRoles), nilIfEmpty(x.Groups)
		return x
	case directory.Client:
		x.SecretHash = nilIfEmpty(x.SecretHash)
		x.RedirectURIs = nilIfEmpty(x.RedirectURIs)
		x.PostLogoutRedirectURIs = nilIfEmpty(x.PostLogoutRedirectURIs)
		x.GrantTypes = nilIfEmpty(x.GrantTypes)
		x.Scopes = nilIfEmpty(x.Scopes)
		x.DefaultScopes = nilIfEmpty(x.DefaultScopes)
		x.Services = nilIfEmpty(x.Services)
		x.GlobalRoles, x.ServiceRoles = nilIfEmpty(x.GlobalRoles), normRoles(x.ServiceRoles)
		return x
	case directory.ClientConsent:
		x.Scopes = nilIfEmpty(x.Scopes)
		return x
	case directory.GlobalRole:
		x.Permissions = nilIfEmpty(x.Permissions)
		return x
	case directory.Group:
		x.GlobalRoles, x.ServiceRoles = nilIfEmpty(x.GlobalRoles), normRoles(x.ServiceRoles)
		return x
	case directory.Service:
		x.Roles = nilIfEmpty(x.Roles)
		return x
	case directory.Resource:
		x.Levels = nilIfEmpty(x.Levels)
		return x
	case []directory.Tenant:
		return normalizeAll(x)
	case []directory.User:
		return normalizeAll(x)
	case []directory.Link:
		return normalizeAll(x)
	case []directory.Client:
		return normalizeAll(x)
	case []directory.GlobalRole:
		return normalizeAll(x)
	case []directory.Group:
		return normalizeAll(x)
	case []directory.Service:
		return normalizeAll(x)
	case []directory.Resource:
		return normalizeAll(x)
	}
	return v
}

func normalizeAll[T any](xs []T) []any {
	out := make([]any, len(xs))
	for i := range xs {
		out[i] = normalize(xs[i])
	}
	return out
}

func nilIfEmpty[E any](s []E) []E {
	if len(s) == 0 {
		return nil
	}
	return s
}

// normRoles maps an empty map to nil, and each service's empty list to nil.
// It keeps every service and the order of its roles: unlike
// ServiceRoles.Normalize, it hides no difference a store must not make.
func normRoles(sr directory.ServiceRoles) directory.ServiceRoles {
	if len(sr) == 0 {
		return nil
	}
	out := make(directory.ServiceRoles, len(sr))
	for svc, roles := range sr {
		out[svc] = nilIfEmpty(roles)
	}
	return out
}

// ids returns the ids of xs, for ordering checks with short messages.
func ids[T any](xs []T, id func(T) string) string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = id(x)
	}
	return fmt.Sprint(out)
}

// mustDo and wantErr are the suites' shared assertions (internal/check).
var mustDo, wantErr = check.MustDo, check.WantErr
