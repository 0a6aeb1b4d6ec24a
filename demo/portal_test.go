package demo

import (
	"encoding/base64"
	"encoding/json"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
)

func newTestPortal(t *testing.T, issuer string) (*Portal, *httptest.Server) {
	t.Helper()
	p := NewPortal(PortalConfig{Issuer: issuer, Logger: slog.New(slog.NewTextHandler(t.Output(), nil))})
	mux := http.NewServeMux()
	p.Routes(mux)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return p, srv
}

// noRedirect is a client that shows redirects instead of following them.
func noRedirect() *http.Client {
	return &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

func get(t *testing.T, c *http.Client, u string, cookies ...*http.Cookie) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, ck := range cookies {
		req.AddCookie(ck)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, html.UnescapeString(string(b))
}

func TestLanding(t *testing.T) {
	_, srv := newTestPortal(t, "http://localhost:8080")
	for _, tc := range []struct {
		name, query string
	}{
		{"plain", ""},
		{"forged logout state", "?state=forged"}, // no cookie: no "logged out" banner
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := get(t, srv.Client(), srv.URL+"/demo/"+tc.query)
			if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "text/html; charset=utf-8" {
				t.Fatalf("status %d, type %q", resp.StatusCode, resp.Header.Get("Content-Type"))
			}
			want := []string{`href="/demo/web/login"`, `href="/demo/spa/login"`, MachineClientSecret, "http://localhost:8080/oauth/token"}
			for _, a := range Accounts {
				want = append(want, "<td>"+a.Tenant+"</td><td>"+a.Username+"</td><td><code>"+a.Password+"</code></td>")
			}
			for _, w := range want {
				if !strings.Contains(body, w) {
					t.Errorf("landing page lacks %q", w)
				}
			}
			if strings.Contains(body, "You are logged out") {
				t.Error("landing page claims a logout that did not happen")
			}
		})
	}
	if resp, _ := get(t, srv.Client(), srv.URL+"/demo/nope/login"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("unknown portal: %d, want 404", resp.StatusCode)
	}
}

// jwt returns an unsigned compact JWS of header and claims, for display
// tests: the page decodes tokens, it does not verify them.
func jwt(t *testing.T, header, claims map[string]any) string {
	t.Helper()
	seg := func(v any) string {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		return base64.RawURLEncoding.EncodeToString(b)
	}
	return seg(header) + "." + seg(claims) + ".c2ln"
}

func TestClaimsPage(t *testing.T) {
	p := NewPortal(PortalConfig{Issuer: "https://id.example.com"})
	tenant := map[string]any{"id": "t1", "slug": "contoso", "name": "Contoso BV", "level": "customer"}
	idToken := jwt(t, map[string]any{"alg": "ES256", "kid": "k1"}, map[string]any{
		"iss": "https://id.example.com", "sub": "u1", "preferred_username": "carol", "given_name": "Carol",
		"family_name": "Bakker", "amr": []string{"pwd"}, "tenant": tenant, "tenant_role": "admin",
	})
	accessToken := jwt(t, map[string]any{"alg": "ES256", "typ": "at+jwt"}, map[string]any{
		"client_id": "demo-web", "scope": "openid profile", "jti": "a1",
	})
	userinfo := []byte(`{"sub":"u1","preferred_username":"carol","name":"Carol Bakker","email":"carol@contoso.example.com","tenant":{"slug":"contoso","name":"Contoso BV","level":"customer"}}`)
	const logout = "https://id.example.com/end_session?id_token_hint=x&state=s"

	for _, tc := range []struct {
		name        string
		accessToken string
		refresh     bool
		want        []string
		notWant     []string
	}{
		{
			name: "jwt access token with refresh", accessToken: accessToken, refresh: true,
			want: []string{
				"Signed in to the web portal as carol",
				"Carol Bakker <carol@contoso.example.com>, administrator at Contoso BV (contoso, customer).",
				"A real portal never\nshows",
				`"kid": "k1"`,                  // ID token header
				"\"amr\": [\n    \"pwd\"\n  ]", // ID token claims, indented
				`"typ": "at+jwt"`,              // access token header
				`"client_id": "demo-web"`,      // access token claims
				`"email": "carol@contoso.example.com"`,
				"Refresh token issued: yes",
				`href="/demo/spa/login"`,
				`href="` + logout + `"`,
			},
		},
		{
			name: "opaque access token without refresh", accessToken: "opaque-token-value",
			want:    []string{"An opaque token", "Refresh token issued: no"},
			notWant: []string{"opaque-token-value", "Access token claims"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			page := newClaimsPage("web", "spa", idToken, tc.accessToken, tc.refresh, userinfo, logout)
			rec := httptest.NewRecorder()
			p.render(rec, httptest.NewRequest(http.MethodGet, "/demo/web/callback", nil), http.StatusOK, "claims.html", page)
			body := html.UnescapeString(rec.Body.String())
			for _, w := range tc.want {
				if !strings.Contains(body, w) {
					t.Errorf("page lacks %q", w)
				}
			}
			for _, w := range tc.notWant {
				if strings.Contains(body, w) {
					t.Errorf("page shows %q", w)
				}
			}
			if t.Failed() {
				t.Logf("page:\n%s", body)
			}
		})
	}
}

