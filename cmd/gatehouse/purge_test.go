package main

import (
	"log/slog"
	"net/http"
	"testing"
	"time"

	"github.com/gatehouse-id/gatehouse/audit"
	"github.com/gatehouse-id/gatehouse/directory"
)

// TestPurgeJob: the node's purge removes a deleted user once the
// retention has passed, not before, and audits it as the system.
func TestPurgeJob(t *testing.T) {
	h := newAdminHarness(t)
	root := h.adminToken(t, "root", "root-admin")
	h.api(t, root, "POST", "/tenants/cust/users", map[string]any{"username": "paula"}).want(t, http.StatusCreated)
	id := h.user(t, "cust", "paula").ID
	h.api(t, root, "DELETE", "/users/"+id, nil).want(t, http.StatusNoContent)
	run := func() {
		purgeDeleted(t.Context(), h.app.directory, h.app.audit, slog.New(slog.DiscardHandler))
	}

	h.clock.Advance(directory.DefaultUserRetention - time.Minute)
	run()
	if _, err := h.app.directory.Store().UserByID(t.Context(), id); err != nil {
		t.Fatalf("purged before the retention ended: %v", err)
	}
	h.clock.Advance(2 * time.Minute)
	run()
	if u, err := h.app.directory.Store().UserByID(t.Context(), id); err == nil {
		t.Fatalf("not purged once the retention ended: %+v", u)
	}
	es, _, err := h.app.db.QueryEvents(t.Context(), audit.Query{TenantIDs: []string{mustTenantID(t, h, "cust")}, Action: "user.purged"})
	if err != nil || len(es) != 1 || es[0].Actor != "system" || es[0].Target != id {
		t.Errorf("user.purged events %+v, %v; want one by system", es, err)
	}
}
