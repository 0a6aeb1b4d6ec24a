package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	gooidc "github.com/coreos/go-oidc/v3/oidc"
	jose "github.com/go-jose/go-jose/v4"
	"github.com/golang-jwt/jwt/v5"
	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/gatehouse-id/gatehouse/claims"
	"github.com/gatehouse-id/gatehouse/directory"
	"github.com/gatehouse-id/gatehouse/keys"
)

// The signing key tests: every algorithm verified by three independent
// verifiers, configurations that must stop the start, the caching headers
// of discovery and the JWKS, and a change of algorithm across a restart.

// startKeyNode starts a node on testdata/directory.yaml with its
// configuration changed by tune (the signing algorithm, a data folder
// shared with an earlier node), on clk; stop ends it (startNode).
func startKeyNode(t *testing.T, clk *clock, tune func(*config)) (h *harness, stop func()) {
	t.Helper()
	return startNode(t, clk, "testdata/directory.yaml", mustRead(t, "testdata/directory.yaml"), tune)
}

// fetch GETs u with the given request headers and returns the answer and
// its body.
func fetch(t *testing.T, method, u string, header map[string]string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, body
}

// discoveryOf returns h's discovery document.
func discoveryOf(t *testing.T, h *harness) map[string]any {
	t.Helper()
	resp, body := fetch(t, http.MethodGet, h.issuer+"/.well-known/openid-configuration", nil)
	var d map[string]any
	if resp.StatusCode != http.StatusOK || json.Unmarshal(body, &d) != nil {
		t.Fatalf("discovery: %d %.200s", resp.StatusCode, body)
	}
	return d
}

// signingAlgs returns discovery's id_token_signing_alg_values_supported.
func signingAlgs(t *testing.T, h *harness) []string {
	t.Helper()
	var out []string
	list, _ := discoveryOf(t, h)["id_token_signing_alg_values_supported"].([]any)
	for _, a := range list {
		s, _ := a.(string)
		out = append(out, s)
	}
	return out
}

// jwksOf fetches h's JWKS from the jwks_uri that discovery names, and
// parses it with go-jose.
func jwksOf(t *testing.T, h *harness) jose.JSONWebKeySet {
	t.Helper()
	uri, _ := discoveryOf(t, h)["jwks_uri"].(string)
	resp, body := fetch(t, http.MethodGet, uri, nil)
	var set jose.JSONWebKeySet
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("JWKS: %d", resp.StatusCode)
	}
	if err := json.Unmarshal(body, &set); err != nil {
		t.Fatalf("the JWKS does not parse: %v", err)
	}
	for _, k := range set.Keys {
		if !k.IsPublic() || !k.Valid() || k.Use != "sig" || k.KeyID == "" {
			t.Fatalf("JWKS key %s: public %v valid %v use %q", k.KeyID, k.IsPublic(), k.Valid(), k.Use)
		}
	}
	return set
}

func jwksKIDs(set jose.JSONWebKeySet) []string {
	var out []string
	for _, k := range set.Keys {
		out = append(out, k.KeyID)
	}
	return out
}

// verifyWithJWT verifies raw with golang-jwt, an implementation of JOSE
// that shares no code with Gatehouse, go-jose or go-oidc, against the key
// the JWKS publishes under the token's kid; it returns the claims.
func verifyWithJWT(t *testing.T, h *harness, raw, audience, alg string) jwt.MapClaims {
	t.Helper()
	set := jwksOf(t, h)
	tok, err := jwt.Parse(raw, func(tok *jwt.Token) (any, error) {
		kid, _ := tok.Header["kid"].(string)
		found := set.Key(kid)
		if len(found) != 1 {
			return nil, fmt.Errorf("kid %q: %d keys in the JWKS", kid, len(found))
		}
		if found[0].Algorithm != tok.Method.Alg() {
			return nil, fmt.Errorf("kid %q is a %s key, the token says %s", kid, found[0].Algorithm, tok.Method.Alg())
		}
		return found[0].Key, nil
	}, jwt.WithValidMethods([]string{alg}), jwt.WithIssuer(h.issuer), jwt.WithAudience(audience),
		jwt.WithExpirationRequired(), jwt.WithIssuedAt(), jwt.WithTimeFunc(h.clock.Now))
	if err != nil {
		t.Fatalf("golang-jwt rejects the %s token: %v", alg, err)
	}
	return tok.Claims.(jwt.MapClaims)
}

