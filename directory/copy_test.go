package directory_test

import (
	"errors"
	"slices"
	"testing"

	"github.com/gatehouse-id/gatehouse/directory"
)

// rolesWorld is a customer tenant with a team group, an administrator
// carol, her sub-user dave and a user erin.
func rolesWorld(t *testing.T) (*directory.Directory, map[string]directory.User) {
	t.Helper()
	d := newDirectory(t)
	ctx, s := t.Context(), d.Store()
	if _, err := d.CreateTenant(ctx, "sys", "System", directory.LevelSystem, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := d.CreateTenant(ctx, "acme", "Acme", directory.LevelProvider, "sys"); err != nil {
		t.Fatal(err)
	}
	if _, err := d.CreateTenant(ctx, "contoso", "Contoso", directory.LevelCustomer, "acme"); err != nil {
		t.Fatal(err)
	}
	for _, svc := range directory.SeedServices {
		if _, _, err := d.PutService(ctx, s, svc); err != nil {
			t.Fatal(err)
		}
	}
	if _, _, err := d.PutGlobalRole(ctx, s, "contoso", directory.GlobalRole{Name: "operators", Permissions: perms("inventory:read", "inventory:change")}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := d.PutGlobalRole(ctx, s, "contoso", directory.GlobalRole{Name: "user-managers", Permissions: perms("users:read", "users:change")}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := d.PutGroup(ctx, s, "contoso", directory.Group{Name: "team", GlobalRoles: []string{"operators"},
		ServiceRoles: directory.ServiceRoles{"things-manager": {"editor"}}}); err != nil {
		t.Fatal(err)
	}
	users := map[string]directory.User{}
	for _, nu := range []directory.NewUser{
		{Username: "carol", TenantRole: "admin", ServiceRoles: directory.ServiceRoles{"things-manager": {"editor", "admin"}, "webshop": {"quotation"}}},
		{Username: "dave", TenantRole: "user", Owner: "carol", Groups: []string{"team"}, GlobalRoles: []string{"user-managers"}},
		{Username: "erin", TenantRole: "user", ServiceRoles: directory.ServiceRoles{"webshop": {"read-only"}}},
		{Username: "frank", TenantRole: "user", Owner: "erin"},
	} {
		nu.TenantSlug = "contoso"
		u, err := d.CreateUser(ctx, nu)
		if err != nil {
			t.Fatalf("create %s: %v", nu.Username, err)
		}
		users[u.Username] = u
	}
	return d, users
}

func TestCopyRoles(t *testing.T) {
	d, u := rolesWorld(t)
	ctx := t.Context()
	got, err := d.CopyRoles(ctx, nil, u["dave"].ID, u["erin"].ID, directory.CopyMerge)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got.Groups, []string{"team"}) || !got.ServiceRoles.Equal(directory.ServiceRoles{"webshop": {"read-only"}}) || got.TenantRole != "user" {
		t.Errorf("merge: %+v", got.Assignment())
	}
	got, err = d.CopyRoles(ctx, nil, u["carol"].ID, u["erin"].ID, directory.CopyReplace)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Groups) != 0 || !got.ServiceRoles.Equal(u["carol"].ServiceRoles) || got.TenantRole != "user" {
		t.Errorf("replace: %+v (the tenant role is never copied)", got.Assignment())
	}
	stored, _ := d.Store().UserByID(ctx, u["erin"].ID)
	if !stored.ServiceRoles.Equal(got.ServiceRoles) {
		t.Errorf("stored %v, returned %v", stored.ServiceRoles, got.ServiceRoles)
	}
	// Administration is never copied: not through the administrators group.
	if _, err := d.SetRoles(ctx, nil, u["carol"].ID, directory.Assignment{TenantRole: "admin", Groups: []string{"administrators"},
		ServiceRoles: u["carol"].ServiceRoles}); err != nil {
		t.Fatal(err)
	}
	got, err = d.CopyRoles(ctx, nil, u["carol"].ID, u["erin"].ID, directory.CopyMerge)
	if err != nil {
		t.Fatal(err)
	}
	if slices.Contains(got.Groups, "administrators") {
		t.Errorf("copying made erin an administrator: %v", got.Groups)
	}
}

func TestSetRolesRefusesMoreThanHeld(t *testing.T) {
	d, u := rolesWorld(t)
	ctx := t.Context()
	b, err := d.Book(ctx, d.Store(), u["erin"].TenantID)
	if err != nil {
		t.Fatal(err)
	}
	dave := u["dave"]
	daveAsGranter := b.Resolve(dave.Assignment())
	tests := []struct {
		name    string
		granter *directory.Principal
		target  string
		a       directory.Assignment
		field   string
	}{
		{"dave cannot grant a service role he lacks", &daveAsGranter, "erin",
			directory.Assignment{TenantRole: "user", ServiceRoles: directory.ServiceRoles{"webshop": {"quotation"}}}, "service_roles"},
		{"dave cannot make an administrator", &daveAsGranter, "erin",
			directory.Assignment{TenantRole: "admin"}, "role"},
		{"frank's owner erin does not hold webshop:quotation, so frank may not either", nil, "frank",
			directory.Assignment{TenantRole: "user", ServiceRoles: directory.ServiceRoles{"webshop": {"quotation"}}}, "service_roles"},
		{"an unknown group", nil, "erin",
			directory.Assignment{TenantRole: "user", Groups: []string{"nosuch"}}, "groups"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before, _ := d.Store().UserByID(ctx, u[tt.target].ID)
			_, err := d.SetRoles(ctx, tt.granter, u[tt.target].ID, tt.a)
			var fe *directory.FieldError
			if !errors.As(err, &fe) || fe.Field != tt.field {
				t.Fatalf("SetRoles = %v, want a FieldError on %s", err, tt.field)
			}
			after, _ := d.Store().UserByID(ctx, u[tt.target].ID)
			if !slices.Equal(before.GlobalRoles, after.GlobalRoles) || !before.ServiceRoles.Equal(after.ServiceRoles) ||
				before.TenantRole != after.TenantRole || !slices.Equal(before.Groups, after.Groups) {
				t.Errorf("a refused change was written: %+v -> %+v", before.Assignment(), after.Assignment())
			}
		})
	}
	// Managing users needs users:change, and a tenant at or above the
	// user's: erin (a reader) and fabrikam's administrator get nowhere.
	erin := u["erin"]
	reader := b.Resolve(erin.Assignment())
	if _, err := d.SetRoles(ctx, &reader, u["dave"].ID, directory.Assignment{TenantRole: "user"}); err == nil {
		t.Error("a reader changed another user's roles")
	}
	if _, err := d.CreateTenant(ctx, "fabrikam", "Fabrikam", directory.LevelCustomer, "acme"); err != nil {
		t.Fatal(err)
	}
	fab, _ := d.Store().TenantBySlug(ctx, "fabrikam")
	fb, err := d.Book(ctx, d.Store(), fab.ID)
	if err != nil {
		t.Fatal(err)
	}
	fabAdmin := fb.Resolve(directory.Assignment{TenantRole: "admin"})
	if _, err := d.SetRoles(ctx, &fabAdmin, u["erin"].ID, directory.Assignment{TenantRole: "user"}); !errors.Is(err, directory.ErrNotFound) {
		t.Errorf("another customer's administrator: %v, want ErrNotFound", err)
	}
	acme, _ := d.Store().TenantBySlug(ctx, "acme")
	ab, err := d.Book(ctx, d.Store(), acme.ID)
	if err != nil {
		t.Fatal(err)
	}
	providerAdmin := ab.Resolve(directory.Assignment{TenantRole: "admin"})
	if _, err := d.SetRoles(ctx, &providerAdmin, u["erin"].ID, directory.Assignment{TenantRole: "user", Groups: []string{"team"}}); err != nil {
		t.Errorf("the provider's administrator manages its customer's users: %v", err)
	}
	// Within what he holds, dave may grant.
	if _, err := d.SetRoles(ctx, &daveAsGranter, u["erin"].ID, directory.Assignment{TenantRole: "user", Groups: []string{"team"}}); err != nil {
		t.Errorf("granting what one holds: %v", err)
	}
}

