package postgres

import (
	"strings"
	"testing"
	"time"

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
