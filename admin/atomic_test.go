package admin

import (
	"context"
	"errors"
	"net/http"
	"testing"

	"github.com/gatehouse-id/gatehouse/audit"
	"github.com/gatehouse-id/gatehouse/directory"
)

// TestChangeAndEventCommitTogether: a change whose event cannot be stored
// is not made, and a change that is made has its event in the store's
// log, from the same transaction.
func TestChangeAndEventCommitTogether(t *testing.T) {
	st, d := newTree(t)
	w := newWorld(d)
	w.addUsers(t,
		directory.NewUser{TenantSlug: "acme", Username: "ada", TenantRole: directory.TenantRoleAdmin},
		directory.NewUser{TenantSlug: "acme", Username: "rita", TenantRole: directory.TenantRoleUser},
	)
	failing := true
	log := audit.New(st, nil, nil)
	w.serve(t, st, Config{AuditIn: func(ctx context.Context, to audit.Appender, e audit.Event) error {
		if err := log.RecordIn(ctx, to, e); err != nil {
			return err
		}
		if failing {
			return errors.New("the audit store refuses")
		}
		return nil
	}})
	rita := w.users["acme/rita"]
	events := func() []audit.Event {
		t.Helper()
		es, _, err := st.QueryEvents(t.Context(), audit.Query{TenantIDs: []string{mustTenantID(t, d, "acme")}, Target: rita})
		if err != nil {
			t.Fatal(err)
		}
		return es
	}

	for _, st := range []apiStep{
		{name: "update", method: "PATCH", path: "/users/" + rita, body: `{"display_name":"Rita R."}`},
		{name: "delete", method: "DELETE", path: "/users/" + rita},
		{name: "create", method: "POST", path: "/tenants/acme/users", body: `{"username":"nora"}`},
	} {
		status, body := w.do(t, "acme/ada", st.method, st.path, st.body)
		if status != http.StatusInternalServerError {
			t.Errorf("%s while the audit log refuses: %d %v, want 500", st.name, status, body)
		}
	}
	u, err := d.Store().UserByID(t.Context(), rita)
	if err != nil || u.DisplayName != "" || u.Deleted() {
		t.Errorf("refused changes were made: %+v, %v", u, err)
	}
	if _, err := d.Store().UserByUsername(t.Context(), mustTenantID(t, d, "acme"), "nora"); !errors.Is(err, directory.ErrNotFound) {
		t.Errorf("a refused create stored the user: %v", err)
	}
	if es := events(); len(es) != 0 {
		t.Errorf("events of changes not made: %+v", es)
	}

	failing = false
	if status, body := w.do(t, "acme/ada", "PATCH", "/users/"+rita, `{"display_name":"Rita R."}`); status != http.StatusOK {
		t.Fatalf("update: %d %v", status, body)
	}
	if es := events(); len(es) != 1 || es[0].Action != "user.updated" || es[0].Details["display_name"] != " → Rita R." {
		t.Errorf("stored events %+v, want the one user.updated", es)
	}
}

func mustTenantID(t *testing.T, d *directory.Directory, slug string) string {
	t.Helper()
	tn, err := d.Store().TenantBySlug(t.Context(), slug)
	if err != nil {
		t.Fatal(err)
	}
	return tn.ID
}
