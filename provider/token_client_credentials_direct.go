package provider

import (
	"net/http"
	"net/url"

	httphelper "github.com/zitadel/oidc/v3/pkg/http"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"

	"github.com/gatehouse-id/gatehouse/directory"
)

// directClientCredentials serves the commonest request of a device fleet,
// a client-credentials token for a client that authenticates with its
// secret, without the library's generic token endpoint. That endpoint
// routes the request, then decodes the form twice by reflection (once for
// the client's credentials, once for the grant) before calling
// ClientCredentialsExchange; the profile of a loaded node put that at a
// tenth of the request's time, as much as the rest of Gatehouse's own work
// on it (docs/performance.md).
//
// It reports false, having written nothing, for every request it does not
// recognise as a well-formed, authenticated one: another grant, a client
// assertion, credentials sent two ways or missing, an unknown client, a
// wrong secret, a client not registered for the grant or for the method it
// used. The library then answers exactly as it would have, with its error
// (and Gatehouse's log line and audit) for each case, so that the two paths
// cannot disagree about what is refused; the direct path only ever adds
// speed to a request that succeeds, or fails for its scope or the server,
// which clientCredentials decides for both.
func (s *Server) directClientCredentials(w http.ResponseWriter, r *http.Request) bool {
	if s.libraryOnly || r.Method != http.MethodPost || r.Form.Get("grant_type") != string(oidc.GrantTypeClientCredentials) {
		return false
	}
	id, secret, method, ok := secretCredentials(r)
	if !ok {
		return false
	}
	c, err := s.store.dir.Store().ClientByID(r.Context(), id)
	if err != nil || c.AuthMethod != method || !c.HasGrant(directory.GrantClientCredentials) ||
		s.store.dir.CheckClientSecret(&c, secret) != nil {
		return false
	}
	var scopes oidc.SpaceDelimitedArray
	if r.Form.Has("scope") {
		if r.Form.Get("scope") == "" {
			return false // the library's decoder decides what an empty scope means
		}
		_ = scopes.UnmarshalText([]byte(r.Form.Get("scope"))) // never fails
	}
	// The library's span for the token endpoint, so that traces look the
	// same whichever path served the request.
	ctx, span := op.Tracer.Start(r.Context(), r.URL.Path)
	defer span.End()
	resp, err := s.clientCredentials(ctx, c, scopes)
	if err != nil {
		op.WriteError(w, r, err, nil)
		return true
	}
	httphelper.MarshalJSON(w, resp)
	return true
}

// secretCredentials reads a client id and secret sent one way only, as the
// library's parseClientCredentials reads them (RFC 6749 §2.3.1: HTTP Basic
// with form-encoded parts, or client_id and client_secret in the body), and
// which of the two methods was used. ok is false for anything else,
// including a client assertion and credentials sent both ways, which the
// library refuses.
func secretCredentials(r *http.Request) (id, secret string, method directory.AuthMethod, ok bool) {
	if r.Form.Has("client_assertion") || r.Form.Has("client_assertion_type") {
		return "", "", "", false
	}
	if basicScheme(r.Header.Get("Authorization")) {
		if r.Form.Has("client_secret") {
			return "", "", "", false
		}
		user, pass, ok := r.BasicAuth()
		if !ok {
			return "", "", "", false
		}
		id, err1 := url.QueryUnescape(user)
		secret, err2 := url.QueryUnescape(pass)
		if err1 != nil || err2 != nil || id == "" || secret == "" {
			return "", "", "", false
		}
		return id, secret, directory.AuthSecretBasic, true
	}
	id, secret = r.Form.Get("client_id"), r.Form.Get("client_secret")
	if id == "" || secret == "" {
		return "", "", "", false
	}
	return id, secret, directory.AuthSecretPost, true
}
