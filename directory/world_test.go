package directory_test

import (
	"bytes"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-id/gatehouse/directory"
	"github.com/gatehouse-id/gatehouse/password"
)

// The worlds of the tests: a real SQLite directory (newDirectory) holding
// a tree of tenants and users, built by the helpers here.

// newDirectoryAt is newDirectory on the clock now.
func newDirectoryAt(t *testing.T, now func() time.Time) *directory.Directory {
	t.Helper()
	return directory.New(newDirectory(t).Store(), directory.NewSecretHasher(bytes.Repeat([]byte{3}, 32)),
		directory.Config{PasswordParams: password.Params{Memory: 64, Time: 1, Threads: 1}, Now: now})
}

// tenantSpec is a tenant to create: its slug, level and parent's slug.
type tenantSpec struct {
	slug   string
	level  directory.Level
	parent string
}

// worldTree is the tree that newWorld starts from:
//
//	sys (system)
//	├── acme (provider)
//	│   └── contoso (customer)
//	└── globex (provider)
var worldTree = []tenantSpec{
	{"sys", directory.LevelSystem, ""},
	{"acme", directory.LevelProvider, "sys"},
	{"globex", directory.LevelProvider, "sys"},
	{"contoso", directory.LevelCustomer, "acme"},
}

// newWorld returns a directory over a fresh SQLite store holding worldTree
// and then the tenants more, each named by its slug.
func newWorld(t *testing.T, more ...tenantSpec) *directory.Directory {
	t.Helper()
	d := newDirectory(t)
	createTenants(t, d, func(slug string) string { return slug }, append(slices.Clone(worldTree), more...))
	return d
}

// titled names a tenant by its slug with a capital: "acme" is "Acme".
func titled(slug string) string { return strings.ToUpper(slug[:1]) + slug[1:] }

// createTenants creates tenants, in order, each named name(slug).
func createTenants(t *testing.T, d *directory.Directory, name func(slug string) string, tenants []tenantSpec) {
	t.Helper()
	for _, tn := range tenants {
		if _, err := d.CreateTenant(t.Context(), tn.slug, name(tn.slug), tn.level, tn.parent); err != nil {
			t.Fatalf("tenant %s: %v", tn.slug, err)
		}
	}
}

// createUsers creates users, in order, a user of their tenant unless they
// have a tenant role, and returns them keyed "tenant/username".
func createUsers(t *testing.T, d *directory.Directory, users []directory.NewUser) map[string]directory.User {
	t.Helper()
	out := map[string]directory.User{}
	for _, nu := range users {
		if nu.TenantRole == "" {
			nu.TenantRole = directory.TenantRoleUser
		}
		u, err := d.CreateUser(t.Context(), nu)
		if err != nil {
			t.Fatalf("user %s/%s: %v", nu.TenantSlug, nu.Username, err)
		}
		out[nu.TenantSlug+"/"+u.Username] = u
	}
	return out
}

// createCallers is createUsers with a password each, returning each user's
// Caller as it stands once all are created, under the same keys.
func createCallers(t *testing.T, d *directory.Directory, users []directory.NewUser) map[string]directory.Caller {
	t.Helper()
	users = slices.Clone(users)
	for i := range users {
		users[i].Password = "correct-horse-battery"
	}
	return callersOf(t, d, createUsers(t, d, users))
}

// callersOf returns the Caller of every one of users, under the same keys.
func callersOf(t *testing.T, d *directory.Directory, users map[string]directory.User) map[string]directory.Caller {
	t.Helper()
	out := map[string]directory.Caller{}
	for key, u := range users {
		c, err := d.CallerForUser(t.Context(), u.ID, "", "")
		if err != nil {
			t.Fatalf("caller %s: %v", key, err)
		}
		out[key] = c
	}
	return out
}

// idOf is the id of the user keyed name in users, or name itself if there
// is none (an id that does not exist, or "").
func idOf(users map[string]directory.User, name string) string {
	if u, ok := users[name]; ok {
		return u.ID
	}
	return name
}
