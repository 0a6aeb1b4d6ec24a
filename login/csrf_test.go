package login

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/gatehouse-id/gatehouse/session"
)

// TestCSRFRefused checks that a POST without a matching token is refused
// before anything else happens: no password check, no session, no
// completed request.
func TestCSRFRefused(t *testing.T) {
	form := func(token, id string) string {
		return url.Values{
			"authRequestID": {id}, csrfField: {token},
			"tenant": {"acme"}, "username": {"jill"}, "password": {goodPassword},
		}.Encode()
	}
	for _, tc := range []struct {
		name string
		// send returns the response of a forged or broken POST.
		send func(h *harness) *http.Response
	}{
		{"no token", func(h *harness) *http.Response {
			h.openForm("req-1")
			resp, _ := h.post(form("", "req-1"))
			return resp
		}},
		{"wrong token", func(h *harness) *http.Response {
			token := h.openForm("req-1")
			resp, _ := h.post(form(strings.ToUpper(token[:4])+token[4:]+"x", "req-1"))
			return resp
		}},
		{"garbage token", func(h *harness) *http.Response {
			h.openForm("req-1")
			resp, _ := h.post(form("!!not base64!!", "req-1"))
			return resp
		}},
		{"no cookie", func(h *harness) *http.Response {
			token := h.openForm("req-1")
			h.client.Jar = nil
			resp, _ := h.post(form(token, "req-1"))
			return resp
		}},
		{"token for another request", func(h *harness) *http.Response {
			token := h.openForm("req-hint")
			resp, _ := h.post(form(token, "req-1"))
			return resp
		}},
		{"token from another browser", func(h *harness) *http.Response {
			other := newHarness(h.t, options{})
			token := other.openForm("req-1")
			h.openForm("req-1")
			resp, _ := h.post(form(token, "req-1"))
			return resp
		}},
		{"cross-origin post", func(h *harness) *http.Response {
			token := h.openForm("req-1")
			req, _ := http.NewRequestWithContext(h.t.Context(), http.MethodPost, h.srv.URL+"/login", strings.NewReader(form(token, "req-1")))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("Sec-Fetch-Site", "cross-site")
			req.Header.Set("Origin", "https://evil.example")
			resp, _ := h.do(req)
			return resp
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, options{})
			resp := tc.send(h)
			if resp.StatusCode != http.StatusForbidden {
				t.Fatalf("status %d, want 403", resp.StatusCode)
			}
			checkSecurityHeaders(t, resp)
			if h.auth.calls.Load() != 0 {
				t.Errorf("Authenticate was called")
			}
			if h.requests.completions() != 0 {
				t.Errorf("CompleteLogin was called")
			}
			if cookieNamed(resp, session.CookieName) != nil {
				t.Errorf("a session cookie was set")
			}
		})
	}
}

func TestCSRFPage(t *testing.T) {
	h := newHarness(t, options{})
	h.openForm("req-1")
	resp, body := h.post("authRequestID=req-1&tenant=acme&username=jill&password=x")
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("status %d, want 403", resp.StatusCode)
	}
	if !strings.Contains(body, "Your sign-in form expired.") || !strings.Contains(body, "Go back and try again.") {
		t.Errorf("page does not explain:\n%s", body)
	}
}

func TestCSRFToken(t *testing.T) {
	c := csrf{key: testCSRFKey}
	post := func(cookie, id, token string) bool {
		r := httptest.NewRequest(http.MethodPost, "/login", nil)
		r.AddCookie(&http.Cookie{Name: csrfCookieName, Value: cookie})
		return c.valid(r, id, token)
	}
	v := strings.Repeat("A", csrfCookieLen)
	if !post(v, "req-1", c.token(v, "req-1")) {
		t.Fatalf("own token refused")
	}
	// "cookie || id" is only unambiguous because the cookie has a fixed
	// length, so a cookie of any other length is refused even with the
	// token that matches it.
	short := v[:csrfCookieLen-1]
	if post(short, "A"+"req-1", c.token(short, "A"+"req-1")) {
		t.Errorf("short cookie accepted")
	}
	bad := strings.Repeat("!", csrfCookieLen)
	if post(bad, "req-1", c.token(bad, "req-1")) {
		t.Errorf("cookie that is not base64url accepted")
	}
	other := csrf{key: []byte("another key, also thirty-two b!!")}
	if post(v, "req-1", other.token(v, "req-1")) {
		t.Errorf("token signed with another key accepted")
	}
}
