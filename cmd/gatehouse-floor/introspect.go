package main

import (
	"crypto/subtle"
	"encoding/json"
	"net/http"
	"time"

	"github.com/go-jose/go-jose/v4"
)

// introspection is RFC 7662's answer; an inactive token is {"active":false}
// and nothing else.
type introspection struct {
	Active   bool   `json:"active"`
	ClientID string `json:"client_id,omitempty"`
	Subject  string `json:"sub,omitempty"`
	Scope    string `json:"scope,omitempty"`
	Expiry   int64  `json:"exp,omitempty"`
	IssuedAt int64  `json:"iat,omitempty"`
	Issuer   string `json:"iss,omitempty"`
	ID       string `json:"jti,omitempty"`
}

// introspect verifies one of the floor's tokens for the client: the floor
// of a stateless introspection (HTTP Basic, the form, one signature
// verification), to compare Gatehouse's introspection with.
func (f *floor) introspect(w http.ResponseWriter, r *http.Request) {
	if !f.clientForm(w, r) {
		return
	}
	if r.PostForm.Get("token") == "" {
		oauthError(w, http.StatusBadRequest, "invalid_request")
		return
	}
	writeJSON(w, http.StatusOK, f.inspect(r.PostForm.Get("token"), time.Now()))
}

func (f *floor) inspect(token string, now time.Time) introspection {
	if f.key == nil {
		if subtle.ConstantTimeCompare([]byte(token), []byte(f.static)) == 1 {
			return introspection{Active: true, ClientID: string(f.clientID), Subject: string(f.clientID), Scope: f.scope}
		}
		return introspection{}
	}
	jws, err := jose.ParseSigned(token, []jose.SignatureAlgorithm{f.key.alg})
	if err != nil {
		return introspection{}
	}
	body, err := jws.Verify(f.key.public.Key)
	if err != nil {
		return introspection{}
	}
	var c accessClaims
	if json.Unmarshal(body, &c) != nil || c.Issuer != f.issuer || now.Unix() >= c.Expiry {
		return introspection{}
	}
	return introspection{Active: true, ClientID: c.ClientID, Subject: c.Subject, Scope: c.Scope,
		Expiry: c.Expiry, IssuedAt: c.IssuedAt, Issuer: c.Issuer, ID: c.ID}
}
