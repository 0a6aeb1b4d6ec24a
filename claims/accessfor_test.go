package claims

import (
	"slices"
	"testing"
)

func TestAccessForReleasesByScope(t *testing.T) {
	s := Subject{
		Tenant: &Tenant{ID: "t1", Slug: "contoso", Level: "customer", Path: []string{"t0", "t1"}}, TenantRole: "user",
		GlobalRoles: []string{"readers", "fleet"}, Permissions: []string{"users:read"},
		ServiceRoles: map[string][]string{"webshop": {"quotation", "forecasting"}, "empty": nil},
		Groups:       []string{"team"},
	}
	tests := []struct {
		scopes                            []string
		tenant, roles, permissions, roleq bool
	}{
		{nil, false, false, false, false},
		{[]string{ScopeTenant}, true, false, false, false},
		// Roles never come without the tenant they are held in.
		{[]string{ScopeRoles}, true, true, false, true},
		{[]string{ScopePermissions}, true, false, true, false},
	}
	for _, tt := range tests {
		a := AccessFor(s, tt.scopes)
		if (a.Tenant != nil) != tt.tenant || (a.TenantRole != "") != tt.tenant {
			t.Errorf("%v: tenant %v role %q", tt.scopes, a.Tenant, a.TenantRole)
		}
		if (a.GlobalRoles != nil) != tt.roles || (a.Groups != nil) != tt.roles || (a.ServiceRoles != nil) != tt.roles {
			t.Errorf("%v: roles %v %v %v", tt.scopes, a.GlobalRoles, a.Groups, a.ServiceRoles)
		}
		if (a.Permissions != nil) != tt.permissions {
			t.Errorf("%v: permissions %v", tt.scopes, a.Permissions)
		}
		if tt.roleq {
			if want := []string{"fleet", "readers", "webshop:forecasting", "webshop:quotation"}; !slices.Equal(a.Roles, want) {
				t.Errorf("roles projection %v, want %v", a.Roles, want)
			}
			if _, ok := a.ServiceRoles["empty"]; ok {
				t.Error("a service without roles is listed")
			}
		}
	}
	if s.GlobalRoles[0] != "readers" {
		t.Error("AccessFor sorted the subject's own slice")
	}
}
