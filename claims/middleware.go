package claims

import (
	"context"
	"errors"
	"net/http"
	"strings"
)

type contextKey struct{}

// NewContext returns ctx carrying at, as the middleware does. Handler tests
// use it to skip the middleware.
func NewContext(ctx context.Context, at *AccessToken) context.Context {
	return context.WithValue(ctx, contextKey{}, at)
}

// FromContext returns the verified access token the middleware put in ctx.
func FromContext(ctx context.Context) (*AccessToken, bool) {
	at, ok := ctx.Value(contextKey{}).(*AccessToken)
	return at, ok && at != nil
}

// Middleware admits a request only with a valid access token in its
// Authorization header (RFC 6750 §2.1, "Bearer" scheme; tokens in the query
// or the body are not read) and hands next a request whose context carries
// the token (FromContext). It answers as RFC 6750 §3 describes:
//
//   - no bearer credentials: 401 with a bare "Bearer" challenge, since "if
//     the request lacks any authentication information, the resource server
//     SHOULD NOT include an error code";
//   - two Authorization headers: 400 invalid_request;
//   - a token that does not verify: 401 invalid_token;
//   - the issuer's keys cannot be fetched: 503, because the fault is not
//     the client's and a new token would not help.
//
// error_description is one of two fixed sentences: the reason a token
// failed stays in the log (Config.Logger, Debug), which never sees the
// token. A CORS handler goes in front of the middleware, since preflight
// requests carry no token.
func (v *Verifier) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		raw, status := bearerToken(r)
		switch status {
		case http.StatusUnauthorized:
			challenge(w, http.StatusUnauthorized, `Bearer`)
			return
		case http.StatusBadRequest:
			challenge(w, http.StatusBadRequest, `Bearer error="invalid_request", error_description="Send one Authorization header"`)
			return
		}
		at, err := v.VerifyAccessToken(r.Context(), raw)
		switch {
		case err == nil:
			next.ServeHTTP(w, r.WithContext(NewContext(r.Context(), at)))
		case errors.Is(err, ErrKeySetUnavailable):
			v.cfg.Logger.WarnContext(r.Context(), "access token not verifiable", "err", err)
			http.Error(w, http.StatusText(http.StatusServiceUnavailable), http.StatusServiceUnavailable)
		case r.Context().Err() != nil: // the client went away while keys were fetched
			v.cfg.Logger.DebugContext(r.Context(), "access token not verified", "err", err)
			http.Error(w, http.StatusText(http.StatusServiceUnavailable), http.StatusServiceUnavailable)
		case errors.Is(err, ErrExpired):
			v.cfg.Logger.DebugContext(r.Context(), "access token refused", "err", err)
			challenge(w, http.StatusUnauthorized, `Bearer error="invalid_token", error_description="The access token expired"`)
		default:
			v.cfg.Logger.DebugContext(r.Context(), "access token refused", "err", err)
			challenge(w, http.StatusUnauthorized, `Bearer error="invalid_token", error_description="The access token is invalid"`)
		}
	})
}

// Require admits a request only if allow approves the access token the
// middleware verified, and otherwise answers 403 insufficient_scope (RFC 6750
// §3.1: "The request requires higher privileges than provided by the access
// token"). Without Middleware in front there is no token, and the answer is
// 401. Use it for what the token alone decides, such as a permission; a
// check that needs the resource (InSubtree) belongs in the handler.
func Require(allow func(*AccessToken) bool, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		at, ok := FromContext(r.Context())
		switch {
		case !ok:
			challenge(w, http.StatusUnauthorized, `Bearer`)
		case !allow(at):
			challenge(w, http.StatusForbidden, `Bearer error="insufficient_scope", error_description="The access token does not grant this"`)
		default:
			next.ServeHTTP(w, r)
		}
	})
}

// bearerToken returns the token of an "Authorization: Bearer <token>"
// header, or the status to refuse the request with. The scheme is matched
// case-insensitively (RFC 9110 §11.1).
func bearerToken(r *http.Request) (string, int) {
	h := r.Header.Values("Authorization")
	switch {
	case len(h) == 0:
		return "", http.StatusUnauthorized
	case len(h) > 1:
		return "", http.StatusBadRequest
	}
	scheme, token, _ := strings.Cut(h[0], " ")
	token = strings.TrimSpace(token)
	if !strings.EqualFold(scheme, "Bearer") || token == "" {
		return "", http.StatusUnauthorized
	}
	return token, 0
}

// challenge answers status with a WWW-Authenticate header (set before the
// status is written) and a plain-text body.
func challenge(w http.ResponseWriter, status int, wwwAuthenticate string) {
	w.Header().Set("WWW-Authenticate", wwwAuthenticate)
	http.Error(w, http.StatusText(status), status)
}
