package provider

import (
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"

	"github.com/gatehouse-id/gatehouse/clientkeys"
	"github.com/gatehouse-id/gatehouse/directory"
	"github.com/gatehouse-id/gatehouse/ephemeral/memory"
)

const testIssuer = "https://id.example.com"

// signer is a client's key pair as the tests sign with it; alg is the
// one its JWK names, if any.
type signer struct {
	key any // private
	pub any
	kid string
	alg jose.SignatureAlgorithm
}

func (s signer) jwk() jose.JSONWebKey {
	return jose.JSONWebKey{Key: s.pub, KeyID: s.kid, Algorithm: string(s.alg), Use: "sig"}
}

func jwksOf(t testing.TB, signers ...signer) string {
	t.Helper()
	var set jose.JSONWebKeySet
	for _, s := range signers {
		set.Keys = append(set.Keys, s.jwk())
	}
	b, err := json.Marshal(set)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func newSigners(t testing.TB) (rs, es, ed signer) {
	t.Helper()
	r, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	e, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	edPub, edPriv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return signer{r, &r.PublicKey, "rsa-1", ""}, signer{e, &e.PublicKey, "ec-1", jose.ES256},
		signer{edPriv, edPub, "ed-1", jose.EdDSA}
}

// sign returns a compact JWS of claims by s, with s.kid unless kid says
// otherwise ("-" for none).
func sign(t testing.TB, s signer, alg jose.SignatureAlgorithm, kid string, claims any) string {
	t.Helper()
	opts := (&jose.SignerOptions{}).WithType("JWT")
	switch kid {
	case "":
		opts = opts.WithHeader("kid", s.kid)
	case "-":
	default:
		opts = opts.WithHeader("kid", kid)
	}
	sg, err := jose.NewSigner(jose.SigningKey{Algorithm: alg, Key: s.key}, opts)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := jwt.Signed(sg).Claims(claims).Serialize()
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// assertionWorld is a verifier over two clients, "machine" (inline keys:
// RSA and EC) and "remote" (a jwks_uri on an httptest server with the
// Ed25519 key), and a secret client, "portal", at a fixed time.
type assertionWorld struct {
	v          *assertionVerifier
	now        time.Time
	rs, es, ed signer
	fetches    *atomic.Int64
}

func newAssertionWorld(t testing.TB) *assertionWorld {
	t.Helper()
	w := &assertionWorld{now: time.Unix(1_800_000_000, 0), fetches: new(atomic.Int64)}
	w.rs, w.es, w.ed = newSigners(t)
	jwksSrv := httptest.NewTLSServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		w.fetches.Add(1)
		_, _ = rw.Write([]byte(jwksOf(t, w.ed)))
	}))
	t.Cleanup(jwksSrv.Close)
	clients := map[string]directory.Client{
		"machine": {ID: "machine", Type: directory.ClientConfidential, AuthMethod: directory.AuthPrivateKeyJWT, JWKS: jwksOf(t, w.rs, w.es)},
		"remote":  {ID: "remote", Type: directory.ClientConfidential, AuthMethod: directory.AuthPrivateKeyJWT, JWKSURI: jwksSrv.URL + "/jwks"},
		"portal":  {ID: "portal", Type: directory.ClientConfidential, AuthMethod: directory.AuthSecretBasic, SecretHash: []byte{1}},
	}
	kv := memory.New(func() time.Time { return w.now })
	t.Cleanup(func() { _ = kv.Close() })
	w.v = &assertionVerifier{
		issuer: testIssuer,
		client: func(_ context.Context, id string) (directory.Client, error) {
			if c, ok := clients[id]; ok {
				return c, nil
			}
			return directory.Client{}, directory.ErrNotFound
		},
		kv:    kv,
		fetch: clientkeys.NewFetcher(clientkeys.FetcherConfig{Client: jwksSrv.Client(), Now: func() time.Time { return w.now }}),
		now:   func() time.Time { return w.now },
	}
	return w
}

// claims are good claims for client id, sent to the token endpoint.
func (w *assertionWorld) claims(id string) map[string]any {
	return map[string]any{
		"iss": id, "sub": id, "aud": testIssuer + pathToken, "jti": rand.Text(),
		"iat": w.now.Unix(), "exp": w.now.Add(time.Minute).Unix(),
	}
}

