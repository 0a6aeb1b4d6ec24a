package directory_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-id/gatehouse/directory"
	"github.com/gatehouse-id/gatehouse/mfa"
)

// adminUsersWorld is rolesWorld (contoso: carol the administrator, dave
// her sub-user with users:change, erin, frank erin's sub-user) with olga,
// who holds users:create but not users:change, and pete, whom olga
// created and so owns; a subcustomer contoso-eu; and alan, administrator
// of acme, contoso's parent. Callers are keyed by username.
func adminUsersWorld(t *testing.T) (*directory.Directory, map[string]directory.User, map[string]directory.Caller) {
	t.Helper()
	d, users := rolesWorld(t)
	ctx, s := t.Context(), d.Store()
	if _, _, err := d.PutGlobalRole(ctx, s, "contoso", directory.GlobalRole{Name: "creators", Permissions: perms("users:read", "users:create")}); err != nil {
		t.Fatal(err)
	}
	if _, err := d.CreateTenant(ctx, "contoso-eu", "Contoso EU", directory.LevelSubcustomer, "contoso"); err != nil {
		t.Fatal(err)
	}
	for _, nu := range []directory.NewUser{
		{TenantSlug: "contoso", Username: "olga", TenantRole: "user", GlobalRoles: []string{"creators"}},
		{TenantSlug: "acme", Username: "alan", TenantRole: "admin"},
	} {
		u, err := d.CreateUser(ctx, nu)
		if err != nil {
			t.Fatalf("create %s: %v", nu.Username, err)
		}
		users[u.Username] = u
	}
	olga := callersOf(t, d, map[string]directory.User{"olga": users["olga"]})["olga"]
	pete, err := d.CreateUserFor(ctx, olga, directory.NewUser{TenantSlug: "contoso", Username: "pete", TenantRole: "user"})
	if err != nil {
		t.Fatal(err)
	}
	if pete.OwnerID != users["olga"].ID {
		t.Fatalf("pete's owner %q, want olga", pete.OwnerID)
	}
	users["pete"] = pete
	return d, users, callersOf(t, d, users)
}

func TestCopyRolesFor(t *testing.T) {
	d, u, c := adminUsersWorld(t)
	ctx := t.Context()
	stored := func(name string) directory.User {
		t.Helper()
		got, err := d.Store().UserByID(ctx, u[name].ID)
		if err != nil {
			t.Fatal(err)
		}
		return got
	}

	// Merge: erin keeps what she holds and gains dave's.
	cp, err := d.CopyRolesFor(ctx, c["carol"], u["dave"].ID, u["erin"].ID, directory.CopyMerge)
	if err != nil {
		t.Fatal(err)
	}
	if cp.From.ID != u["dave"].ID || !cp.Before.ServiceRoles.Equal(u["erin"].ServiceRoles) || len(cp.Before.Groups) != 0 {
		t.Errorf("copy %+v", cp)
	}
	if got := stored("erin"); !slices.Equal(got.Groups, []string{"team"}) || !slices.Equal(got.GlobalRoles, []string{"user-managers"}) ||
		!got.ServiceRoles.Equal(directory.ServiceRoles{"webshop": {"read-only"}}) || got.TenantRole != "user" {
		t.Errorf("merged: %+v", got.Assignment())
	}

	// Replace: erin holds exactly carol's, but not carol's tenant role.
	if _, err := d.CopyRolesFor(ctx, c["carol"], u["carol"].ID, u["erin"].ID, directory.CopyReplace); err != nil {
		t.Fatal(err)
	}
	if got := stored("erin"); len(got.Groups) != 0 || len(got.GlobalRoles) != 0 || !got.ServiceRoles.Equal(u["carol"].ServiceRoles) ||
		got.TenantRole != "user" {
		t.Errorf("replaced: %+v", got.Assignment())
	}

	// Owned by olga (users:create), pete takes roles from a user olga may
	// read and holding nothing olga lacks.
	if _, err := d.CopyRolesFor(ctx, c["olga"], u["olga"].ID, u["pete"].ID, directory.CopyMerge); err != nil {
		t.Fatal(err)
	}
	if got := stored("pete"); !slices.Equal(got.GlobalRoles, []string{"creators"}) {
		t.Errorf("pete %+v", got.Assignment())
	}

	refused := []struct {
		name, by, from, to string
		mode               directory.CopyMode
		field              string
		is                 error
	}{
		{"dave cannot grant carol's service roles he lacks", "dave", "carol", "frank", directory.CopyMerge, "service_roles", nil},
		{"olga cannot give pete erin's service roles she lacks", "olga", "erin", "pete", directory.CopyMerge, "service_roles", nil},
		{"olga manages only the users she owns", "olga", "olga", "frank", directory.CopyMerge, "", directory.ErrForbidden},
		{"a reader manages nobody", "frank", "frank", "erin", directory.CopyReplace, "", directory.ErrForbidden},
		{"frank holds at most what his owner erin holds", "carol", "dave", "frank", directory.CopyMerge, "global_roles", nil},
		{"a source out of reach is as one that does not exist", "carol", "alan", "erin", directory.CopyMerge, "from", nil},
		{"a source that does not exist", "carol", "nobody", "erin", directory.CopyMerge, "from", nil},
		{"a source of another tenant", "alan", "erin", "alan", directory.CopyMerge, "from", nil},
		{"not from itself", "carol", "erin", "erin", directory.CopyMerge, "from", nil},
		{"a target out of reach", "carol", "erin", "alan", directory.CopyMerge, "", directory.ErrNotFound},
	}
	for _, tc := range refused {
		t.Run(tc.name, func(t *testing.T) {
			before := stored(tc.to)
			_, err := d.CopyRolesFor(ctx, c[tc.by], idOf(u, tc.from), u[tc.to].ID, tc.mode)
			wantRefused(t, "copy", err, tc.is, tc.field)
			if after := stored(tc.to); !after.UpdatedAt.Equal(before.UpdatedAt) || !slices.Equal(after.GlobalRoles, before.GlobalRoles) ||
				!after.ServiceRoles.Equal(before.ServiceRoles) || !slices.Equal(after.Groups, before.Groups) {
				t.Errorf("%s changed: %+v -> %+v", tc.to, before.Assignment(), after.Assignment())
			}
		})
	}
}

