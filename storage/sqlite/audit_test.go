package sqlite

import (
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-id/gatehouse/audit"
	"github.com/gatehouse-id/gatehouse/audit/audittest"
)

func TestAudit(t *testing.T) {
	audittest.Run(t, func(t *testing.T) audit.Store { return fresh(t) })
}

// TestUnreadableEventIsAnError stores details that are not a JSON object of
// strings, as a hand edit of the database might, and expects the list to
// fail naming the event rather than hand it back without them.
func TestUnreadableEventIsAnError(t *testing.T) {
	for _, details := range []string{`not json`, `["attempts", "5"]`, `{"attempts": 5}`} {
		s := fresh(t)
		e := audit.Event{ID: "e-1", Time: time.Now(), Action: "totp.locked", TenantID: "t", Actor: "system"}
		if err := s.AppendEvent(t.Context(), e); err != nil {
			t.Fatal(err)
		}
		if _, err := s.db.ExecContext(t.Context(), `UPDATE audit_events SET details = ? WHERE id = 'e-1'`, details); err != nil {
			t.Fatal(err)
		}
		if got, err := s.ListEvents(t.Context(), []string{"t"}, time.Time{}, 0); err == nil || !strings.Contains(err.Error(), "e-1") {
			t.Errorf("details %s: ListEvents = %+v, %v; want a decode error naming e-1", details, got, err)
		}
	}
}

// queryPlan returns SQLite's plan for query, its steps joined by "; ".
func queryPlan(t *testing.T, s *Store, query string, args ...any) string {
	t.Helper()
	rows, err := s.db.QueryContext(t.Context(), `EXPLAIN QUERY PLAN `+query, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var steps []string
	for rows.Next() {
		var (
			id, parent, unused int
			detail             string
		)
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		steps = append(steps, detail)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return strings.Join(steps, "; ")
}
