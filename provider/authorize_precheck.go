package provider

import (
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"
)

// precheckAuthorize answers authorization requests whose parameters are
// wrong in ways the library would answer with a bare 400 (or, for a missing
// redirect_uri, a 500). RFC 6749 §4.1.2.1: once the client and its redirect
// URI are known good, every other error goes back to the client with error
// and state, so the portal can tell the person what happened. Errors in the
// client or the redirect URI itself are left to the library, which answers
// them here and never redirects. It reports whether it answered.
func (p *Provider) precheckAuthorize(w http.ResponseWriter, r *http.Request) bool {
	q := r.Form
	if q.Get("request") != "" || q.Get("request_uri") != "" {
		return false // the library refuses request objects with the right error
	}
	redirect := q.Get("redirect_uri")
	if redirect == "" {
		op.WriteError(w, r, oidc.ErrInvalidRequest().WithDescription("redirect_uri is required"), nil)
		return true
	}
	c, err := p.store.dir.Store().ClientByID(r.Context(), q.Get("client_id"))
	if err != nil || !slices.Contains(c.RedirectURIs, redirect) {
		return false
	}
	e := authorizeParamError(q)
	if e == nil {
		return false
	}
	u, err := url.Parse(redirect)
	if err != nil {
		return false
	}
	rq := u.Query()
	rq.Set("error", string(e.ErrorType))
	rq.Set("error_description", e.Description)
	if st := q.Get("state"); st != "" {
		rq.Set("state", st)
	}
	u.RawQuery = rq.Encode()
	http.Redirect(w, r, u.String(), http.StatusFound)
	return true
}

// authorizeParamError checks the parameters Gatehouse restricts: only the
// code flow, query or form_post responses, a scope, prompt=none alone.
func authorizeParamError(q url.Values) *oidc.Error {
	switch {
	case q.Get("response_type") != string(oidc.ResponseTypeCode):
		return &oidc.Error{ErrorType: "unsupported_response_type", Description: "only response_type=code is supported"}
	case strings.TrimSpace(q.Get("scope")) == "":
		return oidc.ErrInvalidRequest().WithDescription("scope is required (at least openid)")
	}
	switch oidc.ResponseMode(q.Get("response_mode")) {
	case "", oidc.ResponseModeQuery, oidc.ResponseModeFormPost:
	default:
		return oidc.ErrInvalidRequest().WithDescription("response_mode must be query or form_post")
	}
	prompts := strings.Fields(q.Get("prompt"))
	if slices.Contains(prompts, oidc.PromptNone) && len(prompts) > 1 {
		return oidc.ErrInvalidRequest().WithDescription("prompt=none must stand alone")
	}
	return nil
}
