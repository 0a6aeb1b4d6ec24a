package sqlite

import (
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-id/gatehouse/audit"
)

// TestQueryEventsPlans: a page of one tenant's events (ListEvents' query
// too), filtered by actor or target or not, comes from the index that holds
// exactly those events newest first (0004 and 0007), from the cursor on and
// within the times asked, and reading stops at the limit instead of
// sorting the tenant's whole log; several tenants' events, or a subtree's,
// are searched in the same indexes, tenant by tenant, and sorted. No
// query scans the log.
func TestQueryEventsPlans(t *testing.T) {
	s := fresh(t)
	now := time.Date(2025, 3, 14, 15, 9, 26, 535897000, time.UTC)
	cursor := audit.Cursor{Time: now, ID: "e-1"}
	one, two := []string{"t-a"}, []string{"t-a", "t-b"}
	for _, tc := range []struct {
		name   string
		q      audit.Query
		search string // the index and its constraints
		sorted bool
	}{
		{"one tenant", audit.Query{TenantIDs: one}, "audit_events_tenant_time (tenant_id=?)", false},
		{"one tenant named twice", audit.Query{TenantIDs: []string{"t-a", "t-a"}}, "audit_events_tenant_time (tenant_id=?)", false},
		{"a cursor", audit.Query{TenantIDs: one, After: cursor}, "audit_events_tenant_time (tenant_id=? AND time<?)", false},
		{"times", audit.Query{TenantIDs: one, Since: now, Until: now}, "audit_events_tenant_time (tenant_id=? AND time>? AND time<?)", false},
		{"action", audit.Query{TenantIDs: one, Action: "support.", After: cursor}, "audit_events_tenant_time (tenant_id=? AND time<?)", false},
		{"actor", audit.Query{TenantIDs: one, Actor: "u-1"}, "audit_events_tenant_actor (tenant_id=? AND actor=?)", false},
		{"actor, times and a cursor", audit.Query{TenantIDs: one, Actor: "u-1", Since: now, Until: now, After: cursor},
			"audit_events_tenant_actor (tenant_id=? AND actor=? AND time>? AND time<?)", false},
		{"target, times and a cursor", audit.Query{TenantIDs: one, Target: "u-1", Since: now, Until: now, After: cursor},
			"audit_events_tenant_target (tenant_id=? AND target=? AND time>? AND time<?)", false},
		{"actor and target", audit.Query{TenantIDs: one, Actor: "u-1", Target: "u-2"},
			"audit_events_tenant_target (tenant_id=? AND target=?)", false},
		{"two tenants", audit.Query{TenantIDs: two}, "audit_events_tenant_time (tenant_id=?)", true},
		{"two tenants and a cursor", audit.Query{TenantIDs: two, After: cursor}, "audit_events_tenant_time (tenant_id=? AND time<?)", true},
		{"two tenants and a target", audit.Query{TenantIDs: two, Target: "u-1"}, "audit_events_tenant_target (tenant_id=? AND target=?)", true},
		{"a subtree", audit.Query{Subtree: "t-a"}, "audit_events_tenant_time (tenant_id=?)", true},
		{"a subtree, a cursor and times", audit.Query{Subtree: "t-a", After: cursor, Since: now},
			"audit_events_tenant_time (tenant_id=? AND time>? AND time<?)", true},
		{"a subtree and an actor", audit.Query{Subtree: "t-a", Actor: "u-1", After: cursor},
			"audit_events_tenant_actor (tenant_id=? AND actor=? AND time<?)", true},
		{"a subtree and a target", audit.Query{Subtree: "t-a", Target: "u-1", Action: "support."},
			"audit_events_tenant_target (tenant_id=? AND target=?)", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.q.Limit = 10
			query, args, err := eventsQuery(tc.q)
			if err != nil {
				t.Fatal(err)
			}
			plan := queryPlan(t, s, query, args...)
			if !strings.Contains(plan, "SEARCH audit_events USING INDEX "+tc.search) {
				t.Errorf("query plan %q does not search %s", plan, tc.search)
			}
			if sorted := strings.Contains(plan, "TEMP B-TREE"); sorted != tc.sorted {
				t.Errorf("query plan %q: sorts = %v, want %v", plan, sorted, tc.sorted)
			}
			if strings.Contains(plan, "SCAN audit_events") {
				t.Errorf("query plan %q scans the log", plan)
			}
			if tc.q.Subtree != "" && !strings.Contains(plan, "USING INDEX tenants_parent_id (parent_id=?)") {
				t.Errorf("query plan %q does not walk the subtree down by parent_id", plan)
			}
		})
	}
}
