package admin

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse-id/gatehouse/audit"
	"github.com/gatehouse-id/gatehouse/directory"
)

// GET /audit over HTTP, in sys > acme > contoso, with fabrikam added
// below acme: each caller reads the events of its subtree, or of the
// subtree of a tenant in it, and a deleted tenant's events drop out of
// every subtree while the log keeps them.
func TestListAuditSubtree(t *testing.T) {
	st, d := newTree(t)
	w := newWorld(d)
	w.addUsers(t,
		directory.NewUser{TenantSlug: "sys", Username: "sam", TenantRole: directory.TenantRoleAdmin},
		directory.NewUser{TenantSlug: "acme", Username: "ada", TenantRole: directory.TenantRoleAdmin},
		directory.NewUser{TenantSlug: "contoso", Username: "cara", TenantRole: directory.TenantRoleAdmin},
	)
	w.serve(t, st, Config{})

	// An event in each tenant.
	for _, step := range []apiStep{
		{"a user in sys", "sys/sam", "POST", "/tenants/sys/users", `{"username": "sid"}`, http.StatusCreated, ""},
		{"a user in acme", "acme/ada", "POST", "/tenants/acme/users", `{"username": "abe"}`, http.StatusCreated, ""},
		{"a user in contoso", "acme/ada", "POST", "/tenants/contoso/users", `{"username": "cole"}`, http.StatusCreated, ""},
		{"fabrikam", "acme/ada", "POST", "/tenants", `{"slug": "fabrikam", "name": "Fabrikam", "parent": "acme"}`, http.StatusCreated, ""},
		{"a user in fabrikam", "acme/ada", "POST", "/tenants/fabrikam/users", `{"username": "fay"}`, http.StatusCreated, ""},
	} {
		w.step(t, step)
	}
	id := func(slug string) string { return mustTenant(t, d, slug).ID }
	sys, acme, contoso, fabrikam := id("sys"), id("acme"), id("contoso"), id("fabrikam")

	// tenantsOf returns the tenants of the events who reads at path,
	// once each, sorted.
	tenantsOf := func(t *testing.T, who, path string) []string {
		t.Helper()
		status, body := w.do(t, who, "GET", path, "")
		if status != http.StatusOK {
			t.Fatalf("GET %s as %s: %d %v", path, who, status, body)
		}
		evs, _ := body["events"].([]any)
		var out []string
		for _, e := range evs {
			tn, _ := e.(map[string]any)["tenant"].(string)
			if !slices.Contains(out, tn) {
				out = append(out, tn)
			}
		}
		slices.Sort(out)
		return out
	}
	sorted := func(ids ...string) []string { slices.Sort(ids); return ids }

	for _, tc := range []struct {
		name, who, path string
		want            []string
	}{
		{"the system's", "sys/sam", "/audit", sorted(sys, acme, contoso, fabrikam)},
		{"a provider's", "acme/ada", "/audit", sorted(acme, contoso, fabrikam)},
		{"a customer's", "contoso/cara", "/audit", sorted(contoso)},
		{"a tenant in reach", "acme/ada", "/audit?tenant=contoso", sorted(contoso)},
		{"a slug as typed", "acme/ada", "/audit?tenant=Fabrikam", sorted(fabrikam)},
		{"its own tenant", "acme/ada", "/audit?tenant=acme", sorted(acme, contoso, fabrikam)},
		{"with a filter", "acme/ada", "/audit?action=tenant.", sorted(fabrikam)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tenantsOf(t, tc.who, tc.path); !slices.Equal(got, tc.want) {
				t.Errorf("events of tenants %v, want %v", got, tc.want)
			}
		})
	}
	for _, tc := range []apiStep{
		{"a tenant above", "acme/ada", "GET", "/audit?tenant=sys", "", http.StatusNotFound, ""},
		{"a parent", "contoso/cara", "GET", "/audit?tenant=acme", "", http.StatusNotFound, ""},
		{"a sibling", "contoso/cara", "GET", "/audit?tenant=fabrikam", "", http.StatusNotFound, ""},
		{"no such tenant", "acme/ada", "GET", "/audit?tenant=nope", "", http.StatusNotFound, ""},
	} {
		w.step(t, tc)
	}

	// Deleting fabrikam takes its events out of every subtree, and so
	// out of the page; the log keeps them.
	w.step(t, apiStep{"delete fabrikam", "acme/ada", "DELETE", "/tenants/fabrikam?cascade=true", "", http.StatusOK, ""})
	if got, want := tenantsOf(t, "acme/ada", "/audit"), sorted(acme, contoso); !slices.Equal(got, want) {
		t.Errorf("after the delete, events of tenants %v, want %v", got, want)
	}
	w.step(t, apiStep{"a deleted tenant", "acme/ada", "GET", "/audit?tenant=fabrikam", "", http.StatusNotFound, ""})
	kept, _, err := st.QueryEvents(t.Context(), audit.Query{TenantIDs: []string{fabrikam}})
	if err != nil || len(kept) != 2 { // tenant.created, user.created
		t.Errorf("fabrikam's events in the log: %+v, %v", kept, err)
	}
}

// recordingEvents is the store's EventQuerier, keeping the queries asked.
type recordingEvents struct {
	EventQuerier
	mu      sync.Mutex
	queries []audit.Query
}

func (r *recordingEvents) QueryEvents(ctx context.Context, q audit.Query) ([]audit.Event, bool, error) {
	r.mu.Lock()
	r.queries = append(r.queries, q)
	r.mu.Unlock()
	return r.EventQuerier.QueryEvents(ctx, q)
}

// last returns the last query asked.
func (r *recordingEvents) last() audit.Query {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.queries[len(r.queries)-1]
}

// TestListAuditNamesTheSubtree: GET /audit names the subtree to the store
// by its top tenant, and lists no tenant ids, however many it holds.
func TestListAuditNamesTheSubtree(t *testing.T) {
	st, d := newTree(t)
	w := newWorld(d)
	w.addUsers(t, directory.NewUser{TenantSlug: "acme", Username: "ada", TenantRole: directory.TenantRoleAdmin})
	events := &recordingEvents{EventQuerier: st}
	log := audit.New(st, time.Now, nil)
	h, err := New(Config{Directory: d, Tokens: fakeTokens{}, InvalidToken: errInvalidToken, Audience: testAudience,
		AuditIn: log.RecordIn, Events: events, Credentials: st, Mailer: &fakeMailer{},
		ResetTOTP: func(context.Context, directory.Caller, directory.User) error { return nil },
		Logger:    slog.New(slog.NewTextHandler(t.Output(), nil))})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	h.Routes(mux)
	w.srv = httptest.NewServer(mux)
	t.Cleanup(w.srv.Close)

	for _, tc := range []struct{ path, top string }{
		{"/audit", "acme"},
		{"/audit?tenant=contoso&action=user.", "contoso"},
	} {
		if status, body := w.do(t, "acme/ada", "GET", tc.path, ""); status != http.StatusOK {
			t.Fatalf("GET %s: %d %v", tc.path, status, body)
		}
		q := events.last()
		if q.Subtree != mustTenant(t, d, tc.top).ID || len(q.TenantIDs) != 0 {
			t.Errorf("GET %s asked for %+v, want the subtree of %s", tc.path, q, tc.top)
		}
	}
}