func TestSetOwnerFor(t *testing.T) {
	d, u, c := adminUsersWorld(t)
	ctx := t.Context()
	ownerOf := func(name string) string {
		t.Helper()
		got, err := d.Store().UserByID(ctx, u[name].ID)
		if err != nil {
			t.Fatal(err)
		}
		return got.OwnerID
	}

	// Set: frank (holding only the default roles) moves from erin to carol.
	ch, err := d.SetOwnerFor(ctx, c["carol"], u["frank"].ID, u["carol"].ID)
	if err != nil {
		t.Fatal(err)
	}
	if ch.OwnerBefore != "erin" || ch.OwnerAfter != "carol" || ch.Before.OwnerID != u["erin"].ID || ch.After.OwnerID != u["carol"].ID {
		t.Errorf("change %+v", ch)
	}
	if ownerOf("frank") != u["carol"].ID {
		t.Errorf("frank's owner %q", ownerOf("frank"))
	}
	// The same again changes nothing.
	if ch, err := d.SetOwnerFor(ctx, c["carol"], u["frank"].ID, u["carol"].ID); err != nil || !ch.After.UpdatedAt.Equal(ch.Before.UpdatedAt) {
		t.Errorf("again: %+v, %v", ch, err)
	}
	// Clear.
	ch, err = d.SetOwnerFor(ctx, c["carol"], u["frank"].ID, "")
	if err != nil {
		t.Fatal(err)
	}
	if ch.OwnerBefore != "carol" || ch.OwnerAfter != "" || ownerOf("frank") != "" {
		t.Errorf("cleared: %+v, stored %q", ch, ownerOf("frank"))
	}
	// dave, with users:change, sets owners too; carol comes to own olga,
	// who owns pete.
	if _, err := d.SetOwnerFor(ctx, c["dave"], u["frank"].ID, u["erin"].ID); err != nil {
		t.Fatal(err)
	}
	if _, err := d.SetOwnerFor(ctx, c["carol"], u["olga"].ID, u["carol"].ID); err != nil {
		t.Fatal(err)
	}

	refused := []struct {
		name, by, user, owner string
		field, reason         string
		is                    error
	}{
		{"a cycle", "carol", "erin", "frank", "owner", "cycle", nil},
		{"a longer cycle", "carol", "carol", "pete", "owner", "cycle", nil},
		{"itself", "carol", "erin", "erin", "owner", "", nil},
		{"more than the owner holds", "carol", "erin", "dave", "owner", "webshop", nil},
		{"an owner of another tenant", "alan", "alan", "erin", "owner", "", nil},
		{"an owner out of reach is as one that does not exist", "carol", "erin", "alan", "owner", "same tenant", nil},
		{"an owner that does not exist", "carol", "erin", "nobody", "owner", "same tenant", nil},
		{"owning is not enough to give a user away", "olga", "pete", "carol", "", "", directory.ErrForbidden},
		{"nor to set it free", "olga", "pete", "", "", "", directory.ErrForbidden},
		{"a reader", "erin", "frank", "", "", "", directory.ErrForbidden},
		{"a user out of reach", "carol", "alan", "", "", "", directory.ErrNotFound},
	}
	for _, tc := range refused {
		t.Run(tc.name, func(t *testing.T) {
			before := ownerOf(tc.user)
			_, err := d.SetOwnerFor(ctx, c[tc.by], u[tc.user].ID, idOf(u, tc.owner))
			wantRefused(t, "set the owner", err, tc.is, tc.field, tc.reason)
			if after := ownerOf(tc.user); after != before {
				t.Errorf("owner of %s changed from %q to %q", tc.user, before, after)
			}
		})
	}

	// In every tenant it is linked to, a sub-user holds at most what its
	// owner holds there: erin has no access to contoso-eu, so frank, who
	// has, cannot be hers.
	if _, err := d.SetOwnerFor(ctx, c["carol"], u["frank"].ID, ""); err != nil {
		t.Fatal(err)
	}
	if _, _, err := d.PutLink(ctx, d.Store(), "contoso", "frank", "contoso-eu", directory.Assignment{TenantRole: "user"}); err != nil {
		t.Fatal(err)
	}
	_, err = d.SetOwnerFor(ctx, c["carol"], u["frank"].ID, u["erin"].ID)
	if fieldOf(err) != "owner" || !strings.Contains(err.Error(), "contoso-eu") {
		t.Errorf("owner without access to the linked tenant: %v", err)
	}
	if ownerOf("frank") != "" {
		t.Errorf("frank's owner %q", ownerOf("frank"))
	}
	// carol, an administrator of contoso, reaches contoso-eu as well.
	if _, _, err := d.PutLink(ctx, d.Store(), "contoso", "carol", "contoso-eu", directory.Assignment{TenantRole: "admin"}); err != nil {
		t.Fatal(err)
	}
	if _, err := d.SetOwnerFor(ctx, c["carol"], u["frank"].ID, u["carol"].ID); err != nil {
		t.Errorf("owner linked to the tenant: %v", err)
	}
}

