package postgres

import (
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// TestUserLifecyclePlans: CountUsers reads one tenant's users from the
// index of their usernames (0001), and DeletedUsersBefore reads the
// deleted users from 0009's partial index, in its order, stopping at the
// limit rather than sorting them.
func TestUserLifecyclePlans(t *testing.T) {
	s := fresh(t)
	// Enough tenants and users for the planner to prefer the indexes to
	// reading the table; one in a hundred users is deleted.
	if _, err := s.pool.Exec(t.Context(), `INSERT INTO tenants (id, slug, name, level, path, created_at, updated_at)
		SELECT 't-' || i, 's-' || i, '', 'customer', ARRAY['t-' || i], now(), now()
		FROM generate_series(1, 100) AS i;
		INSERT INTO users (id, tenant_id, username, email, email_verified, given_name, family_name, display_name,
			preferred_language, tenant_role, password_hash, disabled, created_at, updated_at, deleted_at)
		SELECT 'u-' || i, 't-' || i % 100 + 1, 'user' || i, '', false, '', '', '', '', 'user', '', false, now(), now(),
			CASE WHEN i % 100 = 0 THEN timestamptz '2025-03-14 15:09:26.535897Z' - i * interval '1 second' END
		FROM generate_series(1, 50000) AS i;
		ANALYZE tenants, users`); err != nil {
		t.Fatal(err)
	}
	now := time.Date(2025, 3, 14, 15, 9, 26, 535897000, time.UTC)
	for _, tc := range []struct {
		name, query string
		args        []any
		index       string
	}{
		{"CountUsers", countUsers, []any{"t-1"}, "users_tenant_id_username_key"},
		{"DeletedUsersBefore", deletedUsers, []any{now, 10}, "Index Scan using users_deleted_at"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rows, err := s.pool.Query(t.Context(), `EXPLAIN `+tc.query, tc.args...)
			if err != nil {
				t.Fatal(err)
			}
			steps, err := pgx.CollectRows(rows, pgx.RowTo[string])
			if err != nil {
				t.Fatal(err)
			}
			plan := strings.Join(steps, "\n")
			if !strings.Contains(plan, tc.index) {
				t.Errorf("plan does not use %s:\n%s", tc.index, plan)
			}
			if strings.Contains(plan, "Sort") {
				t.Errorf("plan sorts:\n%s", plan)
			}
		})
	}
}
