package postgres

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
// hand edit of the database might, and expects every read of the role to
// fail rather than hand back a role with fewer permissions.
func TestUnreadableRowIsAnError(t *testing.T) {
	s := fresh(t)
	tn := seedTenant(t, s)
	role := directory.GlobalRole{ID: "r-1", TenantID: tn.ID, Name: "operators",
		Permissions: []directory.Permission{{Resource: "inventory", Access: directory.AccessRead}}}
	if err := s.CreateGlobalRole(t.Context(), role); err != nil {
		t.Fatal(err)
	}
	if _, err := s.pool.Exec(t.Context(),
		`UPDATE global_roles SET permissions = '{inventory:read,inventory:write}' WHERE id = 'r-1'`); err != nil {
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

// TestByteOrder: names sort and compare byte by byte, and e-mail addresses
// fold case in ASCII only, as in SQLite, whatever the database's locale.
func TestByteOrder(t *testing.T) {
	s := fresh(t)
	tn := seedTenant(t, s)
	for i, name := range []string{"b", "a", "B", "é", "_", "Z"} {
		u := directory.User{ID: "u-" + string(rune('0'+i)), TenantID: tn.ID, Username: name, TenantRole: directory.TenantRoleUser}
		if err := s.CreateUser(t.Context(), u); err != nil {
			t.Fatal(err)
		}
	}
	us, err := s.ListUsers(t.Context(), tn.ID)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, u := range us {
		got = append(got, u.Username)
	}
	if g, w := strings.Join(got, " "), "B Z _ a b é"; g != w {
		t.Errorf("ListUsers order = %s, want %s", g, w)
	}

	for _, tc := range []struct {
		email string
		want  error
	}{
		{"ÉVE@example.com", nil},
		{"éve@example.com", nil}, // non-ASCII case differs: another address
		{"Éve@EXAMPLE.com", directory.ErrConflict},
	} {
		u := directory.User{ID: "u-" + tc.email, TenantID: tn.ID, Username: "x" + tc.email, Email: tc.email,
			TenantRole: directory.TenantRoleUser}
		if err := s.CreateUser(t.Context(), u); !errors.Is(err, tc.want) {
			t.Errorf("CreateUser with %s: error = %v, want %v", tc.email, err, tc.want)
		}
	}
}
