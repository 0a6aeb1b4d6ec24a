package directorytest

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/gatehouse-id/gatehouse/directory"
)

func testTenants(t *testing.T, newStore func(t *testing.T) directory.Store) {
	t.Run("RoundTrip", func(t *testing.T) {
		s := newStore(t)
		sys, acme := seed(t, s)
		for _, want := range []directory.Tenant{sys, acme} {
			got, err := s.TenantByID(t.Context(), want.ID)
			mustDo(t, err)
			wantEqual(t, "TenantByID", got, want)
			got, err = s.TenantBySlug(t.Context(), want.Slug)
			mustDo(t, err)
			wantEqual(t, "TenantBySlug", got, want)
		}
	})

	t.Run("MFAPolicies", func(t *testing.T) {
		s := newStore(t)
		for i, p := range []directory.MFAPolicy{directory.MFAInherit, directory.MFAOff, directory.MFAOptional, directory.MFARequired} {
			want := newTenant(fmt.Sprintf("t-%d", i), fmt.Sprintf("s%d", i), nil)
			want.Settings.MFA = p
			mustDo(t, s.CreateTenant(t.Context(), want))
			got, err := s.TenantByID(t.Context(), want.ID)
			mustDo(t, err)
			wantEqual(t, fmt.Sprintf("tenant with MFA policy %q", p), got, want)
		}
	})

	t.Run("TimesComeBackInUTC", func(t *testing.T) {
		s := newStore(t)
		in := newTenant("t-sys", "sys", nil)
		in.CreatedAt = in.CreatedAt.In(time.FixedZone("CET", 3600))
		mustDo(t, s.CreateTenant(t.Context(), in))
		got, err := s.TenantByID(t.Context(), in.ID)
		mustDo(t, err)
		if !got.CreatedAt.Equal(in.CreatedAt) || got.CreatedAt.Location() != time.UTC {
			t.Fatalf("CreatedAt = %v, want %v in UTC", got.CreatedAt, in.CreatedAt)
		}
	})

	t.Run("NotFound", func(t *testing.T) {
		s := newStore(t)
		seed(t, s)
		for _, tc := range []struct {
			name string
			get  func() (directory.Tenant, error)
		}{
			{"unknown id", func() (directory.Tenant, error) { return s.TenantByID(t.Context(), "t-nope") }},
			{"unknown slug", func() (directory.Tenant, error) { return s.TenantBySlug(t.Context(), "nope") }},
			{"slug is case-sensitive", func() (directory.Tenant, error) { return s.TenantBySlug(t.Context(), "ACME") }},
			{"id is not a slug", func() (directory.Tenant, error) { return s.TenantBySlug(t.Context(), "t-acme") }},
		} {
			t.Run(tc.name, func(t *testing.T) {
				_, err := tc.get()
				wantErr(t, err, directory.ErrNotFound)
			})
		}
	})

	t.Run("Conflicts", func(t *testing.T) {
		for _, tc := range []struct {
			name   string
			tenant func(sys directory.Tenant) directory.Tenant
			want   error
		}{
			{"duplicate slug", func(sys directory.Tenant) directory.Tenant { return newTenant("t-other", "acme", &sys) }, directory.ErrConflict},
			{"duplicate id", func(sys directory.Tenant) directory.Tenant { return newTenant("t-acme", "other", &sys) }, directory.ErrConflict},
			{"new slug and id", func(sys directory.Tenant) directory.Tenant { return newTenant("t-other", "other", &sys) }, nil},
			{"missing parent", func(sys directory.Tenant) directory.Tenant {
				p := newTenant("t-nope", "nope", &sys)
				return newTenant("t-other", "other", &p)
			}, directory.ErrNotFound},
		} {
			t.Run(tc.name, func(t *testing.T) {
				s := newStore(t)
				sys, _ := seed(t, s)
				err := s.CreateTenant(t.Context(), tc.tenant(sys))
				wantErr(t, err, tc.want)
				if tc.want == directory.ErrNotFound {
					wantMissing(t, err, "t-nope")
				}
			})
		}
	})

	t.Run("Update", func(t *testing.T) {
		for _, tc := range []struct {
			name   string
			change func(acme *directory.Tenant)
			want   error
		}{
			{"every field", func(a *directory.Tenant) {
				a.Slug, a.Name, a.CreatedAt, a.UpdatedAt = "acme-renamed", "ACME Holding", at(10), at(11)
				a.Settings = directory.TenantSettings{UserRoles: []string{directory.RoleDevices}, MFA: directory.MFAOptional,
					MaxUsers: 3}
			}, nil},
			{"quota only", func(a *directory.Tenant) { a.Settings.MaxUsers = 100000 }, nil},
			{"quota removed", func(a *directory.Tenant) { a.Settings.MaxUsers = 0 }, nil},
			{"MFA policy only", func(a *directory.Tenant) { a.Settings.MFA = directory.MFAOff }, nil},
			{"MFA policy inherited", func(a *directory.Tenant) { a.Settings.MFA = directory.MFAInherit }, nil},
			{"branding", func(a *directory.Tenant) {
				a.Settings.Branding = directory.Branding{DisplayName: "Things Portal", PrimaryColor: "#1d4ed8",
					Logo: directory.Logo{MediaType: directory.MediaPNG, Data: append([]byte("\x89PNG\r\n\x1a\n"), make([]byte, 40<<10)...)}}
			}, nil},
			{"settings cleared", func(a *directory.Tenant) { a.Settings = directory.TenantSettings{} }, nil},
			{"settings emptied", func(a *directory.Tenant) { a.Settings.UserRoles = []string{} }, nil},
			{"missing parent", func(a *directory.Tenant) { a.ParentID = "t-nope" }, directory.ErrNotFound},
			{"slug of another tenant", func(a *directory.Tenant) { a.Slug = "sys" }, directory.ErrConflict},
			{"missing row", func(a *directory.Tenant) { a.ID = "t-nope" }, directory.ErrNotFound},
		} {
			t.Run(tc.name, func(t *testing.T) {
				s := newStore(t)
				_, acme := seed(t, s)
				before := acme
				before.Path = append([]string(nil), acme.Path...)
				before.Settings.UserRoles = append([]string(nil), acme.Settings.UserRoles...)
				tc.change(&acme)
				err := s.UpdateTenant(t.Context(), acme)
				wantErr(t, err, tc.want)
				if errors.Is(err, directory.ErrNotFound) && acme.ID == before.ID {
					wantMissing(t, err, acme.ParentID)
				}
				want := acme
				if err != nil {
					want = before // a failed update leaves the row as it was
				}
				got, err := s.TenantByID(t.Context(), before.ID)
				mustDo(t, err)
				wantEqual(t, "after update", got, want)
				if acme.ID != before.ID { // the update made no row
					_, err := s.TenantByID(t.Context(), acme.ID)
					wantErr(t, err, directory.ErrNotFound)
				}
			})
		}
	})

	t.Run("ListOrderedByPath", func(t *testing.T) {
		s := newStore(t)
		if got, err := s.ListTenants(t.Context()); err != nil || len(got) != 0 {
			t.Fatalf("ListTenants on an empty store = %v, %v; want none", got, err)
		}
		// Ids chosen so that neither creation order, id order nor the text
		// of a serialized path gives the path order.
		sys := newTenant("t5", "sys", nil)
		p9 := newTenant("t9", "p9", &sys)
		c1 := newTenant("t1", "c1", &p9)
		p7 := newTenant("t7", "p7", &sys)
		c8 := newTenant("t8", "c8", &p7)
		s3 := newTenant("t3", "s3", &c8)
		for _, tn := range []directory.Tenant{sys, p9, c1, p7, c8, s3} {
			mustDo(t, s.CreateTenant(t.Context(), tn))
		}
		got, err := s.ListTenants(t.Context())
		mustDo(t, err)
		wantEqual(t, "ListTenants", got, []directory.Tenant{sys, p7, c8, s3, p9, c1})
	})
}
