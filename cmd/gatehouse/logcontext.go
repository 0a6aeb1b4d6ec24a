package main

import (
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"unicode"

	"github.com/gatehouse-id/gatehouse/internal/requestid"
)

// withLogContext names, on every log line of a request, the client it is
// for when the request says so itself: client_id in the query (authorize,
// end_session), in HTTP Basic authentication, or in the form of the
// OAuth endpoints (token, introspection, revocation). Client ids are not
// secrets; one that could not be a real id (too long, not printable) is
// left out, so that nobody writes into the log through it. The pages name
// their tenant themselves (withPageContext).
func withLogContext(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if id := clientOf(r); loggable(id) {
			requestid.Annotate(r.Context(), slog.String("client_id", id))
		}
		next.ServeHTTP(w, r)
	})
}

// clientOf is the client id the request states, or "".
func clientOf(r *http.Request) string {
	if id := r.URL.Query().Get("client_id"); id != "" {
		return id
	}
	if user, _, ok := r.BasicAuth(); ok {
		id, err := url.QueryUnescape(user) // RFC 6749 §2.3.1 encodes it
		if err == nil {
			return id
		}
	}
	if r.Method != http.MethodPost || !oauthForm(r) {
		return ""
	}
	// The form is parsed here once, within the body limit; the library
	// finds it parsed.
	if err := r.ParseForm(); err != nil {
		return ""
	}
	return r.PostForm.Get("client_id")
}

// oauthForm reports whether r posts a form to an OAuth endpoint that
// names its client in it.
func oauthForm(r *http.Request) bool {
	switch r.URL.Path {
	case "/oauth/token", "/oauth/introspect", "/revoke":
	default:
		return false
	}
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return err == nil && mt == "application/x-www-form-urlencoded"
}

// loggable reports whether a client id may go into the log as it is.
func loggable(id string) bool {
	if id == "" || len(id) > 128 {
		return false
	}
	for _, c := range id {
		if !unicode.IsPrint(c) {
			return false
		}
	}
	return true
}
