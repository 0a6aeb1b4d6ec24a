package directorytest

import (
	"testing"

	"github.com/gatehouse-id/gatehouse/directory"
)

// seedLinks stores seed's tenants and a user of each: root at sys, jill at
// acme.
func seedLinks(t *testing.T, s directory.Store) (sys, acme directory.Tenant, root, jill directory.User) {
	t.Helper()
	sys, acme = seed(t, s)
	root = newUser("u-root", sys.ID, "root", "")
	jill = newUser("u-jill", acme.ID, "jill", "")
	mustDo(t, s.CreateUser(t.Context(), root))
	mustDo(t, s.CreateUser(t.Context(), jill))
	return sys, acme, root, jill
}

func testLinks(t *testing.T, newStore func(t *testing.T) directory.Store) {
	t.Run("RoundTrip", func(t *testing.T) {
		for _, tc := range []struct {
			name string
			link func(root directory.User, acme directory.Tenant) directory.Link
		}{
			{"every field", func(root directory.User, acme directory.Tenant) directory.Link {
				return newLink(root.ID, acme.ID)
			}},
			{"nothing held", func(root directory.User, acme directory.Tenant) directory.Link {
				return directory.Link{UserID: root.ID, TenantID: acme.ID, TenantRole: directory.TenantRoleAdmin,
					CreatedAt: at(1), UpdatedAt: at(1)}
			}},
			{"empty rather than nil lists", func(root directory.User, acme directory.Tenant) directory.Link {
				return directory.Link{UserID: root.ID, TenantID: acme.ID, TenantRole: directory.TenantRoleUser,
					GlobalRoles: []string{}, ServiceRoles: directory.ServiceRoles{}, Groups: []string{},
					CreatedAt: at(1), UpdatedAt: at(1)}
			}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				s := newStore(t)
				_, acme, root, _ := seedLinks(t, s)
				want := tc.link(root, acme)
				mustDo(t, s.CreateLink(t.Context(), want))
				got, err := s.LinkOf(t.Context(), root.ID, acme.ID)
				mustDo(t, err)
				wantEqual(t, "LinkOf", got, want)
				list, err := s.LinksOfUser(t.Context(), root.ID)
				mustDo(t, err)
				wantEqual(t, "LinksOfUser", list, []directory.Link{want})
				list, err = s.LinksToTenant(t.Context(), acme.ID)
				mustDo(t, err)
				wantEqual(t, "LinksToTenant", list, []directory.Link{want})
			})
		}
	})

	t.Run("NotFound", func(t *testing.T) {
		s := newStore(t)
		sys, acme, root, jill := seedLinks(t, s)
		mustDo(t, s.CreateLink(t.Context(), newLink(root.ID, acme.ID)))
		for _, tc := range []struct {
			name             string
			userID, tenantID string
		}{
			{"unknown user", "u-nope", acme.ID},
			{"unknown tenant", root.ID, "t-nope"},
			{"user and tenant swapped", acme.ID, root.ID},
			{"the reverse link", jill.ID, sys.ID},
			{"a home is no link", jill.ID, acme.ID},
		} {
			t.Run(tc.name, func(t *testing.T) {
				_, err := s.LinkOf(t.Context(), tc.userID, tc.tenantID)
				wantErr(t, err, directory.ErrNotFound)
			})
		}
		for _, id := range []string{"u-nope", jill.ID} {
			if got, err := s.LinksOfUser(t.Context(), id); err != nil || len(got) != 0 {
				t.Errorf("LinksOfUser(%s) = %v, %v; want none", id, got, err)
			}
		}
		for _, id := range []string{"t-nope", sys.ID} {
			if got, err := s.LinksToTenant(t.Context(), id); err != nil || len(got) != 0 {
				t.Errorf("LinksToTenant(%s) = %v, %v; want none", id, got, err)
			}
		}
	})

	t.Run("Create", func(t *testing.T) {
		for _, tc := range []struct {
			name    string
			link    directory.Link
			want    error
			missing string // the id the error must name, for ErrNotFound
		}{
			{"same user and tenant", newLink("u-root", "t-acme"), directory.ErrConflict, ""},
			{"same user other tenant", newLink("u-root", "t-sub"), nil, ""},
			{"other user same tenant", newLink("u-sub", "t-acme"), nil, ""},
			{"missing user", newLink("u-nope", "t-acme"), directory.ErrNotFound, "u-nope"},
			{"missing tenant", newLink("u-root", "t-nope"), directory.ErrNotFound, "t-nope"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				s := newStore(t)
				_, acme, root, _ := seedLinks(t, s)
				sub := newTenant("t-sub", "sub", &acme)
				mustDo(t, s.CreateTenant(t.Context(), sub))
				mustDo(t, s.CreateUser(t.Context(), newUser("u-sub", sub.ID, "sub", "")))
				first := newLink(root.ID, acme.ID)
				mustDo(t, s.CreateLink(t.Context(), first))

				second := tc.link
				second.TenantRole, second.Groups, second.CreatedAt = directory.TenantRoleAdmin, []string{"other"}, at(50)
				err := s.CreateLink(t.Context(), second)
				wantErr(t, err, tc.want)
				if tc.missing != "" {
					wantMissing(t, err, tc.missing)
				}

				got, err := s.LinkOf(t.Context(), root.ID, acme.ID)
				mustDo(t, err)
				wantEqual(t, "first link", got, first)
				got, err = s.LinkOf(t.Context(), second.UserID, second.TenantID)
				if tc.want == nil {
					mustDo(t, err)
					wantEqual(t, "second link", got, second)
				} else if tc.want == directory.ErrNotFound {
					wantErr(t, err, directory.ErrNotFound)
				}
			})
		}
	})

	t.Run("Update", func(t *testing.T) {
		for _, tc := range []struct {
			name   string
			change func(l *directory.Link)
			want   error
		}{
			{"every field", func(l *directory.Link) {
				*l = directory.Link{UserID: l.UserID, TenantID: l.TenantID, TenantRole: directory.TenantRoleAdmin,
					GlobalRoles:  []string{directory.RoleAdmins},
					ServiceRoles: directory.ServiceRoles{"things-manager": {"admin"}},
					Groups:       []string{directory.GroupAdministrators}, CreatedAt: at(60), UpdatedAt: at(61)}
			}, nil},
			{"everything cleared", func(l *directory.Link) {
				l.GlobalRoles, l.ServiceRoles, l.Groups = nil, nil, nil
			}, nil},
			{"no link to that tenant", func(l *directory.Link) { l.TenantID = "t-sys" }, directory.ErrNotFound},
			{"no link of that user", func(l *directory.Link) { l.UserID = "u-jill" }, directory.ErrNotFound},
			{"missing user", func(l *directory.Link) { l.UserID = "u-nope" }, directory.ErrNotFound},
		} {
			t.Run(tc.name, func(t *testing.T) {
				s := newStore(t)
				_, acme, root, _ := seedLinks(t, s)
				orig := newLink(root.ID, acme.ID)
				mustDo(t, s.CreateLink(t.Context(), orig))
				changed := newLink(root.ID, acme.ID)
				tc.change(&changed)
				err := s.UpdateLink(t.Context(), changed)
				wantErr(t, err, tc.want)
				want := changed
				if err != nil {
					want = orig
				}
				got, err := s.LinkOf(t.Context(), orig.UserID, orig.TenantID)
				mustDo(t, err)
				wantEqual(t, "after update", got, want)
				if changed.UserID != orig.UserID || changed.TenantID != orig.TenantID {
					_, err := s.LinkOf(t.Context(), changed.UserID, changed.TenantID)
					wantErr(t, err, directory.ErrNotFound) // an update creates nothing
				}
			})
		}
	})

	t.Run("ListOrder", func(t *testing.T) {
		s := newStore(t)
		sys, acme, root, _ := seedLinks(t, s)
		// Ids chosen so that creation order is not id order.
		tenants := []directory.Tenant{newTenant("t-m", "m", &acme), newTenant("t-b", "b", &acme), newTenant("t-x", "x", &acme)}
		users := []directory.User{newUser("u-m", sys.ID, "m", ""), newUser("u-b", sys.ID, "b", ""), newUser("u-x", sys.ID, "x", "")}
		for i := range tenants {
			mustDo(t, s.CreateTenant(t.Context(), tenants[i]))
			mustDo(t, s.CreateUser(t.Context(), users[i]))
		}
		for _, l := range []directory.Link{
			newLink(root.ID, "t-m"), newLink("u-m", acme.ID), newLink(root.ID, "t-b"),
			newLink("u-x", acme.ID), newLink(root.ID, "t-x"), newLink("u-b", acme.ID),
			newLink("u-b", "t-x"), // neither root's nor to acme
		} {
			mustDo(t, s.CreateLink(t.Context(), l))
		}

		got, err := s.LinksOfUser(t.Context(), root.ID)
		mustDo(t, err)
		if g, w := ids(got, func(l directory.Link) string { return l.TenantID }), "[t-b t-m t-x]"; g != w {
			t.Fatalf("LinksOfUser = %s, want %s", g, w)
		}
		wantEqual(t, "LinksOfUser", got, []directory.Link{
			newLink(root.ID, "t-b"), newLink(root.ID, "t-m"), newLink(root.ID, "t-x")})

		got, err = s.LinksToTenant(t.Context(), acme.ID)
		mustDo(t, err)
		if g, w := ids(got, func(l directory.Link) string { return l.UserID }), "[u-b u-m u-x]"; g != w {
			t.Fatalf("LinksToTenant = %s, want %s", g, w)
		}
		wantEqual(t, "LinksToTenant", got, []directory.Link{
			newLink("u-b", acme.ID), newLink("u-m", acme.ID), newLink("u-x", acme.ID)})
	})
}
