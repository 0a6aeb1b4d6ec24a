package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/gatehouse-id/gatehouse/directory"
)

// machineKey is a private_key_jwt machine client's key pair.
type machineKey struct {
	priv *ecdsa.PrivateKey
	kid  string
}

func newMachineKey(t *testing.T, kid string) machineKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return machineKey{k, kid}
}

func keySetJSON(t *testing.T, keys ...machineKey) string {
	t.Helper()
	var set jose.JSONWebKeySet
	for _, k := range keys {
		set.Keys = append(set.Keys, jose.JSONWebKey{Key: &k.priv.PublicKey, KeyID: k.kid, Algorithm: "ES256", Use: "sig"})
	}
	b, err := json.Marshal(set)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// assertion is what the client signs (RFC 7523 §3): iss = sub = its id,
// aud, a minute to live and a fresh jti, changed by edit if not nil.
func (k machineKey) assertion(t *testing.T, clientID, aud string, now time.Time, edit func(*jwt.Claims)) string {
	t.Helper()
	c := jwt.Claims{Issuer: clientID, Subject: clientID, Audience: jwt.Audience{aud}, ID: rand.Text(),
		IssuedAt: jwt.NewNumericDate(now), Expiry: jwt.NewNumericDate(now.Add(time.Minute))}
	if edit != nil {
		edit(&c)
	}
	sg, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: k.priv},
		(&jose.SignerOptions{}).WithType("JWT").WithHeader("kid", k.kid))
	if err != nil {
		t.Fatal(err)
	}
	raw, err := jwt.Signed(sg).Claims(c).Serialize()
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// registerKeyClient registers a private_key_jwt machine client of
// contoso with the keys jwks or at jwksURI, as an administrator would.
func registerKeyClient(t *testing.T, h *harness, id, jwks, jwksURI string) {
	t.Helper()
	d := h.app.directory
	_, _, _, err := d.PutClient(t.Context(), d.Store(), directory.Client{ID: id, Name: "Key machine " + id,
		TenantID: mustTenantID(t, h, "contoso"), Type: directory.ClientConfidential, AuthMethod: directory.AuthPrivateKeyJWT,
		JWKS: jwks, JWKSURI: jwksURI, GrantTypes: []string{directory.GrantClientCredentials}, Scopes: []string{"devices.read"}}, "")
	if err != nil {
		t.Fatal(err)
	}
}

// keyClientToken asks for a client-credentials token with x/oauth2,
// authenticating with assertion: no secret, the assertion in the body.
func keyClientToken(t *testing.T, h *harness, id, assertion string) (*oauth2.Token, error) {
	t.Helper()
	cc := clientcredentials.Config{ClientID: id, TokenURL: h.oidc.Endpoint().TokenURL, AuthStyle: oauth2.AuthStyleInParams,
		Scopes: []string{"devices.read"}, EndpointParams: url.Values{
			"client_assertion_type": {"urn:ietf:params:oauth:client-assertion-type:jwt-bearer"},
			"client_assertion":      {assertion},
		}}
	return cc.Token(t.Context())
}

// TestPrivateKeyJWTClientCredentials: a machine client registered with
// inline public keys gets a token by private_key_jwt; a replayed,
// expired or wrongly addressed assertion, a secret from it, or an
// assertion signed by another key is invalid_client (401); it
// introspects with an assertion addressed to the introspection endpoint.
func TestPrivateKeyJWTClientCredentials(t *testing.T) {
	h := newHarness(t)
	key := newMachineKey(t, "k1")
	registerKeyClient(t, h, "key-machine", keySetJSON(t, key), "")
	tokenURL := h.oidc.Endpoint().TokenURL
	now := h.clock.Now()

	first := key.assertion(t, "key-machine", tokenURL, now, nil)
	tok, err := keyClientToken(t, h, "key-machine", first)
	if err != nil {
		t.Fatalf("private_key_jwt client credentials: %v", err)
	}
	at := h.verifyAccessToken(t, tok.AccessToken, "key-machine")
	if at.Subject != "key-machine" || at.Scope != "devices.read" || at.Tenant == nil || at.Tenant.Slug != "contoso" {
		t.Errorf("token claims %+v", at)
	}
	if _, err := keyClientToken(t, h, "key-machine", key.assertion(t, "key-machine", h.issuer, now, nil)); err != nil {
		t.Errorf("aud the issuer identifier: %v", err)
	}

	other := newMachineKey(t, "k1")
	for _, tc := range []struct {
		name      string
		assertion string
	}{
		{"replayed", first},
		{"expired", key.assertion(t, "key-machine", tokenURL, now, func(c *jwt.Claims) {
			c.IssuedAt, c.Expiry = jwt.NewNumericDate(now.Add(-5*time.Minute)), jwt.NewNumericDate(now.Add(-4*time.Minute))
		})},
		{"wrongly addressed", key.assertion(t, "key-machine", "https://elsewhere.example/oauth/token", now, nil)},
		{"another key under the kid", other.assertion(t, "key-machine", tokenURL, now, nil)},
		{"another client's id", key.assertion(t, "machine", tokenURL, now, nil)},
	} {
		_, err := keyClientToken(t, h, "key-machine", tc.assertion)
		t.Run(tc.name, func(t *testing.T) { wantOAuthError(t, err, "invalid_client") })
	}
	// The refusal is 401 with a challenge, and a secret is no way in.
	res := h.tokenRequest(t, "key-machine", machineSecret, url.Values{"grant_type": {"client_credentials"}})
	res.want(t, http.StatusUnauthorized, "invalid_client")
	if desc, _ := res.body["error_description"].(string); !strings.Contains(desc, "private_key_jwt") {
		t.Errorf("a secret from a private_key_jwt client: %q", desc)
	}
	// A secret client's assertion is refused too.
	res = h.postForm(t, "/oauth/token", url.Values{"grant_type": {"client_credentials"},
		"client_assertion_type": {"urn:ietf:params:oauth:client-assertion-type:jwt-bearer"},
		"client_assertion":      {key.assertion(t, "machine", tokenURL, now, nil)}})
	res.want(t, http.StatusUnauthorized, "invalid_client")
	if res.header.Get("WWW-Authenticate") == "" {
		t.Error("invalid_client without WWW-Authenticate")
	}
	// Another assertion type is a malformed request, answered by the
	// library's parser before any client is looked at (docs/oauth.md).
	res = h.postForm(t, "/oauth/token", url.Values{"grant_type": {"client_credentials"}, "client_id": {"key-machine"},
		"client_assertion_type": {"urn:ietf:params:oauth:client-assertion-type:saml2-bearer"},
		"client_assertion":      {key.assertion(t, "key-machine", tokenURL, now, nil)}})
	res.want(t, http.StatusBadRequest, "invalid_request")

	// Introspection, addressed to its own endpoint.
	res = h.postForm(t, "/oauth/introspect", url.Values{"token": {tok.AccessToken},
		"client_assertion_type": {"urn:ietf:params:oauth:client-assertion-type:jwt-bearer"},
		"client_assertion":      {key.assertion(t, "key-machine", h.issuer+"/oauth/introspect", now, nil)}})
	res.want(t, http.StatusOK, "")
	if res.body["active"] != true {
		t.Errorf("introspection by a private_key_jwt client: %v", res.body)
	}
}

