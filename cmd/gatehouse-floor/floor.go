package main

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
)

// floor is the token endpoint and what it publishes. Everything but the
// token is rendered once; per request there is HTTP Basic, the form, the
// claims, one signature and the JSON answer: the least any token endpoint
// does.
type floor struct {
	issuer    string
	clientID  []byte
	secret    []byte
	scopes    map[string]bool
	scope     string      // granted when none is asked for
	key       *signingKey // nil: static
	static    string      // the one token of the static mode
	discovery []byte
	jwks      []byte
}

func newFloor(issuer string, o *serveOptions) (*floor, error) {
	alg, err := parseAlg(o.alg)
	if err != nil {
		return nil, err
	}
	f := &floor{issuer: issuer, clientID: []byte(o.clientID), secret: []byte(o.clientSecret),
		scope: strings.Join(strings.Fields(o.scope), " "), scopes: map[string]bool{}}
	for _, s := range strings.Fields(o.scope) {
		f.scopes[s] = true
	}
	keys := []any{}
	if alg == nil {
		var b [32]byte
		_, _ = rand.Read(b[:])
		f.static = base64.RawURLEncoding.EncodeToString(b[:])
	} else {
		if f.key, err = newSigningKey(*alg); err != nil {
			return nil, err
		}
		keys = append(keys, f.key.public)
	}
	if f.jwks, err = json.Marshal(map[string]any{"keys": keys}); err != nil {
		return nil, err
	}
	f.discovery, err = json.Marshal(map[string]any{
		"issuer":                 issuer,
		"token_endpoint":         issuer + "/token",
		"jwks_uri":               issuer + "/jwks",
		"introspection_endpoint": issuer + "/introspect",
		// gatehouse-bench refuses metadata that names an endpoint off
		// its target, or none: these two exist and refuse, since the
		// floor has no people to sign in.
		"authorization_endpoint":                issuer + "/authorize",
		"userinfo_endpoint":                     issuer + "/userinfo",
		"grant_types_supported":                 []string{"client_credentials"},
		"response_types_supported":              []string{},
		"token_endpoint_auth_methods_supported": []string{"client_secret_basic"},
		"scopes_supported":                      strings.Fields(o.scope),
	})
	return f, err
}

func (f *floor) handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /token", f.token)
	mux.HandleFunc("POST /introspect", f.introspect)
	mux.HandleFunc("GET /.well-known/openid-configuration", rendered(f.discovery))
	mux.HandleFunc("GET /jwks", rendered(f.jwks))
	mux.HandleFunc("GET /authorize", func(w http.ResponseWriter, _ *http.Request) {
		oauthError(w, http.StatusBadRequest, "unsupported_response_type")
	})
	mux.HandleFunc("GET /userinfo", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
		oauthError(w, http.StatusUnauthorized, "invalid_token")
	})
	return mux
}

// authenticate checks the request's HTTP Basic credentials in constant
// time. As RFC 6749 §2.3.1 has it, both are form-encoded first.
func (f *floor) authenticate(r *http.Request) bool {
	id, secret, ok := r.BasicAuth()
	if !ok {
		return false
	}
	id, err1 := url.QueryUnescape(id)
	secret, err2 := url.QueryUnescape(secret)
	match := subtle.ConstantTimeCompare([]byte(id), f.clientID) & subtle.ConstantTimeCompare([]byte(secret), f.secret)
	return err1 == nil && err2 == nil && match == 1
}

// rendered serves bytes rendered once, as Gatehouse serves its metadata.
func rendered(b []byte) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "max-age=300")
		_, _ = w.Write(b)
	}
}

// writeJSON answers v, never to be cached: it holds a token or says
// something about one.
func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

func oauthError(w http.ResponseWriter, status int, code string) {
	writeJSON(w, status, map[string]string{"error": code})
}
