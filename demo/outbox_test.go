package demo

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gatehouse-id/gatehouse/mail"
)

// TestOutboxPage: the demo shows the kept mails with their links to click,
// out of caches and Referer headers; without an outbox there is no page.
func TestOutboxPage(t *testing.T) {
	box := mail.NewLogOutbox(slog.New(slog.DiscardHandler), mail.OutboxConfig{}, nil)
	const link = "http://localhost:8080/invitation?token=abc_DEF-123"
	if err := box.Send(t.Context(), mail.Message{To: mail.Address{Name: "Jill", Email: "jill@example.com"},
		Subject: "You are invited", Text: "Choose your password:\n\n" + link + "\n"}); err != nil {
		t.Fatal(err)
	}
	p := NewPortal(PortalConfig{Issuer: "http://localhost:8080", Logger: slog.New(slog.DiscardHandler), Outbox: box})
	mux := http.NewServeMux()
	p.Routes(mux)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)

	resp, body := get(t, srv.Client(), srv.URL+"/demo/outbox")
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "You are invited") || !strings.Contains(body, `href="`+link+`"`) {
		t.Fatalf("outbox: %d\n%s", resp.StatusCode, body)
	}
	if resp.Header.Get("Cache-Control") != "no-store" || resp.Header.Get("Referrer-Policy") != "no-referrer" {
		t.Errorf("outbox headers: %v", resp.Header)
	}
	if _, body := get(t, srv.Client(), srv.URL+"/demo/"); !strings.Contains(body, `href="/demo/outbox"`) {
		t.Error("the start page does not link to the outbox")
	}

	_, bare := newTestPortal(t, "http://localhost:8080")
	if resp, _ := get(t, bare.Client(), bare.URL+"/demo/outbox"); resp.StatusCode == http.StatusOK {
		t.Error("an outbox page without an outbox")
	}
}

// TestInitiateLogin: the login start is the portal's initiate_login_uri:
// login_hint goes on to Gatehouse, and an iss that is not its own issuer
// is refused.
func TestInitiateLogin(t *testing.T) {
	op := fakeIssuer(t)
	_, srv := newTestPortal(t, op.URL)
	c := noRedirect()
	get(t, c, srv.URL+"/demo/web/login") // the fake issuer's first discovery fails

	loc, _ := startLogin(t, c, srv.URL+"/demo/web/login?iss="+op.URL+"&login_hint=acme%2Fjill")
	if got := loc.Query().Get("login_hint"); got != "acme/jill" {
		t.Errorf("login_hint = %q, want acme/jill (%s)", got, loc)
	}
	resp, body := get(t, c, srv.URL+"/demo/web/login?iss=https://evil.example&login_hint=acme%2Fjill")
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "another identity provider") {
		t.Errorf("a foreign iss: %d", resp.StatusCode)
	}
}
