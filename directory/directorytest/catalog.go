package directorytest

import (
	"testing"

	"github.com/gatehouse-id/gatehouse/directory"
)

// Services and resources are platform-wide: no tenant, unique by name.

func testServices(t *testing.T, newStore func(t *testing.T) directory.Store) {
	t.Run("RoundTrip", func(t *testing.T) {
		for _, tc := range []struct {
			name    string
			service directory.Service
		}{
			{"every field", newService("things-manager")},
			{"no roles", directory.Service{Name: "invoices", CreatedAt: at(1), UpdatedAt: at(1)}},
			{"empty rather than nil roles", directory.Service{Name: "invoices", Roles: []string{}, CreatedAt: at(1), UpdatedAt: at(1)}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				s := newStore(t)
				mustDo(t, s.CreateService(t.Context(), tc.service))
				got, err := s.ServiceByName(t.Context(), tc.service.Name)
				mustDo(t, err)
				wantEqual(t, "ServiceByName", got, tc.service)
				list, err := s.ListServices(t.Context())
				mustDo(t, err)
				wantEqual(t, "ListServices", list, []directory.Service{tc.service})
			})
		}
	})

	t.Run("NotFound", func(t *testing.T) {
		s := newStore(t)
		mustDo(t, s.CreateService(t.Context(), newService("webshop")))
		for _, name := range []string{"nope", "Webshop", "Service webshop", ""} {
			_, err := s.ServiceByName(t.Context(), name)
			wantErr(t, err, directory.ErrNotFound)
		}
	})

	t.Run("DuplicateName", func(t *testing.T) {
		s := newStore(t)
		first := newService("webshop")
		mustDo(t, s.CreateService(t.Context(), first))
		second := newService("webshop")
		second.DisplayName = "Another"
		wantErr(t, s.CreateService(t.Context(), second), directory.ErrConflict)
		got, err := s.ServiceByName(t.Context(), first.Name)
		mustDo(t, err)
		wantEqual(t, "first service", got, first)
	})

	t.Run("Update", func(t *testing.T) {
		for _, tc := range []struct {
			name   string
			change func(sv *directory.Service)
			want   error
		}{
			{"every field", func(sv *directory.Service) {
				*sv = directory.Service{Name: sv.Name, DisplayName: "Web Shop", Roles: []string{"voucher-manager"},
					CreatedAt: at(90), UpdatedAt: at(91)}
			}, nil},
			{"roles cleared", func(sv *directory.Service) { sv.Roles = nil }, nil},
			{"missing row", func(sv *directory.Service) { sv.Name = "nope" }, directory.ErrNotFound},
		} {
			t.Run(tc.name, func(t *testing.T) {
				s := newStore(t)
				orig := newService("webshop")
				mustDo(t, s.CreateService(t.Context(), orig))
				changed := newService("webshop")
				tc.change(&changed)
				err := s.UpdateService(t.Context(), changed)
				wantErr(t, err, tc.want)
				want := changed
				if err != nil {
					want = orig
				}
				got, err := s.ListServices(t.Context())
				mustDo(t, err)
				wantEqual(t, "services after update", got, []directory.Service{want})
			})
		}
	})

	t.Run("Delete", func(t *testing.T) {
		s := newStore(t)
		ctx := t.Context()
		mustDo(t, s.CreateService(ctx, newService("webshop")))
		mustDo(t, s.CreateService(ctx, newService("invoices")))
		mustDo(t, s.DeleteService(ctx, "webshop"))
		_, err := s.ServiceByName(ctx, "webshop")
		wantErr(t, err, directory.ErrNotFound)
		got, err := s.ListServices(ctx)
		mustDo(t, err)
		wantEqual(t, "services after delete", got, []directory.Service{newService("invoices")})
		wantErr(t, s.DeleteService(ctx, "webshop"), directory.ErrNotFound)
		wantErr(t, s.DeleteService(ctx, "Invoices"), directory.ErrNotFound)
		// The name is free again.
		mustDo(t, s.CreateService(ctx, newService("webshop")))

		// Inside a transaction that fails, a delete is undone.
		err = s.InTx(ctx, func(tx directory.Store) error {
			mustDo(t, tx.DeleteService(ctx, "invoices"))
			return directory.ErrConflict
		})
		wantErr(t, err, directory.ErrConflict)
		if _, err := s.ServiceByName(ctx, "invoices"); err != nil {
			t.Errorf("a rolled-back delete was kept: %v", err)
		}
	})

	t.Run("ListOrderedByName", func(t *testing.T) {
		s := newStore(t)
		if got, err := s.ListServices(t.Context()); err != nil || len(got) != 0 {
			t.Fatalf("ListServices on an empty store = %v, %v; want none", got, err)
		}
		for _, name := range []string{"webshop", "invoices", "things", "billing"} {
			mustDo(t, s.CreateService(t.Context(), newService(name)))
		}
		got, err := s.ListServices(t.Context())
		mustDo(t, err)
		wantEqual(t, "ListServices", got, []directory.Service{
			newService("billing"), newService("invoices"), newService("things"), newService("webshop")})
	})
}

