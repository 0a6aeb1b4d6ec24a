package provider

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/gatehouse-id/gatehouse/audit"
	"github.com/gatehouse-id/gatehouse/directory"
	"github.com/gatehouse-id/gatehouse/ephemeral/ephemeraltest"
	"github.com/gatehouse-id/gatehouse/ephemeral/memory"
	"github.com/gatehouse-id/gatehouse/keys"
	"github.com/gatehouse-id/gatehouse/password"
	"github.com/gatehouse-id/gatehouse/session"
	"github.com/gatehouse-id/gatehouse/storage/sqlite"
)

// env is a Provider as cmd wires it, over a real directory on SQLite, real
// keys and sessions, and the ephemeral store in memory, served on
// httptest; audit events are kept in memory.
type env struct {
	t        *testing.T
	p        *Provider
	srv      *httptest.Server
	clock    *ephemeraltest.FakeClock
	dir      *directory.Directory
	sessions *session.Store
	jill     directory.User
	acme     directory.Tenant

	mu     sync.Mutex
	events []audit.Event
	// failAudit makes recording fail, as a database outage would.
	failAudit bool
}

const testSecret = "gateway-secret-0123456789abcdefghijklmn"

func newEnv(t *testing.T) *env {
	t.Helper()
	ctx := t.Context()
	clk := ephemeraltest.NewFakeClockAt(time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC))
	kv := memory.New(clk.Now)
	t.Cleanup(func() { _ = kv.Close() })
	store, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "gatehouse.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	dir := directory.New(store, directory.NewSecretHasher(bytes.Repeat([]byte{7}, 32)),
		directory.Config{PasswordParams: password.Params{Memory: 64, Time: 1, Threads: 1}, Now: clk.Now})
	if _, err := dir.CreateTenant(ctx, "root", "Root", directory.LevelSystem, ""); err != nil {
		t.Fatal(err)
	}
	acme, err := dir.CreateTenant(ctx, "acme", "Acme IoT", directory.LevelProvider, "root")
	if err != nil {
		t.Fatal(err)
	}
	if err := dir.EnsureTenantDefaults(ctx); err != nil {
		t.Fatal(err)
	}
	jill, err := dir.CreateUser(ctx, directory.NewUser{TenantSlug: "acme", Username: "jill",
		Password: "correct horse battery", TenantRole: directory.TenantRoleUser})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		c      directory.Client
		secret string
	}{
		{directory.Client{ID: "tool", Name: "Field tool", Type: directory.ClientPublic, AuthMethod: directory.AuthNone,
			GrantTypes: []string{directory.GrantDeviceCode, directory.GrantRefreshToken},
			Scopes:     []string{"profile", "offline_access", "tenant"}}, ""},
		{directory.Client{ID: "other-tool", Name: "Other tool", Type: directory.ClientPublic, AuthMethod: directory.AuthNone,
			GrantTypes: []string{directory.GrantDeviceCode}}, ""},
		{directory.Client{ID: "gateway", Name: "Gateway", Type: directory.ClientConfidential, AuthMethod: directory.AuthSecretBasic,
			GrantTypes: []string{directory.GrantDeviceCode}}, testSecret},
		{directory.Client{ID: "portal", Name: "Portal", Type: directory.ClientPublic, AuthMethod: directory.AuthNone,
			RedirectURIs: []string{"http://localhost/cb"}, GrantTypes: []string{directory.GrantAuthorizationCode}}, ""},
		{directory.Client{ID: "partner", Name: "Partner app", Type: directory.ClientPublic, AuthMethod: directory.AuthNone,
			ThirdParty: true, GrantTypes: []string{directory.GrantDeviceCode}, Scopes: []string{"profile"}}, ""},
	} {
		if _, _, _, err := dir.PutClient(ctx, dir.Store(), c.c, c.secret); err != nil {
			t.Fatalf("client %s: %v", c.c.ID, err)
		}
	}
	sealer, err := keys.NewSealer(bytes.Repeat([]byte{9}, 32))
	if err != nil {
		t.Fatal(err)
	}
	km, _, err := keys.NewManager(ctx, store, sealer, keys.Config{Algorithm: jose.ES256, Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	sessions := session.New(kv, session.Config{Now: clk.Now})
	e := &env{t: t, clock: clk, dir: dir, sessions: sessions, jill: jill, acme: acme}
	srv := httptest.NewUnstartedServer(nil)
	p, err := New(Config{
		Issuer: "http://" + srv.Listener.Addr().String(), AllowInsecureIssuer: true, CodeKey: [32]byte{1},
		Logger: slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelDebug})), Now: clk.Now,
	}, Deps{Directory: dir, Grants: store, Keys: km, Ephemeral: kv, Sessions: sessions, Cookies: session.Cookies{},
		Audit: func(_ context.Context, ev audit.Event) error {
			e.mu.Lock()
			defer e.mu.Unlock()
			if e.failAudit {
				return errors.New("audit store down")
			}
			e.events = append(e.events, ev)
			return nil
		}})
	if err != nil {
		t.Fatal(err)
	}
	srv.Config.Handler = p
	srv.Start()
	t.Cleanup(srv.Close)
	e.p, e.srv = p, srv
	return e
}

// post sends form to path, as client id (with secret: HTTP Basic), and
// returns the status and the decoded JSON answer.
func (e *env) post(path, id, secret string, form url.Values) (int, map[string]any) {
	e.t.Helper()
	if secret == "" && id != "" {
		form.Set("client_id", id)
	}
	req, err := http.NewRequest(http.MethodPost, e.srv.URL+path, strings.NewReader(form.Encode()))
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if secret != "" {
		req.SetBasicAuth(id, secret)
	}
	return e.do(req)
}

func (e *env) do(req *http.Request) (int, map[string]any) {
	e.t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		e.t.Fatalf("%s %s: %d, not JSON: %.300s", req.Method, req.URL.Path, resp.StatusCode, b)
	}
	return resp.StatusCode, m
}

func (e *env) setFailAudit(fail bool) {
	e.mu.Lock()
	e.failAudit = fail
	e.mu.Unlock()
}

// audited returns the events recorded with action.
func (e *env) audited(action string) []audit.Event {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []audit.Event
	for _, ev := range e.events {
		if ev.Action == action {
			out = append(out, ev)
		}
	}
	return out
}
