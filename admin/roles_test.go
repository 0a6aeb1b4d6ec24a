package admin

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse-id/gatehouse/audit"
	"github.com/gatehouse-id/gatehouse/claims"
	"github.com/gatehouse-id/gatehouse/directory"
	"github.com/gatehouse-id/gatehouse/password"
	"github.com/gatehouse-id/gatehouse/storage/sqlite"
)

// The handlers of roles, groups and services over HTTP, on a real SQLite
// directory; only the token boundary is faked: a bearer token is the id of
// the user it stands for.

const testAudience = "https://gatehouse.test/api"

var errInvalidToken = errors.New("invalid token")

type fakeTokens struct{}

func (fakeTokens) VerifyAccessToken(_ context.Context, raw string) (*claims.AccessToken, error) {
	if raw == "" || raw == "bad" {
		return nil, errInvalidToken
	}
	return &claims.AccessToken{Subject: raw, Audience: []string{testAudience}, AuthTime: 1, ClientID: "portal"}, nil
}

type apiWorld struct {
	srv    *httptest.Server
	dir    *directory.Directory
	users  map[string]string // "tenant/username" -> id, the token
	mu     sync.Mutex
	events []audit.Event
}

func newAPIWorld(t *testing.T) *apiWorld {
	t.Helper()
	ctx := t.Context()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "gatehouse.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	d := directory.New(st, directory.NewSecretHasher(bytes.Repeat([]byte{3}, 32)),
		directory.Config{PasswordParams: password.Params{Memory: 64, Time: 1, Threads: 1}})
	for _, tn := range []struct {
		slug   string
		level  directory.Level
		parent string
	}{{"sys", directory.LevelSystem, ""}, {"acme", directory.LevelProvider, "sys"}, {"contoso", directory.LevelCustomer, "acme"}} {
		if _, err := d.CreateTenant(ctx, tn.slug, tn.slug, tn.level, tn.parent); err != nil {
			t.Fatal(err)
		}
	}
	w := &apiWorld{dir: d, users: map[string]string{}}
	for _, nu := range []directory.NewUser{
		{TenantSlug: "sys", Username: "sam", TenantRole: directory.TenantRoleAdmin},
		{TenantSlug: "acme", Username: "ada", TenantRole: directory.TenantRoleAdmin},
		{TenantSlug: "acme", Username: "rita", TenantRole: directory.TenantRoleUser},
		{TenantSlug: "contoso", Username: "cara", TenantRole: directory.TenantRoleAdmin},
	} {
		nu.Password = "correct-horse-battery"
		u, err := d.CreateUser(ctx, nu)
		if err != nil {
			t.Fatal(err)
		}
		w.users[nu.TenantSlug+"/"+nu.Username] = u.ID
	}
	log := audit.New(st, time.Now, nil)
	h, err := New(Config{Directory: d, Tokens: fakeTokens{}, InvalidToken: errInvalidToken, Audience: testAudience,
		Audit: func(ctx context.Context, e audit.Event) error {
			// The real log (which validates every event), then a copy.
			if err := log.Record(ctx, e); err != nil {
				return err
			}
			w.mu.Lock()
			w.events = append(w.events, e)
			w.mu.Unlock()
			return nil
		},
		Events: st, ResetTOTP: func(context.Context, directory.Caller, directory.User) error { return nil },
		Logger: slog.New(slog.NewTextHandler(t.Output(), nil))})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	h.Routes(mux)
	w.srv = httptest.NewServer(mux)
	t.Cleanup(w.srv.Close)
	return w
}

// do sends method path with body (JSON, or none) as who, and returns the
// status and the decoded body.
func (w *apiWorld) do(t *testing.T, who, method, path, body string) (int, map[string]any) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(t.Context(), method, w.srv.URL+Prefix+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if who != "" {
		req.Header.Set("Authorization", "Bearer "+w.users[who])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	var out map[string]any
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &out); err != nil {
			t.Fatalf("%s %s: %d %q is not a JSON object", method, path, res.StatusCode, raw)
		}
	}
	if res.StatusCode >= 400 && res.Header.Get("Content-Type") != "application/problem+json" {
		t.Errorf("%s %s: %d with Content-Type %q", method, path, res.StatusCode, res.Header.Get("Content-Type"))
	}
	return res.StatusCode, out
}

