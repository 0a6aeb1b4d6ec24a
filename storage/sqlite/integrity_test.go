package sqlite

import (
	"errors"
	"strings"
	"testing"

	"github.com/gatehouse-id/gatehouse/directory"
)

// seedTenant stores one system tenant for the tests below.
func seedTenant(t *testing.T, s *Store) directory.Tenant {
	t.Helper()
	tn := directory.Tenant{ID: "t-sys", Slug: "sys", Level: directory.LevelSystem, Path: []string{"t-sys"}}
	if err := s.CreateTenant(t.Context(), tn); err != nil {
		t.Fatal(err)
	}
	return tn
}

// TestUnreadableRowIsAnError stores permissions that do not parse, as a
// hand edit of the file might, and expects every read of the role to fail
// rather than hand back a role with fewer permissions.
func TestUnreadableRowIsAnError(t *testing.T) {
	s := fresh(t)
	tn := seedTenant(t, s)
	role := directory.GlobalRole{ID: "r-1", TenantID: tn.ID, Name: "operators",
		Permissions: []directory.Permission{{Resource: "inventory", Access: directory.AccessRead}}}
	if err := s.CreateGlobalRole(t.Context(), role); err != nil {
		t.Fatal(err)
	}
	if _, err := s.db.ExecContext(t.Context(),
		`UPDATE global_roles SET permissions = '["inventory:read", "inventory:write"]' WHERE id = 'r-1'`); err != nil {
		t.Fatal(err)
	}
	if got, err := s.GlobalRoleByName(t.Context(), tn.ID, role.Name); err == nil || errors.Is(err, directory.ErrNotFound) {
		t.Errorf("GlobalRoleByName = %+v, %v; want a decode error", got, err)
	}
	if got, err := s.ListGlobalRoles(t.Context(), tn.ID); err == nil || !strings.Contains(err.Error(), "r-1") {
		t.Errorf("ListGlobalRoles = %+v, %v; want a decode error naming r-1", got, err)
	}
}

// TestUnwritablePermissionRefused: a permission that would not read back is
// refused before it reaches the table.
func TestUnwritablePermissionRefused(t *testing.T) {
	s := fresh(t)
	tn := seedTenant(t, s)
	for _, p := range []directory.Permission{
		{Resource: "inventory", Access: "write"},
		{Resource: "", Access: directory.AccessRead},
		{Resource: "a:b", Access: directory.AccessRead},
		{Resource: " inventory", Access: directory.AccessRead},
	} {
		role := directory.GlobalRole{ID: "r-1", TenantID: tn.ID, Name: "operators", Permissions: []directory.Permission{p}}
		if err := s.CreateGlobalRole(t.Context(), role); err == nil {
			t.Errorf("CreateGlobalRole with %+v succeeded", p)
		}
	}
	if got, err := s.ListGlobalRoles(t.Context(), tn.ID); err != nil || len(got) != 0 {
		t.Errorf("ListGlobalRoles = %+v, %v; want none", got, err)
	}
}
