package main

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
)

const (
	testID     = "demo-machine"
	testSecret = "demo-machine-secret-not-for-production-1"
)

// startFloor serves a floor with alg on httptest, its issuer the test
// server's URL.
func startFloor(t *testing.T, alg string) (*floor, *httptest.Server) {
	t.Helper()
	o, err := parseServe([]string{"-alg", alg}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f, err := newFloor("http://"+ln.Addr().String(), o)
	if err != nil {
		t.Fatal(err)
	}
	srv := &httptest.Server{Listener: ln, Config: &http.Server{Handler: f.handler()}}
	srv.Start()
	t.Cleanup(srv.Close)
	return f, srv
}

// post sends form to path with Basic credentials (none when id is empty)
// and returns the status, the OAuth error or the decoded body.
func post(t *testing.T, srv *httptest.Server, path, id, secret string, form url.Values) (*http.Response, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, srv.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if id != "" {
		req.SetBasicAuth(id, secret)
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatalf("%s: HTTP %d, not JSON: %v", path, resp.StatusCode, err)
	}
	return resp, body
}

func TestTokenRefusesWrongCredentialsAndGrants(t *testing.T) {
	_, srv := startFloor(t, "ES256")
	cc := url.Values{"grant_type": {"client_credentials"}}
	for _, c := range []struct {
		name, id, secret string
		form             url.Values
		status           int
		err              string
	}{
		{"no credentials", "", "", cc, 401, "invalid_client"},
		{"wrong secret", testID, testSecret + "x", cc, 401, "invalid_client"},
		{"secret prefix", testID, testSecret[:len(testSecret)-1], cc, 401, "invalid_client"},
		{"wrong client", "demo-web", testSecret, cc, 401, "invalid_client"},
		{"no grant", testID, testSecret, url.Values{"scope": {"devices.read"}}, 400, "invalid_request"},
		{"password grant", testID, testSecret, url.Values{"grant_type": {"password"}}, 400, "unsupported_grant_type"},
		{"scope not the client's", testID, testSecret, url.Values{"grant_type": {"client_credentials"}, "scope": {"devices.read admin"}}, 400, "invalid_scope"},
	} {
		resp, body := post(t, srv, "/token", c.id, c.secret, c.form)
		if resp.StatusCode != c.status || body["error"] != c.err {
			t.Errorf("%s: HTTP %d %v, want %d %s", c.name, resp.StatusCode, body["error"], c.status, c.err)
		}
		if _, ok := body["access_token"]; ok {
			t.Errorf("%s: a token was issued", c.name)
		}
	}
}

// TestTokensVerifyAgainstTheJWKS: each algorithm's token is an RFC 9068
// JWT signed by the published key, with a fresh 16-byte jti, and it
// introspects as active while a tampered one does not.
func TestTokensVerifyAgainstTheJWKS(t *testing.T) {
	for _, alg := range signingAlgs {
		t.Run(string(alg), func(t *testing.T) {
			f, srv := startFloor(t, string(alg))
			resp, body := post(t, srv, "/token", testID, testSecret, url.Values{"grant_type": {"client_credentials"}, "scope": {"devices.read"}})
			if resp.StatusCode != 200 || resp.Header.Get("Cache-Control") != "no-store" {
				t.Fatalf("HTTP %d, Cache-Control %q: %v", resp.StatusCode, resp.Header.Get("Cache-Control"), body)
			}
			if body["token_type"] != "Bearer" || body["scope"] != "devices.read" || body["expires_in"] != float64(300) {
				t.Errorf("response %v", body)
			}
			tok, _ := body["access_token"].(string)
			var set jose.JSONWebKeySet
			r, err := srv.Client().Get(srv.URL + "/jwks")
			if err != nil {
				t.Fatal(err)
			}
			defer r.Body.Close()
			if err := json.NewDecoder(r.Body).Decode(&set); err != nil || len(set.Keys) != 1 {
				t.Fatalf("jwks: %v, %d keys", err, len(set.Keys))
			}
			jws, err := jose.ParseSigned(tok, []jose.SignatureAlgorithm{alg})
			if err != nil {
				t.Fatal(err)
			}
			h := jws.Signatures[0].Header
			if h.KeyID != set.Keys[0].KeyID || h.ExtraHeaders["typ"] != "at+jwt" {
				t.Errorf("header kid %q typ %v, jwks kid %q", h.KeyID, h.ExtraHeaders["typ"], set.Keys[0].KeyID)
			}
			raw, err := jws.Verify(set.Keys[0].Key)
			if err != nil {
				t.Fatal(err)
			}
			var c accessClaims
			if err := json.Unmarshal(raw, &c); err != nil {
				t.Fatal(err)
			}
			jti, _ := base64.RawURLEncoding.DecodeString(c.ID)
			if c.Issuer != srv.URL || c.Subject != testID || c.ClientID != testID || len(jti) != 16 || c.Expiry-c.IssuedAt != 300 {
				t.Errorf("claims %+v", c)
			}
			if len(raw) < 250 || len(raw) > 400 {
				t.Errorf("payload of %d bytes, want about 300", len(raw))
			}
			if got := f.inspect(tok, timeOf(c.IssuedAt)); !got.Active || got.ID != c.ID {
				t.Errorf("introspection of the token: %+v", got)
			}
			if got := f.inspect(tok, timeOf(c.Expiry)); got.Active {
				t.Error("an expired token introspected as active")
			}
			if got := f.inspect(tampered(tok), timeOf(c.IssuedAt)); got.Active {
				t.Error("a tampered token introspected as active")
			}
		})
	}
}

func TestStaticTokenAndIntrospectionEndpoint(t *testing.T) {
	f, srv := startFloor(t, "static")
	_, body := post(t, srv, "/token", testID, testSecret, url.Values{"grant_type": {"client_credentials"}})
	if body["access_token"] != f.static || f.static == "" {
		t.Fatalf("static token %v", body)
	}
	_, body = post(t, srv, "/introspect", testID, testSecret, url.Values{"token": {f.static}})
	if body["active"] != true {
		t.Errorf("introspection %v", body)
	}
	_, body = post(t, srv, "/introspect", testID, testSecret, url.Values{"token": {"x" + f.static}})
	if body["active"] != false || len(body) != 1 {
		t.Errorf("introspection of another token %v", body)
	}
	if resp, body := post(t, srv, "/introspect", testID, "nope", url.Values{"token": {f.static}}); resp.StatusCode != 401 || body["active"] != nil {
		t.Errorf("introspection by a wrong secret: HTTP %d %v", resp.StatusCode, body)
	}
}

// TestDiscoveryNamesOnlyTheFloor: gatehouse-bench follows the metadata and
// refuses any endpoint not on its target.
func TestDiscoveryNamesOnlyTheFloor(t *testing.T) {
	_, srv := startFloor(t, "EdDSA")
	r, err := srv.Client().Get(srv.URL + "/.well-known/openid-configuration")
	if err != nil {
		t.Fatal(err)
	}
	defer r.Body.Close()
	var d map[string]any
	if err := json.NewDecoder(r.Body).Decode(&d); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"token_endpoint", "jwks_uri", "introspection_endpoint", "authorization_endpoint", "userinfo_endpoint"} {
		if s, _ := d[k].(string); !strings.HasPrefix(s, srv.URL+"/") {
			t.Errorf("%s = %v", k, d[k])
		}
	}
	if d["issuer"] != srv.URL {
		t.Errorf("issuer %v", d["issuer"])
	}
}

