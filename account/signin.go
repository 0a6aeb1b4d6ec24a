package account

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"log/slog"
	"net/http"
	"net/url"
	"time"

	"github.com/gatehouse-id/gatehouse/templates"
)

const (
	// stateCookieName holds the state of the authorization request this
	// browser started, until it comes back.
	stateCookieName = "gatehouse_account_state"
	// stateTTL is how long the browser may take to come back: as long as
	// the provider keeps an authorization request.
	stateTTL = 30 * time.Minute
	// stateLen is the length of a state: 32 random bytes, unpadded
	// base64url.
	stateLen = 43
)

// signIn serves GET /account/login: an authorization request for the
// built-in client, at Gatehouse's own /authorize (see doc.go). With a live
// session the provider answers at once; otherwise the login pages run.
func (h *Handler) signIn(w http.ResponseWriter, r *http.Request) error {
	state := randomString()
	// RFC 7636 §4.1-4.2: a high-entropy verifier, sent as its S256
	// challenge. Gatehouse requires PKCE of every client; since the code
	// is never redeemed, the verifier is not kept.
	sum := sha256.Sum256([]byte(randomString()))
	q := url.Values{
		"client_id":             {ClientID},
		"redirect_uri":          {h.redirectURI},
		"response_type":         {"code"},
		"scope":                 {"openid"},
		"state":                 {state},
		"code_challenge":        {base64.RawURLEncoding.EncodeToString(sum[:])},
		"code_challenge_method": {"S256"},
	}
	http.SetCookie(w, &http.Cookie{
		Name: stateCookieName, Value: state, Path: Path, MaxAge: int(stateTTL / time.Second),
		HttpOnly: true, Secure: h.secure, SameSite: http.SameSiteLaxMode,
	})
	http.Redirect(w, r, h.authorize+"?"+q.Encode(), http.StatusFound)
	return nil
}

// returned handles GET /account?code=…&state=… (or error=…): the end of
// signIn's request. RFC 6749 §10.12: the client "MUST implement CSRF
// protection for its redirection URI", binding the request to the
// user-agent's authenticated state; here the state must equal the one in
// this browser's cookie. A return that does not match is refused and
// ignored: the cookie stays for the return it belongs to, if any.
func (h *Handler) returned(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	ck, err := r.Cookie(stateCookieName)
	if err != nil || len(ck.Value) != stateLen ||
		subtle.ConstantTimeCompare([]byte(q.Get("state")), []byte(ck.Value)) != 1 {
		h.log.LogAttrs(r.Context(), slog.LevelWarn, "account sign-in return refused: state does not match this browser's")
		h.pages.Render(w, r, http.StatusBadRequest, templates.AccountSignInPage{Notice: templates.MsgAccountSignInFailed})
		return nil
	}
	http.SetCookie(w, &http.Cookie{
		Name: stateCookieName, Value: "", Path: Path, MaxAge: -1,
		HttpOnly: true, Secure: h.secure, SameSite: http.SameSiteLaxMode,
	})
	if q.Has("error") {
		h.log.LogAttrs(r.Context(), slog.LevelInfo, "account sign-in ended without a session")
		h.pages.Render(w, r, http.StatusBadRequest, templates.AccountSignInPage{Notice: templates.MsgAccountSignInFailed})
		return nil
	}
	// The code is not redeemed (doc.go); the session the login created is
	// what authorizes the page. Going on to the bare URL keeps the code
	// out of the history and makes a reload harmless.
	http.Redirect(w, r, Path, http.StatusSeeOther)
	return nil
}

func randomString() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	return base64.RawURLEncoding.EncodeToString(b)
}
