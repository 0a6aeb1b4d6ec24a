package directory_test

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/gatehouse-id/gatehouse/directory"
)

// adminRolesWorld is the tree
//
//	sys (system): sam (admin), sid (user: readers)
//	├── acme (provider): ada (admin), rick (role-managers: roles, groups,
//	│   │                inventory:read, users:read), rita (user: readers),
//	│   │                omar (owns a role and a group; user)
//	│   └── contoso (customer): cara (admin)
//	└── globex (provider): gus (admin)
//
// with the seed services. Callers are keyed "tenant/username".
func adminRolesWorld(t *testing.T) (*directory.Directory, map[string]directory.Caller) {
	t.Helper()
	d := newWorld(t)
	ctx, s := t.Context(), d.Store()
	for _, svc := range directory.SeedServices {
		if _, _, err := d.PutService(ctx, s, svc); err != nil {
			t.Fatal(err)
		}
	}
	if _, _, err := d.PutGlobalRole(ctx, s, "acme", directory.GlobalRole{Name: "role-managers",
		Permissions: perms("roles:admin", "groups:admin", "inventory:read", "users:read")}); err != nil {
		t.Fatal(err)
	}
	if err := s.InTx(ctx, func(s directory.Store) error {
		// Without default roles in acme, rick holds role-managers only.
		tn, err := s.TenantBySlug(ctx, "acme")
		if err != nil {
			return err
		}
		st := tn.Settings
		st.UserRoles = []string{}
		_, err = d.PutTenantSettings(ctx, s, "acme", st)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return d, createCallers(t, d, []directory.NewUser{
		{TenantSlug: "sys", Username: "sam", TenantRole: directory.TenantRoleAdmin},
		{TenantSlug: "sys", Username: "sid", TenantRole: directory.TenantRoleUser, GlobalRoles: []string{directory.RoleReaders}},
		{TenantSlug: "acme", Username: "ada", TenantRole: directory.TenantRoleAdmin},
		{TenantSlug: "acme", Username: "rick", TenantRole: directory.TenantRoleUser, GlobalRoles: []string{"role-managers"}},
		{TenantSlug: "acme", Username: "rita", TenantRole: directory.TenantRoleUser, GlobalRoles: []string{directory.RoleReaders}},
		{TenantSlug: "contoso", Username: "cara", TenantRole: directory.TenantRoleAdmin},
		{TenantSlug: "globex", Username: "gus", TenantRole: directory.TenantRoleAdmin},
	})
}

// snapshot is every role and group of every tenant, and the services.
type snapshot struct {
	Roles    map[string][]directory.GlobalRole
	Groups   map[string][]directory.Group
	Services []directory.Service
	Tenants  []directory.Tenant
}

func takeSnapshot(t *testing.T, d *directory.Directory) snapshot {
	t.Helper()
	ctx, s := t.Context(), d.Store()
	snap := snapshot{Roles: map[string][]directory.GlobalRole{}, Groups: map[string][]directory.Group{}}
	var err error
	if snap.Tenants, err = s.ListTenants(ctx); err != nil {
		t.Fatal(err)
	}
	for _, tn := range snap.Tenants {
		if snap.Roles[tn.Slug], err = s.ListGlobalRoles(ctx, tn.ID); err != nil {
			t.Fatal(err)
		}
		if snap.Groups[tn.Slug], err = s.ListGroups(ctx, tn.ID); err != nil {
			t.Fatal(err)
		}
	}
	if snap.Services, err = s.ListServices(ctx); err != nil {
		t.Fatal(err)
	}
	return snap
}

// wantRefused checks that err is want (a sentinel), or a *FieldError on
// field when want is nil, whose reason mentions every one of says.
func wantRefused(t *testing.T, what string, err, want error, field string, says ...string) {
	t.Helper()
	switch {
	case err == nil:
		t.Errorf("%s: allowed, want refused", what)
		return
	case want != nil && !errors.Is(err, want):
		t.Errorf("%s: %v, want %v", what, err, want)
	case field != "" && fieldOf(err) != field:
		t.Errorf("%s: %v, want a FieldError on %q", what, err, field)
	}
	for _, s := range says {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("%s: %q does not say %q", what, err, s)
		}
	}
}

func ok(t *testing.T, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// roleOp is one operation of the administration API on the roles and
// groups of tenant slug, for caller c; write is true for those that change
// something.
type roleOp struct {
	what  string
	write bool
	do    func(c directory.Caller, slug string) error
}

// roleOps are the operations on roles and groups, each on a role or group
// every tenant has.
func roleOps(t *testing.T, d *directory.Directory) []roleOp {
	ctx := t.Context()
	return []roleOp{
		{"list roles", false, func(c directory.Caller, slug string) error {
			_, err := d.GlobalRolesFor(ctx, c, slug)
			return err
		}},
		{"get role", false, func(c directory.Caller, slug string) error {
			_, err := d.GlobalRoleFor(ctx, c, slug, directory.RoleReaders)
			return err
		}},
		{"create role", true, func(c directory.Caller, slug string) error {
			_, err := d.CreateGlobalRoleFor(ctx, c, slug, directory.GlobalRole{Name: "x"})
			return err
		}},
		{"update role", true, func(c directory.Caller, slug string) error {
			_, _, err := d.UpdateGlobalRoleFor(ctx, c, slug, directory.RoleDevices, directory.GlobalRole{})
			return err
		}},
		{"delete role", true, func(c directory.Caller, slug string) error {
			_, err := d.DeleteGlobalRoleFor(ctx, c, slug, directory.RoleDevices)
			return err
		}},
		{"list groups", false, func(c directory.Caller, slug string) error {
			_, err := d.GroupsFor(ctx, c, slug)
			return err
		}},
		{"get group", false, func(c directory.Caller, slug string) error {
			_, err := d.GroupFor(ctx, c, slug, directory.GroupAdministrators)
			return err
		}},
		{"create group", true, func(c directory.Caller, slug string) error {
			_, err := d.CreateGroupFor(ctx, c, slug, directory.Group{Name: "x"})
			return err
		}},
		{"update group", true, func(c directory.Caller, slug string) error {
			_, _, err := d.UpdateGroupFor(ctx, c, slug, directory.GroupAdministrators, directory.Group{})
			return err
		}},
		{"delete group", true, func(c directory.Caller, slug string) error {
			_, err := d.DeleteGroupFor(ctx, c, slug, directory.GroupAdministrators)
			return err
		}},
	}
}

func TestAdminRolesReach(t *testing.T) {
	d, c := adminRolesWorld(t)
	ctx := t.Context()
	before := takeSnapshot(t, d)
	// Outside the subtree everything is 404: a parent, a sibling, a tenant
	// that does not exist.
	for _, tc := range []struct{ caller, slug string }{
		{"contoso/cara", "acme"}, {"contoso/cara", "sys"}, {"acme/ada", "globex"}, {"globex/gus", "contoso"}, {"acme/ada", "nope"},
	} {
		for _, op := range roleOps(t, d) {
			wantRefused(t, tc.caller+" in "+tc.slug+": "+op.what, op.do(c[tc.caller], tc.slug), directory.ErrNotFound, "")
		}
	}
	if !reflect.DeepEqual(before, takeSnapshot(t, d)) {
		t.Error("a refused request changed something")
	}
	// Inside, the tenant and those below it.
	for _, slug := range []string{"acme", "contoso"} {
		roles, err := d.GlobalRolesFor(ctx, c["acme/ada"], slug)
		ok(t, "ada lists "+slug, err)
		if len(roles) < 3 {
			t.Errorf("roles of %s: %v, want the defaults at least", slug, roles)
		}
		groups, err := d.GroupsFor(ctx, c["acme/ada"], slug)
		ok(t, "ada lists groups of "+slug, err)
		if len(groups) != 1 || groups[0].Name != directory.GroupAdministrators {
			t.Errorf("groups of %s: %v", slug, groups)
		}
	}
	if _, err := d.GlobalRoleFor(ctx, c["acme/ada"], "acme", "nope"); !errors.Is(err, directory.ErrNotFound) {
		t.Errorf("missing role: %v", err)
	}
	if _, err := d.CreateGlobalRoleFor(ctx, c["acme/ada"], "contoso", directory.GlobalRole{Name: "auditors",
		Permissions: perms("audit:read")}); err != nil {
		t.Errorf("ada creates a role below: %v", err)
	}
}

func TestAdminRolesPermission(t *testing.T) {
	d, c := adminRolesWorld(t)
	ctx := t.Context()
	rita := c["acme/rita"] // readers: roles:read and groups:read, nothing else
	// Reading needs :read too: a caller holding nothing reads nothing.
	nobody := directory.Caller{UserID: "u-nobody", Name: "nobody", Principal: directory.Principal{Tenant: rita.Principal.Tenant,
		TenantRole: directory.TenantRoleUser}}
	before := takeSnapshot(t, d)
	for _, slug := range []string{"acme", "contoso"} {
		for _, op := range roleOps(t, d) {
			what := op.what + " in " + slug
			if op.write {
				wantRefused(t, "a reader: "+what, op.do(rita, slug), directory.ErrForbidden, "")
			} else {
				ok(t, "a reader: "+what, op.do(rita, slug))
			}
			wantRefused(t, "nobody: "+what, op.do(nobody, slug), directory.ErrForbidden, "")
		}
	}
	_, err := d.ServicesFor(ctx, nobody)
	wantRefused(t, "nobody lists services", err, directory.ErrForbidden, "")
	if !reflect.DeepEqual(before, takeSnapshot(t, d)) {
		t.Error("a refused request changed something")
	}
}

func TestAdminRolesNoEscalation(t *testing.T) {
	d, c := adminRolesWorld(t)
	ctx := t.Context()
	rick := c["acme/rick"] // roles:admin, groups:admin, inventory:read, users:read

	r, err := d.CreateGlobalRoleFor(ctx, rick, "acme", directory.GlobalRole{Name: "inventory-readers",
		Description: " Reads devices ", Permissions: perms("inventory:read")})
	ok(t, "rick creates a role he could hold", err)
	if r.Description != "Reads devices" || len(r.Permissions) != 1 || r.TenantID == "" || r.ID == "" {
		t.Errorf("created %+v", r)
	}
	before := takeSnapshot(t, d)
	_, err = d.CreateGlobalRoleFor(ctx, rick, "acme", directory.GlobalRole{Name: "user-managers",
		Permissions: perms("inventory:read", "users:admin")})
	wantRefused(t, "rick creates a role with more than he holds", err, nil, "permissions", "users:admin")
	_, _, err = d.UpdateGlobalRoleFor(ctx, rick, "acme", "inventory-readers", directory.GlobalRole{
		Permissions: perms("inventory:read", "alarms:read")})
	wantRefused(t, "rick adds a permission he lacks", err, nil, "permissions", "alarms:read")
	// Roles holding more than he does are not his to change or delete, not
	// even to reduce them.
	for _, name := range []string{directory.RoleReaders, directory.RoleDevices, directory.RoleAdmins} {
		_, _, err = d.UpdateGlobalRoleFor(ctx, rick, "acme", name, directory.GlobalRole{Description: "mine now"})
		wantRefused(t, "rick changes "+name, err, nil, "name", "which you do not hold")
		_, err = d.DeleteGlobalRoleFor(ctx, rick, "acme", name)
		wantRefused(t, "rick deletes "+name, err, nil, "name")
	}
	// Groups carry only what he could grant.
	_, err = d.CreateGroupFor(ctx, rick, "acme", directory.Group{Name: "readers-group", GlobalRoles: []string{directory.RoleReaders}})
	wantRefused(t, "rick creates a group granting readers", err, nil, "global_roles", "readers")
	_, err = d.CreateGroupFor(ctx, rick, "acme", directory.Group{Name: "tm", ServiceRoles: directory.ServiceRoles{"things-manager": {"admin"}}})
	wantRefused(t, "rick creates a group granting a service role", err, nil, "service_roles", "things-manager:admin")
	_, _, err = d.UpdateGroupFor(ctx, rick, "acme", directory.GroupAdministrators, directory.Group{Description: "x"})
	wantRefused(t, "rick changes administrators", err, nil, "name", directory.GroupAdministrators)
	_, err = d.DeleteGroupFor(ctx, rick, "acme", directory.GroupAdministrators)
	wantRefused(t, "rick deletes administrators", err, nil, "name")
	if !reflect.DeepEqual(before, takeSnapshot(t, d)) {
		t.Error("a refused request changed something")
	}

	g, err := d.CreateGroupFor(ctx, rick, "acme", directory.Group{Name: "inventory", GlobalRoles: []string{"inventory-readers"}})
	ok(t, "rick creates a group of his role", err)
	if len(g.GlobalRoles) != 1 || g.ID == "" {
		t.Errorf("group %+v", g)
	}
	// An administrator could grant any group: ada gives it a service role,
	// after which it is no longer rick's to change.
	_, after, err := d.UpdateGroupFor(ctx, c["acme/ada"], "acme", "inventory", directory.Group{GlobalRoles: []string{"inventory-readers"},
		ServiceRoles: directory.ServiceRoles{"things-manager": {"admin"}}, RequireMFA: true})
	ok(t, "ada gives the group a service role", err)
	if !after.ServiceRoles.Has("things-manager", "admin") || !after.RequireMFA {
		t.Errorf("group after %+v", after)
	}
	_, _, err = d.UpdateGroupFor(ctx, rick, "acme", "inventory", directory.Group{GlobalRoles: []string{"inventory-readers"}})
	wantRefused(t, "rick strips a group he could not grant", err, nil, "name", "things-manager:admin")
}

func TestAdminRolesProtections(t *testing.T) {
	d, c := adminRolesWorld(t)
	ctx := t.Context()
	ada := c["acme/ada"]
	before := takeSnapshot(t, d)
	_, err := d.DeleteGlobalRoleFor(ctx, ada, "acme", directory.RoleAdmins)
	wantRefused(t, "delete admins", err, nil, "name", "admins")
	_, _, err = d.UpdateGlobalRoleFor(ctx, ada, "acme", directory.RoleAdmins, directory.GlobalRole{Permissions: perms("users:read")})
	wantRefused(t, "list admins' permissions", err, nil, "permissions")
	_, err = d.DeleteGroupFor(ctx, ada, "acme", directory.GroupAdministrators)
	wantRefused(t, "delete administrators", err, nil, "name", "built in")
	_, _, err = d.UpdateGroupFor(ctx, ada, "acme", directory.GroupAdministrators, directory.Group{GlobalRoles: []string{directory.RoleReaders}})
	wantRefused(t, "give administrators a role", err, nil, "global_roles")
	_, err = d.CreateGlobalRoleFor(ctx, ada, "acme", directory.GlobalRole{Name: "Bad Name"})
	wantRefused(t, "a name that is not a name", err, nil, "name")
	_, err = d.CreateGlobalRoleFor(ctx, ada, "acme", directory.GlobalRole{Name: "x", Permissions: perms("support:read")})
	ok(t, "support applies to a provider", err)
	_, err = d.CreateGlobalRoleFor(ctx, ada, "contoso", directory.GlobalRole{Name: "x", Permissions: perms("support:read")})
	wantRefused(t, "support does not apply to a customer", err, nil, "permissions", "support")
	_, err = d.DeleteGlobalRoleFor(ctx, ada, "acme", "x")
	ok(t, "delete x", err)
	if !reflect.DeepEqual(before, takeSnapshot(t, d)) {
		t.Error("a refused request changed something")
	}

	// What the built-ins allow: admins' description and MFA, administrators'
	// MFA, readers' and devices' permissions.
	_, a, err := d.UpdateGlobalRoleFor(ctx, ada, "acme", directory.RoleAdmins, directory.GlobalRole{Description: "Everything", RequireMFA: true})
	ok(t, "describe admins", err)
	if a.Description != "Everything" || !a.RequireMFA || len(a.Permissions) != 0 {
		t.Errorf("admins after %+v", a)
	}
	_, g, err := d.UpdateGroupFor(ctx, ada, "acme", directory.GroupAdministrators, directory.Group{RequireMFA: true})
	ok(t, "administrators must use TOTP", err)
	if !g.RequireMFA {
		t.Errorf("administrators after %+v", g)
	}
	b, r, err := d.UpdateGlobalRoleFor(ctx, ada, "acme", directory.RoleReaders, directory.GlobalRole{Permissions: perms("inventory:read")})
	ok(t, "narrow readers", err)
	if len(b.Permissions) < 2 || len(r.Permissions) != 1 || r.Permissions[0].String() != "inventory:read" {
		t.Errorf("readers before %v after %v", b.Permissions, r.Permissions)
	}
	_, err = d.DeleteGlobalRoleFor(ctx, ada, "acme", directory.RoleDevices)
	ok(t, "delete devices, which nothing uses", err)
	if _, err := d.GlobalRoleFor(ctx, ada, "acme", directory.RoleDevices); !errors.Is(err, directory.ErrNotFound) {
		t.Errorf("devices after delete: %v", err)
	}
	_, _, err = d.UpdateGlobalRoleFor(ctx, ada, "acme", directory.RoleDevices, directory.GlobalRole{})
	wantRefused(t, "change a deleted role", err, directory.ErrNotFound, "")
	_, err = d.DeleteGlobalRoleFor(ctx, ada, "acme", directory.RoleDevices)
	wantRefused(t, "delete it twice", err, directory.ErrNotFound, "")
}

func TestAdminRolesConflicts(t *testing.T) {
	d, c := adminRolesWorld(t)
	ctx := t.Context()
	ada, sam := c["acme/ada"], c["sys/sam"]
	before := takeSnapshot(t, d)
	_, err := d.CreateGlobalRoleFor(ctx, ada, "acme", directory.GlobalRole{Name: directory.RoleReaders})
	wantRefused(t, "role readers again", err, directory.ErrConflict, "name", "readers")
	_, err = d.CreateGlobalRoleFor(ctx, ada, "acme", directory.GlobalRole{Name: directory.RoleAdmins})
	wantRefused(t, "role admins again", err, directory.ErrConflict, "name")
	_, err = d.CreateGroupFor(ctx, ada, "acme", directory.Group{Name: directory.GroupAdministrators})
	wantRefused(t, "group administrators again", err, directory.ErrConflict, "name")
	_, err = d.CreateServiceFor(ctx, sam, directory.Service{Name: "webshop", Roles: []string{"x"}})
	wantRefused(t, "service webshop again", err, directory.ErrConflict, "name")
	if !reflect.DeepEqual(before, takeSnapshot(t, d)) {
		t.Error("a refused request changed something")
	}
	// A name is the tenant's: another tenant may use it.
	_, err = d.CreateGlobalRoleFor(ctx, ada, "acme", directory.GlobalRole{Name: "ops"})
	ok(t, "ops in acme", err)
	_, err = d.CreateGlobalRoleFor(ctx, ada, "contoso", directory.GlobalRole{Name: "ops"})
	ok(t, "ops in contoso", err)
	_, err = d.CreateGroupFor(ctx, ada, "contoso", directory.Group{Name: "ops", GlobalRoles: []string{"ops"}})
	ok(t, "group ops in contoso", err)
	_, err = d.CreateGroupFor(ctx, ada, "contoso", directory.Group{Name: "ops"})
	wantRefused(t, "group ops again", err, directory.ErrConflict, "name")
}

func TestAdminRolesDeleteInUse(t *testing.T) {
	d, c := adminRolesWorld(t)
	ctx, s := t.Context(), d.Store()
	ada := c["acme/ada"]
	for _, name := range []string{"by-user", "by-group", "by-client", "by-link", "by-default"} {
		_, err := d.CreateGlobalRoleFor(ctx, ada, "acme", directory.GlobalRole{Name: name, Permissions: perms("inventory:read")})
		ok(t, "role "+name, err)
	}
	_, err := d.CreateGroupFor(ctx, ada, "acme", directory.Group{Name: "crew", GlobalRoles: []string{"by-group"}})
	ok(t, "group crew", err)
	_, err = d.CreateGroupFor(ctx, ada, "acme", directory.Group{Name: "guests"})
	ok(t, "group guests", err)
	_, err = d.CreateUser(ctx, directory.NewUser{TenantSlug: "acme", Username: "uma", TenantRole: directory.TenantRoleUser,
		GlobalRoles: []string{"by-user"}, Groups: []string{"crew"}})
	ok(t, "uma", err)
	_, _, err = d.CreateClient(ctx, directory.Client{ID: "robot", Name: "Robot", TenantID: tenantID(t, d, "acme"),
		Type: directory.ClientConfidential, AuthMethod: directory.AuthSecretPost, GrantTypes: []string{directory.GrantClientCredentials},
		GlobalRoles: []string{"by-client"}}, "")
	ok(t, "client robot", err)
	_, err = d.CreateUser(ctx, directory.NewUser{TenantSlug: "globex", Username: "lou", TenantRole: directory.TenantRoleUser})
	ok(t, "lou", err)
	ok(t, "link lou", s.InTx(ctx, func(s directory.Store) error {
		_, _, err := d.PutLink(ctx, s, "globex", "lou", "acme", directory.Assignment{TenantRole: directory.TenantRoleUser,
			GlobalRoles: []string{"by-link"}, Groups: []string{"guests"}})
		return err
	}))
	ok(t, "default by-default", s.InTx(ctx, func(s directory.Store) error {
		_, err := d.PutTenantSettings(ctx, s, "acme", directory.TenantSettings{UserRoles: []string{"by-default"}})
		return err
	}))

	before := takeSnapshot(t, d)
	for _, tc := range []struct{ role, says string }{
		{"by-user", "users uma"},
		{"by-group", "groups crew"},
		{"by-client", "clients robot"},
		{"by-link", "external users lou (of globex)"},
		{"by-default", "default user roles"},
	} {
		_, err := d.DeleteGlobalRoleFor(ctx, ada, "acme", tc.role)
		wantRefused(t, "delete "+tc.role, err, nil, "name", tc.says)
	}
	_, err = d.DeleteGroupFor(ctx, ada, "acme", "crew")
	wantRefused(t, "delete crew", err, nil, "name", "users uma")
	_, err = d.DeleteGroupFor(ctx, ada, "acme", "guests")
	wantRefused(t, "delete guests", err, nil, "name", "external users lou")
	if !reflect.DeepEqual(before, takeSnapshot(t, d)) {
		t.Error("a refused delete changed something")
	}

	// Once nothing uses them they go.
	uma, err := s.UserByUsername(ctx, tenantID(t, d, "acme"), "uma")
	ok(t, "uma", err)
	_, _, err = d.SetRolesFor(ctx, ada, uma.ID, directory.Assignment{TenantRole: directory.TenantRoleUser})
	ok(t, "uma holds nothing", err)
	_, err = d.DeleteGroupFor(ctx, ada, "acme", "crew")
	ok(t, "delete crew", err)
	for _, name := range []string{"by-user", "by-group"} {
		_, err = d.DeleteGlobalRoleFor(ctx, ada, "acme", name)
		ok(t, "delete "+name, err)
	}
	groups, err := d.GroupsFor(ctx, ada, "acme")
	ok(t, "groups", err)
	if len(groups) != 2 || groups[0].Name != directory.GroupAdministrators || groups[1].Name != "guests" {
		t.Errorf("groups after delete: %v", groups)
	}
}

// A write that fails after the store was written (the role is stored, then
// found to hold more than the caller) keeps nothing.
func TestAdminRolesFailedWriteKeepsNothing(t *testing.T) {
	d, c := adminRolesWorld(t)
	ctx := t.Context()
	rick := c["acme/rick"]
	_, err := d.CreateGlobalRoleFor(ctx, rick, "acme", directory.GlobalRole{Name: "mine", Description: "Mine",
		Permissions: perms("inventory:read")})
	ok(t, "create mine", err)
	before := takeSnapshot(t, d)
	_, err = d.CreateGlobalRoleFor(ctx, rick, "acme", directory.GlobalRole{Name: "more", Permissions: perms("audit:read")})
	wantRefused(t, "create more", err, nil, "permissions", "audit:read")
	_, _, err = d.UpdateGlobalRoleFor(ctx, rick, "acme", "mine", directory.GlobalRole{Description: "Changed",
		Permissions: perms("inventory:read", "audit:read"), RequireMFA: true})
	wantRefused(t, "update mine", err, nil, "permissions", "audit:read")
	_, _, err = d.UpdateGroupFor(ctx, rick, "acme", "nope", directory.Group{})
	wantRefused(t, "update a missing group", err, directory.ErrNotFound, "")
	_, err = d.CreateGroupFor(ctx, rick, "acme", directory.Group{Name: "g", GlobalRoles: []string{"no-such-role"}})
	wantRefused(t, "a group of a role that does not exist", err, nil, "global_roles", "no-such-role")
	if after := takeSnapshot(t, d); !reflect.DeepEqual(before, after) {
		t.Errorf("a refused write changed something:\nbefore %+v\nafter  %+v", before.Roles["acme"], after.Roles["acme"])
	}
}
