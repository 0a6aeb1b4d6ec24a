package directory_test

import (
	"slices"
	"testing"

	"github.com/gatehouse-id/gatehouse/directory"
)

// book is a customer tenant with the default roles, two groups and the
// seed 000 services, as role resolution sees it.
func book() *directory.Book {
	c := directory.NewCatalog([]directory.Resource{{Name: "dashboards", Levels: []directory.Level{directory.LevelCustomer}}})
	t := directory.Tenant{ID: "t-contoso", Slug: "contoso", Level: directory.LevelCustomer,
		Path: []string{"t-sys", "t-acme", "t-contoso"}, Settings: directory.TenantSettings{UserRoles: []string{"readers"}}}
	roles := []directory.GlobalRole{
		{Name: "admins"},
		{Name: "readers", Permissions: c.ReadAll(directory.LevelCustomer)},
		{Name: "devices", Permissions: perms("inventory:create", "measurements:create")},
		{Name: "fleet-operators", Permissions: perms("inventory:read", "inventory:change", "alarms:admin")},
		{Name: "dashboard-editors", Permissions: perms("dashboards:change")},
	}
	groups := []directory.Group{
		{Name: "administrators"},
		{Name: "rotterdam-team", GlobalRoles: []string{"fleet-operators"},
			ServiceRoles: directory.ServiceRoles{"things-manager": {"editor"}, "webshop": {"quotation"}}},
		{Name: "night-shift", ServiceRoles: directory.ServiceRoles{"things-support": {"user"}}},
	}
	return directory.NewBook(t, c, roles, groups, directory.SeedServices)
}

func perms(ss ...string) []directory.Permission {
	out := make([]directory.Permission, len(ss))
	for i, s := range ss {
		p, err := directory.ParsePermission(s)
		if err != nil {
			panic(err)
		}
		out[i] = p
	}
	return out
}

func TestResolve(t *testing.T) {
	b := book()
	readAll := []string{"alarms:read", "audit:read", "clients:read", "dashboards:read", "events:read", "groups:read",
		"inventory:read", "measurements:read", "operations:read", "roles:read", "tenants:read", "users:read"}
	tests := []struct {
		name         string
		a            directory.Assignment
		role         directory.TenantRole
		globalRoles  []string
		permissions  []string
		serviceRoles directory.ServiceRoles
		groups       []string
	}{
		{
			name: "a user holds the tenant's default user roles",
			a:    directory.Assignment{TenantRole: "user"}, role: "user",
			globalRoles: []string{"readers"}, permissions: readAll,
		},
		{
			name: "an administrator holds admins: every resource that applies at the level, support excluded",
			a:    directory.Assignment{TenantRole: "admin"}, role: "admin",
			globalRoles: []string{"admins"},
			permissions: []string{"alarms:admin", "audit:admin", "clients:admin", "dashboards:admin", "events:admin",
				"groups:admin", "inventory:admin", "measurements:admin", "operations:admin", "roles:admin",
				"tenants:admin", "users:admin"},
		},
		{
			name: "direct roles add to the defaults; read and change stay apart",
			a: directory.Assignment{TenantRole: "user", GlobalRoles: []string{"dashboard-editors"},
				ServiceRoles: directory.ServiceRoles{"invoices": {"viewer"}}},
			role: "user", globalRoles: []string{"dashboard-editors", "readers"},
			permissions:  append(slices.Clone(readAll[:3]), append([]string{"dashboards:change", "dashboards:read"}, readAll[4:]...)...),
			serviceRoles: directory.ServiceRoles{"invoices": {"viewer"}},
		},
		{
			name: "groups add their global and service roles",
			a:    directory.Assignment{TenantRole: "user", Groups: []string{"rotterdam-team", "night-shift"}},
			role: "user", globalRoles: []string{"fleet-operators", "readers"}, groups: []string{"night-shift", "rotterdam-team"},
			permissions: []string{"alarms:admin", "audit:read", "clients:read", "dashboards:read", "events:read", "groups:read",
				"inventory:change", "inventory:read", "measurements:read", "operations:read", "roles:read", "tenants:read", "users:read"},
			serviceRoles: directory.ServiceRoles{"things-manager": {"editor"}, "things-support": {"user"}, "webshop": {"quotation"}},
		},
		{
			name: "the administrators group makes an administrator",
			a:    directory.Assignment{TenantRole: "user", Groups: []string{"administrators"}},
			role: "admin", globalRoles: []string{"admins"}, groups: []string{"administrators"},
			permissions: []string{"alarms:admin", "audit:admin", "clients:admin", "dashboards:admin", "events:admin",
				"groups:admin", "inventory:admin", "measurements:admin", "operations:admin", "roles:admin",
				"tenants:admin", "users:admin"},
		},
		{
			name:        "a machine client (no tenant role) gets no defaults",
			a:           directory.Assignment{GlobalRoles: []string{"devices"}, ServiceRoles: directory.ServiceRoles{"things-creator": {"read-only"}}},
			globalRoles: []string{"devices"}, permissions: []string{"inventory:create", "measurements:create"},
			serviceRoles: directory.ServiceRoles{"things-creator": {"read-only"}},
		},
		{
			name: "names the tenant does not know are left out, not trusted",
			a: directory.Assignment{TenantRole: "user", GlobalRoles: []string{"ghost"}, Groups: []string{"gone"},
				ServiceRoles: directory.ServiceRoles{"things-manager": {"owner"}, "nosuch": {"admin"}}},
			role: "user", globalRoles: []string{"readers"}, permissions: readAll,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := b.Resolve(tt.a)
			if p.Tenant.ID != "t-contoso" || p.TenantRole != tt.role {
				t.Errorf("tenant %q role %q, want t-contoso %q", p.Tenant.ID, p.TenantRole, tt.role)
			}
			if !slices.Equal(p.GlobalRoles, tt.globalRoles) {
				t.Errorf("global roles %v, want %v", p.GlobalRoles, tt.globalRoles)
			}
			if got := p.Permissions.Strings(); !slices.Equal(got, tt.permissions) {
				t.Errorf("permissions\n got %v\nwant %v", got, tt.permissions)
			}
			if !p.ServiceRoles.Equal(tt.serviceRoles) {
				t.Errorf("service roles %v, want %v", p.ServiceRoles, tt.serviceRoles)
			}
			if !slices.Equal(p.Groups, tt.groups) {
				t.Errorf("groups %v, want %v", p.Groups, tt.groups)
			}
		})
	}
}