func TestUsersForFilters(t *testing.T) {
	d, u, c := adminUsersWorld(t)
	ctx := t.Context()
	names := func(f directory.UserFilter) ([]string, error) {
		users, _, err := d.UsersFor(ctx, c["carol"], "contoso", f)
		var out []string
		for _, x := range users {
			out = append(out, x.Username)
		}
		return out, err
	}
	// carol, frank and alan have TOTP: a credential in the store, which
	// keeps them as mfa.Store as well.
	for _, name := range []string{"carol", "frank", "alan"} {
		c := mfa.Credential{UserID: u[name].ID, SealedSecret: []byte{1}, CreatedAt: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}
		if err := mfaStore(t, d).PutTOTPCredential(ctx, c, nil); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		name string
		f    directory.UserFilter
		want []string
	}{
		{"service role", directory.UserFilter{ServiceRole: "webshop:read-only"}, []string{"erin"}},
		{"another service role", directory.UserFilter{ServiceRole: "things-manager:editor"}, []string{"carol"}},
		{"a service role held through a group does not count", directory.UserFilter{ServiceRole: "things-manager:admin", Group: "team"}, nil},
		{"enrolled", directory.UserFilter{MFA: directory.MFAEnrolled}, []string{"carol", "frank"}},
		{"not enrolled", directory.UserFilter{MFA: directory.MFANotEnrolled}, []string{"dave", "erin", "olga", "pete"}},
		{"not enrolled, with a role", directory.UserFilter{MFA: directory.MFANotEnrolled, GlobalRole: "creators"}, []string{"olga"}},
		{"sorted down", directory.UserFilter{Sort: directory.SortUsernameDesc}, []string{"pete", "olga", "frank", "erin", "dave", "carol"}},
	} {
		got, err := names(tc.f)
		if err != nil || !slices.Equal(got, tc.want) {
			t.Errorf("%s: %v, %v; want %v", tc.name, got, err, tc.want)
		}
	}
	_, next, err := d.UsersFor(ctx, c["carol"], "contoso", directory.UserFilter{Sort: directory.SortCreated, Limit: 1})
	if err != nil || next == "" {
		t.Fatalf("first page: %q, %v", next, err)
	}
	for _, tc := range []struct {
		name  string
		f     directory.UserFilter
		field string
	}{
		{"not service:role", directory.UserFilter{ServiceRole: "webshop"}, "service_role"},
		{"an empty role", directory.UserFilter{ServiceRole: "webshop:"}, "service_role"},
		{"an unknown mfa", directory.UserFilter{MFA: "maybe"}, "mfa"},
		{"an unknown sort", directory.UserFilter{Sort: "email"}, "sort"},
		{"a cursor of another sort", directory.UserFilter{Sort: directory.SortCreatedDesc, After: next}, "cursor"},
		{"a cursor of the default sort", directory.UserFilter{After: next}, "cursor"},
		{"a username as a cursor", directory.UserFilter{After: "dave"}, "cursor"},
		{"a cursor edited", directory.UserFilter{Sort: directory.SortCreated, After: next[:len(next)-2]}, "cursor"},
	} {
		if _, err := names(tc.f); fieldOf(err) != tc.field {
			t.Errorf("%s: %v, want a field error on %s", tc.name, err, tc.field)
		}
	}
}

