package postgres

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/gatehouse-id/gatehouse/directory"
)

// TestQueryUsersPlans: a page of a large tenant's users comes from the
// index that holds them in the page's order (0001's on usernames, 0010's
// on creation times), from the cursor on, with the filters most users
// pass, and nothing is sorted: reading stops at the limit rather than
// going through every user of the tenant.
func TestQueryUsersPlans(t *testing.T) {
	s := fresh(t)
	// Enough users for the planner to prefer the indexes to reading the
	// table: half of them in t-1, the rest spread over 19 more tenants;
	// creation times shared in threes; one in a hundred deleted, one in
	// seven disabled, one in ten with TOTP.
	if _, err := s.pool.Exec(t.Context(), `INSERT INTO tenants (id, slug, name, level, path, created_at, updated_at)
		SELECT 't-' || i, 's-' || i, '', 'customer', ARRAY['t-' || i], now(), now()
		FROM generate_series(1, 20) AS i;
		INSERT INTO users (id, tenant_id, username, email, email_verified, given_name, family_name, display_name,
			preferred_language, tenant_role, password_hash, disabled, created_at, updated_at, deleted_at)
		SELECT 'u-' || i, CASE WHEN i % 2 = 0 THEN 't-1' ELSE 't-' || i % 20 + 1 END, 'user' || i, '', false, '', '', '',
			'', 'user', '', i % 7 = 0, timestamptz '2025-03-14 15:09:26.535897Z' - (i / 3) * interval '1 second', now(),
			CASE WHEN i % 100 = 0 THEN now() END
		FROM generate_series(1, 50000) AS i;
		INSERT INTO totp_credentials (user_id, sealed_secret, created_at)
		SELECT id, '\x01', now() FROM users WHERE id LIKE '%3';
		ANALYZE tenants, users, totp_credentials`); err != nil {
		t.Fatal(err)
	}
	yes := true
	at := time.Date(2025, 3, 14, 14, 9, 26, 535897000, time.UTC)
	byName, byCreated := "using users_tenant_id_username_key", "using users_tenant_created"
	for _, tc := range []struct {
		name  string
		q     directory.UserQuery
		index string
		cond  string // in the plan's Index Cond when set
	}{
		{"by username", directory.UserQuery{Sort: directory.SortUsername}, byName, ""},
		{"by username, down, from a cursor", directory.UserQuery{Sort: directory.SortUsernameDesc,
			After: &directory.UserCursor{Username: "user5", ID: "u-5"}}, byName, `username <= 'user5'`},
		{"by creation", directory.UserQuery{Sort: directory.SortCreated}, byCreated, ""},
		{"by creation, from a cursor", directory.UserQuery{Sort: directory.SortCreated,
			After: &directory.UserCursor{CreatedAt: at, ID: "u-1"}}, byCreated, `created_at >= '2025-03-14 14:09:26.535897+00'`},
		{"by creation, down, from a cursor between microseconds", directory.UserQuery{Sort: directory.SortCreatedDesc,
			After: &directory.UserCursor{CreatedAt: at.Add(time.Nanosecond), ID: "u-1"}}, byCreated,
			`created_at < '2025-03-14 14:09:26.535898+00'`},
		{"enabled, deleted included", directory.UserQuery{Sort: directory.SortUsername, Enabled: &yes,
			Deleted: directory.DeletedInclude}, byName, ""},
		{"not enrolled", directory.UserQuery{Sort: directory.SortCreatedDesc, MFA: directory.MFANotEnrolled}, byCreated, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.q.TenantID, tc.q.Limit = "t-1", 51
			query, args, err := usersQuery(tc.q)
			if err != nil {
				t.Fatal(err)
			}
			rows, err := s.pool.Query(t.Context(), `EXPLAIN `+query, args...)
			if err != nil {
				t.Fatal(err)
			}
			steps, err := pgx.CollectRows(rows, pgx.RowTo[string])
			if err != nil {
				t.Fatal(err)
			}
			plan := strings.Join(steps, "\n")
			if !strings.Contains(plan, "Index Scan") || !strings.Contains(plan, tc.index) {
				t.Errorf("plan does not scan %s:\n%s", tc.index, plan)
			}
			if strings.Contains(plan, "Sort") {
				t.Errorf("plan sorts:\n%s", plan)
			}
			if !slices.ContainsFunc(steps, func(step string) bool {
				return strings.Contains(step, "Index Cond: ") && strings.Contains(step, "tenant_id = 't-1'") &&
					strings.Contains(step, tc.cond)
			}) {
				t.Errorf("plan's index condition is not on t-1 and %s:\n%s", tc.cond, plan)
			}
		})
	}
}

// TestUpgradeFrom0011 migrates a schema holding a user stored before 0012,
// which has no search text: QueryUsers matches it as before, A-Z and a-z
// alike but ö never as Ö, until UpdateUser writes its search text; then
// case is ignored for every letter.
func TestUpgradeFrom0011(t *testing.T) {
	ts := "2025-03-14T15:09:26.535897Z"
	url := atVersion(t, 11, []string{
		`INSERT INTO tenants (id, slug, name, level, parent_id, path, created_at, updated_at)
			VALUES ('t-sys', 'sys', 'System', 'system', NULL, '{t-sys}', '` + ts + `', '` + ts + `')`,
		`INSERT INTO users (id, tenant_id, username, email, email_verified, given_name, family_name, display_name,
			preferred_language, tenant_role, password_hash, disabled, created_at, updated_at)
			VALUES ('u-omer', 't-sys', 'omer', '', false, 'Ömer', 'Öz', '', 'tr', 'user', '', false, '` + ts + `', '` + ts + `')`,
	})
	s := open(t, url)
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
