package login

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestLogoutConfirm: the page asks and ends nothing; its form, posted
// with its CSRF token, has the provider end the session with the
// parameters the page was given; without the token, or with another
// page's, nothing ends.
func TestLogoutConfirm(t *testing.T) {
	h := newHarness(t, options{})
	q := url.Values{"client_id": {"portal"}, "post_logout_redirect_uri": {"https://portal.example/bye"}, "state": {"s1"}}
	resp, body := h.get("/logout?" + q.Encode())
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "Sign out of Gatehouse?") {
		t.Fatalf("GET /logout: %d\n%s", resp.StatusCode, body)
	}
	if len(h.ended) != 0 {
		t.Fatal("showing the page ended the session")
	}
	token := formToken(t, body)

	for name, form := range map[string]url.Values{
		"no token":       {},
		"wrong token":    {"csrf_token": {"x" + token}},
		"a login token":  {"csrf_token": {h.openForm("req-1")}},
		"token in query": nil,
	} {
		path := "/logout?" + q.Encode()
		if form == nil {
			path += "&csrf_token=" + url.QueryEscape(token)
			form = url.Values{}
		}
		if resp, body := h.postTo(path, form); resp.StatusCode != http.StatusForbidden {
			t.Errorf("%s: %d\n%s", name, resp.StatusCode, body)
		}
	}
	if len(h.ended) != 0 {
		t.Fatalf("a refused form ended the session: %v", h.ended)
	}

	resp, body = h.postTo("/logout?"+q.Encode(), url.Values{"csrf_token": {token}})
	if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != "/logged-out" {
		t.Fatalf("POST /logout: %d %q\n%s", resp.StatusCode, resp.Header.Get("Location"), body)
	}
	if len(h.ended) != 1 || h.ended[0].Encode() != q.Encode() {
		t.Errorf("ended %v, want once with %v", h.ended, q)
	}
}

// TestLogoutConfirmLanguage: the application's ui_locales choose the
// page's language.
func TestLogoutConfirmLanguage(t *testing.T) {
	h := newHarness(t, options{})
	_, body := h.get("/logout?ui_locales=de")
	if !strings.Contains(body, "Von Gatehouse abmelden?") {
		t.Errorf("ui_locales=de: %s", body)
	}
}
