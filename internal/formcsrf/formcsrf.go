// Package formcsrf is the CSRF protection of every Gatehouse form: a
// signed double submit (OWASP's "signed double-submit cookie"). A form
// carries HMAC-SHA256(key, purpose, bound values...) in its csrf_token
// field, where the bound values include something only the browser that
// was served the form sends back with it: the gatehouse_csrf cookie
// (login, set-password pages) or the session cookie's session (account
// page). A POST is accepted only if the field matches what came with it.
//
// Another site can make a browser post a form, but it can neither read
// our cookies nor compute a field without the key. Nothing is stored on
// the server, so any node checks a form another node served.
//
// The purpose keeps the pages apart: the same key and cookie may serve
// the login and the set-password pages, and a token of one is still
// worthless at the other. Every value is length-prefixed before it is
// signed, so no two lists of values sign the same bytes.
package formcsrf

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"net/http"
)

// Field is the name of the form field that carries the token.
const Field = "csrf_token"

// MinKeyLen is the shortest key Sign is meant for: 256 bits.
const MinKeyLen = 32

// Sign returns the token for purpose and the bound values, unpadded
// base64url.
func Sign(key []byte, purpose string, bound ...string) string {
	return base64.RawURLEncoding.EncodeToString(mac(key, purpose, bound))
}

// Verify reports whether token is Sign(key, purpose, bound...). It
// compares MACs in constant time; an empty or malformed token is false.
func Verify(key []byte, token, purpose string, bound ...string) bool {
	if token == "" {
		return false
	}
	got, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil {
		return false
	}
	return hmac.Equal(got, mac(key, purpose, bound))
}

func mac(key []byte, purpose string, bound []string) []byte {
	m := hmac.New(sha256.New, key)
	var n [4]byte
	for _, v := range append([]string{purpose}, bound...) {
		binary.BigEndian.PutUint32(n[:], uint32(len(v)))
		m.Write(n[:])
		m.Write([]byte(v))
	}
	return m.Sum(nil)
}

// The double-submit cookie of the pages without a session: the login and
// the set-password pages share it, so that a browser in the middle of a
// sign-in keeps its cookie when it opens a mailed link.
//
// It is SameSite=Lax rather than Strict: the login page is reached by a
// cross-site redirect chain from a portal and a mailed link from a mail
// program, and a Strict cookie would not be sent on those GETs, so each
// visit would replace the cookie and break a second tab's form.
const (
	CookieName = "gatehouse_csrf"
	// CookieLen is the length of the cookie value: 32 random bytes,
	// unpadded base64url.
	CookieLen = 43
)

// Cookie returns the browser's CSRF cookie value, or sets a new one if it
// has none (or a malformed one). Reusing a good cookie keeps forms in
// other tabs valid. secure marks a new cookie Secure.
func Cookie(w http.ResponseWriter, r *http.Request, secure bool) string {
	if v, ok := FromRequest(r); ok {
		return v
	}
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	v := base64.RawURLEncoding.EncodeToString(b)
	http.SetCookie(w, &http.Cookie{
		Name: CookieName, Value: v, Path: "/",
		HttpOnly: true, Secure: secure, SameSite: http.SameSiteLaxMode,
	})
	return v
}

// FromRequest returns the request's CSRF cookie value if it has a
// well-formed one.
func FromRequest(r *http.Request) (string, bool) {
	ck, err := r.Cookie(CookieName)
	if err != nil || len(ck.Value) != CookieLen {
		return "", false
	}
	if _, err := base64.RawURLEncoding.DecodeString(ck.Value); err != nil {
		return "", false
	}
	return ck.Value, true
}

// VerifyCookie reports whether token is the field for the request's CSRF
// cookie, purpose and the bound values: Verify with the cookie as the
// first bound value. A request without a well-formed cookie is false.
func VerifyCookie(key []byte, r *http.Request, token, purpose string, bound ...string) bool {
	v, ok := FromRequest(r)
	if !ok {
		return false
	}
	return Verify(key, token, purpose, append([]string{v}, bound...)...)
}
