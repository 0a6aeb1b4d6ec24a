package directorytest

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-id/gatehouse/directory"
)

// EnrolTOTP gives the user with id, stored in s, a TOTP credential: a row
// of the credentials that the backend behind s keeps as mfa.Store, which
// QueryUsers' enrolment filter reads. The suite cannot write one through
// directory.Store, so each backend brings its own.
type EnrolTOTP func(t *testing.T, s directory.Store, id string)

// queryWorld is the fixture of the QueryUsers tests: acme's users, by id,
// and which of them have TOTP.
type queryWorld struct {
	users    []directory.User
	enrolled map[string]bool
}

// seedQueryUsers stores sys, acme and the users of queryWorld: ids out of
// the order of their usernames, creation times shared in twos and threes
// (so that ties are ordered by id), every filter matching some but not
// all, the ASCII and non-ASCII letters of the text tests (Turkish İ, I
// and ı among them), '%' and '_' in names, and a user of sys who matches
// everything acme's users are queried for.
func seedQueryUsers(t *testing.T, s directory.Store, enrol EnrolTOTP) (directory.Tenant, queryWorld) {
	t.Helper()
	sys, acme := seed(t, s)
	type spec struct {
		id, username, email, given, family, display string
		roles, groups                               []string
		sr                                          directory.ServiceRoles
		disabled, deleted, enrolled                 bool
		created                                     int
	}
	specs := []spec{
		{"u-07", "abe", "abe@example.com", "Abe", "Zorn", "Abe Z", []string{"readers"}, []string{"field"},
			directory.ServiceRoles{"webshop": {"quotation"}}, false, false, true, 1},
		{"u-03", "bea", "BEA@Example.COM", "Béatrice", "Smith", "Bea", []string{"devices", "readers"}, nil,
			directory.ServiceRoles{"things-manager": {"editor", "admin"}}, true, false, false, 1},
		{"u-11", "cy_d", "cy@example.com", "Cy", "Dee", "100% Cy", nil, []string{"night"},
			directory.ServiceRoles{"webshop": {"admin"}}, false, false, false, 2},
		{"u-01", "cyxd", "cyxd@example.com", "Cyx", "Dee", "100 Cy", []string{"operators"}, []string{"field", "night"},
			nil, false, false, true, 2},
		{"u-09", "dan", "dan@example.org", "Dan", "Xu", "Dİlek Işık", []string{"readers"}, []string{"field"},
			directory.ServiceRoles{"things-manager": {"admin"}}, false, true, true, 2},
		{"u-05", "eve", "eve@example.org", "Ève", "Ng", "ÉVE", nil, nil, nil, true, true, false, 3},
		{"u-02", "fay", "f_y@example.org", "Fay", "Oz", "Fay Oz", []string{"readers"}, []string{"night"},
			directory.ServiceRoles{"webshop": {"quotation", "admin"}}, false, false, false, 4},
		{"u-10", "gus", "gus@example.org", "Gus", "Abe", "JOSÉ Gus", nil, []string{"field"}, nil, false, false, false, 4},
		{"u-04", "hal", "hal@example.org", "Hal", "Oz", "Ömer Hal", []string{"devices"}, nil,
			directory.ServiceRoles{"invoices": {"viewer"}}, true, false, true, 4},
		{"u-08", "ivy", "ivy@example.org", "Ivy", "Q", "Ivy", []string{"readers"}, []string{"field"}, nil, false, true, false, 5},
	}
	w := queryWorld{enrolled: map[string]bool{}}
	for _, sp := range specs {
		u := directory.User{ID: sp.id, TenantID: acme.ID, Username: sp.username, Email: sp.email, GivenName: sp.given,
			FamilyName: sp.family, DisplayName: sp.display, TenantRole: directory.TenantRoleUser, GlobalRoles: sp.roles,
			Groups: sp.groups, ServiceRoles: sp.sr, Disabled: sp.disabled, CreatedAt: at(sp.created), UpdatedAt: at(sp.created)}
		if sp.deleted {
			u.DeletedAt = at(30)
		}
		mustDo(t, s.CreateUser(t.Context(), u))
		if sp.enrolled {
			enrol(t, s, u.ID)
			w.enrolled[u.ID] = true
		}
		w.users = append(w.users, u)
	}
	// Another tenant's user holds everything, and is enrolled.
	root := newUser("u-00", sys.ID, "abe", "abe@example.com")
	root.Disabled, root.CreatedAt = false, at(1)
	root.GlobalRoles, root.Groups = []string{"readers", "devices", "operators"}, []string{"field", "night"}
	root.ServiceRoles = directory.ServiceRoles{"webshop": {"quotation", "admin"}, "things-manager": {"admin"}}
	mustDo(t, s.CreateUser(t.Context(), root))
	enrol(t, s, root.ID)
	return acme, w
}

