package directorytest

import (
	"testing"

	"github.com/gatehouse-id/gatehouse/directory"
)

func testGroups(t *testing.T, newStore func(t *testing.T) directory.Store) {
	t.Run("RoundTrip", func(t *testing.T) {
		for _, tc := range []struct {
			name  string
			group func(acme directory.Tenant) directory.Group
		}{
			{"every field", func(acme directory.Tenant) directory.Group { return newGroup("g-1", acme.ID, "field") }},
			// The administrators group grants nothing itself.
			{"nothing granted", func(acme directory.Tenant) directory.Group {
				return directory.Group{ID: "g-1", TenantID: acme.ID, Name: directory.GroupAdministrators,
					CreatedAt: at(1), UpdatedAt: at(1)}
			}},
			{"empty rather than nil lists", func(acme directory.Tenant) directory.Group {
				return directory.Group{ID: "g-1", TenantID: acme.ID, Name: "field", GlobalRoles: []string{},
					ServiceRoles: directory.ServiceRoles{}, CreatedAt: at(1), UpdatedAt: at(1)}
			}},
			// "Administrators must use TOTP": the group grants nothing else.
			{"requires MFA and grants nothing", func(acme directory.Tenant) directory.Group {
				return directory.Group{ID: "g-1", TenantID: acme.ID, Name: directory.GroupAdministrators, RequireMFA: true,
					CreatedAt: at(1), UpdatedAt: at(1)}
			}},
			{"does not require MFA", func(acme directory.Tenant) directory.Group {
				g := newGroup("g-1", acme.ID, "field")
				g.RequireMFA = false
				return g
			}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				s := newStore(t)
				_, acme := seed(t, s)
				want := tc.group(acme)
				mustDo(t, s.CreateGroup(t.Context(), want))
				got, err := s.GroupByName(t.Context(), acme.ID, want.Name)
				mustDo(t, err)
				wantEqual(t, "GroupByName", got, want)
				list, err := s.ListGroups(t.Context(), acme.ID)
				mustDo(t, err)
				wantEqual(t, "ListGroups", list, []directory.Group{want})
			})
		}
	})

	t.Run("NotFound", func(t *testing.T) {
		s := newStore(t)
		sys, acme := seed(t, s)
		mustDo(t, s.CreateGroup(t.Context(), newGroup("g-1", acme.ID, "field")))
		for _, tc := range []struct{ name, tenantID, groupName string }{
			{"unknown name", acme.ID, "nope"},
			{"name in another tenant", sys.ID, "field"},
			{"unknown tenant", "t-nope", "field"},
			{"name is case-sensitive", acme.ID, "Field"},
			{"id is not a name", acme.ID, "g-1"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				_, err := s.GroupByName(t.Context(), tc.tenantID, tc.groupName)
				wantErr(t, err, directory.ErrNotFound)
			})
		}
		for _, id := range []string{sys.ID, "t-nope"} {
			if got, err := s.ListGroups(t.Context(), id); err != nil || len(got) != 0 {
				t.Errorf("ListGroups(%s) = %v, %v; want none", id, got, err)
			}
		}
	})

	t.Run("Create", func(t *testing.T) {
		for _, tc := range []struct {
			name   string
			second directory.Group
			want   error
		}{
			{"same name same tenant", newGroup("g-2", "t-acme", "field"), directory.ErrConflict},
			{"same name other tenant", newGroup("g-2", "t-sys", "field"), nil},
			{"duplicate id", newGroup("g-1", "t-sys", "other"), directory.ErrConflict},
			{"missing tenant", newGroup("g-2", "t-nope", "field"), directory.ErrNotFound},
		} {
			t.Run(tc.name, func(t *testing.T) {
				s := newStore(t)
				_, acme := seed(t, s)
				first := newGroup("g-1", acme.ID, "field")
				mustDo(t, s.CreateGroup(t.Context(), first))
				second := tc.second
				second.Description = "Second"
				err := s.CreateGroup(t.Context(), second)
				wantErr(t, err, tc.want)
				if tc.want == directory.ErrNotFound {
					wantMissing(t, err, second.TenantID)
				}
				got, err := s.GroupByName(t.Context(), acme.ID, first.Name)
				mustDo(t, err)
				wantEqual(t, "first group", got, first)
				got, err = s.GroupByName(t.Context(), second.TenantID, second.Name)
				if tc.want == nil {
					mustDo(t, err)
					wantEqual(t, "second group", got, second)
				} else if tc.want == directory.ErrNotFound || second.TenantID != first.TenantID {
					wantErr(t, err, directory.ErrNotFound)
				}
			})
		}
	})

	t.Run("Update", func(t *testing.T) {
		for _, tc := range []struct {
			name   string
			change func(g *directory.Group)
			want   error
		}{
			{"every field", func(g *directory.Group) {
				*g = directory.Group{ID: g.ID, TenantID: g.TenantID, Name: "night-shift", Description: "Nights",
					GlobalRoles:  []string{"operators"},
					ServiceRoles: directory.ServiceRoles{"things-manager": {"editor"}},
					CreatedAt:    at(80), UpdatedAt: at(81)}
			}, nil},
			{"grants cleared", func(g *directory.Group) { g.GlobalRoles, g.ServiceRoles = nil, nil }, nil},
			{"MFA no longer required", func(g *directory.Group) { g.RequireMFA = false }, nil},
			{"name of another group in the tenant", func(g *directory.Group) { g.Name = directory.GroupAdministrators }, directory.ErrConflict},
			{"name of a group in another tenant", func(g *directory.Group) { g.Name = "support" }, nil},
			{"missing tenant", func(g *directory.Group) { g.TenantID = "t-nope" }, directory.ErrNotFound},
			{"missing row", func(g *directory.Group) { g.ID = "g-nope" }, directory.ErrNotFound},
		} {
			t.Run(tc.name, func(t *testing.T) {
				s := newStore(t)
				sys, acme := seed(t, s)
				orig := newGroup("g-1", acme.ID, "field")
				mustDo(t, s.CreateGroup(t.Context(), orig))
				mustDo(t, s.CreateGroup(t.Context(), newGroup("g-2", acme.ID, directory.GroupAdministrators)))
				mustDo(t, s.CreateGroup(t.Context(), newGroup("g-3", sys.ID, "support")))
				changed := newGroup("g-1", acme.ID, "field")
				tc.change(&changed)
				err := s.UpdateGroup(t.Context(), changed)
				wantErr(t, err, tc.want)
				if tc.want == directory.ErrNotFound && changed.ID == orig.ID {
					wantMissing(t, err, changed.TenantID)
				}
				want := changed
				if err != nil {
					want = orig
				}
				got, err := s.GroupByName(t.Context(), want.TenantID, want.Name)
				mustDo(t, err)
				wantEqual(t, "after update", got, want)
				if want.Name != orig.Name {
					_, err := s.GroupByName(t.Context(), orig.TenantID, orig.Name)
					wantErr(t, err, directory.ErrNotFound)
				}
				// An update creates and removes nothing.
				if list, err := s.ListGroups(t.Context(), acme.ID); err != nil || len(list) != 2 {
					t.Fatalf("groups of acme after update = %v, %v; want 2", list, err)
				}
			})
		}
	})

	t.Run("ListOrderedByName", func(t *testing.T) {
		s := newStore(t)
		sys, acme := seed(t, s)
		// Ids chosen so that neither creation nor id order is name order.
		for _, g := range []directory.Group{
			newGroup("g-1", acme.ID, "night"),
			newGroup("g-2", acme.ID, "administrators"),
			newGroup("g-3", sys.ID, "auditors"),
			newGroup("g-4", acme.ID, "support"),
			newGroup("g-0", acme.ID, "field"),
		} {
			mustDo(t, s.CreateGroup(t.Context(), g))
		}
		got, err := s.ListGroups(t.Context(), acme.ID)
		mustDo(t, err)
		if g, w := ids(got, func(g directory.Group) string { return g.Name }), "[administrators field night support]"; g != w {
			t.Fatalf("ListGroups = %s, want %s", g, w)
		}
		wantEqual(t, "ListGroups[1]", got[1], newGroup("g-0", acme.ID, "field"))
	})
}
