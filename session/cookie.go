package session

import (
	"context"
	"net/http"
	"time"
)

// CookieName is the name of the SSO session cookie.
const CookieName = "gatehouse_session"

// Cookies writes and reads the session cookie. Secure is false only in plain
// local development (an http://localhost issuer); everywhere else the cookie
// never travels without TLS.
type Cookies struct {
	Secure bool
	Path   string // "/" if empty
}

// Set writes the session cookie. It is HttpOnly (no script reads it) and
// SameSite=Lax: sent on top-level navigations from portals (the authorize
// redirect) but not on cross-site subrequests or POSTs.
func (c Cookies) Set(w http.ResponseWriter, token string, lifetime time.Duration) {
	http.SetCookie(w, &http.Cookie{
		Name: CookieName, Value: token, Path: c.path(), MaxAge: int(lifetime.Seconds()),
		HttpOnly: true, Secure: c.Secure, SameSite: http.SameSiteLaxMode,
	})
}

// Clear removes the session cookie from the browser.
func (c Cookies) Clear(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{
		Name: CookieName, Value: "", Path: c.path(), MaxAge: -1,
		HttpOnly: true, Secure: c.Secure, SameSite: http.SameSiteLaxMode,
	})
}

func (c Cookies) path() string {
	if c.Path == "" {
		return "/"
	}
	return c.Path
}

// TokenFromRequest returns the session token the browser sent, or "".
func TokenFromRequest(r *http.Request) string {
	ck, err := r.Cookie(CookieName)
	if err != nil {
		return ""
	}
	return ck.Value
}

type ctxKey struct{}

// WithToken returns ctx carrying the browser's session token, so that code
// reached only through a context (the OpenID library's storage calls) can
// find the session.
func WithToken(ctx context.Context, token string) context.Context {
	return context.WithValue(ctx, ctxKey{}, token)
}

// TokenFromContext returns the token WithToken stored, or "".
func TokenFromContext(ctx context.Context) string {
	t, _ := ctx.Value(ctxKey{}).(string)
	return t
}