// fold lower-cases s with strings.ToLower and makes its line breaks
// spaces, as directory.UserQuery.Text says the stores do.
func fold(s string) string {
	return strings.ToLower(strings.ReplaceAll(s, "\n", " "))
}

// matches is the suite's model of a QueryUsers filter, against which the
// stores' answers are compared (and which the named cases check in turn).
func (w queryWorld) matches(u directory.User, q directory.UserQuery) bool {
	if q.Text != "" {
		text := fold(q.Text)
		if !slices.ContainsFunc([]string{u.Username, u.Email, u.GivenName, u.FamilyName, u.DisplayName,
			u.GivenName + " " + u.FamilyName}, func(v string) bool { return strings.Contains(fold(v), text) }) {
			return false
		}
	}
	switch {
	case u.TenantID != q.TenantID,
		q.GlobalRole != "" && !slices.Contains(u.GlobalRoles, q.GlobalRole),
		q.Group != "" && !slices.Contains(u.Groups, q.Group),
		q.Service != "" && !u.ServiceRoles.Has(q.Service, q.ServiceRole),
		q.Enabled != nil && *q.Enabled == u.Disabled,
		q.Deleted == directory.DeletedExclude && u.Deleted(),
		q.Deleted == directory.DeletedOnly && !u.Deleted(),
		q.MFA != "" && w.enrolled[u.ID] != (q.MFA == directory.MFAEnrolled):
		return false
	}
	return true
}

// compareUsers orders users as sort s does.
func compareUsers(s directory.UserSort) func(a, b directory.User) int {
	return func(a, b directory.User) int {
		c := strings.Compare(a.Username, b.Username)
		if strings.TrimPrefix(string(s), "-") == "created" {
			c = a.CreatedAt.Compare(b.CreatedAt)
		}
		if c == 0 {
			c = strings.Compare(a.ID, b.ID)
		}
		if strings.HasPrefix(string(s), "-") {
			return -c
		}
		return c
	}
}

// want is the model's answer to q: the matching users, in order, after
// q.After, at most q.Limit.
func (w queryWorld) want(q directory.UserQuery) []directory.User {
	var out []directory.User
	for _, u := range w.users {
		if w.matches(u, q) {
			out = append(out, u)
		}
	}
	cmp := compareUsers(q.Sort)
	slices.SortFunc(out, cmp)
	if c := q.After; c != nil {
		pos := directory.User{Username: c.Username, CreatedAt: c.CreatedAt, ID: c.ID}
		out = slices.DeleteFunc(out, func(u directory.User) bool { return cmp(u, pos) <= 0 })
	}
	return out[:min(len(out), q.Limit)]
}

func usernames(us []directory.User) string {
	return ids(us, func(u directory.User) string { return u.Username })
}

// cursorOf is the position of u, for any sort.
func cursorOf(u directory.User) *directory.UserCursor {
	return &directory.UserCursor{Username: u.Username, CreatedAt: u.CreatedAt, ID: u.ID}
}

