package main

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"flag"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"testing"

	gooidc "github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/gatehouse-id/gatehouse/claims"
	"github.com/gatehouse-id/gatehouse/demo"
)

// The golden files in testdata/claims hold, for each demo account and the
// demo machine client, what a portal receives: the ID token, the access
// token, userinfo and introspection, taken through the real HTTP flow.
// Run with -update to rewrite them after a deliberate change to the
// contract (and change docs/claims.md in the same commit).
var update = flag.Bool("update", false, "rewrite the golden files in testdata/claims")

// newDemoHarness runs the demo directory, with the demo portals' redirect
// URIs on http://localhost so that the test browser stops there.
func newDemoHarness(t *testing.T) *harness {
	return newHarnessWith(t, "demo/directory.yaml", demo.Directory("http://localhost"))
}

// volatileClaims change with every run; the golden files leave them out
// (other tests check them).
var volatileClaims = []string{"exp", "iat", "auth_time", "jti", "nonce", "at_hash", "sid", "updated_at", "iss"}

// normalizer replaces the ids a run generates with stable names.
type normalizer map[string]string

func (h *harness) normalizer(t *testing.T) normalizer {
	t.Helper()
	n := normalizer{}
	st := h.app.directory.Store()
	tenants, err := st.ListTenants(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	for _, tn := range tenants {
		n[tn.ID] = "<tenant " + tn.Slug + ">"
		users, err := st.ListUsers(t.Context(), tn.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, u := range users {
			n[u.ID] = "<user " + u.Username + ">"
		}
	}
	return n
}

var uuidRE = regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`)

// view decodes raw JSON claims, drops the volatile ones and names the ids.
func (n normalizer) view(t *testing.T, raw []byte) map[string]any {
	t.Helper()
	s := uuidRE.ReplaceAllStringFunc(string(raw), func(id string) string {
		if name, ok := n[id]; ok {
			return name
		}
		t.Errorf("unknown id %s in claims", id)
		return id
	})
	var m map[string]any
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		t.Fatalf("claims are not a JSON object: %v", err)
	}
	for _, k := range volatileClaims {
		delete(m, k)
	}
	return m
}

// accessClaims are the claims that must read the same wherever a portal
// finds them.
var accessClaims = []string{"tenant", "tenant_role", "global_roles", "permissions", "service_roles", "groups", "roles", "act"}

// received is what a portal received for one login.
type received struct {
	IDToken       map[string]any `json:"id_token,omitempty"`
	AccessToken   map[string]any `json:"access_token"`
	UserInfo      map[string]any `json:"userinfo,omitempty"`
	Introspection map[string]any `json:"introspection"`
}

// consistent checks that every view carries the same access claims.
func (r received) consistent(t *testing.T) {
	t.Helper()
	views := map[string]map[string]any{"access token": r.AccessToken, "introspection": r.Introspection}
	if r.IDToken != nil {
		views["ID token"], views["userinfo"] = r.IDToken, r.UserInfo
	}
	for _, c := range accessClaims {
		want, _ := json.Marshal(r.AccessToken[c])
		for name, v := range views {
			if got, _ := json.Marshal(v[c]); !bytes.Equal(got, want) {
				t.Errorf("%s in the %s = %s, in the access token %s", c, name, got, want)
			}
		}
	}
}

func golden(t *testing.T, name string, r received) {
	t.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(r); err != nil {
		t.Fatal(err)
	}
	got := buf.Bytes()
	path := filepath.Join("testdata", "claims", name+".json")
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./cmd/gatehouse -run Golden -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (if the change is meant, run with -update and change docs/claims.md):\n got %s\nwant %s", path, got, want)
	}
}

// personReceived logs acc in at portal p (choosing tenant choose when
// offered one) and collects all four views.
func (h *harness) personReceived(t *testing.T, n normalizer, p *portal, acc demo.Account, choose string) received {
	t.Helper()
	b := h.browser()
	a, resp, body := b.submitPassword(p, acc.Tenant, acc.Username, acc.Password)
	if choose != "" {
		resp, body = b.chooseTenant(resp, body, choose)
	}
	tok := p.redeem(t, code(t, resp, a), a)
	return h.tokenReceived(t, n, p, tok)
}

// tokenReceived collects all four views of the tokens p received.
func (h *harness) tokenReceived(t *testing.T, n normalizer, p *portal, tok *oauth2.Token) received {
	t.Helper()
	rawID, _ := tok.Extra("id_token").(string)
	idt, err := h.oidc.Verifier(&gooidc.Config{ClientID: p.conf.ClientID}).Verify(t.Context(), rawID)
	if err != nil {
		t.Fatalf("go-oidc rejects the ID token: %v", err)
	}
	var idClaims json.RawMessage
	if err := idt.Claims(&idClaims); err != nil {
		t.Fatal(err)
	}
	h.verifyAccessToken(t, tok.AccessToken, p.conf.ClientID)
	info, err := h.oidc.UserInfo(t.Context(), oauth2.StaticTokenSource(tok))
	if err != nil {
		t.Fatalf("userinfo: %v", err)
	}
	var infoClaims json.RawMessage
	if err := info.Claims(&infoClaims); err != nil {
		t.Fatal(err)
	}
	return received{
		IDToken: n.view(t, idClaims), AccessToken: n.view(t, jwtPayload(t, tok.AccessToken)),
		UserInfo: n.view(t, infoClaims), Introspection: h.introspect(t, n, tok.AccessToken),
	}
}

// introspect asks as demo-web, a confidential client.
func (h *harness) introspect(t *testing.T, n normalizer, token string) map[string]any {
	t.Helper()
	res := h.postClient(t, "/oauth/introspect", demo.WebClientID, demo.WebClientSecret, url.Values{"token": {token}})
	res.want(t, http.StatusOK, "")
	raw, _ := json.Marshal(res.body)
	return n.view(t, raw)
}

var tenantChoiceRE = regexp.MustCompile(`name="tenant_id" value="([^"]+)"[^>]*>\s*<label[^>]*>[^<]*<span class="example">([^<]+)</span>`)