// claimsVerifier is a relying party's claims.Verifier for audience, on
// h's clock; a new one fetches the JWKS afresh.
func claimsVerifier(t *testing.T, h *harness, audience string) *claims.Verifier {
	t.Helper()
	v, err := claims.NewVerifier(claims.Config{Issuer: h.issuer, Audiences: []string{audience}, Now: h.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// wantSignedBy checks a token's JOSE header: alg, typ, and the kid of the
// key that signs now.
func wantSignedBy(t *testing.T, h *harness, raw, alg, typ string) {
	t.Helper()
	hdr := jwtHeader(t, raw)
	k, ok := h.app.keys.Active()
	if !ok {
		t.Fatal("no active key")
	}
	if hdr["alg"] != alg || hdr["kid"] != k.ID || (typ != "" && hdr["typ"] != typ) {
		t.Fatalf("header %v, want alg %s kid %s typ %s", hdr, alg, k.ID, typ)
	}
}

// machineToken gets a token for the machine client (client credentials).
func machineToken(t *testing.T, h *harness) string {
	t.Helper()
	cc := clientcredentials.Config{ClientID: "machine", ClientSecret: machineSecret, TokenURL: h.oidc.Endpoint().TokenURL}
	tok, err := cc.Token(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	return tok.AccessToken
}

// verifyMachineToken verifies a machine token with all three verifiers;
// oidcProvider is the relying party's go-oidc view of the issuer.
func verifyMachineToken(t *testing.T, h *harness, oidcProvider *gooidc.Provider, raw, alg string) {
	t.Helper()
	at, err := claimsVerifier(t, h, "machine").VerifyAccessToken(t.Context(), raw)
	if err != nil {
		t.Fatalf("the claims verifier rejects the %s machine token: %v", alg, err)
	}
	if at.Subject != "machine" || at.ClientID != "machine" {
		t.Errorf("machine token sub %q client_id %q", at.Subject, at.ClientID)
	}
	if _, err := oidcProvider.Verifier(&gooidc.Config{ClientID: "machine", Now: h.clock.Now}).Verify(t.Context(), raw); err != nil {
		t.Fatalf("go-oidc rejects the %s machine token: %v", alg, err)
	}
	if c := verifyWithJWT(t, h, raw, "machine", alg); c["sub"] != "machine" || c["client_id"] != "machine" {
		t.Errorf("golang-jwt reads sub %v client_id %v", c["sub"], c["client_id"])
	}
}

// TestSigningAlgorithms: for each algorithm, a machine token and a
// person's ID and access tokens verify with the claims package, go-oidc
// and golang-jwt against the published JWKS, and discovery advertises the
// algorithm.
func TestSigningAlgorithms(t *testing.T) {
	for _, alg := range []string{"RS256", "ES256", "EdDSA"} {
		t.Run(alg, func(t *testing.T) {
			h, _ := startKeyNode(t, &clock{}, func(c *config) { c.SigningAlg = alg })
			if got := signingAlgs(t, h); !slices.Equal(got, []string{alg}) {
				t.Errorf("id_token_signing_alg_values_supported = %v, want [%s]", got, alg)
			}
			k, _ := h.app.keys.Active()
			set := jwksOf(t, h)
			if got := jwksKIDs(set); !slices.Equal(got, []string{k.ID}) || set.Keys[0].Algorithm != alg {
				t.Errorf("JWKS %v, want the one %s key %s", got, alg, k.ID)
			}

			t.Run("machine", func(t *testing.T) {
				raw := machineToken(t, h)
				wantSignedBy(t, h, raw, alg, "at+jwt")
				verifyMachineToken(t, h, h.oidc, raw, alg)
			})

			t.Run("person", func(t *testing.T) {
				pa := h.portalA()
				a, c := h.browser().login(pa, "contoso", "carol", "carol-password")
				tok := pa.redeem(t, c, a)
				rawID, _ := tok.Extra("id_token").(string)
				wantSignedBy(t, h, rawID, alg, "JWT")
				wantSignedBy(t, h, tok.AccessToken, alg, "at+jwt")

				// (a) the claims package
				v := claimsVerifier(t, h, "portal-a")
				idt, err := v.VerifyIDToken(t.Context(), rawID)
				if err != nil {
					t.Fatalf("the claims verifier rejects the %s ID token: %v", alg, err)
				}
				if idt.PreferredUsername != "carol" || idt.Nonce != a.nonce {
					t.Errorf("ID token: %s, nonce %q", idt.PreferredUsername, idt.Nonce)
				}
				at, err := v.VerifyAccessToken(t.Context(), tok.AccessToken)
				if err != nil {
					t.Fatalf("the claims verifier rejects the %s access token: %v", alg, err)
				}
				if at.Subject != idt.Subject || at.Tenant == nil || at.Tenant.Slug != "contoso" {
					t.Errorf("access token sub %q tenant %+v", at.Subject, at.Tenant)
				}
				// An ID token is not an access token, whatever the algorithm.
				if _, err := v.VerifyAccessToken(t.Context(), rawID); err == nil {
					t.Error("the ID token passed as an access token")
				}

				// (b) go-oidc, at_hash included (its hash follows the
				// algorithm: SHA-512 for EdDSA).
				ov := h.oidc.Verifier(&gooidc.Config{ClientID: "portal-a", Now: h.clock.Now})
				oid, err := ov.Verify(t.Context(), rawID)
				if err != nil {
					t.Fatalf("go-oidc rejects the %s ID token: %v", alg, err)
				}
				if err := oid.VerifyAccessToken(tok.AccessToken); err != nil {
					t.Errorf("go-oidc: at_hash of the %s ID token: %v", alg, err)
				}
				if _, err := ov.Verify(t.Context(), tok.AccessToken); err != nil {
					t.Fatalf("go-oidc rejects the %s access token: %v", alg, err)
				}
				if _, err := h.oidc.UserInfo(t.Context(), oauth2.StaticTokenSource(tok)); err != nil {
					t.Errorf("userinfo with the %s access token: %v", alg, err)
				}

				// (c) golang-jwt
				if c := verifyWithJWT(t, h, rawID, "portal-a", alg); c["sub"] != idt.Subject || c["nonce"] != a.nonce {
					t.Errorf("golang-jwt reads the ID token's sub %v nonce %v", c["sub"], c["nonce"])
				}
				if c := verifyWithJWT(t, h, tok.AccessToken, "portal-a", alg); c["sub"] != idt.Subject {
					t.Errorf("golang-jwt reads the access token's sub %v", c["sub"])
				}

				// A token whose signature is changed fails everywhere.
				parts := strings.Split(tok.AccessToken, ".")
				sig := []byte(parts[2])
				sig[len(sig)/2] ^= 0x01
				bad := parts[0] + "." + parts[1] + "." + string(sig)
				if _, err := v.VerifyAccessToken(t.Context(), bad); err == nil {
					t.Error("the claims verifier accepts a changed signature")
				}
				if _, err := ov.Verify(t.Context(), bad); err == nil {
					t.Error("go-oidc accepts a changed signature")
				}
			})
		})
	}
}

// TestBadKeyConfigurationStopsStart: a configuration that cannot sign
// stops the start with a message that names the cause.
func TestBadKeyConfigurationStopsStart(t *testing.T) {
	kek := testConfig(t, "http://127.0.0.1:1", "", "", "").KEK
	t.Run("flags", func(t *testing.T) {
		for _, tc := range []struct {
			flags []string
			want  string
		}{
			{[]string{"--signing-alg", "HS256"}, `--signing-alg "HS256"`},
			{[]string{"--signing-alg", "none"}, "use RS256, ES256 or EdDSA"},
			{[]string{"--signing-alg", "es256"}, "--signing-alg"},
			{[]string{"--rsa-bits", "1024"}, "--rsa-bits must be 2048 or 3072"},
			{[]string{"--key-rotation", "-1h"}, "--key-rotation"},
			{[]string{"--key-rotation", "10m"}, "--key-rotation"},
			{[]string{"--previous-kek", "too-short"}, "previous key-encryption key"},
		} {
			t.Run(strings.Join(tc.flags, " "), func(t *testing.T) {
				for _, v := range []string{"GATEHOUSE_DATABASE_URL", "GATEHOUSE_REDIS_URL", "GATEHOUSE_KEK", "GATEHOUSE_PREVIOUS_KEK"} {
					t.Setenv(v, "")
				}
				// A start that went on would serve until the context ends.
				ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
				defer cancel()
				var stdout, stderr bytes.Buffer
				args := append([]string{"serve", "--addr", "127.0.0.1:0", "--issuer", "http://127.0.0.1:1",
					"--data-dir", t.TempDir(), "--kek", kek}, tc.flags...)
				code := run(ctx, args, &stdout, &stderr)
				if code != 1 || !strings.Contains(stderr.String(), tc.want) {
					t.Fatalf("exit %d, stderr %q; want 1 and %q", code, stderr.String(), tc.want)
				}
			})
		}
	})

	t.Run("wrong KEK for the data", func(t *testing.T) {
		clk := &clock{}
		cfg := testConfig(t, "http://127.0.0.1:1", "", "", "")
		a := buildNode(t, cfg, clk)
		a.Close()
		other := *cfg
		other.KEK = "ZmVkY2JhOTg3NjU0MzIxMGZlZGNiYTk4NzY1NDMyMTA=" // "fedcba9876543210fedcba9876543210"
		_, err := tryBuildNode(t, &other, clk)
		if err == nil || !strings.Contains(err.Error(), "cannot unseal") || !strings.Contains(err.Error(), "wrong key-encryption key") {
			t.Fatalf("start with another KEK: %v", err)
		}
	})

	for _, tc := range []struct {
		name   string
		change func(r *keys.Record)
		want   string
	}{
		{"sealed key corrupted", func(r *keys.Record) { r.Sealed = []byte("garbage, not a sealed key") }, "cannot unseal"},
		{"one bit of the sealed key flipped", func(r *keys.Record) { r.Sealed[len(r.Sealed)-1] ^= 0x80 }, "cannot unseal"},
		{"public key corrupted", func(r *keys.Record) { r.PublicJWK = []byte(`{"kty":`) }, "public key"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			clk := &clock{}
			cfg := testConfig(t, "http://127.0.0.1:1", "", "", "")
			a := buildNode(t, cfg, clk)
			k, _ := a.keys.Active()
			recs, err := a.db.ListKeys(t.Context())
			if err != nil || len(recs) != 1 {
				t.Fatalf("%d keys, %v", len(recs), err)
			}
			r := recs[0]
			tc.change(&r)
			if err := a.db.UpdateKey(t.Context(), r); err != nil {
				t.Fatal(err)
			}
			a.Close()
			_, err = tryBuildNode(t, cfg, clk)
			if err == nil || !strings.Contains(err.Error(), "signing key "+k.ID) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("start with a corrupted key: %v; want it to name signing key %s and say %q", err, k.ID, tc.want)
			}
		})
	}
}

// wantCached checks the caching headers of discovery or the JWKS at u and
// the conditional GET, and returns the ETag and body.
func wantCached(t *testing.T, u string) (string, []byte) {
	t.Helper()
	resp, body := fetch(t, http.MethodGet, u, nil)
	etag := resp.Header.Get("ETag")
	if resp.StatusCode != http.StatusOK || len(body) == 0 {
		t.Fatalf("GET %s: %d", u, resp.StatusCode)
	}
	if cc := resp.Header.Get("Cache-Control"); cc != "public, max-age=300" {
		t.Errorf("GET %s: Cache-Control %q, want public, max-age=300", u, cc)
	}
	if len(etag) < 3 || !strings.HasPrefix(etag, `"`) || !strings.HasSuffix(etag, `"`) || strings.HasPrefix(etag, "W/") {
		t.Fatalf("GET %s: ETag %q, want a strong, quoted one", u, etag)
	}
	if again, b := fetch(t, http.MethodGet, u, nil); again.Header.Get("ETag") != etag || !bytes.Equal(b, body) {
		t.Errorf("GET %s twice: ETag %q then %q", u, etag, again.Header.Get("ETag"))
	}
	for _, inm := range []string{etag, "W/" + etag, `"something-else", ` + etag, "*"} {
		resp, b := fetch(t, http.MethodGet, u, map[string]string{"If-None-Match": inm})
		if resp.StatusCode != http.StatusNotModified || len(b) != 0 {
			t.Errorf("GET %s with If-None-Match %s: %d with %d bytes, want 304 and no body", u, inm, resp.StatusCode, len(b))
		}
		if resp.Header.Get("ETag") != etag || resp.Header.Get("Cache-Control") != "public, max-age=300" {
			t.Errorf("304 of %s: ETag %q, Cache-Control %q", u, resp.Header.Get("ETag"), resp.Header.Get("Cache-Control"))
		}
	}
	for _, inm := range []string{`"something-else"`, `W/"something-else"`, strings.TrimSuffix(etag, `"`) + `x"`} {
		resp, b := fetch(t, http.MethodGet, u, map[string]string{"If-None-Match": inm})
		if resp.StatusCode != http.StatusOK || !bytes.Equal(b, body) || resp.Header.Get("ETag") != etag {
			t.Errorf("GET %s with If-None-Match %s: %d, want 200 with the body and ETag", u, inm, resp.StatusCode)
		}
	}
	if resp, _ := fetch(t, http.MethodHead, u, nil); resp.StatusCode != http.StatusOK || resp.Header.Get("ETag") != etag {
		t.Errorf("HEAD %s: %d, ETag %q", u, resp.StatusCode, resp.Header.Get("ETag"))
	}
	return etag, body
}

// TestDiscoveryAndJWKSCaching: discovery and the JWKS may be cached for
// five minutes and revalidated with their ETag; the ETag follows the
// content, so a newly published key changes it.
func TestDiscoveryAndJWKSCaching(t *testing.T) {
	h := newHarness(t)
	jwksURI, _ := discoveryOf(t, h)["jwks_uri"].(string)
	discURI := h.issuer + "/.well-known/openid-configuration"
	discTag, _ := wantCached(t, discURI)
	jwksTag, _ := wantCached(t, jwksURI)
	if discTag == jwksTag {
		t.Fatal("discovery and the JWKS share an ETag")
	}
	// A token endpoint answer is not cacheable and has no ETag.
	res := h.tokenRequest(t, "machine", machineSecret, url.Values{"grant_type": {"client_credentials"}})
	res.want(t, http.StatusOK, "")
	if res.header.Get("ETag") != "" || res.header.Get("Cache-Control") != "no-store" {
		t.Errorf("token answer: ETag %q, Cache-Control %q", res.header.Get("ETag"), res.header.Get("Cache-Control"))
	}

	// A key scheduled and published: the JWKS, and discovery if the
	// algorithm list changed, get another ETag; the old one no longer
	// matches.
	ch, err := h.app.keys.RotateNow(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	h.clock.Advance(ch.Key.PublishAt.Sub(h.clock.Now()) + time.Second)
	newTag, body := wantCached(t, jwksURI)
	if newTag == jwksTag {
		t.Fatal("the JWKS changed and its ETag did not")
	}
	var set jose.JSONWebKeySet
	if err := json.Unmarshal(body, &set); err != nil || !slices.Contains(jwksKIDs(set), ch.Key.ID) {
		t.Fatalf("the published key %s is not in the JWKS: %v", ch.Key.ID, err)
	}
	if resp, _ := fetch(t, http.MethodGet, jwksURI, map[string]string{"If-None-Match": jwksTag}); resp.StatusCode != http.StatusOK {
		t.Errorf("a stale ETag got %d, want 200", resp.StatusCode)
	}
	if tag, _ := wantCached(t, discURI); tag != discTag {
		t.Error("discovery's ETag changed while its content (one algorithm) did not")
	}
}

// TestJWKSETagAcrossNodes: both nodes of a cluster send the same JWKS and
// discovery with the same ETag, so a relying party revalidating at either
// gets its 304.
func TestJWKSETagAcrossNodes(t *testing.T) {
	c := newCluster(t)
	jwksURI, _ := discoveryOf(t, c.harness)["jwks_uri"].(string)
	for _, u := range []string{c.issuer + "/.well-known/openid-configuration", jwksURI} {
		var tags [2]string
		var bodies [2][]byte
		for n := range 2 {
			c.use(n)
			tags[n], bodies[n] = wantCached(t, u)
		}
		if tags[0] != tags[1] || !bytes.Equal(bodies[0], bodies[1]) {
			t.Errorf("%s: node 1 sends ETag %s, node 2 %s", u, tags[0], tags[1])
		}
		c.use(0)
		resp, _ := fetch(t, http.MethodGet, u, map[string]string{"If-None-Match": tags[1]})
		if resp.StatusCode != http.StatusNotModified {
			t.Errorf("%s: node 2's ETag at node 1: %d, want 304", u, resp.StatusCode)
		}
	}
}

// TestAlgorithmChangeOnRestart: an installation on RS256 restarted with
// ES256 keeps signing with its RS256 key while the ES256 key is published
// ahead, then switches; the RS256 key stays published for the tokens it
// signed, and discovery lists both algorithms meanwhile.
func TestAlgorithmChangeOnRestart(t *testing.T) {
	clk := &clock{}
	dir := t.TempDir()
	h1, stop1 := startKeyNode(t, clk, func(c *config) { c.DataDir = dir })
	rsKey, _ := h1.app.keys.Active()
	oldToken, oldIssued := machineToken(t, h1), clk.Now()
	wantSignedBy(t, h1, oldToken, "RS256", "at+jwt")
	stop1()

	h, _ := startKeyNode(t, clk, func(c *config) { c.DataDir = dir; c.SigningAlg = "ES256" })
	var es keys.Status
	for _, s := range h.app.keys.Keys() {
		if s.Algorithm == "ES256" {
			es = s
		}
	}
	if es.ID == "" || es.State != keys.StateNext {
		t.Fatalf("no ES256 key scheduled: %+v", h.app.keys.Keys())
	}
	if k, _ := h.app.keys.Active(); k.ID != rsKey.ID {
		t.Fatalf("the restart signs with %s, want the RS256 key %s", k.ID, rsKey.ID)
	}
	if lead := es.ActivateAt.Sub(es.PublishAt); lead < 2*5*time.Minute {
		t.Errorf("the ES256 key is published only %s before it signs", lead)
	}

	// Published, not yet signing.
	clk.Advance(es.PublishAt.Sub(clk.Now()) + time.Second)
	if got := jwksKIDs(jwksOf(t, h)); !slices.Equal(got, []string{rsKey.ID, es.ID}) {
		t.Fatalf("JWKS %v, want the RS256 key %s then the ES256 key %s", got, rsKey.ID, es.ID)
	}
	if got := signingAlgs(t, h); !slices.Equal(got, []string{"RS256", "ES256"}) {
		t.Errorf("discovery lists %v, want RS256 and ES256", got)
	}
	raw := machineToken(t, h)
	wantSignedBy(t, h, raw, "RS256", "at+jwt")
	verifyMachineToken(t, h, h.oidc, raw, "RS256")
	// A relying party that reads discovery now accepts both algorithms.
	rp, err := gooidc.NewProvider(t.Context(), h.issuer)
	if err != nil {
		t.Fatal(err)
	}

	// Past its activation: ES256 signs, RS256 stays published.
	clk.Advance(es.ActivateAt.Sub(clk.Now()) + time.Second)
	if _, err := h.app.keys.Maintain(t.Context()); err != nil {
		t.Fatal(err)
	}
	raw = machineToken(t, h)
	wantSignedBy(t, h, raw, "ES256", "at+jwt")
	if k, _ := h.app.keys.Active(); k.ID != es.ID {
		t.Fatalf("signing with %s, want the ES256 key %s", k.ID, es.ID)
	}
	verifyMachineToken(t, h, rp, raw, "ES256")
	if got := jwksKIDs(jwksOf(t, h)); !slices.Equal(got, []string{es.ID, rsKey.ID}) {
		t.Fatalf("JWKS %v, want the ES256 key then the RS256 key", got)
	}
	if got := signingAlgs(t, h); !slices.Equal(got, []string{"ES256", "RS256"}) {
		t.Errorf("discovery lists %v, want ES256 and RS256", got)
	}
	// The token the RS256 key signed before the restart still verifies,
	// at a time it lives.
	jwksURI, _ := discoveryOf(t, h)["jwks_uri"].(string)
	v, err := claims.NewVerifier(claims.Config{Issuer: h1.issuer, Audiences: []string{"machine"}, JWKSURL: jwksURI,
		Now: func() time.Time { return oldIssued }})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := v.VerifyAccessToken(t.Context(), oldToken); err != nil {
		t.Errorf("the RS256 token signed before the restart: %v", err)
	}

	// A later restart still on ES256 changes nothing.
	if ch, err := h.app.keys.Maintain(t.Context()); err != nil || len(ch) != 0 {
		t.Errorf("Maintain after the switch: %+v, %v", ch, err)
	}
}

// TestReadyzWithStaleKeys: a node that has not read the signing keys for
// a while follows an outdated schedule: it leaves the load balancer until
// it reads them again.
func TestReadyzWithStaleKeys(t *testing.T) {
	h := newHarness(t)
	status := func() (int, map[string]string) { return h.readyz(t) }
	if code, body := status(); code != http.StatusOK || body["signing_keys"] != "ok" {
		t.Fatalf("fresh: %d %v", code, body)
	}
	h.clock.Advance(keysStaleAfter + time.Second)
	if code, body := status(); code != http.StatusServiceUnavailable || body["signing_keys"] != "unavailable" {
		t.Errorf("keys not read for %s: %d %v", keysStaleAfter, code, body)
	}
	if err := h.app.keys.Reload(t.Context()); err != nil {
		t.Fatal(err)
	}
	if code, body := status(); code != http.StatusOK {
		t.Errorf("after a reload: %d %v", code, body)
	}
}

// TestTokenLifetimeCapped: a client stored before the 24-hour limit with a
// longer access token lifetime gets tokens of 24 hours at most, which a
// retired key's publication covers.
func TestTokenLifetimeCapped(t *testing.T) {
	h := newHarness(t)
	st := h.app.directory.Store()
	c, err := st.ClientByID(t.Context(), "machine")
	if err != nil {
		t.Fatal(err)
	}
	c.AccessTokenLifetime = 720 * time.Hour // as a store may hold it from before the limit
	if err := st.UpdateClient(t.Context(), c); err != nil {
		t.Fatal(err)
	}
	res := h.tokenRequest(t, "machine", machineSecret, url.Values{"grant_type": {"client_credentials"}})
	res.want(t, http.StatusOK, "")
	if in, _ := res.body["expires_in"].(float64); in <= 0 || time.Duration(in)*time.Second > directory.MaxTokenLifetime {
		t.Errorf("expires_in %v, want at most %s", res.body["expires_in"], directory.MaxTokenLifetime)
	}
}
