package login

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
)

// CSRF protection is a signed double submit (OWASP's "signed double-submit
// cookie"): the browser holds a random value in the gatehouse_csrf cookie,
// and every form carries HMAC-SHA256(CSRFKey, cookie value || authRequestID)
// in its csrf_token field. A POST is accepted only if the field matches the
// cookie it came with.
//
// Another site can make a browser post a form, but it can neither read our
// cookie nor set one a signature would match without the key, so it cannot
// produce the field. Binding the token to the authorization request means a
// token leaked from one sign-in is worthless for another. Nothing is stored
// on the server, so any node can check a form another node served.
//
// The cookie is SameSite=Lax rather than Strict: the login page is reached
// by a cross-site redirect chain from a portal, and a Strict cookie would not
// be sent on that GET, so each such visit would replace the cookie and break
// a second tab's form.
const (
	csrfCookieName = "gatehouse_csrf"
	csrfField      = "csrf_token"
	// csrfCookieLen is the length of the cookie value: 32 random bytes,
	// unpadded base64url. The fixed length is what makes "cookie value ||
	// authRequestID" unambiguous.
	csrfCookieLen = 43
)

type csrf struct {
	key    []byte
	secure bool
}

// cookie returns the browser's CSRF cookie value, or sets a new one if it
// has none (or a malformed one). Reusing a good cookie keeps forms in other
// tabs valid.
func (c csrf) cookie(w http.ResponseWriter, r *http.Request) string {
	if v, ok := c.fromRequest(r); ok {
		return v
	}
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	v := base64.RawURLEncoding.EncodeToString(b)
	http.SetCookie(w, &http.Cookie{
		Name: csrfCookieName, Value: v, Path: "/",
		HttpOnly: true, Secure: c.secure, SameSite: http.SameSiteLaxMode,
	})
	return v
}

func (c csrf) fromRequest(r *http.Request) (string, bool) {
	ck, err := r.Cookie(csrfCookieName)
	if err != nil || len(ck.Value) != csrfCookieLen {
		return "", false
	}
	if _, err := base64.RawURLEncoding.DecodeString(ck.Value); err != nil {
		return "", false
	}
	return ck.Value, true
}

// token is the form field for cookie value v and authorization request id.
func (c csrf) token(v, authRequestID string) string {
	return base64.RawURLEncoding.EncodeToString(c.mac(v, authRequestID))
}

func (c csrf) mac(v, authRequestID string) []byte {
	m := hmac.New(sha256.New, c.key)
	m.Write([]byte(v))
	m.Write([]byte(authRequestID))
	return m.Sum(nil)
}

// valid reports whether the posted token matches the request's cookie and
// authRequestID. It compares MACs in constant time.
func (c csrf) valid(r *http.Request, authRequestID, token string) bool {
	v, ok := c.fromRequest(r)
	if !ok || token == "" {
		return false
	}
	got, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil {
		return false
	}
	return hmac.Equal(got, c.mac(v, authRequestID))
}
