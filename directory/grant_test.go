package directory_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/gatehouse-id/gatehouse/directory"
)

func TestCheckGrant(t *testing.T) {
	b := book()
	admin := b.Resolve(directory.Assignment{TenantRole: "admin"})
	operator := b.Resolve(directory.Assignment{TenantRole: "user", Groups: []string{"rotterdam-team"}})
	bare := b.Resolve(directory.Assignment{GlobalRoles: []string{"fleet-operators"},
		ServiceRoles: directory.ServiceRoles{"things-manager": {"read-only"}}})
	tests := []struct {
		name    string
		granter directory.Principal
		a       directory.Assignment
		field   string // empty: allowed
		reason  string
	}{
		{"an administrator grants anything", admin,
			directory.Assignment{TenantRole: "admin", GlobalRoles: []string{"fleet-operators"}, Groups: []string{"administrators"}}, "", ""},
		{"what one holds can be granted", operator,
			directory.Assignment{TenantRole: "user", Groups: []string{"rotterdam-team"}}, "", ""},
		{"a user cannot make an administrator", operator,
			directory.Assignment{TenantRole: "admin"}, "role", "administrator"},
		{"a user cannot add to administrators", operator,
			directory.Assignment{TenantRole: "user", Groups: []string{"administrators"}}, "groups", `"administrators"`},
		{"a role with a permission one lacks", operator,
			directory.Assignment{TenantRole: "user", GlobalRoles: []string{"dashboard-editors"}}, "global_roles", `"dashboard-editors": it includes dashboards:change`},
		{"a service role one lacks", operator,
			directory.Assignment{TenantRole: "user", ServiceRoles: directory.ServiceRoles{"things-manager": {"admin"}}}, "service_roles", "things-manager:admin"},
		{"a group whose service role one lacks", bare,
			directory.Assignment{Groups: []string{"night-shift"}, TenantRole: "user"}, "groups", `group "night-shift"`},
		{"the defaults of the tenant role count too", bare,
			directory.Assignment{TenantRole: "user"}, "role", "default roles"},
		{"a machine assignment within what one holds", bare,
			directory.Assignment{GlobalRoles: []string{"fleet-operators"}}, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := b.CheckAssignment(tt.a, tt.a.TenantRole == ""); err != nil {
				t.Fatalf("CheckAssignment: %v", err)
			}
			err := b.CheckGrant(tt.granter, tt.a)
			if tt.field == "" {
				if err != nil {
					t.Fatalf("CheckGrant: %v", err)
				}
				return
			}
			var fe *directory.FieldError
			if !errors.As(err, &fe) {
				t.Fatalf("CheckGrant = %v, want a FieldError on %s", err, tt.field)
			}
			if fe.Field != tt.field || !strings.Contains(fe.Reason, tt.reason) {
				t.Errorf("CheckGrant = %s: %s; want field %s mentioning %q", fe.Field, fe.Reason, tt.field, tt.reason)
			}
		})
	}
}

func TestCheckAssignmentNamesTheUnknown(t *testing.T) {
	b := book()
	tests := []struct {
		a       directory.Assignment
		machine bool
		field   string
		item    string
	}{
		{directory.Assignment{TenantRole: "user", GlobalRoles: []string{"ghost"}}, false, "global_roles", `"ghost"`},
		{directory.Assignment{TenantRole: "user", Groups: []string{"gone"}}, false, "groups", `"gone"`},
		{directory.Assignment{TenantRole: "user", ServiceRoles: directory.ServiceRoles{"nosuch": {"x"}}}, false, "service_roles", `"nosuch"`},
		{directory.Assignment{TenantRole: "user", ServiceRoles: directory.ServiceRoles{"webshop": {"owner"}}}, false, "service_roles", `"owner"`},
		{directory.Assignment{TenantRole: "boss"}, false, "role", "admin or user"},
		{directory.Assignment{TenantRole: "user"}, true, "tenant_role", "machine"},
		{directory.Assignment{Groups: []string{"night-shift"}}, true, "groups", "machine"},
	}
	for _, tt := range tests {
		err := b.CheckAssignment(tt.a, tt.machine)
		var fe *directory.FieldError
		if !errors.As(err, &fe) || fe.Field != tt.field || !strings.Contains(fe.Reason, tt.item) {
			t.Errorf("CheckAssignment(%+v) = %v, want %s naming %s", tt.a, err, tt.field, tt.item)
		}
	}
}