func (w *assertionWorld) verify(t *testing.T, assertion string, edit func(cc *op.ClientCredentials, h http.Header, f url.Values)) (directory.Client, error) {
	t.Helper()
	cc := &op.ClientCredentials{ClientAssertion: assertion, ClientAssertionType: oidc.ClientAssertionTypeJWTAssertion}
	h, f := http.Header{}, url.Values{}
	if edit != nil {
		edit(cc, h, f)
	}
	return w.v.verify(t.Context(), cc, h, f, pathToken)
}

func with(claims map[string]any, kv ...any) map[string]any {
	for i := 0; i < len(kv); i += 2 {
		if kv[i+1] == nil {
			delete(claims, kv[i].(string))
			continue
		}
		claims[kv[i].(string)] = kv[i+1]
	}
	return claims
}

func TestClientAssertionAccepted(t *testing.T) {
	w := newAssertionWorld(t)
	for _, tc := range []struct {
		name, client string
		assertion    func() string
		path         string
	}{
		{"RS256 with kid", "machine", func() string { return sign(t, w.rs, jose.RS256, "", w.claims("machine")) }, pathToken},
		{"PS256 with the RSA key", "machine", func() string { return sign(t, w.rs, jose.PS256, "", w.claims("machine")) }, pathToken},
		{"ES256 without kid: the only EC key", "machine", func() string { return sign(t, w.es, jose.ES256, "-", w.claims("machine")) }, pathToken},
		{"aud the issuer", "machine", func() string {
			return sign(t, w.es, jose.ES256, "", with(w.claims("machine"), "aud", testIssuer))
		}, pathToken},
		{"aud a list naming the token endpoint", "machine", func() string {
			return sign(t, w.es, jose.ES256, "", with(w.claims("machine"), "aud", []string{"https://other.example", testIssuer + pathToken}))
		}, pathToken},
		{"aud the introspection endpoint, at it", "machine", func() string {
			return sign(t, w.es, jose.ES256, "", with(w.claims("machine"), "aud", testIssuer+pathIntrospect))
		}, pathIntrospect},
		{"aud the token endpoint, at revocation", "machine", func() string { return sign(t, w.es, jose.ES256, "", w.claims("machine")) }, pathRevoke},
		{"no iat, an nbf", "machine", func() string {
			return sign(t, w.es, jose.ES256, "", with(w.claims("machine"), "iat", nil, "nbf", w.now.Unix()))
		}, pathToken},
		{"exp ten minutes ahead", "machine", func() string {
			return sign(t, w.es, jose.ES256, "", with(w.claims("machine"), "exp", w.now.Add(10*time.Minute).Unix()))
		}, pathToken},
		{"EdDSA by a key at a jwks_uri", "remote", func() string { return sign(t, w.ed, jose.EdDSA, "", w.claims("remote")) }, pathToken},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cc := &op.ClientCredentials{ClientAssertion: tc.assertion(), ClientAssertionType: oidc.ClientAssertionTypeJWTAssertion,
				ClientID: tc.client}
			c, err := w.v.verify(t.Context(), cc, http.Header{}, url.Values{}, tc.path)
			if err != nil || c.ID != tc.client {
				t.Fatalf("verify = %q, %v; want client %q", c.ID, err, tc.client)
			}
		})
	}
}