// TestUsersForPages walks every sort, at several page sizes, with users
// created at the same instant in threes (so that only the id orders
// them), and filters: every user comes exactly once, in order.
func TestUsersForPages(t *testing.T) {
	ctx := t.Context()
	clock := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	d := newDirectoryAt(t, func() time.Time { return clock })
	if _, err := d.CreateTenant(ctx, "sys", "System", directory.LevelSystem, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := d.CreateTenant(ctx, "acme", "Acme", directory.LevelProvider, "sys"); err != nil {
		t.Fatal(err)
	}
	var all []directory.User
	for i := range 17 {
		// Usernames in an order unrelated to creation.
		name := fmt.Sprintf("u%02d", (i*7)%17)
		role := directory.TenantRoleUser
		if i == 0 {
			role = directory.TenantRoleAdmin
		}
		u, err := d.CreateUser(ctx, directory.NewUser{TenantSlug: "acme", Username: name, TenantRole: role, Disabled: i%4 == 1})
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, u)
		if i%3 == 2 {
			clock = clock.Add(time.Second)
		}
	}
	admin, err := d.CallerForUser(ctx, all[0].ID, "", "")
	if err != nil {
		t.Fatal(err)
	}
	enabled := true
	for _, sort := range []directory.UserSort{"", directory.SortUsername, directory.SortUsernameDesc, directory.SortCreated, directory.SortCreatedDesc} {
		for _, filtered := range []bool{false, true} {
			want := slices.Clone(all)
			f := directory.UserFilter{Sort: sort}
			if filtered {
				want = slices.DeleteFunc(want, func(u directory.User) bool { return u.Disabled })
				f.Enabled = &enabled
			}
			key := strings.TrimPrefix(string(sort), "-")
			slices.SortFunc(want, func(a, b directory.User) int {
				c := strings.Compare(a.Username, b.Username)
				if key == "created" {
					c = a.CreatedAt.Compare(b.CreatedAt)
				}
				if c == 0 {
					c = strings.Compare(a.ID, b.ID)
				}
				if strings.HasPrefix(string(sort), "-") {
					c = -c
				}
				return c
			})
			for _, limit := range []int{1, 2, 3, 5, len(want) - 1, len(want), 500} {
				var got []string
				f.After, f.Limit = "", limit
				for pages := 0; ; pages++ {
					if pages > len(all) {
						t.Fatalf("sort %q, limit %d: pages never end", sort, limit)
					}
					page, next, err := d.UsersFor(ctx, admin, "acme", f)
					if err != nil {
						t.Fatalf("sort %q, limit %d: %v", sort, limit, err)
					}
					if len(page) > limit || len(page) == 0 && next != "" {
						t.Fatalf("sort %q, limit %d: a page of %d, next %q", sort, limit, len(page), next)
					}
					for _, u := range page {
						got = append(got, u.ID)
					}
					if next == "" {
						break
					}
					f.After = next
				}
				wantIDs := make([]string, len(want))
				for i, u := range want {
					wantIDs[i] = u.ID
				}
				if !slices.Equal(got, wantIDs) {
					t.Errorf("sort %q, filtered %v, limit %d:\n got %v\nwant %v", sort, filtered, limit, got, wantIDs)
				}
			}
		}
	}

	// A cursor stays exact when the user it names is gone from the list:
	// the next page starts after where that user was.
	first, next, err := d.UsersFor(ctx, admin, "acme", directory.UserFilter{Sort: directory.SortCreated, Limit: 4})
	if err != nil {
		t.Fatal(err)
	}
	off := false // first[3] was created after all[0], the caller
	if _, _, err := d.UpdateUserFor(ctx, admin, first[3].ID, directory.UserUpdate{Enabled: &off}); err != nil {
		t.Fatal(err)
	}
	rest, _, err := d.UsersFor(ctx, admin, "acme", directory.UserFilter{Sort: directory.SortCreated, Limit: 500, Enabled: &enabled, After: next})
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range rest {
		if slices.ContainsFunc(first, func(f directory.User) bool { return f.ID == u.ID }) {
			t.Errorf("%s is on both pages", u.Username)
		}
	}
	var after []directory.User // the users not on the first page
	for _, u := range all {
		if !slices.ContainsFunc(first, func(f directory.User) bool { return f.ID == u.ID }) {
			after = append(after, u)
		}
	}
	if want := len(after) - countDisabled(after); len(rest) != want {
		t.Errorf("after the cursor of a user since disabled: %d users, want %d", len(rest), want)
	}
}

