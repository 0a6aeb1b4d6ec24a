package main

import (
	"html"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gatehouse-id/gatehouse/demo"
	"github.com/gatehouse-id/gatehouse/password"
)

// startDemo serves Gatehouse as `serve --demo` wires it, with cheap
// password hashes, and gives a browser (following every redirect) to use it.
func startDemo(t *testing.T) (*config, *app, *browser) {
	t.Helper()
	srv := httptest.NewUnstartedServer(nil)
	cfg := &config{Addr: srv.Listener.Addr().String(), DataDir: t.TempDir(), SigningAlg: "RS256", LogLevel: "info", Demo: true}
	if err := cfg.resolve(); err != nil {
		t.Fatal(err)
	}
	a, err := build(t.Context(), cfg, slog.New(slog.NewTextHandler(t.Output(), nil)), options{passwordParams: password.Params{Memory: 64, Time: 1, Threads: 1}})
	if err != nil {
		t.Fatal(err)
	}
	srv.Config.Handler = a.handler
	srv.Start()
	t.Cleanup(func() { srv.Close(); a.Close() })
	jar, _ := cookiejar.New(nil)
	return cfg, a, &browser{t: t, c: &http.Client{Jar: jar}}
}

// TestDemoPortal walks the README's first experience: serve --demo, open
// the demo portal, log in as a demo user, see the claims; then the second
// portal without a prompt.
func TestDemoPortal(t *testing.T) {
	cfg, _, b := startDemo(t)
	resp, body := b.get(cfg.Issuer + "/")
	if resp.StatusCode != 200 || !strings.Contains(body, "carol-demo-pw") {
		t.Fatalf("landing page: %d", resp.StatusCode)
	}
	resp, body = b.get(cfg.Issuer + "/demo/web/login")
	acc := demo.Accounts[3] // carol, customer administrator
	resp, body = b.submitLogin(resp, body, acc.Tenant, acc.Username, acc.Password)
	body = html.UnescapeString(body)
	for _, want := range []string{"Signed in to the web portal as carol", "at+jwt", `"tenant"`, `"amr"`, "Refresh token issued: yes",
		"What this portal may let you do", "<dd>admins</dd>", "<div>things-manager: admin, editor</div>", "<div>invoices: viewer</div>",
		`"global_roles"`, `"service_roles"`, "users:admin"} {
		if !strings.Contains(body, want) {
			t.Errorf("claims page lacks %q (status %d)", want, resp.StatusCode)
		}
	}
	resp, body = b.get(cfg.Issuer + "/demo/spa/login")
	if !strings.Contains(body, "Signed in to the spa portal as carol") || strings.Contains(body, "invoices") {
		t.Errorf("second portal without single sign-on: %d %.200s", resp.StatusCode, body)
	}
	// Restart on the same data folder: the directory and keys survive, and
	// loading the demo again changes nothing.
	a2, err := build(t.Context(), cfg, slog.New(slog.NewTextHandler(t.Output(), nil)), options{})
	if err != nil {
		t.Fatalf("restart: %v", err)
	}
	defer a2.Close()
	if _, _, err := a2.directory.Authenticate(t.Context(), "contoso", "carol", "carol-demo-pw"); err != nil {
		t.Errorf("after restart: %v", err)
	}
}
