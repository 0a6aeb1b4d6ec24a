package main

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/gatehouse-id/gatehouse/audit"
)

// bootstrapLinkRE finds the link the bootstrap prints.
var bootstrapLinkRE = regexp.MustCompile(`http://localhost:8080/invitation\?token=[A-Za-z0-9_-]+`)

// TestAdminBootstrap: on an empty database the command makes the system
// tenant and its pending administrator and prints a link; run again it
// prints a new one and the old stops working; once the administrator has
// chosen a password through the link, it refuses. The act is audited
// without the link.
func TestAdminBootstrap(t *testing.T) {
	clearStorageEnv(t)
	t.Setenv("GATEHOUSE_ISSUER", "")
	data := filepath.Join(t.TempDir(), "data")
	args := []string{"admin", "bootstrap", "--data-dir", data, "--kek", kekA, "--issuer", "http://localhost:8080",
		"--email", "root@example.com"}

	for _, bad := range [][]string{{"admin"}, {"admin", "bogus"}, {"admin", "bootstrap", "extra"}} {
		if code, _, errOut := gatehouseCmd(t, bad...); code != 2 || !strings.Contains(errOut, "Usage: gatehouse admin bootstrap") {
			t.Errorf("%q: exit %d, stderr %q; want the usage", bad, code, errOut)
		}
	}
	if code, _, errOut := gatehouseCmd(t, "admin", "bootstrap", "--data-dir", data, "--kek", kekA); code != 1 ||
		!strings.Contains(errOut, "GATEHOUSE_ISSUER") {
		t.Errorf("without an issuer: exit %d, stderr %q", code, errOut)
	}

	code, out, errOut := gatehouseCmd(t, args...)
	first := bootstrapLinkRE.FindString(out)
	if code != 0 || first == "" || !strings.Contains(out, `"system"`) || !strings.Contains(out, `"admin"`) {
		t.Fatalf("bootstrap: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	code, out, _ = gatehouseCmd(t, args...)
	second := bootstrapLinkRE.FindString(out)
	if code != 0 || second == "" || second == first {
		t.Fatalf("bootstrap again: exit %d, link %q (first %q)", code, second, first)
	}

	// A server on that database: the first link is dead, the second sets
	// the administrator's password.
	srv := httptest.NewUnstartedServer(nil)
	cfg := testConfig(t, "http://"+srv.Listener.Addr().String(), "", "", "")
	cfg.DataDir = data
	a := buildNode(t, cfg, &clock{})
	srv.Config.Handler = a.handler
	srv.Start()
	t.Cleanup(func() { srv.Close(); a.Close() })
	h := &harness{t: t, issuer: cfg.Issuer, app: a, clock: &clock{}}
	local := func(link string) string {
		u, _ := url.Parse(link)
		return cfg.Issuer + u.RequestURI()
	}
	b := h.browser()
	if resp, _ := b.get(local(first)); resp.StatusCode != http.StatusGone {
		t.Errorf("the first link after the second bootstrap: %d, want 410", resp.StatusCode)
	}
	page, body := b.get(local(second))
	const pw = "granite lantern orbit 42"
	if resp, body := b.choosePassword(page, body, pw); resp.StatusCode != http.StatusOK {
		t.Fatalf("choosing the password: %d %.300s", resp.StatusCode, body)
	}
	if _, _, err := a.directory.Authenticate(t.Context(), "system", "admin", pw); err != nil {
		t.Errorf("the administrator's password: %v", err)
	}
	code, out, errOut = gatehouseCmd(t, args...)
	if code != 1 || bootstrapLinkRE.MatchString(out) || !strings.Contains(errOut, "administrator already") {
		t.Errorf("bootstrap once administered: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	sys, err := a.directory.SystemTenant(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	events, _, err := a.db.QueryEvents(t.Context(), audit.Query{TenantIDs: []string{sys.ID}, Action: "user.invited"})
	if err != nil || len(events) != 2 {
		t.Fatalf("user.invited events: %d, %v; want 2", len(events), err)
	}
	for _, e := range events {
		if e.Actor != "operator" {
			t.Errorf("event %+v", e)
		}
		for _, v := range e.Details {
			if strings.Contains(first, v) || strings.Contains(second, v) {
				t.Errorf("the event holds the link: %+v", e)
			}
		}
	}
}

// TestFirstStart: a server's first start on a database without a system
// tenant says to run gatehouse admin bootstrap, and makes nothing: the link
// would land in the server's output, often a log others read.
func TestFirstStart(t *testing.T) {
	cfg := testConfig(t, "http://localhost:8080", "", "", "")
	a := buildNode(t, cfg, &clock{})
	defer a.Close()
	var logged bytes.Buffer
	if err := firstStart(t.Context(), a, cfg, slog.New(slog.NewTextHandler(&logged, nil))); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(logged.String(), "gatehouse admin bootstrap") || bootstrapLinkRE.MatchString(logged.String()) {
		t.Errorf("first start logged %q; want the hint and no link", logged.String())
	}
	if _, err := a.directory.SystemTenant(t.Context()); err == nil {
		t.Error("the first start made a system tenant")
	}
}
