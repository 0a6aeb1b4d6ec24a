package directorytest

import (
	"testing"

	"github.com/gatehouse-id/gatehouse/directory"
)

func testGlobalRoles(t *testing.T, newStore func(t *testing.T) directory.Store) {
	t.Run("RoundTrip", func(t *testing.T) {
		for _, tc := range []struct {
			name string
			role func(acme directory.Tenant) directory.GlobalRole
		}{
			{"every field", func(acme directory.Tenant) directory.GlobalRole {
				return newRole("r-1", acme.ID, "operators")
			}},
			// The admins role stores no permissions of its own.
			{"no permissions", func(acme directory.Tenant) directory.GlobalRole {
				return directory.GlobalRole{ID: "r-1", TenantID: acme.ID, Name: directory.RoleAdmins,
					CreatedAt: at(1), UpdatedAt: at(1)}
			}},
			{"empty rather than nil permissions", func(acme directory.Tenant) directory.GlobalRole {
				return directory.GlobalRole{ID: "r-1", TenantID: acme.ID, Name: directory.RoleAdmins,
					Permissions: []directory.Permission{}, CreatedAt: at(1), UpdatedAt: at(1)}
			}},
			// "Everyone holding admins must use TOTP."
			{"requires MFA and nothing else", func(acme directory.Tenant) directory.GlobalRole {
				return directory.GlobalRole{ID: "r-1", TenantID: acme.ID, Name: directory.RoleAdmins, RequireMFA: true,
					CreatedAt: at(1), UpdatedAt: at(1)}
			}},
			{"does not require MFA", func(acme directory.Tenant) directory.GlobalRole {
				r := newRole("r-1", acme.ID, "operators")
				r.RequireMFA = false
				return r
			}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				s := newStore(t)
				_, acme := seed(t, s)
				want := tc.role(acme)
				mustDo(t, s.CreateGlobalRole(t.Context(), want))
				got, err := s.GlobalRoleByName(t.Context(), acme.ID, want.Name)
				mustDo(t, err)
				wantEqual(t, "GlobalRoleByName", got, want)
				list, err := s.ListGlobalRoles(t.Context(), acme.ID)
				mustDo(t, err)
				wantEqual(t, "ListGlobalRoles", list, []directory.GlobalRole{want})
			})
		}
	})

	t.Run("NotFound", func(t *testing.T) {
		s := newStore(t)
		sys, acme := seed(t, s)
		mustDo(t, s.CreateGlobalRole(t.Context(), newRole("r-1", acme.ID, "operators")))
		for _, tc := range []struct{ name, tenantID, roleName string }{
			{"unknown name", acme.ID, "nope"},
			{"name in another tenant", sys.ID, "operators"},
			{"unknown tenant", "t-nope", "operators"},
			{"name is case-sensitive", acme.ID, "Operators"},
			{"id is not a name", acme.ID, "r-1"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				_, err := s.GlobalRoleByName(t.Context(), tc.tenantID, tc.roleName)
				wantErr(t, err, directory.ErrNotFound)
			})
		}
		for _, id := range []string{sys.ID, "t-nope"} {
			if got, err := s.ListGlobalRoles(t.Context(), id); err != nil || len(got) != 0 {
				t.Errorf("ListGlobalRoles(%s) = %v, %v; want none", id, got, err)
			}
		}
	})

	t.Run("Create", func(t *testing.T) {
		for _, tc := range []struct {
			name   string
			second directory.GlobalRole
			want   error
		}{
			{"same name same tenant", newRole("r-2", "t-acme", "operators"), directory.ErrConflict},
			{"same name other tenant", newRole("r-2", "t-sys", "operators"), nil},
			{"duplicate id", newRole("r-1", "t-sys", "other"), directory.ErrConflict},
			{"missing tenant", newRole("r-2", "t-nope", "operators"), directory.ErrNotFound},
		} {
			t.Run(tc.name, func(t *testing.T) {
				s := newStore(t)
				_, acme := seed(t, s)
				first := newRole("r-1", acme.ID, "operators")
				mustDo(t, s.CreateGlobalRole(t.Context(), first))
				second := tc.second
				second.Description = "Second"
				err := s.CreateGlobalRole(t.Context(), second)
				wantErr(t, err, tc.want)
				if tc.want == directory.ErrNotFound {
					wantMissing(t, err, second.TenantID)
				}
				got, err := s.GlobalRoleByName(t.Context(), acme.ID, first.Name)
				mustDo(t, err)
				wantEqual(t, "first role", got, first)
				got, err = s.GlobalRoleByName(t.Context(), second.TenantID, second.Name)
				if tc.want == nil {
					mustDo(t, err)
					wantEqual(t, "second role", got, second)
				} else if tc.want == directory.ErrNotFound || second.TenantID != first.TenantID {
					wantErr(t, err, directory.ErrNotFound)
				}
			})
		}
	})

	t.Run("Update", func(t *testing.T) {
		for _, tc := range []struct {
			name   string
			change func(r *directory.GlobalRole)
			want   error
		}{
			{"every field", func(r *directory.GlobalRole) {
				*r = directory.GlobalRole{ID: r.ID, TenantID: r.TenantID, Name: "night-operators", Description: "Nights",
					Permissions: []directory.Permission{
						{Resource: "operations", Access: directory.AccessAdmin},
						{Resource: "events", Access: directory.AccessRead},
					},
					CreatedAt: at(70), UpdatedAt: at(71)}
			}, nil},
			{"permissions cleared", func(r *directory.GlobalRole) { r.Permissions = nil }, nil},
			{"MFA no longer required", func(r *directory.GlobalRole) { r.RequireMFA = false }, nil},
			{"name of another role in the tenant", func(r *directory.GlobalRole) { r.Name = directory.RoleReaders }, directory.ErrConflict},
			{"name of a role in another tenant", func(r *directory.GlobalRole) { r.Name = "auditors" }, nil},
			{"missing tenant", func(r *directory.GlobalRole) { r.TenantID = "t-nope" }, directory.ErrNotFound},
			{"missing row", func(r *directory.GlobalRole) { r.ID = "r-nope" }, directory.ErrNotFound},
		} {
			t.Run(tc.name, func(t *testing.T) {
				s := newStore(t)
				sys, acme := seed(t, s)
				orig := newRole("r-1", acme.ID, "operators")
				mustDo(t, s.CreateGlobalRole(t.Context(), orig))
				mustDo(t, s.CreateGlobalRole(t.Context(), newRole("r-2", acme.ID, directory.RoleReaders)))
				mustDo(t, s.CreateGlobalRole(t.Context(), newRole("r-3", sys.ID, "auditors")))
				changed := orig
				changed.Permissions = append([]directory.Permission(nil), orig.Permissions...)
				tc.change(&changed)
				err := s.UpdateGlobalRole(t.Context(), changed)
				wantErr(t, err, tc.want)
				if tc.want == directory.ErrNotFound && changed.ID == orig.ID {
					wantMissing(t, err, changed.TenantID)
				}
				want := changed
				if err != nil {
					want = orig
				}
				got, err := s.GlobalRoleByName(t.Context(), want.TenantID, want.Name)
				mustDo(t, err)
				wantEqual(t, "after update", got, want)
				if want.Name != orig.Name {
					_, err := s.GlobalRoleByName(t.Context(), orig.TenantID, orig.Name)
					wantErr(t, err, directory.ErrNotFound)
				}
				// An update creates and removes nothing.
				if list, err := s.ListGlobalRoles(t.Context(), acme.ID); err != nil || len(list) != 2 {
					t.Fatalf("roles of acme after update = %v, %v; want 2", list, err)
				}
			})
		}
	})

	t.Run("ListOrderedByName", func(t *testing.T) {
		s := newStore(t)
		sys, acme := seed(t, s)
		// Ids chosen so that neither creation nor id order is name order.
		for _, r := range []directory.GlobalRole{
			newRole("r-1", acme.ID, "readers"),
			newRole("r-2", acme.ID, "admins"),
			newRole("r-3", sys.ID, "auditors"),
			newRole("r-4", acme.ID, "operators"),
			newRole("r-0", acme.ID, "devices"),
		} {
			mustDo(t, s.CreateGlobalRole(t.Context(), r))
		}
		got, err := s.ListGlobalRoles(t.Context(), acme.ID)
		mustDo(t, err)
		if g, w := ids(got, func(r directory.GlobalRole) string { return r.Name }), "[admins devices operators readers]"; g != w {
			t.Fatalf("ListGlobalRoles = %s, want %s", g, w)
		}
		wantEqual(t, "ListGlobalRoles[1]", got[1], newRole("r-0", acme.ID, "devices"))
	})
}