// chooseTenant picks the tenant with slug on the tenant choice page.
func (b *browser) chooseTenant(page *http.Response, body, slug string) (*http.Response, string) {
	b.t.Helper()
	if page.Request.URL.Path != "/login/tenant" {
		b.t.Fatalf("expected the tenant choice, got %s (%d)", page.Request.URL, page.StatusCode)
	}
	id := ""
	for _, m := range tenantChoiceRE.FindAllStringSubmatch(body, -1) {
		if m[2] == slug {
			id = m[1]
		}
	}
	csrf, req := csrfRE.FindStringSubmatch(body), authReqIDRE.FindStringSubmatch(body)
	if id == "" || csrf == nil || req == nil {
		b.t.Fatalf("tenant %q not offered:\n%s", slug, body)
	}
	u := *page.Request.URL
	u.RawQuery = ""
	return b.postForm(u.String(), url.Values{"authRequestID": {req[1]}, "csrf_token": {csrf[1]}, "tenant_id": {id}})
}

func jwtPayload(t *testing.T, tok string) []byte {
	t.Helper()
	var m json.RawMessage
	parts := bytes.Split([]byte(tok), []byte("."))
	if len(parts) != 3 {
		t.Fatal("not a JWT")
	}
	b, err := base64.RawURLEncoding.DecodeString(string(parts[1]))
	if err != nil || json.Unmarshal(b, &m) != nil {
		t.Fatalf("JWT payload does not decode: %v", err)
	}
	return b
}

