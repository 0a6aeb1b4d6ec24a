package postgres

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/gatehouse-id/gatehouse/audit"
)

// TestQueryEventsPlans: a page of one tenant's events (ListEvents' query
// too), filtered by actor or target or not, comes from the index that holds
// exactly those events newest first (0004 and 0007), from the cursor on,
// and reading stops at the limit instead of sorting the tenant's whole
// log; several tenants' events are sorted. A subtree's events come from
// the same indexes, a tenant at a time, at most a page of each (a Limit
// above each index scan, of the index alone when it holds the filters'
// columns), and only the newest page of those is read from the table, by
// id; the log is never read whole.
func TestQueryEventsPlans(t *testing.T) {
	s := fresh(t)
	// Enough events, tenants, actors and targets for the planner to
	// prefer the indexes to reading the table; a third are the system's.
	// The tenants t-0 to t-49 are t-root's children, and t-1 has one of
	// its own, without events.
	if _, err := s.pool.Exec(t.Context(), `INSERT INTO tenants (id, slug, name, level, parent_id, path, created_at, updated_at)
		VALUES ('t-root', 'root', 'Root', 'system', NULL, '{t-root}', now(), now());
		INSERT INTO tenants (id, slug, name, level, parent_id, path, created_at, updated_at)
		SELECT 't-' || i, 'tenant-' || i, 'Tenant', 'provider', 't-root', ARRAY['t-root', 't-' || i], now(), now()
		FROM generate_series(0, 49) AS i;
		INSERT INTO tenants (id, slug, name, level, parent_id, path, created_at, updated_at)
		VALUES ('t-1-1', 'tenant-1-1', 'Tenant', 'customer', 't-1', '{t-root,t-1,t-1-1}', now(), now());
		ANALYZE tenants`); err != nil {
		t.Fatal(err)
	}
	if _, err := s.pool.Exec(t.Context(), `INSERT INTO audit_events (`+eventColumns+`)
		SELECT 'e-' || i, timestamptz '2025-03-14 15:09:26.535897Z' - i * interval '1 second',
			CASE WHEN i % 4 = 0 THEN 'support.login' ELSE 'user.signed_in' END, 't-' || i % 50,
			CASE WHEN i % 3 = 0 THEN 'system' ELSE 'u-' || i % 500 END, '', 'u-' || i % 1000, '', '{}'
		FROM generate_series(1, 50000) AS i;
		ANALYZE audit_events`); err != nil {
		t.Fatal(err)
	}
	base := time.Date(2025, 3, 14, 15, 9, 26, 535897000, time.UTC)
	cursor := audit.Cursor{Time: base.Add(-1000 * time.Second), ID: "e-1000"}
	one := []string{"t-1"}
	for _, tc := range []struct {
		name   string
		q      audit.Query
		index  string // "" for any on tenant_id
		sorted bool
		cond   string // in the plan's Index Cond when set
	}{
		{"one tenant", audit.Query{TenantIDs: one}, "audit_events_tenant_time", false, ""},
		{"one tenant named twice", audit.Query{TenantIDs: []string{"t-1", "t-1"}}, "audit_events_tenant_time", false, ""},
		{"one tenant from a cursor", audit.Query{TenantIDs: one, After: cursor},
			"audit_events_tenant_time", false, `"time" <= '2025-03-14 14:52:46.535897+00'`},
		{"a cursor between microseconds", audit.Query{TenantIDs: one, After: audit.Cursor{Time: cursor.Time.Add(time.Nanosecond), ID: "e-1"}},
			"audit_events_tenant_time", false, `"time" < '2025-03-14 14:52:46.535898+00'`},
		{"actor", audit.Query{TenantIDs: one, Actor: "u-1", After: cursor}, "audit_events_tenant_actor", false,
			`(actor = 'u-1'::text) AND ("time" <= '2025-03-14 14:52:46.535897+00'`},
		{"the system", audit.Query{TenantIDs: one, Actor: "system"}, "audit_events_tenant_actor", false, `actor = `},
		{"target and times", audit.Query{TenantIDs: one, Target: "u-1", Since: base.Add(-10 * time.Hour), Until: base},
			"audit_events_tenant_target", false, `(target = 'u-1'::text) AND ("time" >= `},
		{"action prefix", audit.Query{TenantIDs: one, Action: "support."}, "audit_events_tenant_time", false, ""},
		{"two tenants", audit.Query{TenantIDs: []string{"t-1", "t-2"}}, "", true, ""},
		{"two tenants and a cursor", audit.Query{TenantIDs: []string{"t-1", "t-2"}, After: cursor}, "", true, ""},
		{"two tenants and a target", audit.Query{TenantIDs: []string{"t-1", "t-2"}, Target: "u-1"}, "audit_events_tenant_target", true, ""},
		{"a subtree", audit.Query{Subtree: "t-root"}, "audit_events_tenant_time", true, "tenant_id = subtree.id"},
		{"a subtree of two", audit.Query{Subtree: "t-1"}, "audit_events_tenant_time", true, "tenant_id = subtree.id"},
		{"a subtree from a cursor", audit.Query{Subtree: "t-root", After: cursor}, "audit_events_tenant_time", true,
			`"time" <= '2025-03-14 14:52:46.535897+00'`},
		{"a subtree and an actor", audit.Query{Subtree: "t-root", Actor: "u-1", Action: "support."}, "audit_events_tenant_actor", true,
			`(actor = 'u-1'::text)`},
		{"a subtree, a target and times", audit.Query{Subtree: "t-root", Target: "u-1", Since: base.Add(-10 * time.Hour), Until: base},
			"audit_events_tenant_target", true, `(target = 'u-1'::text) AND ("time" >= `},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.q.Limit = 10
			query, args := eventsQuery(tc.q)
			rows, err := s.pool.Query(t.Context(), `EXPLAIN `+query, args...)
			if err != nil {
				t.Fatal(err)
			}
			steps, err := pgx.CollectRows(rows, pgx.RowTo[string])
			if err != nil {
				t.Fatal(err)
			}
			plan := strings.Join(steps, "\n")
			index := tc.index
			if index == "" {
				index = "audit_events_tenant_"
			}
			if !strings.Contains(plan, index) {
				t.Errorf("plan does not use %s:\n%s", index, plan)
			}
			if sorted := strings.Contains(plan, "Sort"); sorted != tc.sorted {
				t.Errorf("plan sorts = %v, want %v:\n%s", sorted, tc.sorted, plan)
			}
			if !slices.ContainsFunc(steps, func(step string) bool {
				return strings.Contains(step, "Index Cond: ") && strings.Contains(step, tc.cond)
			}) {
				t.Errorf("plan's Index Cond does not hold %s:\n%s", tc.cond, plan)
			}
			if tc.q.Subtree == "" {
				return
			}
			scan := slices.IndexFunc(steps, func(step string) bool {
				return strings.Contains(step, "Scan using "+index+" on audit_events")
			})
			if scan < 1 || !strings.Contains(steps[scan-1], "->  Limit") {
				t.Errorf("plan does not read a page of each tenant's events from %s:\n%s", index, plan)
			}
			if !strings.Contains(plan, "Index Scan using audit_events_pkey on audit_events") {
				t.Errorf("plan does not read the page's events by id:\n%s", plan)
			}
			if strings.Contains(plan, "Seq Scan on audit_events") || strings.Contains(plan, "Bitmap Heap Scan on audit_events") {
				t.Errorf("plan reads the log:\n%s", plan)
			}
		})
	}
}