// TestHomeMFAOf: the users' mfa.required is what the login decides for
// them at home.
func TestHomeMFAOf(t *testing.T) {
	d, u, _ := adminUsersWorld(t)
	ctx, s := t.Context(), d.Store()
	var users []directory.User
	for _, name := range []string{"carol", "dave", "erin", "frank", "olga", "pete", "alan"} {
		got, err := s.UserByID(ctx, u[name].ID)
		if err != nil {
			t.Fatal(err)
		}
		users = append(users, got)
	}
	check := func(step string, want map[string]bool) {
		t.Helper()
		decs, err := d.HomeMFAOf(ctx, users)
		if err != nil {
			t.Fatal(err)
		}
		for i, x := range users {
			login, err := d.DecideMFAFor(ctx, x.ID, x.TenantID, false)
			if err != nil {
				t.Fatal(err)
			}
			if decs[i] != login {
				t.Errorf("%s: %s: %+v, the login decides %+v", step, x.Username, decs[i], login)
			}
			if decs[i].Required != want[x.Username] {
				t.Errorf("%s: %s required %v", step, x.Username, decs[i].Required)
			}
		}
	}
	check("nothing required", map[string]bool{})
	if _, _, err := d.PutGroup(ctx, s, "contoso", directory.Group{Name: "team", GlobalRoles: []string{"operators"},
		ServiceRoles: directory.ServiceRoles{"things-manager": {"editor"}}, RequireMFA: true}); err != nil {
		t.Fatal(err)
	}
	check("the team group", map[string]bool{"dave": true})
	tn, err := s.TenantBySlug(ctx, "acme")
	if err != nil {
		t.Fatal(err)
	}
	st := tn.Settings
	st.MFA = directory.MFARequired
	if _, err := d.PutTenantSettings(ctx, s, "acme", st); err != nil {
		t.Fatal(err)
	}
	// acme's policy holds in contoso, below it, too.
	check("acme's policy", map[string]bool{"carol": true, "dave": true, "erin": true, "frank": true, "olga": true, "pete": true, "alan": true})
}

func countDisabled(users []directory.User) int {
	n := 0
	for _, u := range users {
		if u.Disabled {
			n++
		}
	}
	return n
}
