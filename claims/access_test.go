package claims_test

import (
	"testing"

	"github.com/gatehouse-id/gatehouse/claims"
)

// Example tenant ids: the demo's tree, system > provider > customer >
// subcustomer, plus a second customer.
var (
	pathSystem    = []string{"t-sys"}
	pathAcme      = []string{"t-sys", "t-acme"}
	pathContoso   = []string{"t-sys", "t-acme", "t-contoso"}
	pathRotterdam = []string{"t-sys", "t-acme", "t-contoso", "t-rdam"}
	pathFabrikam  = []string{"t-sys", "t-acme", "t-fabrikam"}
)

func TestHasPermission(t *testing.T) {
	a := claims.Access{Permissions: []string{
		"alarms:read", "events:change", "events:create", "events:read", "inventory:admin",
		"measurements:change", "operations-extra:read",
	}}
	for _, tc := range []struct {
		resource, level string
		want            bool
	}{
		{"inventory", "read", true}, // admin implies read, change and create
		{"inventory", "change", true},
		{"inventory", "create", true},
		{"inventory", "admin", true},
		{"alarms", "read", true},
		{"alarms", "change", false},
		{"alarms", "admin", false},
		{"events", "admin", true}, // all three rights are admin
		{"measurements", "change", true},
		{"measurements", "read", false}, // change does not include read
		{"users", "read", false},
		{"operations", "read", false}, // operations-extra is another resource
		{"inventory", "write", false},
		{"inventory", "", false},
		{"", "read", false},
		{"inv", "read", false},
	} {
		if got := a.HasPermission(tc.resource, tc.level); got != tc.want {
			t.Errorf("HasPermission(%q, %q) = %v, want %v", tc.resource, tc.level, got, tc.want)
		}
	}
	if (claims.Access{}).HasPermission("inventory", "read") {
		t.Error("no permissions claim granted inventory:read")
	}
}

func TestInSubtree(t *testing.T) {
	contoso := claims.Access{Tenant: &claims.Tenant{ID: "t-contoso", Level: claims.LevelCustomer, Path: pathContoso}}
	for _, tc := range []struct {
		name string
		path []string
		want bool
	}{
		{"its own tenant", pathContoso, true},
		{"a subcustomer below", pathRotterdam, true},
		{"its provider above", pathAcme, false},
		{"the system tenant", pathSystem, false},
		{"a sibling customer", pathFabrikam, false},
		{"no path", nil, false},
	} {
		if got := contoso.InSubtree(tc.path); got != tc.want {
			t.Errorf("%s: InSubtree(%q) = %v, want %v", tc.name, tc.path, got, tc.want)
		}
	}
	provider := claims.Access{Tenant: &claims.Tenant{ID: "t-acme", Path: pathAcme}}
	if !provider.InSubtree(pathRotterdam) || !provider.InSubtree(pathFabrikam) || provider.InSubtree(pathSystem) {
		t.Error("a provider's subtree is wrong")
	}
	if (claims.Access{}).InSubtree([]string{""}) {
		t.Error("a token without a tenant claim reached a path with an empty id")
	}
}

func TestTenantAccessors(t *testing.T) {
	var none claims.Access
	if none.TenantID() != "" || none.Level() != "" || none.IsAdmin() {
		t.Error("an Access without tenant claims answered something")
	}
	admin := claims.Access{Tenant: &claims.Tenant{ID: "t-acme", Level: claims.LevelProvider}, TenantRole: claims.TenantRoleAdmin}
	if admin.TenantID() != "t-acme" || admin.Level() != claims.LevelProvider || !admin.IsAdmin() {
		t.Errorf("admin accessors: %q %q %v", admin.TenantID(), admin.Level(), admin.IsAdmin())
	}
	user := claims.Access{Tenant: admin.Tenant, TenantRole: claims.TenantRoleUser}
	if user.IsAdmin() {
		t.Error("a tenant user is an admin")
	}
}

func TestRoleAccessors(t *testing.T) {
	a := claims.Access{
		GlobalRoles:  []string{"admins", "devices"},
		ServiceRoles: map[string][]string{"things-manager": {"editor"}, "webshop": {"quotation", "read-only"}},
	}
	for _, tc := range []struct {
		name string
		got  bool
		want bool
	}{
		{"global admins", a.HasGlobalRole("admins"), true},
		{"global readers", a.HasGlobalRole("readers"), false},
		{"things-manager editor", a.HasServiceRole("things-manager", "editor"), true},
		{"things-manager admin", a.HasServiceRole("things-manager", "admin"), false},
		{"webshop read-only", a.HasServiceRole("webshop", "read-only"), true},
		{"editor in another service", a.HasServiceRole("things-creator", "editor"), false},
	} {
		if tc.got != tc.want {
			t.Errorf("%s = %v, want %v", tc.name, tc.got, tc.want)
		}
	}
}

func TestActor(t *testing.T) {
	if act, ok := (claims.Access{}).Actor(); ok || act != nil || (claims.Access{}).IsSupport() {
		t.Error("an Access without act has an actor")
	}
	jill := &claims.Actor{Subject: "u-jill", PreferredUsername: "jill", Tenant: &claims.ActorTenant{ID: "t-acme", Slug: "acme-iot"}}
	a := claims.Access{Act: jill}
	if act, ok := a.Actor(); !ok || act != jill || !a.IsSupport() {
		t.Errorf("Actor() = %v, %v", act, ok)
	}
}

// TestAccessorsOnEveryCarrier shows that the accessors are promoted to,
// and read the same on, every type that embeds Access.
func TestAccessorsOnEveryCarrier(t *testing.T) {
	type accessors interface {
		TenantID() string
		IsAdmin() bool
		InSubtree([]string) bool
		HasPermission(resource, level string) bool
	}
	a := claims.Access{Tenant: &claims.Tenant{ID: "t-contoso", Path: pathContoso}, TenantRole: claims.TenantRoleAdmin, Permissions: []string{"inventory:read"}}
	for name, c := range map[string]accessors{
		"AccessToken":   &claims.AccessToken{Access: a},
		"IDToken":       claims.IDToken{Access: a},
		"UserInfo":      claims.UserInfo{Access: a},
		"Introspection": claims.Introspect(&claims.AccessToken{Access: a}, "carol"),
	} {
		if c.TenantID() != "t-contoso" || !c.IsAdmin() || !c.InSubtree(pathRotterdam) || !c.HasPermission("inventory", "read") {
			t.Errorf("%s: accessors disagree", name)
		}
	}
}
