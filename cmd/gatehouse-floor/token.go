package main

import (
	"encoding/json"
	"net/http"
	"strings"
	"time"
)

// tokenResponse is RFC 6749 §5.1's answer.
type tokenResponse struct {
	AccessToken string `json:"access_token"`
	TokenType   string `json:"token_type"`
	ExpiresIn   int    `json:"expires_in"`
	Scope       string `json:"scope"`
}

// token is the client-credentials grant: authenticate the client, read the
// form, mint a fresh JWT.
func (f *floor) token(w http.ResponseWriter, r *http.Request) {
	if !f.clientForm(w, r) {
		return
	}
	switch r.PostForm.Get("grant_type") {
	case "client_credentials":
	case "":
		oauthError(w, http.StatusBadRequest, "invalid_request")
		return
	default:
		oauthError(w, http.StatusBadRequest, "unsupported_grant_type")
		return
	}
	scope, ok := f.grantScope(r.PostForm.Get("scope"))
	if !ok {
		oauthError(w, http.StatusBadRequest, "invalid_scope")
		return
	}
	tok := f.static
	if f.key != nil {
		claims, err := json.Marshal(newClaims(f.issuer, string(f.clientID), scope, time.Now()))
		if err == nil {
			tok, err = f.key.sign(claims)
		}
		if err != nil {
			oauthError(w, http.StatusInternalServerError, "server_error")
			return
		}
	}
	writeJSON(w, http.StatusOK, tokenResponse{AccessToken: tok, TokenType: "Bearer",
		ExpiresIn: int(tokenLifetime.Seconds()), Scope: scope})
}

// clientForm authenticates the client (HTTP Basic) and parses the form of
// a request to the token or introspection endpoint, as every OAuth
// endpoint must first. It reports false once it has answered with the
// error.
func (f *floor) clientForm(w http.ResponseWriter, r *http.Request) bool {
	if !f.authenticate(r) {
		w.Header().Set("WWW-Authenticate", `Basic realm="gatehouse-floor"`)
		oauthError(w, http.StatusUnauthorized, "invalid_client")
		return false
	}
	r.Body = http.MaxBytesReader(w, r.Body, 1<<16)
	if err := r.ParseForm(); err != nil {
		oauthError(w, http.StatusBadRequest, "invalid_request")
		return false
	}
	return true
}

// grantScope is the scope granted for a request's: the client's own when
// it asks for none, and only scopes the client has.
func (f *floor) grantScope(asked string) (string, bool) {
	if strings.TrimSpace(asked) == "" {
		return f.scope, true
	}
	fields := strings.Fields(asked)
	for _, s := range fields {
		if !f.scopes[s] {
			return "", false
		}
	}
	return strings.Join(fields, " "), true
}
