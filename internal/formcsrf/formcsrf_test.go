package formcsrf

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

var key = bytes.Repeat([]byte{1}, MinKeyLen)

func TestSignVerify(t *testing.T) {
	tok := Sign(key, "login", "cookie", "req-1")
	for _, tc := range []struct {
		name    string
		key     []byte
		token   string
		purpose string
		bound   []string
		want    bool
	}{
		{"own", key, tok, "login", []string{"cookie", "req-1"}, true},
		{"other purpose", key, tok, "setpassword", []string{"cookie", "req-1"}, false},
		{"other value", key, tok, "login", []string{"cookie", "req-2"}, false},
		// Length prefixes: moving a byte between values changes the token.
		{"values shifted", key, tok, "login", []string{"cookier", "eq-1"}, false},
		{"values joined", key, tok, "login", []string{"cookiereq-1"}, false},
		{"other key", bytes.Repeat([]byte{2}, MinKeyLen), tok, "login", []string{"cookie", "req-1"}, false},
		{"empty", key, "", "login", []string{"cookie", "req-1"}, false},
		{"not base64", key, "!!" + tok[2:], "login", []string{"cookie", "req-1"}, false},
		{"truncated", key, tok[:len(tok)-2], "login", []string{"cookie", "req-1"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Verify(tc.key, tc.token, tc.purpose, tc.bound...); got != tc.want {
				t.Errorf("Verify = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestCookie(t *testing.T) {
	// A browser without a cookie gets a new one, HttpOnly and Lax.
	w := httptest.NewRecorder()
	v := Cookie(w, httptest.NewRequest(http.MethodGet, "/", nil), true)
	set := w.Result().Cookies()
	if len(set) != 1 || set[0].Value != v || len(v) != CookieLen || !set[0].HttpOnly || !set[0].Secure ||
		set[0].SameSite != http.SameSiteLaxMode {
		t.Fatalf("new cookie %q: %+v", v, set)
	}
	// One with a good cookie keeps it.
	r := httptest.NewRequest(http.MethodPost, "/", nil)
	r.AddCookie(&http.Cookie{Name: CookieName, Value: v})
	w = httptest.NewRecorder()
	if got := Cookie(w, r, true); got != v || len(w.Result().Cookies()) != 0 {
		t.Errorf("good cookie replaced: %q", got)
	}
	if !VerifyCookie(key, r, Sign(key, "p", v, "x"), "p", "x") {
		t.Errorf("token of the request's cookie refused")
	}
	// A malformed cookie is no cookie: its token is refused, and a form
	// gets a new one.
	for _, bad := range []string{v[:CookieLen-1], strings.Repeat("!", CookieLen)} {
		r := httptest.NewRequest(http.MethodPost, "/", nil)
		r.AddCookie(&http.Cookie{Name: CookieName, Value: bad})
		if VerifyCookie(key, r, Sign(key, "p", bad, "x"), "p", "x") {
			t.Errorf("malformed cookie %q accepted", bad)
		}
		if got := Cookie(httptest.NewRecorder(), r, false); got == bad {
			t.Errorf("malformed cookie %q kept", bad)
		}
	}
	if VerifyCookie(key, httptest.NewRequest(http.MethodPost, "/", nil), Sign(key, "p", "", "x"), "p", "x") {
		t.Errorf("request without a cookie accepted")
	}
}
