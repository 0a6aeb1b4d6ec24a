package directorytest

import (
	"testing"
	"time"

	"github.com/gatehouse-id/gatehouse/directory"
	"github.com/gatehouse-id/gatehouse/password"
)

func testUsers(t *testing.T, newStore func(t *testing.T) directory.Store) {
	t.Run("RoundTrip", func(t *testing.T) {
		s := newStore(t)
		_, acme := seed(t, s)
		want := newUser("u-jill", acme.ID, "jill", "Jill@Example.com")
		mustDo(t, s.CreateUser(t.Context(), want))
		got, err := s.UserByID(t.Context(), want.ID)
		mustDo(t, err)
		wantEqual(t, "UserByID", got, want)
		got, err = s.UserByUsername(t.Context(), acme.ID, "jill")
		mustDo(t, err)
		wantEqual(t, "UserByUsername", got, want)

		// The zero values of the flags must survive as well.
		plain := directory.User{ID: "u-bob", TenantID: acme.ID, Username: "bob", TenantRole: directory.TenantRoleUser,
			CreatedAt: at(1), UpdatedAt: at(1)}
		mustDo(t, s.CreateUser(t.Context(), plain))
		got, err = s.UserByID(t.Context(), plain.ID)
		mustDo(t, err)
		wantEqual(t, "UserByID (zero fields)", got, plain)

		// Empty rather than nil lists and map: either may come back.
		empty := directory.User{ID: "u-eve", TenantID: acme.ID, Username: "eve", TenantRole: directory.TenantRoleUser,
			GlobalRoles: []string{}, ServiceRoles: directory.ServiceRoles{}, Groups: []string{},
			CreatedAt: at(1), UpdatedAt: at(1)}
		mustDo(t, s.CreateUser(t.Context(), empty))
		got, err = s.UserByID(t.Context(), empty.ID)
		mustDo(t, err)
		wantEqual(t, "UserByID (empty lists)", got, empty)
	})

	t.Run("Owner", func(t *testing.T) {
		s := newStore(t)
		_, acme := seed(t, s)
		owner := newUser("u-owner", acme.ID, "owner", "")
		mustDo(t, s.CreateUser(t.Context(), owner))
		sub := newUser("u-sub", acme.ID, "sub", "")
		sub.OwnerID = owner.ID
		mustDo(t, s.CreateUser(t.Context(), sub))
		got, err := s.UserByID(t.Context(), sub.ID)
		mustDo(t, err)
		wantEqual(t, "sub-user", got, sub)
		list, err := s.ListUsers(t.Context(), acme.ID)
		mustDo(t, err)
		wantEqual(t, "ListUsers", list, []directory.User{owner, sub})

		// Releasing the sub-user clears the owner.
		sub.OwnerID, sub.UpdatedAt = "", at(40)
		mustDo(t, s.UpdateUser(t.Context(), sub))
		got, err = s.UserByID(t.Context(), sub.ID)
		mustDo(t, err)
		wantEqual(t, "released sub-user", got, sub)
	})

	t.Run("NotFound", func(t *testing.T) {
		s := newStore(t)
		sys, acme := seed(t, s)
		mustDo(t, s.CreateUser(t.Context(), newUser("u-jill", acme.ID, "jill", "")))
		for _, tc := range []struct {
			name string
			get  func() (directory.User, error)
		}{
			{"unknown id", func() (directory.User, error) { return s.UserByID(t.Context(), "u-nope") }},
			{"unknown username", func() (directory.User, error) { return s.UserByUsername(t.Context(), acme.ID, "john") }},
			{"username in another tenant", func() (directory.User, error) { return s.UserByUsername(t.Context(), sys.ID, "jill") }},
			{"username is case-sensitive", func() (directory.User, error) { return s.UserByUsername(t.Context(), acme.ID, "Jill") }},
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
			second func(sys, acme directory.Tenant) directory.User
			want   error
		}{
			{"same username same tenant", func(_, acme directory.Tenant) directory.User {
				return newUser("u-2", acme.ID, "jill", "other@example.com")
			}, directory.ErrConflict},
			{"same username other tenant", func(sys, _ directory.Tenant) directory.User {
				return newUser("u-2", sys.ID, "jill", "other@example.com")
			}, nil},
			{"same email other case same tenant", func(_, acme directory.Tenant) directory.User {
				return newUser("u-2", acme.ID, "john", "JILL@example.COM")
			}, directory.ErrConflict},
			{"same email other tenant", func(sys, _ directory.Tenant) directory.User {
				return newUser("u-2", sys.ID, "john", "jill@example.com")
			}, nil},
			{"duplicate id", func(_, acme directory.Tenant) directory.User {
				return newUser("u-1", acme.ID, "john", "john@example.com")
			}, directory.ErrConflict},
			{"missing tenant", func(_, _ directory.Tenant) directory.User {
				return newUser("u-2", "t-nope", "john", "john@example.com")
			}, directory.ErrNotFound},
			{"missing owner", func(_, acme directory.Tenant) directory.User {
				u := newUser("u-2", acme.ID, "john", "john@example.com")
				u.OwnerID = "u-nope"
				return u
			}, directory.ErrNotFound},
		} {
			t.Run(tc.name, func(t *testing.T) {
				s := newStore(t)
				sys, acme := seed(t, s)
				mustDo(t, s.CreateUser(t.Context(), newUser("u-1", acme.ID, "jill", "jill@example.com")))
				second := tc.second(sys, acme)
				err := s.CreateUser(t.Context(), second)
				wantErr(t, err, tc.want)
				if tc.want == directory.ErrNotFound {
					wantMissing(t, err, missingRef(second))
					_, err := s.UserByID(t.Context(), second.ID)
					wantErr(t, err, directory.ErrNotFound)
				}
			})
		}
	})

	t.Run("EmptyEmailIsNotUnique", func(t *testing.T) {
		s := newStore(t)
		_, acme := seed(t, s)
		mustDo(t, s.CreateUser(t.Context(), newUser("u-1", acme.ID, "jill", "")))
		mustDo(t, s.CreateUser(t.Context(), newUser("u-2", acme.ID, "john", "")))
	})

	t.Run("Update", func(t *testing.T) {
		for _, tc := range []struct {
			name   string
			change func(u *directory.User)
			want   error
		}{
			{"every field", func(u *directory.User) {
				*u = directory.User{ID: u.ID, TenantID: u.TenantID, Username: "jill2", Email: "jill2@example.com",
					GivenName: "J", FamilyName: "F", DisplayName: "JF", PreferredLanguage: "de",
					Phone: "020 555 0199", JobTitle: "Planner", OfficeLocation: "Delft",
					TenantRole: directory.TenantRoleUser, GlobalRoles: []string{"operators"},
					ServiceRoles: directory.ServiceRoles{"webshop": {"voucher-manager"}},
					Groups:       []string{"night-shift"}, OwnerID: "u-john",
					PasswordHash: "other", PasswordStrength: password.StrengthUnknown, DeletedAt: at(22),
					RevokedBefore: at(23), CreatedAt: at(20), UpdatedAt: at(21)}
			}, nil},
			{"roles and groups cleared", func(u *directory.User) {
				u.GlobalRoles, u.ServiceRoles, u.Groups = nil, nil, nil
			}, nil},
			{"profile cleared", func(u *directory.User) {
				u.Phone, u.JobTitle, u.OfficeLocation = "", "", ""
			}, nil},
			{"password reset", func(u *directory.User) {
				u.PasswordHash, u.PasswordStrength, u.MustChangePassword = "", password.StrengthUnknown, false
			}, nil},
			{"deleted", func(u *directory.User) { u.DeletedAt = at(22).Add(time.Microsecond) }, nil},
			{"revoked later", func(u *directory.User) { u.RevokedBefore = at(23).Add(time.Microsecond) }, nil},
			{"revocation cleared", func(u *directory.User) { u.RevokedBefore = time.Time{} }, nil},
			{"one service's roles changed", func(u *directory.User) {
				u.ServiceRoles = directory.ServiceRoles{"things-manager": {"read-only"}, "invoices": {"viewer"}}
			}, nil},
			{"missing owner", func(u *directory.User) { u.OwnerID = "u-nope" }, directory.ErrNotFound},
			{"missing tenant", func(u *directory.User) { u.TenantID = "t-nope" }, directory.ErrNotFound},
			{"email of another user in other case", func(u *directory.User) { u.Email = "John@Example.com" }, directory.ErrConflict},
			{"username of another user", func(u *directory.User) { u.Username = "john" }, directory.ErrConflict},
			{"missing row", func(u *directory.User) { u.ID = "u-nope" }, directory.ErrNotFound},
		} {
			t.Run(tc.name, func(t *testing.T) {
				s := newStore(t)
				_, acme := seed(t, s)
				jill := newUser("u-jill", acme.ID, "jill", "jill@example.com")
				mustDo(t, s.CreateUser(t.Context(), jill))
				mustDo(t, s.CreateUser(t.Context(), newUser("u-john", acme.ID, "john", "john@example.com")))
				changed := jill
				tc.change(&changed)
				err := s.UpdateUser(t.Context(), changed)
				wantErr(t, err, tc.want)
				if tc.want == directory.ErrNotFound && changed.ID == jill.ID {
					wantMissing(t, err, missingRef(changed))
				}
				want := changed
				if err != nil {
					want = jill
				}
				got, err := s.UserByID(t.Context(), jill.ID)
				mustDo(t, err)
				wantEqual(t, "after update", got, want)
			})
		}
	})

	t.Run("ListOrderedByUsername", func(t *testing.T) {
		s := newStore(t)
		sys, acme := seed(t, s)
		for _, u := range []directory.User{
			newUser("u-1", acme.ID, "mia", ""),
			newUser("u-2", acme.ID, "abe", ""),
			newUser("u-3", sys.ID, "root", ""),
			newUser("u-4", acme.ID, "zoe", ""),
			newUser("u-5", acme.ID, "jill", ""),
		} {
			mustDo(t, s.CreateUser(t.Context(), u))
		}
		got, err := s.ListUsers(t.Context(), acme.ID)
		mustDo(t, err)
		username := func(u directory.User) string { return u.Username }
		if g, w := ids(got, username), "[abe jill mia zoe]"; g != w {
			t.Fatalf("ListUsers = %s, want %s", g, w)
		}
		wantEqual(t, "ListUsers[0]", got[0], newUser("u-2", acme.ID, "abe", ""))
		got, err = s.ListUsers(t.Context(), "t-nope")
		if err != nil || len(got) != 0 {
			t.Fatalf("ListUsers of unknown tenant = %v, %v; want none", got, err)
		}
	})
}

// missingRef returns the id that u refers to and the tests made sure does
// not exist: its tenant, else its owner.
func missingRef(u directory.User) string {
	if u.TenantID == "t-nope" {
		return u.TenantID
	}
	return u.OwnerID
}