func TestClientAssertionRefused(t *testing.T) {
	w := newAssertionWorld(t)
	hmacKey := []byte(strings.Repeat("k", 32))
	stranger, _, _ := newSigners(t)
	stranger.kid = w.rs.kid // a key the client never registered, under its kid
	for _, tc := range []struct {
		name      string
		assertion func() string
		edit      func(cc *op.ClientCredentials, h http.Header, f url.Values)
		says      string
	}{
		{"expired", func() string {
			return sign(t, w.es, jose.ES256, "", with(w.claims("machine"), "exp", w.now.Add(-time.Minute).Unix()))
		}, nil, "expired"},
		{"no exp", func() string { return sign(t, w.es, jose.ES256, "", with(w.claims("machine"), "exp", nil)) }, nil, "exp"},
		{"exp too far ahead", func() string {
			return sign(t, w.es, jose.ES256, "", with(w.claims("machine"), "exp", w.now.Add(time.Hour).Unix()))
		}, nil, "at most 10m0s ahead"},
		{"nbf in the future", func() string {
			return sign(t, w.es, jose.ES256, "", with(w.claims("machine"), "nbf", w.now.Add(time.Minute).Unix()))
		}, nil, "not valid yet"},
		{"iat in the future", func() string {
			return sign(t, w.es, jose.ES256, "", with(w.claims("machine"), "iat", w.now.Add(time.Minute).Unix()))
		}, nil, "future"},
		{"wrong aud", func() string {
			return sign(t, w.es, jose.ES256, "", with(w.claims("machine"), "aud", "https://other.example/oauth/token"))
		}, nil, "aud"},
		{"the introspection endpoint's aud at the token endpoint", func() string {
			return sign(t, w.es, jose.ES256, "", with(w.claims("machine"), "aud", testIssuer+pathIntrospect))
		}, nil, "aud"},
		{"no aud", func() string { return sign(t, w.es, jose.ES256, "", with(w.claims("machine"), "aud", nil)) }, nil, "aud"},
		{"wrong iss", func() string { return sign(t, w.es, jose.ES256, "", with(w.claims("machine"), "iss", "other")) }, nil, "iss and sub"},
		{"no sub", func() string { return sign(t, w.es, jose.ES256, "", with(w.claims("machine"), "sub", nil)) }, nil, "iss and sub"},
		{"client_id not the sub", func() string { return sign(t, w.es, jose.ES256, "", w.claims("machine")) },
			func(cc *op.ClientCredentials, _ http.Header, _ url.Values) { cc.ClientID = "remote" }, "client_id"},
		{"no jti", func() string { return sign(t, w.es, jose.ES256, "", with(w.claims("machine"), "jti", nil)) }, nil, "jti"},
		{"bad signature", func() string {
			raw := sign(t, w.es, jose.ES256, "", w.claims("machine"))
			i := strings.LastIndexByte(raw, '.')
			other := sign(t, w.es, jose.ES256, "", w.claims("machine"))
			return raw[:i] + other[strings.LastIndexByte(other, '.'):]
		}, nil, "signature"},
		{"a stranger's key under the client's kid", func() string { return sign(t, stranger, jose.RS256, "", w.claims("machine")) }, nil, "signature"},
		{"unknown kid", func() string { return sign(t, w.es, jose.ES256, "nope", w.claims("machine")) }, nil, "signature"},
		{"alg that does not fit the kid's key", func() string { return sign(t, w.rs, jose.RS256, w.es.kid, w.claims("machine")) }, nil, "signature"},
		{"alg none", func() string {
			h := base64URL(`{"alg":"none","typ":"JWT"}`)
			b, _ := json.Marshal(w.claims("machine"))
			return h + "." + base64URL(string(b)) + "."
		}, nil, "signed with"},
		{"HS256 with the public key as secret", func() string {
			pub, _ := json.Marshal(w.rs.jwk())
			return sign(t, signer{key: pub, kid: w.rs.kid}, jose.HS256, "", w.claims("machine"))
		}, nil, "signed with"},
		{"HS256", func() string { return sign(t, signer{key: hmacKey, kid: "h"}, jose.HS256, "", w.claims("machine")) }, nil, "signed with"},
		{"not a JWT", func() string { return "not.a.jwt" }, nil, "signed with"},
		{"unknown client", func() string { return sign(t, w.es, jose.ES256, "", w.claims("nobody")) }, nil, "client authentication failed"},
		{"a secret client sending an assertion", func() string { return sign(t, w.es, jose.ES256, "", w.claims("portal")) }, nil,
			"must authenticate with client_secret_basic"},
		{"an assertion and a secret", func() string { return sign(t, w.es, jose.ES256, "", w.claims("machine")) },
			func(_ *op.ClientCredentials, _ http.Header, f url.Values) { f.Set("client_secret", "x") }, "one method"},
		{"an assertion and basic auth", func() string { return sign(t, w.es, jose.ES256, "", w.claims("machine")) },
			func(_ *op.ClientCredentials, h http.Header, _ url.Values) {
				h.Set("Authorization", "Basic bWFjaGluZTp4")
			}, "one method"},
		{"wrong assertion type", func() string { return sign(t, w.es, jose.ES256, "", w.claims("machine")) },
			func(cc *op.ClientCredentials, _ http.Header, _ url.Values) {
				cc.ClientAssertionType = "urn:ietf:params:oauth:client-assertion-type:saml2-bearer"
			}, "client_assertion_type"},
		{"a type without an assertion", func() string { return "" }, nil, "missing"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := w.verify(t, tc.assertion(), tc.edit)
			var refused *assertionError
			if !errors.As(err, &refused) {
				t.Fatalf("verify = %q, %v; want a refusal", c.ID, err)
			}
			if !strings.Contains(refused.desc, tc.says) {
				t.Errorf("refusal %q does not say %q", refused.desc, tc.says)
			}
		})
	}
}

