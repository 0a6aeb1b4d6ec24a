package sqlite

import (
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-id/gatehouse/directory"
)

// TestQueryUsersPlans: a page of one tenant's users comes from the index
// that holds them in the page's order (0001's on usernames, 0010's on
// creation times), from the cursor on, whatever the filters, and nothing
// is sorted: reading stops at the limit rather than going through every
// user of the tenant.
func TestQueryUsersPlans(t *testing.T) {
	s := fresh(t)
	yes, at := true, time.Date(2025, 3, 14, 15, 9, 26, 535897000, time.UTC)
	byName := "users USING INDEX sqlite_autoindex_users_" // UNIQUE (tenant_id, username)
	byCreated := "users USING INDEX users_tenant_created"
	for _, tc := range []struct {
		name   string
		q      directory.UserQuery
		search string // the index
		cond   string // its constraint
	}{
		{"by username", directory.UserQuery{Sort: directory.SortUsername}, byName, "(tenant_id=?)"},
		{"by username, down, from a cursor", directory.UserQuery{Sort: directory.SortUsernameDesc,
			After: &directory.UserCursor{Username: "jill", ID: "u-1"}}, byName, "(tenant_id=? AND username<?)"},
		{"by creation", directory.UserQuery{Sort: directory.SortCreated}, byCreated, "(tenant_id=?)"},
		{"by creation, from a cursor", directory.UserQuery{Sort: directory.SortCreated,
			After: &directory.UserCursor{CreatedAt: at, ID: "u-1"}}, byCreated, "(tenant_id=? AND created_at>?)"},
		{"by creation, down, from a cursor", directory.UserQuery{Sort: directory.SortCreatedDesc,
			After: &directory.UserCursor{CreatedAt: at, ID: "u-1"}}, byCreated, "(tenant_id=? AND created_at<?)"},
		{"deleted only", directory.UserQuery{Sort: directory.SortUsername, Deleted: directory.DeletedOnly}, byName, "(tenant_id=?)"},
		{"every filter", directory.UserQuery{Sort: directory.SortCreatedDesc, Text: "jill", GlobalRole: "readers",
			Group: "field", Service: "webshop", ServiceRole: "quotation", Enabled: &yes, Deleted: directory.DeletedInclude,
			MFA: directory.MFAEnrolled}, byCreated, "(tenant_id=?)"},
		{"not enrolled", directory.UserQuery{Sort: directory.SortUsername, MFA: directory.MFANotEnrolled}, byName, "(tenant_id=?)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.q.TenantID, tc.q.Limit = "t-1", 51
			query, args, err := usersQuery(tc.q)
			if err != nil {
				t.Fatal(err)
			}
			plan := queryPlan(t, s, query, args...)
			if !strings.HasPrefix(plan, "SEARCH "+tc.search) || !strings.Contains(plan, tc.cond) {
				t.Errorf("query plan %q does not search %s %s", plan, tc.search, tc.cond)
			}
			if strings.Contains(plan, "TEMP B-TREE") {
				t.Errorf("query plan %q sorts", plan)
			}
		})
	}
}

// TestUpgradeFrom0011 migrates a database holding a user stored before
// 0012, which has no search text: QueryUsers matches it as before, A-Z
// and a-z alike but ö never as Ö, until UpdateUser writes its search text;
// then case is ignored for every letter.
func TestUpgradeFrom0011(t *testing.T) {
	ts := "2025-03-14T15:09:26.535897000Z"
	path := atVersion(t, 11, []string{
		`INSERT INTO tenants (id, slug, name, level, parent_id, path, created_at, updated_at)
			VALUES ('t-sys', 'sys', 'System', 'system', NULL, '["t-sys"]', '` + ts + `', '` + ts + `')`,
		`INSERT INTO users (id, tenant_id, username, email, email_verified, given_name, family_name, display_name,
			preferred_language, tenant_role, password_hash, disabled, created_at, updated_at)
			VALUES ('u-omer', 't-sys', 'omer', '', 0, 'Ömer', 'Öz', '', 'tr', 'user', '', 0, '` + ts + `', '` + ts + `')`,
	})
	s := open(t, path)
	wantVersions(t, s)
	query := func(text string) string {
		t.Helper()
		us, err := s.QueryUsers(t.Context(), directory.UserQuery{TenantID: "t-sys", Text: text,
			Sort: directory.SortUsername, Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, u := range us {
			names = append(names, u.Username)
		}
		return strings.Join(names, " ")
	}
	for text, want := range map[string]string{"OMER": "omer", "Ömer Ö": "omer", "ÖMER": "omer", "öMER": "", "%": ""} {
		if got := query(text); got != want {
			t.Errorf("before a write, QueryUsers(%q) = %q, want %q", text, got, want)
		}
	}
	u, err := s.UserByID(t.Context(), "u-omer")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.UpdateUser(t.Context(), u); err != nil {
		t.Fatal(err)
	}
	for text, want := range map[string]string{"OMER": "omer", "ÖMER": "omer", "öMER": "omer", "ömer öZ": "omer", "%": ""} {
		if got := query(text); got != want {
			t.Errorf("after UpdateUser, QueryUsers(%q) = %q, want %q", text, got, want)
		}
	}
}
