package login

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/gatehouse-id/gatehouse/templates"
)

func TestBodyLimit(t *testing.T) {
	h := newHarness(t, options{})
	token := h.openForm("req-1")
	body := url.Values{
		"authRequestID": {"req-1"}, csrfField: {token},
		"tenant": {"acme"}, "username": {"jill"}, "password": {goodPassword},
		"padding": {strings.Repeat("x", templates.MaxFormBytes)},
	}.Encode()
	resp, page := h.post(body)
	if resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Fatalf("status %d, want 413", resp.StatusCode)
	}
	if !strings.Contains(page, "too large") {
		t.Errorf("page does not explain:\n%s", page)
	}
	if h.auth.calls.Load() != 0 || h.requests.completions() != 0 {
		t.Errorf("an oversized form reached Authenticate or CompleteLogin")
	}
}

func TestMalformedForms(t *testing.T) {
	for _, tc := range []struct {
		name, contentType, body string
		want                    int
	}{
		{"bad escape", "application/x-www-form-urlencoded", "authRequestID=%zz", http.StatusBadRequest},
		{"bad content type", "text/plain; charset", "a=b", http.StatusBadRequest},
		{"empty body", "application/x-www-form-urlencoded", "", http.StatusForbidden},
		{"json", "application/json", `{"username":"jill"}`, http.StatusForbidden},
		{"multipart", "multipart/form-data; boundary=x", "--x--", http.StatusForbidden},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, options{})
			h.openForm("req-1")
			req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, h.srv.URL+"/login", strings.NewReader(tc.body))
			req.Header.Set("Content-Type", tc.contentType)
			resp, _ := h.do(req)
			if resp.StatusCode != tc.want {
				t.Errorf("status %d, want %d", resp.StatusCode, tc.want)
			}
		})
	}
}

// FuzzLoginForm posts arbitrary bodies, with and without a valid CSRF
// token, and requires an answer that is never a server error (and never a
// panic). The directory, session store and limiters are the real ones.
func FuzzLoginForm(f *testing.F) {
	f.Add("", "acme", "jill", goodPassword, true)
	f.Add("", "acme", "bob", goodPassword, true)
	f.Add("", "", "acme/jill", "x", true)
	f.Add("authRequestID=%zz", "", "", "", false)
	f.Add("tenant=a&tenant=b&password=", "ACME", " ", "", true)
	f.Add("authRequestID=nope", "acme", "jill", "x", true)
	f.Add("\x00\xff;&==&%", "a\x00", "\xff\xfe", "p", true)
	f.Add("", strings.Repeat("a", 70), strings.Repeat("j", 400), strings.Repeat("p", 2000), true)
	h := newHarness(f, options{accountLimit: 3, addressLimit: 1 << 30, quiet: true})
	cookie := strings.Repeat("c", csrfCookieLen)
	f.Fuzz(func(t *testing.T, raw, tenant, username, pw string, signed bool) {
		body := raw
		if signed {
			// Put the signed fields first, so that they win over any copy
			// in raw.
			body = url.Values{
				"authRequestID": {"req-1"}, csrfField: {h.handler.csrf.token(cookie, "req-1")},
				"tenant": {tenant}, "username": {username}, "password": {pw},
			}.Encode() + "&" + raw
		}
		req := httptest.NewRequestWithContext(t.Context(), http.MethodPost, "/login", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.AddCookie(&http.Cookie{Name: csrfCookieName, Value: cookie})
		rec := httptest.NewRecorder()
		h.mux.ServeHTTP(rec, req)
		switch rec.Code {
		case http.StatusSeeOther:
			// A success completes req-1; open it again for the next input.
			h.requests.add(Request{ID: "req-1", ClientID: "things-manager", ClientName: "Things Manager"})
		case http.StatusBadRequest, http.StatusUnauthorized, http.StatusForbidden,
			http.StatusRequestEntityTooLarge, http.StatusTooManyRequests:
		default:
			t.Fatalf("POST /login with %q: status %d\n%s", body, rec.Code, rec.Body)
		}
		if rec.Header().Get("Cache-Control") != "no-store" {
			t.Errorf("status %d without security headers", rec.Code)
		}
	})
}