func TestDecodeJWT(t *testing.T) {
	for _, tc := range []struct {
		name, token string
		jwt         bool
	}{
		{"jws", "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.sig", true},
		{"opaque", "2YotnFZFEjr1zCsicMWpAA", false},
		{"not base64", "a.b!.c", false},
		{"not json", "YWJj.YWJj.c2ln", false},
		{"jwe", "a.b.c.d.e", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := decodeJWT(tc.token); got.JWT != tc.jwt {
				t.Errorf("decodeJWT(%q).JWT = %t", tc.token, got.JWT)
			}
		})
	}
}

// fakeIssuer serves a discovery document that fails the first time, as
// the server's own would if the portal asked before it listened.
func fakeIssuer(t *testing.T) *httptest.Server {
	var calls atomic.Int32
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/.well-known/openid-configuration" {
			http.NotFound(w, r)
			return
		}
		if calls.Add(1) == 1 {
			http.Error(w, "starting", http.StatusServiceUnavailable)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{
			"issuer": srv.URL, "authorization_endpoint": srv.URL + "/authorize", "token_endpoint": srv.URL + "/oauth/token",
			"userinfo_endpoint": srv.URL + "/userinfo", "end_session_endpoint": srv.URL + "/end_session",
			"jwks_uri": srv.URL + "/keys", "id_token_signing_alg_values_supported": []string{"ES256"},
			"code_challenge_methods_supported": []string{"S256"},
		})
	}))
	t.Cleanup(srv.Close)
	return srv
}

// TestLoginStartsCodeFlowWithPKCE checks the first step of a login, and
// that a discovery failure is reported and retried rather than kept.
func TestLoginStartsCodeFlowWithPKCE(t *testing.T) {
	op := fakeIssuer(t)
	_, srv := newTestPortal(t, op.URL)
	c := noRedirect()

	resp, body := get(t, c, srv.URL+"/demo/web/login")
	if resp.StatusCode != http.StatusBadGateway || !strings.Contains(body, "Gatehouse did not answer") {
		t.Fatalf("login while the issuer is down: %d", resp.StatusCode)
	}
	loc, cookies := startLogin(t, c, srv.URL+"/demo/web/login")
	q := loc.Query()
	if loc.Path != "/authorize" || q.Get("client_id") != WebClientID || q.Get("response_type") != "code" ||
		q.Get("code_challenge_method") != "S256" || q.Get("code_challenge") == "" || q.Get("state") == "" ||
		q.Get("redirect_uri") != op.URL+"/demo/web/callback" || q.Get("scope") != "openid profile email offline_access tenant roles permissions" {
		t.Errorf("authorization request = %s", loc)
	}
	var names []string
	for _, ck := range cookies {
		names = append(names, ck.Name)
		if ck.Path != "/demo/web/" || !ck.HttpOnly || ck.Secure || ck.SameSite != http.SameSiteLaxMode {
			t.Errorf("cookie %s: path %q, HttpOnly %t, Secure %t (http issuer), SameSite %v", ck.Name, ck.Path, ck.HttpOnly, ck.Secure, ck.SameSite)
		}
		if strings.Contains(ck.Value, q.Get("state")) {
			t.Errorf("cookie %s holds the state in clear", ck.Name)
		}
	}
	if strings.Join(names, ",") != "state,pkce" {
		t.Errorf("cookies %v, want state and pkce", names)
	}

	// The callback refuses what it cannot tie to this browser's login, and
	// shows what Gatehouse refused.
	state := url.QueryEscape(q.Get("state"))
	resp, body = get(t, c, srv.URL+"/demo/web/callback?code=x&state="+state)
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "could not be finished") {
		t.Errorf("callback without cookies: %d", resp.StatusCode)
	}
	resp, body = get(t, c, srv.URL+"/demo/web/callback?error=access_denied&error_description=no+role&state="+state, cookies...)
	if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, `Gatehouse answered "access_denied". no role`) {
		t.Errorf("callback with access_denied: %d\n%s", resp.StatusCode, body)
	}
}

// startLogin starts a login at u and returns where it sends the browser and
// the cookies it sets.
func startLogin(t *testing.T, c *http.Client, u string) (*url.URL, []*http.Cookie) {
	t.Helper()
	resp, _ := get(t, c, u)
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("login: %d, want 302", resp.StatusCode)
	}
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	return loc, resp.Cookies()
}
