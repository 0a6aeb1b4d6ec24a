package provider

import (
	"context"
	"errors"
	"net/http"
	"net/url"

	"github.com/zitadel/oidc/v3/pkg/op"

	"github.com/gatehouse-id/gatehouse/session"
)

// RP-Initiated Logout 1.0 §2 and §6: a logout request without an
// id_token_hint may come from a link anyone could embed, so the person is
// asked first. end_session without a hint, in a browser with a live
// session, is answered with a redirect to the confirmation page
// (Config.LogoutConfirmPath, served by package login) carrying the
// request's parameters; nothing is ended. Once the person confirms there
// (a POST with its CSRF token), the page calls EndConfirmedLogout, which
// runs the library's end_session with those parameters and a mark in the
// context that only this process can set, so the logout happens exactly
// as it does with a hint today.
//
// With an id_token_hint the library verifies it and the logout goes on
// without a prompt (an invalid hint is refused, as before). Without a
// session there is nothing to end, and a request the library would refuse
// (an unknown client, an unregistered post_logout_redirect_uri) is left
// to it, so that the refusal comes at once rather than after a
// confirmation.

// logoutParams are the end_session parameters the confirmation page
// carries; anything else in the request is dropped.
var logoutParams = []string{"client_id", "post_logout_redirect_uri", "state", "ui_locales", "logout_hint"}

// logoutConfirmed marks, in the context, an end_session request the person
// confirmed.
type logoutConfirmed struct{}

// askToConfirmLogout answers an end_session request that needs the
// person's confirmation with a redirect to the confirmation page, and
// reports whether it did.
func (p *Provider) askToConfirmLogout(w http.ResponseWriter, r *http.Request) bool {
	ctx := r.Context()
	if ok, _ := ctx.Value(logoutConfirmed{}).(bool); ok {
		return false
	}
	if r.Method != http.MethodGet && r.Method != http.MethodPost {
		return false
	}
	if err := r.ParseForm(); err != nil || r.Form.Get("id_token_hint") != "" {
		return false // the library answers: a bad form, or a hint to verify
	}
	if _, err := p.store.sessions.Lookup(ctx, session.TokenFromContext(ctx)); errors.Is(err, session.ErrNotFound) {
		return false // nothing to end: the library only redirects
	}
	req, err := op.ParseEndSessionRequest(r, p.op.Decoder())
	if err != nil {
		return false
	}
	if _, err := op.ValidateEndSessionRequest(ctx, req, p.op); err != nil {
		return false // refused by the library, at once
	}
	http.Redirect(w, r, p.cfg.LogoutConfirmPath+"?"+keepLogoutParams(r.Form).Encode(), http.StatusSeeOther)
	return true
}

func keepLogoutParams(form url.Values) url.Values {
	q := url.Values{}
	for _, name := range logoutParams {
		if v := form.Get(name); v != "" {
			q.Set(name, v)
		}
	}
	return q
}

// EndConfirmedLogout ends the browser's session for an end_session request
// the person confirmed on the confirmation page: params are the request's
// parameters as the page received them (only those of logoutParams
// count). The answer is end_session's: a redirect to the registered
// post_logout_redirect_uri or the signed-out page, with the session cookie
// cleared, or the library's error. The caller checks the CSRF token.
func (p *Provider) EndConfirmedLogout(w http.ResponseWriter, r *http.Request, params url.Values) {
	q := keepLogoutParams(params).Encode()
	r2 := r.Clone(context.WithValue(r.Context(), logoutConfirmed{}, true))
	r2.Method = http.MethodGet
	r2.URL = &url.URL{Path: pathEndSession, RawQuery: q}
	r2.RequestURI = r2.URL.RequestURI()
	r2.Body, r2.ContentLength, r2.Form, r2.PostForm = http.NoBody, 0, nil, nil
	r2.Header.Del("Content-Type")
	p.handler.ServeHTTP(w, r2)
}
