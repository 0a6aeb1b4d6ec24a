package login

import (
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
)

// chooseTenant posts the tenant choice for req-1 with the CSRF token of the
// page just shown.
func (h *harness) chooseTenant(csrfToken, tenantID string) (*http.Response, string) {
	h.t.Helper()
	form := url.Values{"authRequestID": {"req-1"}, csrfField: {csrfToken}}
	if tenantID != "" {
		form.Set("tenant_id", tenantID)
	}
	req, err := http.NewRequestWithContext(h.t.Context(), http.MethodPost, h.srv.URL+"/login/tenant", strings.NewReader(form.Encode()))
	if err != nil {
		h.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return h.do(req)
}

// openChoice logs jill in and opens the choice page, returning its token.
func (h *harness) openChoice() string {
	h.t.Helper()
	resp, body := h.login("acme", "jill", goodPassword)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/login/tenant?authRequestID=req-1" {
		h.t.Fatalf("POST /login = %d %s, want 303 to the tenant choice\n%s", resp.StatusCode, resp.Header.Get("Location"), body)
	}
	if h.requests.completions() != 0 {
		h.t.Fatal("the request was completed before the tenant was chosen")
	}
	resp, body = h.get("/login/tenant?authRequestID=req-1")
	if resp.StatusCode != http.StatusOK {
		h.t.Fatalf("GET /login/tenant = %d\n%s", resp.StatusCode, body)
	}
	for _, want := range []string{`value="t-acme" checked`, `value="t-globex"`, "Globex", "your home tenant"} {
		if !strings.Contains(body, want) {
			h.t.Errorf("choice page lacks %q:\n%s", want, body)
		}
	}
	m := csrfFieldRE.FindStringSubmatch(body)
	if m == nil {
		h.t.Fatalf("choice page has no csrf_token:\n%s", body)
	}
	return m[1]
}

func TestTenantChoiceActsInTheChosenTenant(t *testing.T) {
	h := newHarness(t, options{world: jillLinked})
	token := h.openChoice()
	resp, body := h.chooseTenant(token, "t-globex")
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/authorize/callback") {
		t.Fatalf("POST /login/tenant = %d %s\n%s", resp.StatusCode, resp.Header.Get("Location"), body)
	}
	sess, ok := h.requests.session("req-1")
	if !ok || sess.UserID != h.jill.ID || sess.TenantID != "t-globex" {
		t.Fatalf("completed with %+v (%v), want jill acting in t-globex", sess, ok)
	}
	// The next sign-in starts at jill's home, where she logs in.
	if c := cookieNamed(resp, tenantCookieName); c == nil || c.Value != "acme" {
		t.Errorf("remembered tenant cookie = %v, want acme", c)
	}
}

func TestTenantChoiceRefusals(t *testing.T) {
	t.Run("a tenant that was not offered uses the choice up", func(t *testing.T) {
		h := newHarness(t, options{world: jillLinked, quiet: true})
		token := h.openChoice()
		resp, _ := h.chooseTenant(token, "t-elsewhere")
		if resp.StatusCode != http.StatusBadRequest {
			t.Fatalf("status %d, want 400", resp.StatusCode)
		}
		resp, body := h.chooseTenant(token, "t-globex")
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "expired") {
			t.Fatalf("second try: %d, want 400 expired\n%s", resp.StatusCode, body)
		}
		if h.requests.completions() != 0 {
			t.Fatal("request completed")
		}
	})
	t.Run("no choice shows the page again, with the choice still open", func(t *testing.T) {
		h := newHarness(t, options{world: jillLinked, quiet: true})
		token := h.openChoice()
		resp, body := h.chooseTenant(token, "")
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "Choose the tenant you want to act in.") {
			t.Fatalf("status %d\n%s", resp.StatusCode, body)
		}
		if resp, _ := h.chooseTenant(token, "t-acme"); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("then choosing: %d, want 303", resp.StatusCode)
		}
		if sess, _ := h.requests.session("req-1"); sess.TenantID != "t-acme" {
			t.Fatalf("acting in %q, want t-acme", sess.TenantID)
		}
	})
	t.Run("another browser cannot make the choice", func(t *testing.T) {
		h := newHarness(t, options{world: jillLinked, quiet: true})
		h.openChoice()
		jar, _ := cookiejar.New(nil)
		h.client.Jar = jar // a browser without jill's cookies
		token := h.openForm("req-1")
		resp, body := h.get("/login/tenant?authRequestID=req-1")
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "expired") {
			t.Fatalf("GET from another browser: %d\n%s", resp.StatusCode, body)
		}
		if resp, _ := h.chooseTenant(token, "t-globex"); resp.StatusCode != http.StatusBadRequest {
			t.Fatalf("POST from another browser: %d, want 400", resp.StatusCode)
		}
		if h.requests.completions() != 0 {
			t.Fatal("request completed")
		}
	})
	t.Run("a forged form is refused before anything else", func(t *testing.T) {
		h := newHarness(t, options{world: jillLinked, quiet: true})
		h.openChoice()
		if resp, _ := h.chooseTenant("forged", "t-globex"); resp.StatusCode != http.StatusForbidden {
			t.Fatalf("status %d, want 403", resp.StatusCode)
		}
	})
}

func TestNoChoiceForAUserWithoutLinks(t *testing.T) {
	h := newHarness(t, options{})
	resp, _ := h.login("acme", "jill", goodPassword)
	if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/authorize/callback") {
		t.Fatalf("POST /login = %d %s, want straight to the callback", resp.StatusCode, loc)
	}
}
