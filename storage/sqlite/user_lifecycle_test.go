package sqlite

import (
	"strings"
	"testing"
	"time"
)

// TestUserLifecyclePlans: CountUsers reads one tenant's users from the
// index of their usernames (0001), and DeletedUsersBefore reads the
// deleted users from 0009's index, in its order, stopping at the limit
// rather than sorting them.
func TestUserLifecyclePlans(t *testing.T) {
	s := fresh(t)
	now := time.Date(2025, 3, 14, 15, 9, 26, 535897000, time.UTC)
	for _, tc := range []struct {
		name, query string
		search      string // the index
		cond        string // its constraint
		args        []any
	}{
		// UNIQUE (tenant_id, username) has an index of SQLite's naming.
		{"CountUsers", countUsers, "users USING INDEX sqlite_autoindex_users_", "(tenant_id=?)", []any{"t-1"}},
		{"DeletedUsersBefore", deletedUsers, "users USING INDEX users_deleted_at", "(deleted_at<?)", []any{encTime(now), 10}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			plan := queryPlan(t, s, tc.query, tc.args...)
			if !strings.Contains(plan, "SEARCH "+tc.search) || !strings.Contains(plan, tc.cond) {
				t.Errorf("query plan %q does not search %s %s", plan, tc.search, tc.cond)
			}
			if strings.Contains(plan, "TEMP B-TREE") {
				t.Errorf("query plan %q sorts", plan)
			}
		})
	}
}
