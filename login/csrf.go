package login

import (
	"net/http"

	"github.com/gatehouse-id/gatehouse/internal/formcsrf"
)

// CSRF protection is package formcsrf's signed double submit: the browser
// holds a random value in the gatehouse_csrf cookie, and every form
// carries a MAC of that value and the authorization request's id in its
// csrf_token field. A POST is accepted only if the field matches the
// cookie it came with.
//
// Binding the token to the authorization request means a token leaked
// from one sign-in is worthless for another. The set-password pages share
// the cookie (a person may open a mailed link in the middle of a sign-in)
// but sign for another purpose, so their tokens are worthless here.
const (
	csrfCookieName = formcsrf.CookieName
	csrfField      = formcsrf.Field
	csrfCookieLen  = formcsrf.CookieLen
	// csrfPurpose separates the login's tokens from other pages'.
	csrfPurpose = "login"
	// csrfLogoutPurpose is the logout confirmation's (logout.go), bound
	// to the cookie alone: it acts on the browser's session, not on an
	// authorization request.
	csrfLogoutPurpose = "logout"
)

type csrf struct {
	key    []byte
	secure bool
}

// cookie returns the browser's CSRF cookie value, or sets a new one if it
// has none (or a malformed one).
func (c csrf) cookie(w http.ResponseWriter, r *http.Request) string {
	return formcsrf.Cookie(w, r, c.secure)
}

func (c csrf) fromRequest(r *http.Request) (string, bool) { return formcsrf.FromRequest(r) }

// token is the form field for cookie value v and authorization request id.
func (c csrf) token(v, authRequestID string) string {
	return formcsrf.Sign(c.key, csrfPurpose, v, authRequestID)
}

// valid reports whether the posted token matches the request's cookie and
// authRequestID, in constant time.
func (c csrf) valid(r *http.Request, authRequestID, token string) bool {
	return formcsrf.VerifyCookie(c.key, r, token, csrfPurpose, authRequestID)
}

// logoutToken is the logout confirmation's form field for cookie value v.
func (c csrf) logoutToken(v string) string { return formcsrf.Sign(c.key, csrfLogoutPurpose, v) }

// validLogout reports whether the posted token is the logout
// confirmation's for the request's cookie, in constant time.
func (c csrf) validLogout(r *http.Request, token string) bool {
	return formcsrf.VerifyCookie(c.key, r, token, csrfLogoutPurpose)
}
