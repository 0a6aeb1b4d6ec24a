package provider

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"

	"github.com/gatehouse-id/gatehouse/session"
)

// maxFormBytes bounds request bodies at the OAuth endpoints.
const maxFormBytes = 64 << 10

// JWKSMaxAge is how long relying parties may cache discovery and the JWKS
// (Cache-Control max-age). The signing key schedule (package keys) is
// built on it: a new key is published twice this long before it signs.
const JWKSMaxAge = 5 * time.Minute

// endpoint paths, as the library serves them (op.DefaultEndpoints).
var (
	pathAuthorize  = op.DefaultEndpoints.Authorization.Relative()
	pathToken      = op.DefaultEndpoints.Token.Relative()
	pathIntrospect = op.DefaultEndpoints.Introspection.Relative()
	pathUserinfo   = op.DefaultEndpoints.Userinfo.Relative()
	pathRevoke     = op.DefaultEndpoints.Revocation.Relative()
	pathEndSession = op.DefaultEndpoints.EndSession.Relative()
	pathKeys       = op.DefaultEndpoints.JwksURI.Relative()
	// pathDeviceAuthorization is RFC 8628's device authorization endpoint.
	pathDeviceAuthorization = op.DefaultEndpoints.DeviceAuthorization.Relative()
)

// middleware wraps the library's router with what it leaves to us.
func (p *Provider) middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		path := r.URL.Path
		// MaxBytesReader marks the connection for closing through the
		// server's own writer, which it finds by type: give it that one.
		orig := w
		h := w.Header()
		switch path {
		case pathToken, pathIntrospect, pathUserinfo, pathRevoke, pathDeviceAuthorization:
			// RFC 6749 §5.1: token responses must not be cached.
			h.Set("Cache-Control", "no-store")
			h.Set("Pragma", "no-cache")
		case oidc.DiscoveryEndpoint, pathKeys:
			// Short enough that a key published ahead of a rotation reaches
			// every relying party long before it signs.
			h.Set("Cache-Control", "public, max-age="+strconv.Itoa(int(JWKSMaxAge/time.Second)))
		}
		if cors(w, r, path) {
			return
		}
		if r.Body != nil {
			r.Body = http.MaxBytesReader(orig, r.Body, maxFormBytes)
		}
		if path == pathAuthorize || path == pathToken || path == pathRevoke || path == pathIntrospect || path == pathDeviceAuthorization {
			if err := r.ParseForm(); err != nil {
				op.WriteError(w, r, oidc.ErrInvalidRequest().WithDescription("the request body could not be read"), nil)
				return
			}
			if name := repeatedParam(r); name != "" {
				// RFC 6749 §3.1 and §3.2: "Request and response parameters
				// MUST NOT be included more than once."
				op.WriteError(w, r, oidc.ErrInvalidRequest().WithDescription("parameter %q is repeated", name), nil)
				return
			}
		}
		// A machine's token, the commonest request of all, needs nothing
		// below: no browser session, no outage flag (the direct path answers
		// a store's outage itself), no challenge (it never answers 401).
		if path == pathToken && p.srv.directClientCredentials(w, r) {
			return
		}
		// The browser's SSO session travels in the context, so that storage
		// methods (CreateAuthRequest, AuthRequestByID, end_session) see it.
		ctx, st := withRequestState(session.WithToken(r.Context(), session.TokenFromRequest(r)), r.RemoteAddr)
		r = r.WithContext(ctx)
		w = outageWriter{ResponseWriter: w, flag: &st.outage}
		if path == pathAuthorize && p.precheckAuthorize(w, r) {
			return
		}
		if (path == oidc.DiscoveryEndpoint || path == pathKeys) && (r.Method == http.MethodGet || r.Method == http.MethodHead) {
			p.docs.serve(w, r, path, next)
			return
		}
		if path == pathEndSession && p.askToConfirmLogout(w, r) {
			return
		}
		switch path {
		case pathToken, pathRevoke, pathIntrospect, pathDeviceAuthorization:
			w = &challengeWriter{ResponseWriter: w, challenge: `Basic realm="gatehouse"`}
		case pathUserinfo:
			w = &challengeWriter{ResponseWriter: w, challenge: `Bearer realm="gatehouse", error="invalid_token"`}
		case pathEndSession:
			w = &logoutWriter{ResponseWriter: w, cookies: p.cookies}
		}
		next.ServeHTTP(w, r)
	})
}

// repeatedParam returns the name of a parameter sent more than once, or "".
// r.Form merges query and body, so a name in both counts as repeated too.
func repeatedParam(r *http.Request) string {
	for name, vs := range r.Form {
		if len(vs) > 1 {
			return name
		}
	}
	return ""
}

// cors answers cross-origin requests from browser-based portals (public
// clients) at the endpoints they call with fetch: discovery, JWKS, token,
// userinfo, revocation. None of these reads a cookie, so any origin may call
// them without credentials. Authorize and end_session are navigations and
// get no CORS headers. cors reports whether it answered a preflight.
func cors(w http.ResponseWriter, r *http.Request, path string) bool {
	switch path {
	case oidc.DiscoveryEndpoint, pathKeys, pathToken, pathUserinfo, pathRevoke:
	default:
		return false
	}
	if r.Header.Get("Origin") == "" {
		return false
	}
	h := w.Header()
	h.Set("Access-Control-Allow-Origin", "*")
	if r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" {
		h.Set("Access-Control-Allow-Methods", "GET, POST")
		h.Set("Access-Control-Allow-Headers", "Authorization, Content-Type")
		h.Set("Access-Control-Max-Age", "600")
		w.WriteHeader(http.StatusNoContent)
		return true
	}
	return false
}

// challengeWriter adds a WWW-Authenticate challenge to 401 answers (RFC 6749
// §5.2, RFC 6750 §3).
type challengeWriter struct {
	http.ResponseWriter
	challenge string
}

func (c *challengeWriter) WriteHeader(code int) {
	if code == http.StatusUnauthorized {
		c.Header().Set("WWW-Authenticate", c.challenge)
	}
	c.ResponseWriter.WriteHeader(code)
}

// logoutWriter clears the session cookie when end_session succeeds (it
// answers with a redirect), and leaves it when the request was refused.
type logoutWriter struct {
	http.ResponseWriter
	cookies session.Cookies
}

func (l *logoutWriter) WriteHeader(code int) {
	if code == http.StatusFound || code == http.StatusSeeOther {
		l.cookies.Clear(l.ResponseWriter)
	}
	l.ResponseWriter.WriteHeader(code)
}

func (l *logoutWriter) Unwrap() http.ResponseWriter { return l.ResponseWriter }

func (c *challengeWriter) Unwrap() http.ResponseWriter { return c.ResponseWriter }

// basicScheme reports whether an Authorization header uses Basic.
func basicScheme(h string) bool { return strings.HasPrefix(strings.ToLower(h), "basic ") }