// TestGoldenClaims logs every demo account in at the web portal (which
// consumes every service) and compares what it received with the golden
// files; then Carol at the single-page portal, configured for Things
// Manager alone; then Bob, an external user, acting in Contoso; then the
// machine client.
func TestGoldenClaims(t *testing.T) {
	h := newDemoHarness(t)
	n := h.normalizer(t)
	web := h.portal(demo.WebClientID, demo.WebClientSecret, "http://localhost/demo/web/callback",
		"openid", "profile", "email", "tenant", "roles", "permissions")
	for _, acc := range demo.Accounts {
		t.Run(acc.Username, func(t *testing.T) {
			choose := ""
			if acc.Username == "bob" {
				choose = acc.Tenant // offered a choice: his home
			}
			r := h.personReceived(t, n, web, acc, choose)
			r.consistent(t)
			golden(t, "web-"+acc.Username, r)
		})
	}
	t.Run("portal for one service", func(t *testing.T) {
		spa := h.portal(demo.SPAClientID, "", "http://localhost/demo/spa/callback", "openid", "profile")
		r := h.personReceived(t, n, spa, demo.Accounts[3], "")
		r.consistent(t)
		sr, _ := r.AccessToken["service_roles"].(map[string]any)
		if keys := slices.Collect(maps.Keys(sr)); !slices.Equal(keys, []string{"things-manager"}) {
			t.Errorf("the Things Manager portal sees services %v", keys)
		}
		if _, ok := r.AccessToken["permissions"]; ok {
			t.Error("permissions released to a portal not registered for the scope")
		}
		golden(t, "spa-carol", r)
	})
	t.Run("external user acting in a linked tenant", func(t *testing.T) {
		r := h.personReceived(t, n, web, demo.Accounts[2], "contoso")
		r.consistent(t)
		if tn, _ := r.AccessToken["tenant"].(map[string]any); tn["slug"] != "contoso" {
			t.Errorf("tenant = %v, want contoso only", tn)
		}
		golden(t, "web-bob-at-contoso", r)
	})
	t.Run("support acting", func(t *testing.T) {
		// Bob, on Acme's support desk, acts as Carol of Contoso.
		a, resp, _ := h.browser().supportLogin(web, "contoso", "bob$carol", "bob-demo-pw", "INC-1")
		tok := web.redeem(t, code(t, resp, a), a)
		r := h.tokenReceived(t, n, web, tok)
		r.consistent(t)
		for name, v := range map[string]map[string]any{"ID token": r.IDToken, "access token": r.AccessToken,
			"userinfo": r.UserInfo, "introspection": r.Introspection} {
			if act, _ := v["act"].(map[string]any); act["preferred_username"] != "bob" || v["sub"] != r.AccessToken["sub"] {
				t.Errorf("%s: act %v, sub %v", name, v["act"], v["sub"])
			}
		}
		golden(t, "web-bob-supporting-carol", r)
	})
	t.Run("machine client", func(t *testing.T) {
		cc := clientcredentials.Config{ClientID: demo.MachineClientID, ClientSecret: demo.MachineClientSecret,
			TokenURL: h.oidc.Endpoint().TokenURL}
		tok, err := cc.Token(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		h.verifyAccessToken(t, tok.AccessToken, demo.MachineClientID)
		r := received{AccessToken: n.view(t, jwtPayload(t, tok.AccessToken)), Introspection: h.introspect(t, n, tok.AccessToken)}
		r.consistent(t)
		if r.AccessToken["sub"] != demo.MachineClientID {
			t.Errorf("machine sub = %v", r.AccessToken["sub"])
		}
		golden(t, "machine", r)
	})
}

// TestMachineTokenVerifiedByClaimsPackage is flow 4 of the design: a
// resource server verifies a machine token offline with the claims
// package's verifier and middleware, and authorizes by tenant subtree and
// permission.
func TestMachineTokenVerifiedByClaimsPackage(t *testing.T) {
	h := newDemoHarness(t)
	cc := clientcredentials.Config{ClientID: demo.MachineClientID, ClientSecret: demo.MachineClientSecret,
		TokenURL: h.oidc.Endpoint().TokenURL}
	tok, err := cc.Token(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	v, err := claims.NewVerifier(claims.Config{Issuer: h.issuer, Audiences: []string{demo.MachineClientID}})
	if err != nil {
		t.Fatal(err)
	}
	at, err := v.VerifyAccessToken(t.Context(), tok.AccessToken)
	if err != nil {
		t.Fatalf("the claims verifier rejects a machine token: %v", err)
	}
	contoso, err := h.app.directory.Store().TenantBySlug(t.Context(), demo.MachineTenant)
	if err != nil {
		t.Fatal(err)
	}
	rotterdam, err := h.app.directory.Store().TenantBySlug(t.Context(), "contoso-rotterdam")
	if err != nil {
		t.Fatal(err)
	}
	fabrikam, err := h.app.directory.Store().TenantBySlug(t.Context(), "fabrikam")
	if err != nil {
		t.Fatal(err)
	}
	switch {
	case at.Subject != demo.MachineClientID || at.TenantID() != contoso.ID || at.IsAdmin():
		t.Errorf("machine token: sub %q tenant %q admin %v", at.Subject, at.TenantID(), at.IsAdmin())
	case !at.InSubtree(rotterdam.Path) || at.InSubtree(fabrikam.Path):
		t.Error("subtree check wrong: the machine acts in contoso, below which is rotterdam and not fabrikam")
	case !at.HasPermission("inventory", "read") || at.HasPermission("inventory", "change"):
		t.Errorf("permissions %v", at.Permissions)
	case !at.HasServiceRole("things-creator", "read-only") || !at.HasGlobalRole("fleet-importer"):
		t.Errorf("roles %v %v", at.GlobalRoles, at.ServiceRoles)
	}
	// The same through the middleware of a resource server.
	api := v.Middleware(claims.Require(func(at *claims.AccessToken) bool { return at.HasPermission("inventory", "read") },
		http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			at, _ := claims.FromContext(r.Context())
			w.Write([]byte(at.Tenant.Slug))
		})))
	for _, tc := range []struct {
		auth string
		code int
	}{{"Bearer " + tok.AccessToken, http.StatusOK}, {"Bearer " + tok.AccessToken + "x", http.StatusUnauthorized}, {"", http.StatusUnauthorized}} {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest(http.MethodGet, "/devices", nil)
		if tc.auth != "" {
			req.Header.Set("Authorization", tc.auth)
		}
		api.ServeHTTP(rec, req)
		if rec.Code != tc.code {
			t.Errorf("resource server answered %d, want %d", rec.Code, tc.code)
		}
	}
}
