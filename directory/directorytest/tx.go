package directorytest

import (
	"errors"
	"testing"

	"github.com/gatehouse-id/gatehouse/directory"
)

func testInTx(t *testing.T, newStore func(t *testing.T) directory.Store) {
	errAbort := errors.New("abort")
	sys := newTenant("t-sys", "sys", nil)
	acme := newTenant("t-acme", "acme", &sys)
	jill := newUser("u-jill", acme.ID, "jill", "jill@example.com")
	portal := newClient("portal", acme.ID)
	role := newRole("r-1", acme.ID, "operators")
	group := newGroup("g-1", acme.ID, "field")
	link := newLink(jill.ID, sys.ID)
	service := newService("webshop")
	resource := newResource("dashboards")

	// writeAll stores a tenant tree, a user, a role, a group, a link, a
	// service, a resource and a client through tx, checking that tx reads
	// its own writes on the way.
	writeAll := func(t *testing.T, tx directory.Store) error {
		t.Helper()
		mustDo(t, tx.CreateTenant(t.Context(), sys))
		mustDo(t, tx.CreateTenant(t.Context(), acme))
		if _, err := tx.TenantBySlug(t.Context(), acme.Slug); err != nil {
			t.Fatalf("a transaction must see its own writes: %v", err)
		}
		mustDo(t, tx.CreateUser(t.Context(), jill))
		mustDo(t, tx.CreateGlobalRole(t.Context(), role))
		mustDo(t, tx.CreateGroup(t.Context(), group))
		mustDo(t, tx.CreateLink(t.Context(), link))
		if _, err := tx.LinkOf(t.Context(), jill.ID, sys.ID); err != nil {
			t.Fatalf("a transaction must see its own writes: %v", err)
		}
		mustDo(t, tx.CreateService(t.Context(), service))
		mustDo(t, tx.CreateResource(t.Context(), resource))
		return tx.CreateClient(t.Context(), portal)
	}

	for _, tc := range []struct {
		name    string
		fn      func(t *testing.T) func(directory.Store) error
		wantErr error // nil: committed
	}{
		{"commit", func(t *testing.T) func(directory.Store) error {
			return func(tx directory.Store) error { return writeAll(t, tx) }
		}, nil},
		{"fn fails after several writes", func(t *testing.T) func(directory.Store) error {
			return func(tx directory.Store) error {
				mustDo(t, writeAll(t, tx))
				return errAbort
			}
		}, errAbort},
		{"store error inside fn", func(t *testing.T) func(directory.Store) error {
			return func(tx directory.Store) error {
				mustDo(t, writeAll(t, tx))
				return tx.CreateTenant(t.Context(), newTenant("t-dup", sys.Slug, &sys))
			}
		}, directory.ErrConflict},
		{"duplicate role inside fn", func(t *testing.T) func(directory.Store) error {
			return func(tx directory.Store) error {
				mustDo(t, writeAll(t, tx))
				return tx.CreateGlobalRole(t.Context(), newRole("r-2", acme.ID, role.Name))
			}
		}, directory.ErrConflict},
		{"link to a missing tenant inside fn", func(t *testing.T) func(directory.Store) error {
			return func(tx directory.Store) error {
				mustDo(t, writeAll(t, tx))
				return tx.CreateLink(t.Context(), newLink(jill.ID, "t-nope"))
			}
		}, directory.ErrNotFound},
		{"nested InTx joins the outer transaction", func(t *testing.T) func(directory.Store) error {
			return func(tx directory.Store) error {
				mustDo(t, tx.InTx(t.Context(), func(inner directory.Store) error { return writeAll(t, inner) }))
				return errAbort
			}
		}, errAbort},
		{"nested commit", func(t *testing.T) func(directory.Store) error {
			return func(tx directory.Store) error {
				mustDo(t, tx.CreateTenant(t.Context(), sys))
				return tx.InTx(t.Context(), func(inner directory.Store) error {
					mustDo(t, inner.CreateTenant(t.Context(), acme))
					mustDo(t, inner.CreateUser(t.Context(), jill))
					mustDo(t, inner.CreateGlobalRole(t.Context(), role))
					mustDo(t, inner.CreateGroup(t.Context(), group))
					mustDo(t, inner.CreateLink(t.Context(), link))
					mustDo(t, inner.CreateService(t.Context(), service))
					mustDo(t, inner.CreateResource(t.Context(), resource))
					return inner.CreateClient(t.Context(), portal)
				})
			}
		}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newStore(t)
			err := s.InTx(t.Context(), tc.fn(t))
			wantErr(t, err, tc.wantErr)

			if tc.wantErr == nil {
				got, err := s.TenantBySlug(t.Context(), acme.Slug)
				mustDo(t, err)
				wantEqual(t, "tenant after commit", got, acme)
				u, err := s.UserByUsername(t.Context(), acme.ID, jill.Username)
				mustDo(t, err)
				wantEqual(t, "user after commit", u, jill)
				c, err := s.ClientByID(t.Context(), portal.ID)
				mustDo(t, err)
				wantEqual(t, "client after commit", c, portal)
				r, err := s.GlobalRoleByName(t.Context(), acme.ID, role.Name)
				mustDo(t, err)
				wantEqual(t, "role after commit", r, role)
				g, err := s.GroupByName(t.Context(), acme.ID, group.Name)
				mustDo(t, err)
				wantEqual(t, "group after commit", g, group)
				l, err := s.LinkOf(t.Context(), jill.ID, sys.ID)
				mustDo(t, err)
				wantEqual(t, "link after commit", l, link)
				sv, err := s.ServiceByName(t.Context(), service.Name)
				mustDo(t, err)
				wantEqual(t, "service after commit", sv, service)
				rs, err := s.ListResources(t.Context())
				mustDo(t, err)
				wantEqual(t, "resources after commit", rs, []directory.Resource{resource})
				return
			}
			if ts, err := s.ListTenants(t.Context()); err != nil || len(ts) != 0 {
				t.Errorf("tenants after rollback = %v, %v; want none", ts, err)
			}
			if _, err := s.UserByID(t.Context(), jill.ID); !errors.Is(err, directory.ErrNotFound) {
				t.Errorf("user after rollback: error = %v, want ErrNotFound", err)
			}
			if cs, err := s.ListClients(t.Context()); err != nil || len(cs) != 0 {
				t.Errorf("clients after rollback = %v, %v; want none", cs, err)
			}
			if rs, err := s.ListGlobalRoles(t.Context(), acme.ID); err != nil || len(rs) != 0 {
				t.Errorf("roles after rollback = %v, %v; want none", rs, err)
			}
			if gs, err := s.ListGroups(t.Context(), acme.ID); err != nil || len(gs) != 0 {
				t.Errorf("groups after rollback = %v, %v; want none", gs, err)
			}
			if ls, err := s.LinksOfUser(t.Context(), jill.ID); err != nil || len(ls) != 0 {
				t.Errorf("links after rollback = %v, %v; want none", ls, err)
			}
			if ls, err := s.LinksToTenant(t.Context(), sys.ID); err != nil || len(ls) != 0 {
				t.Errorf("links after rollback = %v, %v; want none", ls, err)
			}
			if ss, err := s.ListServices(t.Context()); err != nil || len(ss) != 0 {
				t.Errorf("services after rollback = %v, %v; want none", ss, err)
			}
			if rs, err := s.ListResources(t.Context()); err != nil || len(rs) != 0 {
				t.Errorf("resources after rollback = %v, %v; want none", rs, err)
			}
		})
	}
}
