// Package claimstest is a test issuer for code that verifies Gatehouse
// tokens with claims.Verifier: it serves a discovery document and a JWKS on
// an httptest server and signs tokens with keys of its own, so that a
// portal's or resource server's tests run the real verifier against real
// signatures instead of a mock of it.
//
//	iss := claimstest.NewIssuer(t)
//	v, err := claims.NewVerifier(iss.Config("my-portal"))
//	raw := iss.AccessToken(t, claims.AccessToken{Subject: "u1", Audience: []string{"my-portal"}, ...})
//
// Like the rest of package claims it imports the standard library and
// go-jose only.
package claimstest

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/gatehouse-id/gatehouse/claims"
)

// Issuer is a fake Gatehouse: discovery at /.well-known/openid-configuration,
// the JWKS at /keys (as Gatehouse serves them), and a signing key.
type Issuer struct {
	// URL is the issuer URL: the test server's, and the iss that
	// AccessToken and IDToken fill in.
	URL string

	srv          *httptest.Server
	jwksRequests atomic.Int64

	mu        sync.Mutex
	published []jose.JSONWebKey
	active    jose.SigningKey
}

// NewIssuer starts an issuer with one ES256 key; the server stops when the
// test ends.
func NewIssuer(tb testing.TB) *Issuer {
	tb.Helper()
	i := &Issuer{}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, map[string]string{"issuer": i.URL, "jwks_uri": i.URL + "/keys"})
	})
	mux.HandleFunc("GET /keys", func(w http.ResponseWriter, r *http.Request) {
		i.jwksRequests.Add(1)
		i.mu.Lock()
		set := jose.JSONWebKeySet{Keys: append([]jose.JSONWebKey(nil), i.published...)}
		i.mu.Unlock()
		w.Header().Set("Cache-Control", "public, max-age=600")
		writeJSON(w, set)
	})
	i.srv = httptest.NewServer(mux)
	tb.Cleanup(i.srv.Close)
	i.URL = i.srv.URL
	i.Rotate(tb, "ES256")
	return i
}

// Config returns a verifier configuration for this issuer that accepts the
// given audiences. Tests add their clock (Now) and whatever else they need.
func (i *Issuer) Config(audiences ...string) claims.Config {
	return claims.Config{Issuer: i.URL, Audiences: audiences, HTTPClient: i.srv.Client()}
}

// Rotate makes a new key of algorithm alg (RS256, ES256 or EdDSA), publishes
// it alongside the old ones and signs with it from now on. It returns the
// new key's kid.
func (i *Issuer) Rotate(tb testing.TB, alg string) string {
	tb.Helper()
	priv, pub, err := generate(jose.SignatureAlgorithm(alg))
	if err != nil {
		tb.Fatalf("claimstest: generate %s key: %v", alg, err)
	}
	id := make([]byte, 8)
	_, _ = rand.Read(id)
	kid := hex.EncodeToString(id)
	i.mu.Lock()
	defer i.mu.Unlock()
	i.published = append(i.published, jose.JSONWebKey{Key: pub, KeyID: kid, Algorithm: alg, Use: "sig"})
	i.active = jose.SigningKey{Algorithm: jose.SignatureAlgorithm(alg), Key: jose.JSONWebKey{Key: priv, KeyID: kid}}
	return kid
}

// JWKSRequests returns how often the JWKS has been fetched.
func (i *Issuer) JWKSRequests() int { return int(i.jwksRequests.Load()) }

// AccessToken signs at as an access token (typ at+jwt). An empty Issuer
// becomes i.URL; every other field is sent as given.
func (i *Issuer) AccessToken(tb testing.TB, at claims.AccessToken) string {
	tb.Helper()
	if at.Issuer == "" {
		at.Issuer = i.URL
	}
	return i.Sign(tb, at, "at+jwt")
}

// IDToken signs t as an ID token (typ JWT). An empty Issuer becomes i.URL.
func (i *Issuer) IDToken(tb testing.TB, t claims.IDToken) string {
	tb.Helper()
	if t.Issuer == "" {
		t.Issuer = i.URL
	}
	return i.Sign(tb, t, "JWT")
}

// LogoutToken signs t as a back-channel logout token (typ logout+jwt). An
// empty Issuer becomes i.URL, and nil Events the back-channel logout event.
func (i *Issuer) LogoutToken(tb testing.TB, t claims.LogoutToken) string {
	tb.Helper()
	if t.Issuer == "" {
		t.Issuer = i.URL
	}
	if t.Events == nil {
		t.Events = claims.NewLogoutEvents()
	}
	return i.Sign(tb, t, "logout+jwt")
}

// Sign signs the JSON of payload with the active key, with JOSE header typ
// (none if empty), and returns the compact JWS.
func (i *Issuer) Sign(tb testing.TB, payload any, typ string) string {
	tb.Helper()
	b, err := json.Marshal(payload)
	if err != nil {
		tb.Fatalf("claimstest: marshal payload: %v", err)
	}
	opts := &jose.SignerOptions{}
	if typ != "" {
		opts = opts.WithType(jose.ContentType(typ))
	}
	i.mu.Lock()
	key := i.active
	i.mu.Unlock()
	signer, err := jose.NewSigner(key, opts)
	if err != nil {
		tb.Fatalf("claimstest: signer: %v", err)
	}
	jws, err := signer.Sign(b)
	if err != nil {
		tb.Fatalf("claimstest: sign: %v", err)
	}
	raw, err := jws.CompactSerialize()
	if err != nil {
		tb.Fatalf("claimstest: serialize: %v", err)
	}
	return raw
}

func generate(alg jose.SignatureAlgorithm) (priv, pub any, err error) {
	switch alg {
	case jose.RS256:
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			return nil, nil, err
		}
		return k, &k.PublicKey, nil
	case jose.ES256:
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			return nil, nil, err
		}
		return k, &k.PublicKey, nil
	case jose.EdDSA:
		pub, priv, err := ed25519.GenerateKey(rand.Reader)
		return priv, pub, err
	}
	return nil, nil, fmt.Errorf("unsupported algorithm %q", alg)
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}