func (w *apiWorld) lastEvent(t *testing.T) audit.Event {
	t.Helper()
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.events) == 0 {
		t.Fatal("no audit event")
	}
	return w.events[len(w.events)-1]
}

func (w *apiWorld) eventCount() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.events)
}

func TestRolesAPI(t *testing.T) {
	w := newAPIWorld(t)
	for _, tc := range []struct {
		name, who, method, path, body string
		status                        int
		field                         string // of the problem, if any
	}{
		{"no token", "", "GET", "/tenants/acme/roles", "", http.StatusUnauthorized, ""},
		{"list", "acme/rita", "GET", "/tenants/acme/roles", "", http.StatusOK, ""},
		{"list outside the subtree", "contoso/cara", "GET", "/tenants/acme/roles", "", http.StatusNotFound, ""},
		{"get", "acme/rita", "GET", "/tenants/acme/roles/readers", "", http.StatusOK, ""},
		{"get missing", "acme/rita", "GET", "/tenants/acme/roles/nope", "", http.StatusNotFound, ""},
		{"create without roles:create", "acme/rita", "POST", "/tenants/acme/roles", `{"name":"ops"}`, http.StatusForbidden, ""},
		{"unknown field", "acme/ada", "POST", "/tenants/acme/roles", `{"name":"ops","colour":"red"}`, http.StatusBadRequest, "colour"},
		{"wrong type", "acme/ada", "POST", "/tenants/acme/roles", `{"name":"ops","permissions":"users:read"}`, http.StatusBadRequest, "permissions"},
		{"not a permission", "acme/ada", "POST", "/tenants/acme/roles", `{"name":"ops","permissions":["users"]}`, http.StatusUnprocessableEntity, "permissions"},
		{"taken", "acme/ada", "POST", "/tenants/acme/roles", `{"name":"readers"}`, http.StatusConflict, "name"},
		{"create", "acme/ada", "POST", "/tenants/acme/roles", `{"name":"ops","description":"Ops","permissions":["inventory:read","operations:admin"]}`, http.StatusCreated, ""},
		{"update", "acme/ada", "PUT", "/tenants/acme/roles/ops", `{"description":"Operations","permissions":["inventory:read"],"require_mfa":true}`, http.StatusOK, ""},
		{"PUT has no name", "acme/ada", "PUT", "/tenants/acme/roles/ops", `{"name":"other"}`, http.StatusBadRequest, "name"},
		{"admins lists no permissions", "acme/ada", "PUT", "/tenants/acme/roles/admins", `{"permissions":["users:read"]}`, http.StatusUnprocessableEntity, "permissions"},
		{"admins cannot go", "acme/ada", "DELETE", "/tenants/acme/roles/admins", "", http.StatusUnprocessableEntity, "name"},
		{"readers is a default", "acme/ada", "DELETE", "/tenants/acme/roles/readers", "", http.StatusUnprocessableEntity, "name"},
		{"delete", "acme/ada", "DELETE", "/tenants/acme/roles/ops", "", http.StatusNoContent, ""},
		{"deleted", "acme/ada", "GET", "/tenants/acme/roles/ops", "", http.StatusNotFound, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n := w.eventCount()
			status, body := w.do(t, tc.who, tc.method, tc.path, tc.body)
			if status != tc.status {
				t.Fatalf("status %d, want %d: %v", status, tc.status, body)
			}
			if tc.field != "" {
				errs, _ := body["errors"].([]any)
				if len(errs) != 1 || errs[0].(map[string]any)["field"] != tc.field {
					t.Errorf("problem %v, want one naming %q", body, tc.field)
				}
			}
			if changed := w.eventCount() > n; changed != (tc.method != "GET" && status < 300) {
				t.Errorf("audited: %v", changed)
			}
		})
	}
	e := w.lastEvent(t)
	if e.Action != "role.deleted" || e.TargetName != "ops" || e.Actor != w.users["acme/ada"] || e.Details["address"] == "" {
		t.Errorf("last event %+v", e)
	}
	w.mu.Lock()
	upd := w.events[len(w.events)-2]
	w.mu.Unlock()
	if upd.Action != "role.updated" || upd.Details["permissions"] != "inventory:read,operations:admin → inventory:read" ||
		upd.Details["description"] != "Ops → Operations" || upd.Details["require_mfa"] != "false → true" {
		t.Errorf("update event %+v", upd)
	}
}