// postForm posts form to path without client credentials in a header.
func (h *harness) postForm(t *testing.T, path string, form url.Values) result {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, h.issuer+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return h.do(t, req)
}

// TestPrivateKeyJWTReplayAcrossNodes: an assertion used on one node is
// refused on the other (the jti is claimed in the shared Redis).
func TestPrivateKeyJWTReplayAcrossNodes(t *testing.T) {
	c := newCluster(t)
	key := newMachineKey(t, "k1")
	registerKeyClient(t, c.harness, "key-machine", keySetJSON(t, key), "")
	a := key.assertion(t, "key-machine", c.oidc.Endpoint().TokenURL, c.clock.Now(), nil)
	c.use(0)
	if _, err := keyClientToken(t, c.harness, "key-machine", a); err != nil {
		t.Fatalf("node 1: %v", err)
	}
	c.use(1)
	_, err := keyClientToken(t, c.harness, "key-machine", a)
	wantOAuthError(t, err, "invalid_client")
	// A fresh assertion works on node 2.
	if _, err := keyClientToken(t, c.harness, "key-machine",
		key.assertion(t, "key-machine", c.oidc.Endpoint().TokenURL, c.clock.Now(), nil)); err != nil {
		t.Fatalf("node 2, fresh assertion: %v", err)
	}
}

// TestPrivateKeyJWTByJWKSURI: a client publishing its keys at a jwks_uri
// (an httptest server) gets a token; after it rotates its key, an
// assertion with the new kid makes Gatehouse fetch the set again.
func TestPrivateKeyJWTByJWKSURI(t *testing.T) {
	h := newHarness(t)
	k1, k2 := newMachineKey(t, "k1"), newMachineKey(t, "k2")
	var (
		mu      sync.Mutex
		served  = keySetJSON(t, k1)
		fetches int
	)
	jwksSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		fetches++
		w.Header().Set("Content-Type", "application/jwk-set+json")
		_, _ = w.Write([]byte(served))
	}))
	t.Cleanup(jwksSrv.Close)
	registerKeyClient(t, h, "uri-machine", "", jwksSrv.URL+"/jwks.json")
	tokenURL := h.oidc.Endpoint().TokenURL

	if _, err := keyClientToken(t, h, "uri-machine", k1.assertion(t, "uri-machine", tokenURL, h.clock.Now(), nil)); err != nil {
		t.Fatalf("jwks_uri client: %v", err)
	}
	if _, err := keyClientToken(t, h, "uri-machine", k1.assertion(t, "uri-machine", tokenURL, h.clock.Now(), nil)); err != nil {
		t.Fatalf("jwks_uri client, cached keys: %v", err)
	}
	mu.Lock()
	served = keySetJSON(t, k1, k2)
	mu.Unlock()
	h.clock.Advance(11 * time.Second) // past the fetcher's minimum interval
	if _, err := keyClientToken(t, h, "uri-machine", k2.assertion(t, "uri-machine", tokenURL, h.clock.Now(), nil)); err != nil {
		t.Fatalf("a rotated key: %v", err)
	}
	mu.Lock()
	defer mu.Unlock()
	if fetches != 2 {
		t.Errorf("%d fetches of the jwks_uri, want 2 (first use, then the new kid)", fetches)
	}
}