func base64URL(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

// TestClientAssertionReplay: a jti is single use for the client until the
// assertion expires, and the same jti of another client is its own.
func TestClientAssertionReplay(t *testing.T) {
	w := newAssertionWorld(t)
	claims := w.claims("machine")
	raw := sign(t, w.es, jose.ES256, "", claims)
	if _, err := w.verify(t, raw, nil); err != nil {
		t.Fatalf("first use: %v", err)
	}
	var refused *assertionError
	if _, err := w.verify(t, raw, nil); !errors.As(err, &refused) || !strings.Contains(refused.desc, "already used") {
		t.Fatalf("replay: %v, want already used", err)
	}
	// Re-signed with the same jti: still a replay.
	if _, err := w.verify(t, sign(t, w.rs, jose.RS256, "", claims), nil); !errors.As(err, &refused) {
		t.Fatalf("same jti, new signature: %v, want refused", err)
	}
	// Another client may use the same jti.
	if _, err := w.verify(t, sign(t, w.ed, jose.EdDSA, "", with(w.claims("remote"), "jti", claims["jti"])), nil); err != nil {
		t.Fatalf("another client's equal jti: %v", err)
	}
	// The guard outlives the assertion: at the last instant its exp (and
	// the skew) allows, it is still a replay.
	start := w.now
	w.now = time.Unix(claims["exp"].(int64), 0).Add(assertionSkew)
	if _, err := w.verify(t, raw, nil); !errors.As(err, &refused) || !strings.Contains(refused.desc, "already used") {
		t.Fatalf("replay at exp+skew: %v, want already used", err)
	}
	w.now = start
	// A refused assertion does not burn its jti.
	fresh := w.claims("machine")
	if _, err := w.verify(t, sign(t, w.es, jose.ES256, "", with(fresh, "aud", "https://other.example")), nil); err == nil {
		t.Fatal("wrong aud accepted")
	}
	if _, err := w.verify(t, sign(t, w.es, jose.ES256, "", with(fresh, "aud", testIssuer)), nil); err != nil {
		t.Fatalf("the jti of a refused assertion: %v", err)
	}
}

// TestClientAssertionJWKSURIRefetch: a kid the cached set lacks refetches
// the client's jwks_uri, at most once per interval.
func TestClientAssertionJWKSURIRefetch(t *testing.T) {
	w := newAssertionWorld(t)
	if _, err := w.verify(t, sign(t, w.ed, jose.EdDSA, "", w.claims("remote")), nil); err != nil {
		t.Fatal(err)
	}
	for range 5 {
		if _, err := w.verify(t, sign(t, w.ed, jose.EdDSA, "made-up", w.claims("remote")), nil); err == nil {
			t.Fatal("unknown kid accepted")
		}
	}
	if n := w.fetches.Load(); n != 1 {
		t.Errorf("%d fetches for one known and five unknown kids within the interval, want 1", n)
	}
	w.now = w.now.Add(10 * time.Second)
	if _, err := w.verify(t, sign(t, w.ed, jose.EdDSA, "made-up", w.claims("remote")), nil); err == nil {
		t.Fatal("unknown kid accepted")
	}
	if n := w.fetches.Load(); n != 2 {
		t.Errorf("%d fetches after the interval, want 2", n)
	}
}

// BenchmarkClientAssertion is the cost private_key_jwt adds to a client
// credentials request: parsing the registered keys, one ES256 or RS256
// verification and the replay guard's SetNX (in memory here; a Redis
// round trip in production).
func BenchmarkClientAssertion(b *testing.B) {
	w := newAssertionWorld(b)
	for _, tc := range []struct {
		name string
		s    signer
		alg  jose.SignatureAlgorithm
	}{{"ES256", w.es, jose.ES256}, {"RS256", w.rs, jose.RS256}} {
		b.Run(tc.name, func(b *testing.B) {
			assertions := make([]string, b.N)
			for i := range assertions {
				assertions[i] = sign(b, tc.s, tc.alg, "", w.claims("machine"))
			}
			cc := &op.ClientCredentials{ClientAssertionType: oidc.ClientAssertionTypeJWTAssertion}
			b.ResetTimer()
			for i := range b.N {
				cc.ClientAssertion = assertions[i]
				if _, err := w.v.verify(b.Context(), cc, http.Header{}, url.Values{}, pathToken); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