func TestOwnerCycleRefused(t *testing.T) {
	d, u := rolesWorld(t)
	ctx := t.Context()
	// carol owned by dave, who is owned by carol.
	_, _, err := d.PutUser(ctx, d.Store(), directory.NewUser{TenantSlug: "contoso", Username: "carol", TenantRole: "admin",
		ServiceRoles: u["carol"].ServiceRoles, Owner: "dave"})
	var fe *directory.FieldError
	if !errors.As(err, &fe) || fe.Field != "owner" {
		t.Fatalf("owner cycle: %v", err)
	}
}

// An external user acts in a tenant it is linked to with what the link
// grants there, and nowhere it is not linked.
func TestPrincipalOfExternalUser(t *testing.T) {
	d, u := rolesWorld(t)
	ctx, s := t.Context(), d.Store()
	if _, err := d.CreateTenant(ctx, "fabrikam", "Fabrikam", directory.LevelCustomer, "acme"); err != nil {
		t.Fatal(err)
	}
	jill, err := d.CreateUser(ctx, directory.NewUser{TenantSlug: "acme", Username: "jill", TenantRole: "admin",
		ServiceRoles: directory.ServiceRoles{"things-support": {"user"}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := d.PutLink(ctx, s, "acme", "jill", "contoso", directory.Assignment{TenantRole: "user", Groups: []string{"team"}}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		tenant       string
		role         directory.TenantRole
		globalRoles  []string
		serviceRoles directory.ServiceRoles
	}{
		{"", "admin", []string{"admins"}, directory.ServiceRoles{"things-support": {"user"}}},
		{"contoso", "user", []string{"operators", "readers"}, directory.ServiceRoles{"things-manager": {"editor"}}},
	}
	for _, tt := range tests {
		tenantID := ""
		if tt.tenant != "" {
			tn, _ := s.TenantBySlug(ctx, tt.tenant)
			tenantID = tn.ID
		}
		_, p, err := d.PrincipalOf(ctx, jill.ID, tenantID)
		if err != nil {
			t.Fatalf("in %q: %v", tt.tenant, err)
		}
		if p.TenantRole != tt.role || !slices.Equal(p.GlobalRoles, tt.globalRoles) || !p.ServiceRoles.Equal(tt.serviceRoles) {
			t.Errorf("jill in %q: %s %v %v", tt.tenant, p.TenantRole, p.GlobalRoles, p.ServiceRoles)
		}
		if tt.tenant == "contoso" && p.Tenant.ID != tenantID {
			t.Errorf("acting in %s, want contoso only", p.Tenant.Slug)
		}
	}
	fab, _ := s.TenantBySlug(ctx, "fabrikam")
	if _, _, err := d.PrincipalOf(ctx, jill.ID, fab.ID); !errors.Is(err, directory.ErrNotFound) {
		t.Errorf("jill in a tenant she is not linked to: %v, want ErrNotFound", err)
	}
	if _, _, err := d.PrincipalOf(ctx, u["carol"].ID, fab.ID); !errors.Is(err, directory.ErrNotFound) {
		t.Errorf("carol in another tenant: %v, want ErrNotFound", err)
	}
	// A link to one's own home is refused.
	_, _, err = d.PutLink(ctx, s, "acme", "jill", "acme", directory.Assignment{TenantRole: "user"})
	var fe *directory.FieldError
	if !errors.As(err, &fe) || fe.Field != "tenant" {
		t.Errorf("link to home: %v", err)
	}
}

// A sub-user's links obey the owner rule too.
func TestSubUserLinkWithinOwner(t *testing.T) {
	d, _ := rolesWorld(t)
	ctx, s := t.Context(), d.Store()
	if _, err := d.CreateTenant(ctx, "fabrikam", "Fabrikam", directory.LevelCustomer, "acme"); err != nil {
		t.Fatal(err)
	}
	_, _, err := d.PutLink(ctx, s, "contoso", "dave", "fabrikam", directory.Assignment{TenantRole: "user"})
	var fe *directory.FieldError
	if !errors.As(err, &fe) || fe.Field != "tenant" {
		t.Fatalf("link of a sub-user where its owner has no access: %v", err)
	}
	if _, _, err := d.PutLink(ctx, s, "contoso", "carol", "fabrikam", directory.Assignment{TenantRole: "user"}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := d.PutLink(ctx, s, "contoso", "dave", "fabrikam", directory.Assignment{TenantRole: "admin"}); !errors.As(err, &fe) || fe.Field != "role" {
		t.Fatalf("sub-user linked as admin where its owner is a user: %v", err)
	}
	if _, _, err := d.PutLink(ctx, s, "contoso", "dave", "fabrikam", directory.Assignment{TenantRole: "user"}); err != nil {
		t.Errorf("within what the owner holds there: %v", err)
	}
}
