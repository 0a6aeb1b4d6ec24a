package postgres

import (
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/gatehouse-id/gatehouse/audit"
	"github.com/gatehouse-id/gatehouse/audit/audittest"
	"github.com/gatehouse-id/gatehouse/storage/postgres/pgtest"
)

func TestAudit(t *testing.T) {
	pgtest.URL(t) // skip (or fail) once, not in every subtest
	audittest.Run(t, func(t *testing.T) audit.Store { return fresh(t) })
}

// TestUnreadableEventIsAnError stores details that are not a JSON object of
// strings, as a hand edit of the database might, and expects the list to
// fail naming the event rather than hand it back without them.
func TestUnreadableEventIsAnError(t *testing.T) {
	for _, details := range []string{`["attempts", "5"]`, `{"attempts": 5}`, `"5"`} {
		s := fresh(t)
		e := audit.Event{ID: "e-1", Time: time.Now(), Action: "totp.locked", TenantID: "t", Actor: "system"}
		if err := s.AppendEvent(t.Context(), e); err != nil {
			t.Fatal(err)
		}
		if _, err := s.pool.Exec(t.Context(), `UPDATE audit_events SET details = $1 WHERE id = 'e-1'`, details); err != nil {
			t.Fatal(err)
		}
		if got, err := s.ListEvents(t.Context(), []string{"t"}, time.Time{}, 0); err == nil || !strings.Contains(err.Error(), "e-1") {
			t.Errorf("details %s: ListEvents = %+v, %v; want a decode error naming e-1", details, got, err)
		}
	}
}

// TestListEventsOneTenantStopsAtLimit: one tenant's events come from
// audit_events_tenant_time in order, so that reading stops at the limit
// instead of sorting the tenant's whole log.
func TestListEventsOneTenantStopsAtLimit(t *testing.T) {
	s := fresh(t)
	// Enough events, in enough tenants, for the planner to prefer the
	// index to reading the table.
	if _, err := s.pool.Exec(t.Context(), `INSERT INTO audit_events (`+eventColumns+`)
		SELECT 'e-' || i, now() - i * interval '1 second', 'user.signed_in', 't-' || i % 50, 'u', '', '', '', '{}'
		FROM generate_series(1, 20000) AS i;
		ANALYZE audit_events`); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name    string
		tenants []string
		sorted  bool
	}{
		{"one tenant", []string{"t-1"}, false},
		{"one tenant named twice", []string{"t-1", "t-1"}, false},
		{"two tenants", []string{"t-1", "t-2"}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			query, args := eventsQuery(audit.Query{TenantIDs: tc.tenants, Limit: 10})
			rows, err := s.pool.Query(t.Context(), `EXPLAIN `+query, args...)
			if err != nil {
				t.Fatal(err)
			}
			steps, err := pgx.CollectRows(rows, pgx.RowTo[string])
			if err != nil {
				t.Fatal(err)
			}
			plan := strings.Join(steps, "\n")
			index := "audit_events_tenant_time"
			if tc.sorted {
				index = "audit_events_tenant_" // any index on tenant_id (0007) feeds a sort as well
			}
			if !strings.Contains(plan, index) {
				t.Errorf("plan does not use %s:\n%s", index, plan)
			}
			if sorted := strings.Contains(plan, "Sort"); sorted != tc.sorted {
				t.Errorf("plan sorts = %v, want %v:\n%s", sorted, tc.sorted, plan)
			}
		})
	}
}