// testQueryUsers: QueryUsers filters one tenant's users as
// directory.UserQuery says, each filter alone and together; orders them
// by each sort, ties by id; pages through them with cursors, exactly, also
// from a position no user holds; and returns at most the limit.
func testQueryUsers(t *testing.T, newStore func(t *testing.T) directory.Store, enrol EnrolTOTP) {
	yes, no := true, false
	query := func(t *testing.T, s directory.Store, q directory.UserQuery) []directory.User {
		t.Helper()
		got, err := s.QueryUsers(t.Context(), q)
		mustDo(t, err)
		return got
	}

	t.Run("Filters", func(t *testing.T) {
		s := newStore(t)
		acme, w := seedQueryUsers(t, s, enrol)
		for _, tc := range []struct {
			name string
			q    directory.UserQuery
			want string // the usernames, by username
		}{
			{"none: deleted users left out", directory.UserQuery{}, "[abe bea cy_d cyxd fay gus hal]"},
			{"text in a username", directory.UserQuery{Text: "cy"}, "[cy_d cyxd]"},
			{"text in upper case", directory.UserQuery{Text: "ABE"}, "[abe gus]"},
			{"text in an email address of mixed case", directory.UserQuery{Text: "bea@example.com"}, "[bea]"},
			{"text in a given name", directory.UserQuery{Text: "atric"}, "[bea]"},
			{"text in a family name", directory.UserQuery{Text: "smi"}, "[bea]"},
			{"text in a display name", directory.UserQuery{Text: "abe z"}, "[abe]"},
			{"text across given and family name", directory.UserQuery{Text: "Abe Zorn"}, "[abe]"},
			{"text across the family and the display name does not match", directory.UserQuery{Text: "ZornAbe"}, "[]"},
			{"'_' is a character", directory.UserQuery{Text: "cy_d"}, "[cy_d]"},
			{"'_' alone", directory.UserQuery{Text: "_"}, "[cy_d fay]"},
			{"'%' is a character", directory.UserQuery{Text: "0% c"}, "[cy_d]"},
			{"'%' alone", directory.UserQuery{Text: "%"}, "[cy_d]"},
			{"non-ASCII as written", directory.UserQuery{Text: "Béa"}, "[bea]"},
			{"non-ASCII in upper case", directory.UserQuery{Text: "BÉA"}, "[bea]"},
			{"non-ASCII upper case finds lower", directory.UserQuery{Text: "ÖMER"}, "[hal]"},
			{"non-ASCII lower case finds upper", directory.UserQuery{Text: "josé"}, "[gus]"},
			{"non-ASCII in mixed case", directory.UserQuery{Text: "éVE", Deleted: directory.DeletedInclude}, "[eve]"},
			{"an accent is a letter of its own", directory.UserQuery{Text: "omer"}, "[]"},
			// strings.ToLower, whatever the language: Turkish İ and I
			// are both i, and ı is a letter of its own.
			{"İ finds İ", directory.UserQuery{Text: "DİLEK", Deleted: directory.DeletedInclude}, "[dan]"},
			{"i finds İ", directory.UserQuery{Text: "dilek", Deleted: directory.DeletedInclude}, "[dan]"},
			{"I finds I", directory.UserQuery{Text: "IŞ", Deleted: directory.DeletedInclude}, "[dan]"},
			{"ı does not find I", directory.UserQuery{Text: "ışık", Deleted: directory.DeletedInclude}, "[]"},
			{"I does not find ı", directory.UserQuery{Text: "IK", Deleted: directory.DeletedInclude}, "[]"},
			{"a line break is a space", directory.UserQuery{Text: "ABE\nZ"}, "[abe]"},
			{"a line break does not join two fields", directory.UserQuery{Text: "abe\nabe@"}, "[]"},
			{"text nobody has", directory.UserQuery{Text: "zz"}, "[]"},
			{"global role", directory.UserQuery{GlobalRole: "readers"}, "[abe bea fay]"},
			{"global role nobody has", directory.UserQuery{GlobalRole: "admins"}, "[]"},
			{"group", directory.UserQuery{Group: "field"}, "[abe cyxd gus]"},
			{"service role", directory.UserQuery{Service: "things-manager", ServiceRole: "admin"}, "[bea]"},
			{"a role of another service does not count", directory.UserQuery{Service: "webshop", ServiceRole: "editor"}, "[]"},
			{"service role in a list", directory.UserQuery{Service: "webshop", ServiceRole: "admin"}, "[cy_d fay]"},
			{"a service nobody has", directory.UserQuery{Service: "billing", ServiceRole: "admin"}, "[]"},
			{"enabled", directory.UserQuery{Enabled: &yes}, "[abe cy_d cyxd fay gus]"},
			{"disabled", directory.UserQuery{Enabled: &no}, "[bea hal]"},
			{"deleted included", directory.UserQuery{Deleted: directory.DeletedInclude},
				"[abe bea cy_d cyxd dan eve fay gus hal ivy]"},
			{"deleted only", directory.UserQuery{Deleted: directory.DeletedOnly}, "[dan eve ivy]"},
			{"enrolled", directory.UserQuery{MFA: directory.MFAEnrolled}, "[abe cyxd hal]"},
			{"not enrolled", directory.UserQuery{MFA: directory.MFANotEnrolled}, "[bea cy_d fay gus]"},
			{"enrolled, deleted only", directory.UserQuery{MFA: directory.MFAEnrolled, Deleted: directory.DeletedOnly}, "[dan]"},
			{"text and global role", directory.UserQuery{Text: "A", GlobalRole: "readers"}, "[abe bea fay]"},
			{"global role, enabled, not enrolled", directory.UserQuery{GlobalRole: "readers", Enabled: &yes,
				MFA: directory.MFANotEnrolled}, "[fay]"},
			{"group and service role, deleted included", directory.UserQuery{Group: "field", Service: "things-manager",
				ServiceRole: "admin", Deleted: directory.DeletedInclude}, "[dan]"},
			{"every filter", directory.UserQuery{Text: "oz", GlobalRole: "readers", Group: "night", Service: "webshop",
				ServiceRole: "quotation", Enabled: &yes, Deleted: directory.DeletedInclude, MFA: directory.MFANotEnrolled}, "[fay]"},
			{"every filter, one not met", directory.UserQuery{Text: "oz", GlobalRole: "readers", Group: "night",
				Service: "webshop", ServiceRole: "quotation", Enabled: &yes, MFA: directory.MFAEnrolled}, "[]"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				q := tc.q
				q.TenantID, q.Sort, q.Limit = acme.ID, directory.SortUsername, 100
				got := query(t, s, q)
				if g := usernames(got); g != tc.want {
					t.Fatalf("QueryUsers = %s, want %s", g, tc.want)
				}
				if g, w := usernames(got), usernames(w.want(q)); g != w {
					t.Fatalf("QueryUsers = %s, but the suite's model says %s", g, w)
				}
				for _, u := range got {
					i := slices.IndexFunc(w.users, func(x directory.User) bool { return x.ID == u.ID })
					wantEqual(t, "user "+u.ID, u, w.users[i])
				}
			})
		}
	})

	t.Run("Sorts", func(t *testing.T) {
		s := newStore(t)
		acme, w := seedQueryUsers(t, s, enrol)
		for _, tc := range []struct {
			sort directory.UserSort
			want string // the ids, deleted users included
		}{
			{directory.SortUsername, "[u-07 u-03 u-11 u-01 u-09 u-05 u-02 u-10 u-04 u-08]"},
			{directory.SortUsernameDesc, "[u-08 u-04 u-10 u-02 u-05 u-09 u-01 u-11 u-03 u-07]"},
			// at(1): u-03 u-07; at(2): u-01 u-09 u-11; at(3): u-05;
			// at(4): u-02 u-04 u-10; at(5): u-08.
			{directory.SortCreated, "[u-03 u-07 u-01 u-09 u-11 u-05 u-02 u-04 u-10 u-08]"},
			{directory.SortCreatedDesc, "[u-08 u-10 u-04 u-02 u-05 u-11 u-09 u-01 u-07 u-03]"},
		} {
			t.Run(string(tc.sort), func(t *testing.T) {
				q := directory.UserQuery{TenantID: acme.ID, Deleted: directory.DeletedInclude, Sort: tc.sort, Limit: 100}
				byID := func(u directory.User) string { return u.ID }
				if g := ids(query(t, s, q), byID); g != tc.want {
					t.Fatalf("QueryUsers = %s, want %s", g, tc.want)
				}
				if g, m := tc.want, ids(w.want(q), byID); g != m {
					t.Fatalf("the suite's model says %s", m)
				}
			})
		}
	})

	t.Run("Pages", func(t *testing.T) {
		s := newStore(t)
		acme, w := seedQueryUsers(t, s, enrol)
		for _, sort := range []directory.UserSort{directory.SortUsername, directory.SortUsernameDesc,
			directory.SortCreated, directory.SortCreatedDesc} {
			for _, f := range []directory.UserQuery{
				{Deleted: directory.DeletedInclude},
				{},
				{Enabled: &yes, MFA: directory.MFANotEnrolled},
				{Group: "field", Deleted: directory.DeletedInclude},
			} {
				f.TenantID, f.Sort, f.Limit = acme.ID, sort, 100
				all := query(t, s, f)
				if g, m := usernames(all), usernames(w.want(f)); g != m {
					t.Fatalf("sort %s, %+v: QueryUsers = %s, want %s", sort, f, g, m)
				}
				for limit := 1; limit <= len(all)+1; limit++ {
					var got []directory.User
					q := f
					q.Limit = limit
					for pages := 0; ; pages++ {
						if pages > len(all) {
							t.Fatalf("sort %s, limit %d: pages never end", sort, limit)
						}
						page := query(t, s, q)
						if len(page) > limit {
							t.Fatalf("sort %s, limit %d: a page of %d", sort, limit, len(page))
						}
						got = append(got, page...)
						if len(page) < limit {
							break
						}
						q.After = cursorOf(page[len(page)-1])
					}
					if g, w := usernames(got), usernames(all); g != w {
						t.Errorf("sort %s, %+v, pages of %d:\n got %s\nwant %s", sort, f, limit, g, w)
					}
				}
			}
		}
	})

	t.Run("Cursors", func(t *testing.T) {
		s := newStore(t)
		acme, w := seedQueryUsers(t, s, enrol)
		for _, tc := range []struct {
			name  string
			sort  directory.UserSort
			after directory.UserCursor
			want  string // usernames, deleted users included
		}{
			{"a username nobody has", directory.SortUsername, directory.UserCursor{Username: "cz", ID: "u-99"},
				"[dan eve fay gus hal ivy]"},
			{"a username nobody has, down", directory.SortUsernameDesc, directory.UserCursor{Username: "cz", ID: "u-00"},
				"[cyxd cy_d bea abe]"},
			{"a username with a lower id than its user's", directory.SortUsername,
				directory.UserCursor{Username: "dan", ID: "u-00"}, "[dan eve fay gus hal ivy]"},
			{"a username with a higher id than its user's", directory.SortUsernameDesc,
				directory.UserCursor{Username: "dan", ID: "u-99"}, "[dan cyxd cy_d bea abe]"},
			{"the middle of a tie", directory.SortCreated, directory.UserCursor{CreatedAt: at(2), ID: "u-09"},
				"[cy_d eve fay hal gus ivy]"},
			{"the middle of a tie, down", directory.SortCreatedDesc, directory.UserCursor{CreatedAt: at(2), ID: "u-09"},
				"[cyxd abe bea]"},
			{"an id before a tie", directory.SortCreated, directory.UserCursor{CreatedAt: at(2), ID: "u-00"},
				"[cyxd dan cy_d eve fay hal gus ivy]"},
			{"an id after a tie, down", directory.SortCreatedDesc, directory.UserCursor{CreatedAt: at(2), ID: "u-99"},
				"[cy_d dan cyxd abe bea]"},
			{"a nanosecond after a time", directory.SortCreated,
				directory.UserCursor{CreatedAt: at(2).Add(time.Nanosecond), ID: "u-00"}, "[eve fay hal gus ivy]"},
			{"a nanosecond before a time", directory.SortCreated,
				directory.UserCursor{CreatedAt: at(2).Add(-time.Nanosecond), ID: "u-99"}, "[cyxd dan cy_d eve fay hal gus ivy]"},
			{"a nanosecond after a time, down", directory.SortCreatedDesc,
				directory.UserCursor{CreatedAt: at(2).Add(time.Nanosecond), ID: "u-00"}, "[cy_d dan cyxd abe bea]"},
			{"a nanosecond before a time, down", directory.SortCreatedDesc,
				directory.UserCursor{CreatedAt: at(2).Add(-time.Nanosecond), ID: "u-99"}, "[abe bea]"},
			{"after the last", directory.SortCreated, directory.UserCursor{CreatedAt: at(60), ID: "u-00"}, "[]"},
			{"before the first, down", directory.SortCreatedDesc, directory.UserCursor{CreatedAt: at(0), ID: "u-99"}, "[]"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				after := tc.after
				q := directory.UserQuery{TenantID: acme.ID, Deleted: directory.DeletedInclude, Sort: tc.sort, After: &after, Limit: 100}
				if g := usernames(query(t, s, q)); g != tc.want {
					t.Fatalf("QueryUsers = %s, want %s", g, tc.want)
				}
				if m := usernames(w.want(q)); m != tc.want {
					t.Fatalf("the suite's model says %s", m)
				}
			})
		}
	})

	t.Run("Limit", func(t *testing.T) {
		s := newStore(t)
		acme, _ := seedQueryUsers(t, s, enrol)
		for limit, want := range map[int]string{1: "[abe]", 3: "[abe bea cy_d]", 7: "[abe bea cy_d cyxd fay gus hal]",
			8: "[abe bea cy_d cyxd fay gus hal]"} {
			q := directory.UserQuery{TenantID: acme.ID, Sort: directory.SortUsername, Limit: limit}
			if g := usernames(query(t, s, q)); g != want {
				t.Errorf("limit %d: QueryUsers = %s, want %s", limit, g, want)
			}
		}
	})

	t.Run("UnknownTenant", func(t *testing.T) {
		s := newStore(t)
		seedQueryUsers(t, s, enrol)
		got := query(t, s, directory.UserQuery{TenantID: "t-nope", Deleted: directory.DeletedInclude,
			Sort: directory.SortUsername, Limit: 10})
		if len(got) != 0 {
			t.Fatalf("QueryUsers of an unknown tenant = %s, want none", usernames(got))
		}
	})

	t.Run("Refused", func(t *testing.T) {
		s := newStore(t)
		acme, _ := seedQueryUsers(t, s, enrol)
		for _, tc := range []struct {
			name string
			q    directory.UserQuery
		}{
			{"no limit", directory.UserQuery{Sort: directory.SortUsername}},
			{"a negative limit", directory.UserQuery{Sort: directory.SortUsername, Limit: -1}},
			{"no sort", directory.UserQuery{Limit: 10}},
			{"a sort that does not exist", directory.UserQuery{Sort: "email", Limit: 10}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				tc.q.TenantID = acme.ID
				if got, err := s.QueryUsers(t.Context(), tc.q); err == nil {
					t.Fatalf("QueryUsers = %s, want an error", usernames(got))
				}
			})
		}
	})
}