func TestGroupsAPI(t *testing.T) {
	w := newAPIWorld(t)
	steps := []struct {
		name, who, method, path, body string
		status                        int
	}{
		{"list", "acme/rita", "GET", "/tenants/acme/groups", "", http.StatusOK},
		{"create", "acme/ada", "POST", "/tenants/acme/groups",
			`{"name":"crew","description":"Crew","global_roles":["readers"],"service_roles":{},"require_mfa":true}`, http.StatusCreated},
		{"taken", "acme/ada", "POST", "/tenants/acme/groups", `{"name":"administrators"}`, http.StatusConflict},
		{"unknown role", "acme/ada", "PUT", "/tenants/acme/groups/crew", `{"global_roles":["nope"]}`, http.StatusUnprocessableEntity},
		{"update", "acme/ada", "PUT", "/tenants/acme/groups/crew", `{"description":"The crew","global_roles":["devices"]}`, http.StatusOK},
		{"get", "acme/rita", "GET", "/tenants/acme/groups/crew", "", http.StatusOK},
		{"reader cannot change", "acme/rita", "PUT", "/tenants/acme/groups/crew", `{}`, http.StatusForbidden},
		{"administrators stays", "acme/ada", "DELETE", "/tenants/acme/groups/administrators", "", http.StatusUnprocessableEntity},
		{"outside", "contoso/cara", "DELETE", "/tenants/acme/groups/crew", "", http.StatusNotFound},
		{"delete", "acme/ada", "DELETE", "/tenants/acme/groups/crew", "", http.StatusNoContent},
	}
	for _, st := range steps {
		status, body := w.do(t, st.who, st.method, st.path, st.body)
		if status != st.status {
			t.Fatalf("%s: status %d, want %d: %v", st.name, status, st.status, body)
		}
		if st.name == "get" && (body["description"] != "The crew" || body["require_mfa"] != false) {
			t.Errorf("group %v", body)
		}
	}
	if e := w.lastEvent(t); e.Action != "group.deleted" || e.TargetName != "crew" {
		t.Errorf("last event %+v", e)
	}
}

func TestServicesAPI(t *testing.T) {
	w := newAPIWorld(t)
	sys, err := w.dir.SystemTenant(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range []struct {
		name, who, method, path, body string
		status                        int
	}{
		{"list", "acme/rita", "GET", "/services", "", http.StatusOK},
		{"not from below the system tenant", "acme/ada", "POST", "/services", `{"name":"fleet","roles":["driver"]}`, http.StatusForbidden},
		{"create", "sys/sam", "POST", "/services", `{"name":"fleet","display_name":"Fleet","roles":["driver"]}`, http.StatusCreated},
		{"taken", "sys/sam", "POST", "/services", `{"name":"fleet","roles":["driver"]}`, http.StatusConflict},
		{"roles stay", "sys/sam", "PUT", "/services/fleet", `{"roles":["planner"]}`, http.StatusUnprocessableEntity},
		{"update", "sys/sam", "PUT", "/services/fleet", `{"display_name":"Fleet","roles":["driver","planner"]}`, http.StatusOK},
		{"get", "contoso/cara", "GET", "/services/fleet", "", http.StatusOK},
		{"missing", "sys/sam", "PUT", "/services/nope", `{"roles":["x"]}`, http.StatusNotFound},
	} {
		status, body := w.do(t, st.who, st.method, st.path, st.body)
		if status != st.status {
			t.Fatalf("%s: status %d, want %d: %v", st.name, status, st.status, body)
		}
		if st.name == "get" {
			if roles, _ := body["roles"].([]any); len(roles) != 2 {
				t.Errorf("service %v", body)
			}
		}
	}
	e := w.lastEvent(t)
	if e.Action != "service.updated" || e.TenantID != sys.ID || e.Target != "fleet" || e.Details["roles"] != "driver → driver,planner" {
		t.Errorf("last event %+v", e)
	}
}
