package postgres

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-id/gatehouse/audit"
	"github.com/gatehouse-id/gatehouse/audit/audittest"
	"github.com/gatehouse-id/gatehouse/directory"
	"github.com/gatehouse-id/gatehouse/storage/postgres/pgtest"
)

func TestAudit(t *testing.T) {
	pgtest.URL(t) // skip (or fail) once, not in every subtest
	audittest.Run(t, func(t *testing.T) audit.Store { return fresh(t) })
}

func TestAuditSubtree(t *testing.T) {
	pgtest.URL(t)
	audittest.RunSubtree(t, func(t *testing.T, tenants []audittest.Tenant) audit.Store {
		s := fresh(t)
		createTenants(t, s, tenants)
		return s
	})
}

// createTenants stores tenants (parents first) as the directory would, in
// one transaction: a slug of its own each, levels from the root down (the
// store checks neither).
func createTenants(t *testing.T, s *Store, tenants []audittest.Tenant) {
	t.Helper()
	now := time.Date(2025, 3, 14, 15, 9, 26, 0, time.UTC)
	err := s.InTx(t.Context(), func(tx directory.Store) error {
		for i, tn := range tenants {
			level := directory.Levels[min(len(tn.Path), len(directory.Levels))-1]
			if err := tx.CreateTenant(t.Context(), directory.Tenant{ID: tn.ID, Slug: "tenant-" + strconv.Itoa(i), Name: tn.ID,
				Level: level, ParentID: tn.ParentID(), Path: tn.Path, CreatedAt: now, UpdatedAt: now}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
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