func TestServeListensOnLoopbackOnly(t *testing.T) {
	for _, addr := range []string{"0.0.0.0:7000", ":7000", "10.1.2.3:7000", "[::]:7000", "localhost:7000", "example.com:7000", "127.0.0.1"} {
		if _, err := parseServe([]string{"-addr", addr}, io.Discard); err == nil {
			t.Errorf("-addr %s accepted", addr)
		}
	}
	for _, addr := range []string{"127.0.0.1:7000", "[::1]:7000", "127.0.0.2:0"} {
		if _, err := parseServe([]string{"-addr", addr}, io.Discard); err != nil {
			t.Errorf("-addr %s: %v", addr, err)
		}
	}
	if _, err := parseServe([]string{"-alg", "HS256"}, io.Discard); err != nil {
		t.Fatal(err) // the algorithm is checked when the floor is built
	}
	if _, err := newFloor("http://127.0.0.1:7000", &serveOptions{alg: "HS256"}); err == nil {
		t.Error("-alg HS256 accepted")
	}
}

// timeOf is a Unix time in seconds.
func timeOf(unix int64) time.Time { return time.Unix(unix, 0) }

// tampered changes the first character of tok's signature, which carries
// six whole bits of it (the last may carry padding bits only).
func tampered(tok string) string {
	i := strings.LastIndexByte(tok, '.') + 1
	c := byte('A')
	if tok[i] == 'A' {
		c = 'B'
	}
	return tok[:i] + string(c) + tok[i+1:]
}