func testResources(t *testing.T, newStore func(t *testing.T) directory.Store) {
	t.Run("RoundTrip", func(t *testing.T) {
		for _, tc := range []struct {
			name     string
			resource directory.Resource
		}{
			{"every field", newResource("dashboards")},
			{"every level", directory.Resource{Name: "dashboards"}},
			{"empty rather than nil levels", directory.Resource{Name: "dashboards", Levels: []directory.Level{}}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				s := newStore(t)
				mustDo(t, s.CreateResource(t.Context(), tc.resource))
				got, err := s.ListResources(t.Context())
				mustDo(t, err)
				wantEqual(t, "ListResources", got, []directory.Resource{tc.resource})
			})
		}
	})

	t.Run("DuplicateName", func(t *testing.T) {
		s := newStore(t)
		first := newResource("dashboards")
		mustDo(t, s.CreateResource(t.Context(), first))
		second := newResource("dashboards")
		second.Description = "Another"
		wantErr(t, s.CreateResource(t.Context(), second), directory.ErrConflict)
		got, err := s.ListResources(t.Context())
		mustDo(t, err)
		wantEqual(t, "resources", got, []directory.Resource{first})
	})

	t.Run("Update", func(t *testing.T) {
		for _, tc := range []struct {
			name   string
			change func(r *directory.Resource)
			want   error
		}{
			{"every field", func(r *directory.Resource) {
				*r = directory.Resource{Name: r.Name, Description: "Wall screens",
					Levels: []directory.Level{directory.LevelSubcustomer}}
			}, nil},
			{"levels cleared", func(r *directory.Resource) { r.Levels = nil }, nil},
			{"missing row", func(r *directory.Resource) { r.Name = "nope" }, directory.ErrNotFound},
		} {
			t.Run(tc.name, func(t *testing.T) {
				s := newStore(t)
				orig := newResource("dashboards")
				mustDo(t, s.CreateResource(t.Context(), orig))
				changed := newResource("dashboards")
				tc.change(&changed)
				err := s.UpdateResource(t.Context(), changed)
				wantErr(t, err, tc.want)
				want := changed
				if err != nil {
					want = orig
				}
				got, err := s.ListResources(t.Context())
				mustDo(t, err)
				wantEqual(t, "resources after update", got, []directory.Resource{want})
			})
		}
	})

	t.Run("ListOrderedByName", func(t *testing.T) {
		s := newStore(t)
		if got, err := s.ListResources(t.Context()); err != nil || len(got) != 0 {
			t.Fatalf("ListResources on an empty store = %v, %v; want none", got, err)
		}
		for _, name := range []string{"tickets", "dashboards", "reports", "billing"} {
			mustDo(t, s.CreateResource(t.Context(), newResource(name)))
		}
		got, err := s.ListResources(t.Context())
		mustDo(t, err)
		wantEqual(t, "ListResources", got, []directory.Resource{
			newResource("billing"), newResource("dashboards"), newResource("reports"), newResource("tickets")})
	})
}