func TestResolveSupportOnlyAtTheTop(t *testing.T) {
	c := directory.NewCatalog(nil)
	for _, l := range directory.Levels {
		b := directory.NewBook(directory.Tenant{ID: "t", Level: l}, c, []directory.GlobalRole{{Name: "admins"}}, nil, nil)
		p := b.Resolve(directory.Assignment{TenantRole: "admin"})
		want := l == directory.LevelSystem || l == directory.LevelProvider
		if got := p.Permissions.Has("support", directory.AccessRead); got != want {
			t.Errorf("admins of a %s tenant hold support: %v, want %v", l, got, want)
		}
	}
}

func TestServiceRolesPerClient(t *testing.T) {
	p := book().Resolve(directory.Assignment{TenantRole: "user", Groups: []string{"rotterdam-team", "night-shift"}})
	tests := []struct {
		services []string
		want     directory.ServiceRoles
	}{
		{nil, nil},
		{[]string{"things-manager"}, directory.ServiceRoles{"things-manager": {"editor"}}},
		{[]string{"webshop", "invoices"}, directory.ServiceRoles{"webshop": {"quotation"}}},
		{[]string{"things-manager", "things-support", "webshop"}, p.ServiceRoles},
	}
	for _, tt := range tests {
		if got := p.ServiceRoles.Only(tt.services); !got.Equal(tt.want) {
			t.Errorf("a client of %v sees %v, want %v", tt.services, got, tt.want)
		}
	}
}

func TestPermissionAccess(t *testing.T) {
	var s directory.PermissionSet
	s.AddAll(perms("users:admin", "inventory:change"))
	tests := []struct {
		resource string
		access   directory.Access
		want     bool
	}{
		{"users", "read", true}, {"users", "change", true}, {"users", "create", true}, {"users", "admin", true},
		{"inventory", "change", true}, {"inventory", "read", false}, {"inventory", "admin", false},
		{"alarms", "read", false}, {"users", "bogus", false},
	}
	for _, tt := range tests {
		if got := s.Has(tt.resource, tt.access); got != tt.want {
			t.Errorf("Has(%s, %s) = %v, want %v", tt.resource, tt.access, got, tt.want)
		}
	}
	for _, bad := range []string{"users", "users:write", ":read", "Users:read", "users:read:x"} {
		if _, err := directory.ParsePermission(bad); err == nil {
			t.Errorf("ParsePermission(%q) succeeded", bad)
		}
	}
}
