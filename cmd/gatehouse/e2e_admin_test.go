package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gatehouse-id/gatehouse/claims"
)

// The administration API's end-to-end tests run against testdata/admin.yaml
// (its header draws the tenant tree): people get their tokens through the
// console client's code flow, the machine client automation through client
// credentials, and every request goes over HTTP to the wired server.

const (
	consoleSecret    = "console-secret-0123456789abcdefghijklmn"
	automationSecret = "automation-secret-0123456789abcdefghijk"
	reportingSecret  = "reporting-secret-0123456789abcdefghijkl"
	consoleCallback  = "http://localhost/console/callback"
)

func newAdminHarness(t *testing.T) *harness {
	t.Helper()
	return newHarnessWith(t, "testdata/admin.yaml", mustRead(t, "testdata/admin.yaml"))
}

func (h *harness) console(scopes ...string) *portal {
	return h.portal("console", consoleSecret, consoleCallback, scopes...)
}

// adminToken signs username of tenant in through the console (code flow
// with PKCE, in a fresh browser) asking for scopes, by default "openid
// gatehouse.admin", and returns the access token.
func (h *harness) adminToken(t *testing.T, tenant, username string, scopes ...string) string {
	t.Helper()
	if len(scopes) == 0 {
		scopes = []string{"openid", claims.ScopeAdmin}
	}
	return h.browser().signIn(t, h.console(scopes...), tenant, username, username+"-password").AccessToken
}

// passphrase ends the passwords the tests give users through the API,
// which the password policy holds to more than the directory file's
// "<username>-password".
const passphrase = " plum orchard velvet"

// automationToken is the machine client's access token for scope.
func (h *harness) automationToken(t *testing.T, scope string) string {
	t.Helper()
	res := h.tokenRequest(t, "automation", automationSecret, url.Values{"grant_type": {"client_credentials"}, "scope": {scope}})
	res.want(t, http.StatusOK, "")
	tok, _ := res.body["access_token"].(string)
	if tok == "" {
		t.Fatalf("no access token for automation: %v", res.body)
	}
	return tok
}

// apiAnswer is one answer of the administration API.
type apiAnswer struct {
	status int
	header http.Header
	raw    []byte
	body   map[string]any
}

// apiSend sends body (raw bytes) with contentType to the API as the bearer
// of token ("" for none).
func (h *harness) apiSend(t *testing.T, token, method, path, contentType string, body []byte) apiAnswer {
	t.Helper()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(t.Context(), method, h.issuer+"/api/v1"+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	a := apiAnswer{status: resp.StatusCode, header: resp.Header, raw: b}
	_ = json.Unmarshal(b, &a.body)
	if resp.StatusCode >= 500 {
		t.Errorf("%s %s answered %d: %s", method, path, resp.StatusCode, b)
	}
	return a
}

// api sends v as JSON (no body if nil).
func (h *harness) api(t *testing.T, token, method, path string, v any) apiAnswer {
	t.Helper()
	if v == nil {
		return h.apiSend(t, token, method, path, "", nil)
	}
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return h.apiSend(t, token, method, path, "application/json", b)
}

func (a apiAnswer) String() string { return fmt.Sprintf("%d %.400s", a.status, a.raw) }

// want checks the status; a 4xx must be a problem.
func (a apiAnswer) want(t *testing.T, status int) {
	t.Helper()
	if a.status != status {
		t.Errorf("status = %d, want %d: %s", a.status, status, a.raw)
		return
	}
	if status >= 400 {
		a.wantProblem(t, status, "")
	}
}

// wantProblem checks that a is an RFC 9457 problem with status, naming
// field among its errors if field is not empty.
func (a apiAnswer) wantProblem(t *testing.T, status int, field string) {
	t.Helper()
	if a.status != status {
		t.Errorf("status = %d, want %d: %s", a.status, status, a.raw)
	}
	if ct := a.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/problem+json") {
		t.Errorf("Content-Type = %q, want application/problem+json", ct)
	}
	if typ, _ := a.body["type"].(string); typ == "" || a.body["title"] == nil || a.body["status"] != float64(a.status) {
		t.Errorf("not a problem document: %s", a.raw)
	}
	if field == "" {
		return
	}
	var named []string
	errs, _ := a.body["errors"].([]any)
	for _, e := range errs {
		m, _ := e.(map[string]any)
		f, _ := m["field"].(string)
		if r, _ := m["reason"].(string); r == "" {
			t.Errorf("field %q has no reason: %s", f, a.raw)
		}
		named = append(named, f)
	}
	if !slices.Contains(named, field) {
		t.Errorf("problem names fields %q, want %q: %s", named, field, a.raw)
	}
}

func (a apiAnswer) str(key string) string { s, _ := a.body[key].(string); return s }

// list returns the objects of the array key of the body.
func (a apiAnswer) list(key string) []map[string]any {
	items, _ := a.body[key].([]any)
	out := make([]map[string]any, 0, len(items))
	for _, it := range items {
		m, _ := it.(map[string]any)
		out = append(out, m)
	}
	return out
}

func field(m map[string]any, key string) string { s, _ := m[key].(string); return s }

func (h *harness) slugsOf(t *testing.T, a apiAnswer) []string {
	t.Helper()
	var out []string
	for _, tn := range a.list("tenants") {
		out = append(out, field(tn, "slug"))
	}
	return out
}

// adminTenantNames are the names admin.yaml gives its tenants.
var adminTenantNames = map[string]string{
	"root": "Root", "prov": "Provider", "cust": "Customer", "sub": "Subcustomer", "prov2": "Provider Two", "cust2": "Customer Two",
}

// adminTargetUser is the user of tenant slug the matrix reads and changes.
func adminTargetUser(slug string) string {
	if slug == "cust2" {
		return "cust2-user"
	}
	return slug + "-reader"
}

var fresh atomic.Int64

// freshName is a slug or username no other cell uses.
func freshName(prefix string) string { return fmt.Sprintf("%s-%d", prefix, fresh.Add(1)) }

// wantAudience checks that the access token raw is meant for the API too.
func (h *harness) wantAdminAudience(t *testing.T, raw, clientID string) {
	t.Helper()
	at := h.verifyAccessToken(t, raw, clientID)
	if !slices.Contains(at.Audience, h.issuer+"/api/v1") || !slices.Contains(at.Audience, clientID) {
		t.Errorf("aud = %v, want %s and %s/api/v1", at.Audience, clientID, h.issuer)
	}
}

// TestAdminAPIAuthentication: only a live token with the admin scope
// reaches the API; everything else is a 401 problem with a challenge.
func TestAdminAPIAuthentication(t *testing.T) {
	h := newAdminHarness(t)
	good := h.adminToken(t, "prov", "prov-admin")
	h.wantAdminAudience(t, good, "console")
	h.wantAdminAudience(t, h.automationToken(t, claims.ScopeAdmin), "automation")
	h.api(t, good, "GET", "/tenants", nil).want(t, http.StatusOK)

	noScope := h.adminToken(t, "prov", "prov-admin", "openid", "profile")
	if at := h.verifyAccessToken(t, noScope, "console"); slices.Contains(at.Audience, h.issuer+"/api/v1") {
		t.Errorf("a token without %s names the API: aud %v", claims.ScopeAdmin, at.Audience)
	}
	// A machine client holding admins in prov, but not granted the scope:
	// its token is not for the API.
	mns := h.tokenRequest(t, "reporting", reportingSecret, url.Values{"grant_type": {"client_credentials"}})
	mnsToken, _ := mns.body["access_token"].(string)
	if mnsToken == "" {
		t.Fatalf("reporting's token: %v", mns.body)
	}

	for _, tc := range []struct {
		name   string
		header string // the whole Authorization header; "" for none
	}{
		{"missing", ""},
		{"empty bearer", "Bearer "},
		{"garbage", "Bearer garbage.not.ajwt"},
		{"basic", "Basic " + "cHJvdi1hZG1pbjpwcm92LWFkbWluLXBhc3N3b3Jk"},
		{"tampered", "Bearer " + good[:len(good)-4] + "AAAA"},
		{"without the admin scope", "Bearer " + noScope},
		{"machine without the admin scope", "Bearer " + mnsToken},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequestWithContext(t.Context(), "GET", h.issuer+"/api/v1/tenants", nil)
			if tc.header != "" {
				req.Header.Set("Authorization", tc.header)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			a := apiAnswer{status: resp.StatusCode, header: resp.Header, raw: b}
			_ = json.Unmarshal(b, &a.body)
			a.wantProblem(t, http.StatusUnauthorized, "")
			if ch := resp.Header.Get("WWW-Authenticate"); !strings.HasPrefix(ch, "Bearer") {
				t.Errorf("WWW-Authenticate = %q, want a Bearer challenge", ch)
			}
		})
	}

	// The caller is resolved now: a person disabled since the token was
	// issued is no longer let in.
	subReader := h.adminToken(t, "sub", "sub-reader")
	h.api(t, subReader, "GET", "/tenants/sub", nil).want(t, http.StatusOK)
	h.api(t, h.adminToken(t, "sub", "sub-admin"), "PATCH", "/users/"+h.user(t, "sub", "sub-reader").ID,
		map[string]any{"enabled": false}).want(t, http.StatusOK)
	a := h.api(t, subReader, "GET", "/tenants/sub", nil)
	a.wantProblem(t, http.StatusUnauthorized, "")
	if a.header.Get("WWW-Authenticate") == "" {
		t.Error("no WWW-Authenticate for a disabled caller's token")
	}
}

// TestAdminAPIDocumentAndUnknownPaths: the OpenAPI document is served, and
// any other path under /api/v1 is a problem, not the HTML 404.
func TestAdminAPIDocumentAndUnknownPaths(t *testing.T) {
	h := newAdminHarness(t)
	a := h.apiSend(t, "", "GET", "/openapi.yaml", "", nil)
	if a.status != http.StatusOK || !strings.HasPrefix(string(a.raw), "openapi: 3.1") || !strings.Contains(string(a.raw), "/tenants/{slug}/users") {
		t.Errorf("GET /api/v1/openapi.yaml: %d %.200s", a.status, a.raw)
	}
	if ct := a.header.Get("Content-Type"); !strings.Contains(ct, "yaml") {
		t.Errorf("openapi.yaml Content-Type = %q", ct)
	}
	tok := h.adminToken(t, "root", "root-admin")
	for _, p := range []string{"/nope", "/tenants/root/nope", "/users", "/"} {
		for _, token := range []string{"", tok} {
			h.apiSend(t, token, "GET", p, "", nil).wantProblem(t, http.StatusNotFound, "")
		}
	}
}

// adminEndpoint is one endpoint of the authorization matrix.
type adminEndpoint struct {
	name  string
	write bool
	// send makes the request as token against target (a tenant slug).
	send func(t *testing.T, h *harness, token, target string) apiAnswer
	// created is the 2xx status an allowed request answers.
	created int
	// except, if not nil, is the status an administrator of tenant caller
	// gets against tg, inside its reach, where that is not created (0:
	// created), with the field its 422 problem names.
	except func(caller string, tg adminTarget) (status int, field string)
}

func adminEndpoints() []adminEndpoint {
	userPath := func(t *testing.T, h *harness, target string) string {
		return "/users/" + h.user(t, target, adminTargetUser(target)).ID
	}
	return []adminEndpoint{
		{name: "get-tenant", send: func(t *testing.T, h *harness, token, target string) apiAnswer {
			a := h.api(t, token, "GET", "/tenants/"+target, nil)
			if a.status == http.StatusOK && a.str("slug") != target {
				t.Errorf("GET /tenants/%s is tenant %q", target, a.str("slug"))
			}
			return a
		}},
		{name: "create-tenant", write: true, created: http.StatusCreated, send: func(t *testing.T, h *harness, token, target string) apiAnswer {
			slug := freshName("made")
			a := h.api(t, token, "POST", "/tenants", map[string]any{"slug": slug, "name": "Made " + slug, "parent": target})
			if a.status == http.StatusCreated && (a.str("slug") != slug || a.header.Get("Location") != "/api/v1/tenants/"+slug) {
				t.Errorf("created %q at %q", a.str("slug"), a.header.Get("Location"))
			}
			return a
		}, except: func(_ string, tg adminTarget) (int, string) {
			if tg.slug == "sub" {
				return http.StatusUnprocessableEntity, "parent" // a subcustomer has no children
			}
			return 0, ""
		}},
		{name: "update-tenant", write: true, created: http.StatusOK, send: func(t *testing.T, h *harness, token, target string) apiAnswer {
			return h.api(t, token, "PUT", "/tenants/"+target, map[string]any{
				"name": adminTenantNames[target], "settings": map[string]any{"user_roles": []string{"readers"}}})
		}, except: func(caller string, tg adminTarget) (int, string) {
			if tg.label == "own" && caller != "root" {
				return http.StatusForbidden, "" // its parent sets its policies
			}
			return 0, ""
		}},
		{name: "list-users", send: func(t *testing.T, h *harness, token, target string) apiAnswer {
			a := h.api(t, token, "GET", "/tenants/"+target+"/users", nil)
			if a.status == http.StatusOK && !slices.ContainsFunc(a.list("users"), func(u map[string]any) bool {
				return field(u, "username") == adminTargetUser(target)
			}) {
				t.Errorf("users of %s lack %s: %s", target, adminTargetUser(target), a.raw)
			}
			return a
		}},
		{name: "create-user", write: true, created: http.StatusCreated, send: func(t *testing.T, h *harness, token, target string) apiAnswer {
			name := freshName("new")
			a := h.api(t, token, "POST", "/tenants/"+target+"/users", map[string]any{"username": name, "email": name + "@example.com"})
			if a.status == http.StatusCreated && (a.str("username") != name || a.header.Get("Location") != "/api/v1/users/"+a.str("id")) {
				t.Errorf("created %s at %q", a.raw, a.header.Get("Location"))
			}
			return a
		}},
		{name: "get-user", send: func(t *testing.T, h *harness, token, target string) apiAnswer {
			a := h.api(t, token, "GET", userPath(t, h, target), nil)
			if a.status == http.StatusOK && a.str("username") != adminTargetUser(target) {
				t.Errorf("GET user: %s", a.raw)
			}
			return a
		}},
		{name: "update-user", write: true, created: http.StatusOK, send: func(t *testing.T, h *harness, token, target string) apiAnswer {
			return h.api(t, token, "PATCH", userPath(t, h, target), map[string]any{"display_name": "Edited " + freshName("x")})
		}},
		{name: "set-roles", write: true, created: http.StatusOK, send: func(t *testing.T, h *harness, token, target string) apiAnswer {
			return h.api(t, token, "PUT", userPath(t, h, target)+"/roles", map[string]any{
				"tenant_role": "user", "global_roles": []string{}, "service_roles": map[string][]string{}, "groups": []string{}})
		}},
		{name: "reset-totp", write: true, created: http.StatusNoContent, send: func(t *testing.T, h *harness, token, target string) apiAnswer {
			return h.api(t, token, "POST", userPath(t, h, target)+"/totp/reset", nil)
		}},
		{name: "audit", send: func(t *testing.T, h *harness, token, target string) apiAnswer {
			return h.api(t, token, "GET", "/audit?tenant="+target, nil)
		}},
	}
}

// adminTarget is a tenant a matrix caller acts on, inside its subtree or
// not.
type adminTarget struct {
	label, slug string
	inside      bool
}

// adminMatrixTenant is a tenant whose administrator and reader the matrix
// calls as, and the tenants it calls against.
type adminMatrixTenant struct {
	slug    string
	subtree []string // as admin.yaml has it, parents first
	targets []adminTarget
}

// adminMatrixTenants are the callers' tenants: root, prov, cust and sub,
// each against its own tenant, children, siblings and parents.
func adminMatrixTenants() []adminMatrixTenant {
	return []adminMatrixTenant{
		{"root", []string{"root", "prov", "cust", "sub", "prov2", "cust2"},
			[]adminTarget{{"own", "root", true}, {"child", "prov", true}, {"grandchild", "cust", true}, {"other-branch", "cust2", true}}},
		{"prov", []string{"prov", "cust", "sub"},
			[]adminTarget{{"own", "prov", true}, {"child", "cust", true}, {"grandchild", "sub", true},
				{"sibling", "prov2", false}, {"cousin", "cust2", false}, {"parent", "root", false}}},
		{"cust", []string{"cust", "sub"},
			[]adminTarget{{"own", "cust", true}, {"child", "sub", true}, {"sibling", "cust2", false}, {"parent", "prov", false}, {"grandparent", "root", false}}},
		{"sub", []string{"sub"},
			[]adminTarget{{"own", "sub", true}, {"cousin", "cust2", false}, {"uncle", "prov2", false}, {"parent", "cust", false}}},
	}
}

// adminCaller is a caller of the matrix: the administrator or the reader
// of one of adminMatrixTenants, signed in through the console.
type adminCaller struct {
	name   string // the username: "prov-admin", "prov-reader"
	reader bool
	tenant adminMatrixTenant
	token  string
}

// adminMatrix is an admin harness with every caller of the matrix signed
// in, administrators and readers of root, prov, cust and sub, in that
// order.
type adminMatrix struct {
	*harness
	callers []adminCaller
	// root is root-admin's token: outside the cells, it makes the
	// fixtures a cell acts on and checks what a refused request left.
	root string
}

func newAdminMatrix(t *testing.T) *adminMatrix {
	t.Helper()
	m := &adminMatrix{harness: newAdminHarness(t)}
	for _, tn := range adminMatrixTenants() {
		for _, kind := range []string{"admin", "reader"} {
			c := adminCaller{name: tn.slug + "-" + kind, reader: kind == "reader", tenant: tn}
			c.token = m.adminToken(t, tn.slug, c.name)
			if c.name == "root-admin" {
				m.root = c.token
			}
			m.callers = append(m.callers, c)
		}
	}
	return m
}

// run sends every endpoint of eps as every caller against each of the
// caller's targets, in the subtest caller/endpoint/target, and checks the
// answer's status: 404 outside the caller's reach; inside it, 403 for a
// reader's change, 200 for a read, and for an administrator's change the
// endpoint's exception if it has one for the cell, else its created
// status. then, if not nil, runs in each caller's subtest after the
// endpoints.
func (m *adminMatrix) run(t *testing.T, eps []adminEndpoint, then func(t *testing.T, c adminCaller)) {
	for _, c := range m.callers {
		t.Run(c.name, func(t *testing.T) {
			for _, ep := range eps {
				t.Run(ep.name, func(t *testing.T) {
					for _, tg := range c.tenant.targets {
						t.Run(tg.label, func(t *testing.T) {
							a := ep.send(t, m.harness, c.token, tg.slug)
							if status, field := ep.want(c, tg); field != "" {
								a.wantProblem(t, status, field)
							} else {
								a.want(t, status)
							}
						})
					}
				})
			}
			if then != nil {
				then(t, c)
			}
		})
	}
}

// want is the status (and, for a 422, the field its problem names) that
// ep answers caller c against tg.
func (ep adminEndpoint) want(c adminCaller, tg adminTarget) (int, string) {
	switch {
	case !tg.inside:
		return http.StatusNotFound, ""
	case !ep.write:
		return http.StatusOK, ""
	case c.reader:
		return http.StatusForbidden, ""
	case ep.except != nil:
		if status, field := ep.except(c.tenant.slug, tg); status != 0 {
			return status, field
		}
	}
	return ep.created, ""
}

// TestAdminAuthorizationMatrix: every endpoint, for an administrator and a
// read-only user of each of root, prov, cust and sub, against its own
// tenant, a child, a tenant on the other side of the tree and its parent.
func TestAdminAuthorizationMatrix(t *testing.T) {
	m := newAdminMatrix(t)

	// Phase 1, before any tenant is created: each caller lists exactly its
	// subtree, parents before children.
	for _, c := range m.callers {
		t.Run(c.name+"/list-tenants/own", func(t *testing.T) {
			a := m.api(t, c.token, "GET", "/tenants", nil)
			a.want(t, http.StatusOK)
			got := m.slugsOf(t, a)
			if !sameSet(got, c.tenant.subtree) {
				t.Errorf("GET /tenants = %v, want exactly %v", got, c.tenant.subtree)
			}
			seen := map[string]bool{}
			for _, v := range a.list("tenants") {
				if p := field(v, "parent"); p != "" && field(v, "slug") != c.tenant.slug && !seen[p] {
					t.Errorf("tenant %s listed before its parent", field(v, "slug"))
				}
				seen[field(v, "id")] = true
			}
		})
	}

	// Phase 2: every endpoint against every target.
	m.run(t, adminEndpoints(), nil)
}

func sameSet(a, b []string) bool {
	x, y := slices.Clone(a), slices.Clone(b)
	slices.Sort(x)
	slices.Sort(y)
	return slices.Equal(x, y)
}

// TestAdminOwnership: users:create without users:change creates users of
// its own tenant, owns them and manages only them, granting nothing it
// does not hold.
func TestAdminOwnership(t *testing.T) {
	h := newAdminHarness(t)
	creator := h.user(t, "cust", "cust-creator")
	tok := h.adminToken(t, "cust", "cust-creator")
	reader := h.user(t, "cust", "cust-reader")

	a := h.api(t, tok, "POST", "/tenants/cust/users", map[string]any{"username": "owned-1", "email": "owned-1@example.com"})
	a.want(t, http.StatusCreated)
	if a.str("owner") != creator.ID {
		t.Errorf("owner = %q, want the creator %s", a.str("owner"), creator.ID)
	}
	owned := a.str("id")
	if owned == "" {
		t.Fatalf("no id: %s", a.raw)
	}
	h.api(t, tok, "PATCH", "/users/"+owned, map[string]any{"display_name": "Owned One"}).want(t, http.StatusOK)
	h.api(t, tok, "POST", "/users/"+owned+"/totp/reset", nil).want(t, http.StatusNoContent)
	h.api(t, tok, "GET", "/users/"+reader.ID, nil).want(t, http.StatusOK)
	h.api(t, tok, "PATCH", "/users/"+reader.ID, map[string]any{"display_name": "Not yours"}).want(t, http.StatusForbidden)
	h.api(t, tok, "PUT", "/users/"+reader.ID+"/roles", map[string]any{"tenant_role": "user"}).want(t, http.StatusForbidden)
	h.api(t, tok, "POST", "/users/"+reader.ID+"/totp/reset", nil).want(t, http.StatusForbidden)
	// Only in its own tenant, even below it.
	h.api(t, tok, "POST", "/tenants/sub/users", map[string]any{"username": "owned-2"}).want(t, http.StatusForbidden)
	// Out of its reach altogether.
	h.api(t, tok, "POST", "/tenants/prov/users", map[string]any{"username": "owned-2"}).want(t, http.StatusNotFound)

	// Nothing it does not hold: a role, the admin tenant role, the
	// administrators group. Each is refused naming the field and creates
	// nobody.
	for _, tc := range []struct {
		body  map[string]any
		field string
	}{
		{map[string]any{"username": "owned-3", "global_roles": []string{"admins"}}, "global_roles"},
		{map[string]any{"username": "owned-3", "tenant_role": "admin"}, "tenant_role"},
		{map[string]any{"username": "owned-3", "groups": []string{"administrators"}}, "groups"},
	} {
		h.api(t, tok, "POST", "/tenants/cust/users", tc.body).wantProblem(t, http.StatusUnprocessableEntity, tc.field)
	}
	if l := h.api(t, tok, "GET", "/tenants/cust/users?q=owned-3", nil); len(l.list("users")) != 0 {
		t.Errorf("a refused create left a user: %s", l.raw)
	}
	// Nor to a user it owns; the user stays as it was.
	before := h.api(t, tok, "GET", "/users/"+owned, nil)
	h.api(t, tok, "PUT", "/users/"+owned+"/roles", map[string]any{"tenant_role": "user", "global_roles": []string{"admins"}}).
		wantProblem(t, http.StatusUnprocessableEntity, "global_roles")
	after := h.api(t, tok, "GET", "/users/"+owned, nil)
	if !bytes.Equal(before.raw, after.raw) {
		t.Errorf("a refused role change changed the user:\n%s\n%s", before.raw, after.raw)
	}
	// What it holds it may grant.
	a = h.api(t, tok, "PUT", "/users/"+owned+"/roles", map[string]any{"tenant_role": "user", "global_roles": []string{"user-creators"}})
	a.want(t, http.StatusOK)
	if gr, _ := a.body["global_roles"].([]any); !slices.Contains(gr, any("user-creators")) {
		t.Errorf("roles after the change: %s", a.raw)
	}
}

// TestAdminMachineCaller: the machine client automation, holding admins in
// prov, acts in prov's subtree like prov's administrator.
func TestAdminMachineCaller(t *testing.T) {
	h := newAdminHarness(t)
	tok := h.automationToken(t, claims.ScopeAdmin)
	l := h.api(t, tok, "GET", "/tenants", nil)
	l.want(t, http.StatusOK)
	if got := h.slugsOf(t, l); !sameSet(got, []string{"prov", "cust", "sub"}) {
		t.Errorf("automation lists %v, want prov's subtree", got)
	}
	for _, p := range []string{"/tenants/root", "/tenants/prov2", "/tenants/cust2/users", "/users/" + h.user(t, "prov2", "prov2-reader").ID,
		"/audit?tenant=prov2"} {
		h.api(t, tok, "GET", p, nil).want(t, http.StatusNotFound)
	}
	h.api(t, tok, "GET", "/tenants/sub", nil).want(t, http.StatusOK)
	a := h.api(t, tok, "POST", "/tenants/cust/users", map[string]any{"username": "machine-made"})
	a.want(t, http.StatusCreated)
	if a.str("owner") != "" {
		t.Errorf("a user created by a caller with users:change has owner %q", a.str("owner"))
	}
	made := a.str("id")
	h.api(t, tok, "PATCH", "/users/"+made, map[string]any{"given_name": "Machine"}).want(t, http.StatusOK)
	h.api(t, tok, "POST", "/tenants", map[string]any{"slug": "machine-sub", "name": "Machine Sub", "parent": "cust"}).want(t, http.StatusCreated)
	h.api(t, tok, "PUT", "/tenants/cust", map[string]any{"name": "Customer", "settings": map[string]any{"user_roles": []string{"readers"}, "mfa": "optional"}}).
		want(t, http.StatusOK)
	h.api(t, tok, "PUT", "/tenants/prov", map[string]any{"name": "Provider", "settings": map[string]any{"user_roles": []string{"readers"}}}).
		want(t, http.StatusForbidden)
	h.api(t, tok, "POST", "/users/"+h.user(t, "sub", "sub-reader").ID+"/totp/reset", nil).want(t, http.StatusNoContent)

	// Audited as the client.
	ev := h.api(t, tok, "GET", "/audit?action=user.created", nil)
	ev.want(t, http.StatusOK)
	found := false
	for _, e := range ev.list("events") {
		if field(e, "target") == made {
			found = true
			d, _ := e["details"].(map[string]any)
			if field(e, "actor") != "client:automation" || field(e, "actor_name") != "client:automation" || d["address"] == nil || d["client_id"] != "automation" {
				t.Errorf("user.created by automation: %v", e)
			}
		}
	}
	if !found {
		t.Errorf("no user.created event for the machine's user: %s", ev.raw)
	}

	// A failure part way through writes nothing: the machine client is no
	// administrator (it has no tenant role), so it cannot make one; the
	// role is checked after the new assignment is written, in the same
	// transaction, which must roll back.
	reader := h.user(t, "cust", "cust-reader")
	before := h.api(t, tok, "GET", "/users/"+reader.ID, nil)
	h.api(t, tok, "PUT", "/users/"+reader.ID+"/roles", map[string]any{"tenant_role": "admin"}).
		wantProblem(t, http.StatusUnprocessableEntity, "tenant_role")
	after := h.api(t, tok, "GET", "/users/"+reader.ID, nil)
	if !bytes.Equal(before.raw, after.raw) || after.str("tenant_role") != "user" {
		t.Errorf("a refused role change changed the user:\n%s\n%s", before.raw, after.raw)
	}
	if u := h.user(t, "cust", "cust-reader"); string(u.TenantRole) != "user" {
		t.Errorf("stored tenant role = %q after a refused change", u.TenantRole)
	}
}

// TestAdminBadInput: bodies and queries the API refuses, each a problem
// naming the field where there is one, and nothing written.
func TestAdminBadInput(t *testing.T) {
	h := newAdminHarness(t)
	tok := h.adminToken(t, "prov", "prov-admin")
	readerID := h.user(t, "cust", "cust-reader").ID
	big := `{"username":"big","display_name":"` + strings.Repeat("x", 70<<10) + `"}`
	for _, tc := range []struct {
		name, method, path, contentType, body string
		status                                int
		field                                 string
	}{
		{"malformed JSON", "POST", "/tenants/cust/users", "application/json", `{"username":`, 400, ""},
		{"not an object", "POST", "/tenants/cust/users", "application/json", `["x"]`, 400, ""},
		{"two values", "POST", "/tenants/cust/users", "application/json", `{"username":"two-1"}{"username":"two-2"}`, 400, ""},
		{"empty body", "POST", "/tenants/cust/users", "application/json", ``, 400, ""},
		{"unknown field", "POST", "/tenants/cust/users", "application/json", `{"username":"unk","nickname":"u"}`, 400, "nickname"},
		{"unknown field in settings", "PUT", "/tenants/cust", "application/json", `{"name":"Customer","settings":{"colour":"red"}}`, 400, "colour"},
		{"wrong type", "PATCH", "/users/" + readerID, "application/json", `{"enabled":"yes"}`, 400, "enabled"},
		{"wrong type in an array", "PUT", "/users/" + readerID + "/roles", "application/json", `{"tenant_role":"user","global_roles":[1]}`, 400, "global_roles"},
		{"too large", "POST", "/tenants/cust/users", "application/json", big, 413, ""},
		{"text/plain", "POST", "/tenants/cust/users", "text/plain", `{"username":"plain"}`, 415, ""},
		{"no content type", "PATCH", "/users/" + readerID, "", `{"display_name":"x"}`, 415, ""},
		{"form", "POST", "/tenants", "application/x-www-form-urlencoded", `slug=form&name=Form&parent=cust`, 415, ""},
		{"username with $", "POST", "/tenants/cust/users", "application/json", `{"username":"bad$name"}`, 422, "username"},
		{"username with :", "POST", "/tenants/cust/users", "application/json", `{"username":"bad:name"}`, 422, "username"},
		{"duplicate username", "POST", "/tenants/cust/users", "application/json", `{"username":"cust-reader"}`, 409, "username"},
		{"duplicate username, other case", "POST", "/tenants/cust/users", "application/json", `{"username":"  Cust-Reader "}`, 409, "username"},
		{"duplicate slug", "POST", "/tenants", "application/json", `{"slug":"sub","name":"Again","parent":"cust"}`, 409, "slug"},
		{"bad slug", "POST", "/tenants", "application/json", `{"slug":"Not A Slug!","name":"Bad","parent":"cust"}`, 422, "slug"},
		{"no tenant name", "POST", "/tenants", "application/json", `{"slug":"nameless","name":" ","parent":"cust"}`, 422, "name"},
		{"no parent", "POST", "/tenants", "application/json", `{"slug":"orphan","name":"Orphan"}`, 422, "parent"},
		{"invalid mfa policy", "PUT", "/tenants/cust", "application/json", `{"name":"Customer","settings":{"user_roles":["readers"],"mfa":"sometimes"}}`, 422, "settings.mfa"},
		{"unknown default role", "PUT", "/tenants/cust", "application/json", `{"name":"Customer","settings":{"user_roles":["nobody"]}}`, 422, "settings.user_roles"},
		{"bad consent window", "PUT", "/tenants/cust", "application/json", `{"name":"Customer","settings":{"user_roles":["readers"],"support":{"consent_window":"a while"}}}`, 422, "settings.support.consent_window"},
		{"bad email", "PATCH", "/users/" + readerID, "application/json", `{"email":"not an address"}`, 422, "email"},
		{"unknown role", "PUT", "/users/" + readerID + "/roles", "application/json", `{"tenant_role":"user","global_roles":["no-such-role"]}`, 422, "global_roles"},
		{"users limit=0", "GET", "/tenants/cust/users?limit=0", "", "", 400, "limit"},
		{"users limit=501", "GET", "/tenants/cust/users?limit=501", "", "", 400, "limit"},
		{"users limit=abc", "GET", "/tenants/cust/users?limit=abc", "", "", 400, "limit"},
		{"users enabled=maybe", "GET", "/tenants/cust/users?enabled=maybe", "", "", 400, "enabled"},
		{"audit limit=0", "GET", "/audit?limit=0", "", "", 400, "limit"},
		{"audit limit=1001", "GET", "/audit?limit=1001", "", "", 400, "limit"},
		{"audit cursor garbage", "GET", "/audit?cursor=garbage!!", "", "", 400, "cursor"},
		{"audit cursor base64 garbage", "GET", "/audit?cursor=Z2FyYmFnZQ", "", "", 400, "cursor"},
		{"audit since garbage", "GET", "/audit?since=yesterday", "", "", 400, "since"},
		{"unknown user", "GET", "/users/no-such-user", "", "", 404, ""},
		{"unknown tenant", "GET", "/tenants/no-such-tenant", "", "", 404, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var body []byte
			if tc.method != "GET" {
				body = []byte(tc.body)
			}
			h.apiSend(t, tok, tc.method, tc.path, tc.contentType, body).wantProblem(t, tc.status, tc.field)
		})
	}

	// Refused requests wrote nothing.
	l := h.api(t, tok, "GET", "/tenants", nil)
	if got := h.slugsOf(t, l); !sameSet(got, []string{"prov", "cust", "sub"}) {
		t.Errorf("tenants after refused requests: %v", got)
	}
	u := h.api(t, tok, "GET", "/tenants/cust/users", nil)
	var names []string
	for _, v := range u.list("users") {
		names = append(names, field(v, "username"))
	}
	if !sameSet(names, []string{"cust-admin", "cust-creator", "cust-reader"}) {
		t.Errorf("users of cust after refused requests: %v", names)
	}
	c := h.api(t, tok, "GET", "/tenants/cust", nil)
	if s, _ := c.body["settings"].(map[string]any); s["mfa"] != "" {
		t.Errorf("cust's settings after refused requests: %v", s)
	}
	if r := h.api(t, tok, "GET", "/users/"+readerID, nil); r.str("email") != "" || r.str("display_name") != "" || r.body["enabled"] != true {
		t.Errorf("cust-reader after refused requests: %s", r.raw)
	}
	// A conflict is not the store's message.
	dup := h.api(t, tok, "POST", "/tenants", map[string]any{"slug": "sub", "name": "Again", "parent": "cust"})
	if d := strings.ToLower(string(dup.raw)); strings.Contains(d, "constraint") || strings.Contains(d, "sqlite") || strings.Contains(d, "unique") {
		t.Errorf("the duplicate slug problem shows the store's error: %s", dup.raw)
	}
}

// TestAdminAudit: changes are audited in the tenant they happened in, and
// each caller reads the events of its subtree, newest first, a page at a
// time.
func TestAdminAudit(t *testing.T) {
	h := newAdminHarness(t)
	provAdmin := h.adminToken(t, "prov", "prov-admin")
	custAdmin := h.adminToken(t, "cust", "cust-admin")
	custReader := h.adminToken(t, "cust", "cust-reader")
	prov2Admin := h.adminToken(t, "prov2", "prov2-admin")
	rootAdmin := h.adminToken(t, "root", "root-admin")

	a := h.api(t, provAdmin, "POST", "/tenants/cust/users", map[string]any{"username": "audited-1"})
	a.want(t, http.StatusCreated)
	audited1 := a.str("id")
	h.api(t, provAdmin, "PATCH", "/users/"+audited1, map[string]any{"display_name": "Audited One"}).want(t, http.StatusOK)
	a = h.api(t, custAdmin, "POST", "/tenants/sub/users", map[string]any{"username": "audited-2"})
	a.want(t, http.StatusCreated)
	audited2 := a.str("id")
	a = h.api(t, provAdmin, "POST", "/tenants", map[string]any{"slug": "audited-t", "name": "Audited", "parent": "prov"})
	a.want(t, http.StatusCreated)
	auditedT := a.str("id")
	h.api(t, provAdmin, "PUT", "/tenants/cust", map[string]any{"name": "Customer Renamed", "settings": map[string]any{"user_roles": []string{"readers"}}}).
		want(t, http.StatusOK)
	a = h.api(t, prov2Admin, "POST", "/tenants/cust2/users", map[string]any{"username": "elsewhere"})
	a.want(t, http.StatusCreated)
	elsewhere := a.str("id")
	a = h.api(t, rootAdmin, "POST", "/tenants/root/users", map[string]any{"username": "above"})
	a.want(t, http.StatusCreated)
	above := a.str("id")

	id := func(slug string) string { return mustTenantID(t, h, slug) }
	provSubtree := []string{id("prov"), id("cust"), id("sub"), auditedT}
	custSubtree := []string{id("cust"), id("sub")}
	provAdminID := h.user(t, "prov", "prov-admin").ID

	all := h.api(t, provAdmin, "GET", "/audit", nil)
	all.want(t, http.StatusOK)
	evs := all.list("events")
	byTarget := map[string][]string{}
	var prev time.Time
	for i, e := range evs {
		if !slices.Contains(provSubtree, field(e, "tenant")) {
			t.Errorf("prov-admin sees an event of tenant %s: %v", field(e, "tenant"), e)
		}
		tm, err := time.Parse(time.RFC3339Nano, field(e, "time"))
		if err != nil {
			t.Errorf("event time %q: %v", field(e, "time"), err)
		}
		if i > 0 && tm.After(prev) {
			t.Errorf("events not newest first: %s after %s", tm, prev)
		}
		prev = tm
		byTarget[field(e, "target")] = append(byTarget[field(e, "target")], field(e, "action"))
		if field(e, "target") == audited1 && field(e, "action") == "user.created" {
			d, _ := e["details"].(map[string]any)
			if field(e, "actor") != provAdminID || field(e, "actor_name") != "prov-admin" || field(e, "target_name") != "audited-1" ||
				d["address"] == nil || d["address"] == "" || d["client_id"] != "console" || field(e, "tenant") != id("cust") {
				t.Errorf("user.created: %v", e)
			}
		}
	}
	for target, want := range map[string][]string{
		audited1: {"user.updated", "user.created"}, audited2: {"user.created"}, auditedT: {"tenant.created"}, id("cust"): {"tenant.updated"},
	} {
		if !slices.Equal(byTarget[target], want) {
			t.Errorf("events of %s = %v, want %v", target, byTarget[target], want)
		}
	}
	if byTarget[elsewhere] != nil || byTarget[above] != nil {
		t.Errorf("prov-admin sees events outside its subtree: %v / %v", byTarget[elsewhere], byTarget[above])
	}

	// Paging one at a time walks the same events once each.
	var paged []string
	cursor := ""
	for range len(evs) + 2 {
		p := "/audit?limit=1"
		if cursor != "" {
			p += "&cursor=" + url.QueryEscape(cursor)
		}
		pg := h.api(t, provAdmin, "GET", p, nil)
		pg.want(t, http.StatusOK)
		if n := len(pg.list("events")); n > 1 {
			t.Fatalf("limit=1 gave %d events", n)
		}
		for _, e := range pg.list("events") {
			paged = append(paged, field(e, "id"))
		}
		if cursor = pg.str("next_cursor"); cursor == "" {
			break
		}
	}
	var ids []string
	for _, e := range evs {
		ids = append(ids, field(e, "id"))
	}
	if !slices.Equal(paged, ids) {
		t.Errorf("paging with limit=1 walked %v, want %v", paged, ids)
	}

	// cust-reader (readers: audit:read) sees cust's subtree only.
	cr := h.api(t, custReader, "GET", "/audit", nil)
	cr.want(t, http.StatusOK)
	seen := map[string]bool{}
	for _, e := range cr.list("events") {
		if !slices.Contains(custSubtree, field(e, "tenant")) {
			t.Errorf("cust-reader sees an event of tenant %s: %v", field(e, "tenant"), e)
		}
		seen[field(e, "target")] = true
	}
	if !seen[audited1] || !seen[audited2] || !seen[id("cust")] || seen[auditedT] {
		t.Errorf("cust-reader's events: %s", cr.raw)
	}
	// Filters.
	f := h.api(t, provAdmin, "GET", "/audit?tenant=cust", nil)
	f.want(t, http.StatusOK)
	if len(f.list("events")) == 0 {
		t.Errorf("tenant=cust gives no events: %s", f.raw)
	}
	for _, e := range f.list("events") {
		if !slices.Contains(custSubtree, field(e, "tenant")) {
			t.Errorf("tenant=cust gives an event of %s", field(e, "tenant"))
		}
	}
	f = h.api(t, provAdmin, "GET", "/audit?target="+audited1+"&action=user.", nil)
	if got := len(f.list("events")); got != 2 {
		t.Errorf("target and action prefix: %d events, want 2: %s", got, f.raw)
	}
	h.api(t, provAdmin, "GET", "/audit?tenant=prov2", nil).want(t, http.StatusNotFound)
	h.api(t, provAdmin, "GET", "/audit?tenant=root", nil).want(t, http.StatusNotFound)
	h.api(t, custReader, "GET", "/audit?tenant=prov", nil).want(t, http.StatusNotFound)
	h.api(t, custReader, "GET", "/audit?target="+elsewhere, nil).want(t, http.StatusOK)
	if l := h.api(t, custReader, "GET", "/audit?target="+elsewhere, nil); len(l.list("events")) != 0 {
		t.Errorf("a target outside the subtree leaks events: %s", l.raw)
	}
	// root sees everything.
	r := h.api(t, rootAdmin, "GET", "/audit?action=user.created", nil)
	seen = map[string]bool{}
	for _, e := range r.list("events") {
		seen[field(e, "target")] = true
	}
	if !seen[audited1] || !seen[audited2] || !seen[elsewhere] || !seen[above] {
		t.Errorf("root-admin's user.created events: %s", r.raw)
	}
}

// TestAdminLinkedUserActsInChosenTenant: a person linked to another tenant
// who chose it at login calls the API as what it holds there, whatever
// scopes its token has besides gatehouse.admin.
func TestAdminLinkedUserActsInChosenTenant(t *testing.T) {
	h := newAdminHarness(t)
	for _, scopes := range [][]string{{"openid", claims.ScopeAdmin, "tenant"}, {"openid", claims.ScopeAdmin, "profile"}, {"openid", claims.ScopeAdmin}} {
		t.Run(strings.Join(scopes, "+"), func(t *testing.T) {
			p := h.console(scopes...)
			b := h.browser()
			a, resp, body := b.submitPassword(p, "prov2", "linked", "linked-password")
			resp, _ = b.chooseTenant(resp, body, "cust")
			tok := p.redeem(t, code(t, resp, a), a)
			l := h.api(t, tok.AccessToken, "GET", "/tenants", nil)
			l.want(t, http.StatusOK)
			if got := h.slugsOf(t, l); !sameSet(got, []string{"cust", "sub"}) {
				t.Errorf("linked, acting in cust, lists %v, want cust's subtree", got)
			}
			h.api(t, tok.AccessToken, "GET", "/tenants/cust2", nil).want(t, http.StatusNotFound)
			h.api(t, tok.AccessToken, "PATCH", "/users/"+h.user(t, "cust", "cust-reader").ID,
				map[string]any{"display_name": "By linked"}).want(t, http.StatusOK)
		})
	}
}

// strs is the JSON array v as strings (empty, not nil, for none).
func strs(v any) []string {
	items, _ := v.([]any)
	out := []string{}
	for _, it := range items {
		s, _ := it.(string)
		out = append(out, s)
	}
	return out
}

// reason is the reason a's problem gives for field ("" if it names none).
func (a apiAnswer) reason(field string) string {
	errs, _ := a.body["errors"].([]any)
	for _, e := range errs {
		m, _ := e.(map[string]any)
		if f, _ := m["field"].(string); f == field {
			r, _ := m["reason"].(string)
			return r
		}
	}
	return ""
}

// wantRefusal checks that a is a 422 problem naming field, whose reason
// mentions every one of words.
func (a apiAnswer) wantRefusal(t *testing.T, field string, words ...string) {
	t.Helper()
	a.wantProblem(t, http.StatusUnprocessableEntity, field)
	for _, w := range words {
		if r := a.reason(field); !strings.Contains(r, w) {
			t.Errorf("the reason for %s does not mention %q: %s", field, w, a.raw)
		}
	}
}

// namesOf are the names of the objects of the array key of a's body.
func namesOf(a apiAnswer, key string) []string {
	var out []string
	for _, v := range a.list(key) {
		out = append(out, field(v, "name"))
	}
	return out
}

// roleGroupEndpoints are the endpoints of global roles and groups, for the
// matrix. root is root-admin's token: outside the cell, it makes the role
// or group a cell changes or deletes (so that a 404 is about reach, not
// existence), and checks that a refused request left it as it was.
func roleGroupEndpoints(root string) []adminEndpoint {
	const fixture = "Made for one cell"
	makeRole := func(t *testing.T, h *harness, target string) string {
		t.Helper()
		name := freshName("role")
		h.api(t, root, "POST", "/tenants/"+target+"/roles", map[string]any{
			"name": name, "description": fixture, "permissions": []string{"inventory:read"}}).want(t, http.StatusCreated)
		return name
	}
	makeGroup := func(t *testing.T, h *harness, target string) string {
		t.Helper()
		name := freshName("group")
		h.api(t, root, "POST", "/tenants/"+target+"/groups", map[string]any{
			"name": name, "description": fixture, "global_roles": []string{"readers"}}).want(t, http.StatusCreated)
		return name
	}
	// intact checks, as root, that the fixture at path is as it was made.
	intact := func(t *testing.T, h *harness, path, key string, want []string) {
		t.Helper()
		a := h.api(t, root, "GET", path, nil)
		if a.status != http.StatusOK || a.str("description") != fixture || !slices.Equal(strs(a.body[key]), want) {
			t.Errorf("a refused request changed %s: %s", path, a)
		}
	}
	gone := func(t *testing.T, h *harness, path string) {
		t.Helper()
		if a := h.api(t, root, "GET", path, nil); a.status != http.StatusNotFound {
			t.Errorf("GET %s after the request: %s", path, a)
		}
	}
	// remove deletes the fixture at path as token: gone if allowed, else
	// intact, its key holding want.
	remove := func(t *testing.T, h *harness, token, path, key string, want []string) apiAnswer {
		t.Helper()
		a := h.api(t, token, "DELETE", path, nil)
		if a.status == http.StatusNoContent {
			gone(t, h, path)
		} else {
			intact(t, h, path, key, want)
		}
		return a
	}
	return []adminEndpoint{
		{name: "list-roles", send: func(t *testing.T, h *harness, token, target string) apiAnswer {
			a := h.api(t, token, "GET", "/tenants/"+target+"/roles", nil)
			if a.status == http.StatusOK {
				if names := namesOf(a, "roles"); !slices.Contains(names, "admins") || !slices.Contains(names, "readers") || !slices.Contains(names, "devices") {
					t.Errorf("roles of %s: %v", target, names)
				}
				for _, r := range a.list("roles") {
					if holds, _ := r["holds_all"].(bool); holds != (field(r, "name") == "admins") || (holds && len(strs(r["permissions"])) != 0) {
						t.Errorf("role %s: holds_all %v, permissions %v", field(r, "name"), r["holds_all"], r["permissions"])
					}
				}
			}
			return a
		}},
		{name: "create-role", write: true, created: http.StatusCreated, send: func(t *testing.T, h *harness, token, target string) apiAnswer {
			name := freshName("made-role")
			a := h.api(t, token, "POST", "/tenants/"+target+"/roles", map[string]any{
				"name": name, "description": "Made", "permissions": []string{"inventory:read", "alarms:read"}})
			path := "/tenants/" + target + "/roles/" + name
			if a.status != http.StatusCreated {
				gone(t, h, path)
			} else if a.str("name") != name || a.header.Get("Location") != "/api/v1"+path ||
				!slices.Equal(strs(a.body["permissions"]), []string{"alarms:read", "inventory:read"}) || a.body["holds_all"] != false {
				t.Errorf("created %s at %q", a.raw, a.header.Get("Location"))
			}
			return a
		}},
		{name: "get-role", send: func(t *testing.T, h *harness, token, target string) apiAnswer {
			a := h.api(t, token, "GET", "/tenants/"+target+"/roles/readers", nil)
			if a.status == http.StatusOK && (a.str("name") != "readers" || !slices.Contains(strs(a.body["permissions"]), "users:read")) {
				t.Errorf("GET readers of %s: %s", target, a.raw)
			}
			return a
		}},
		{name: "update-role", write: true, created: http.StatusOK, send: func(t *testing.T, h *harness, token, target string) apiAnswer {
			name := makeRole(t, h, target)
			path := "/tenants/" + target + "/roles/" + name
			a := h.api(t, token, "PUT", path, map[string]any{"description": "Edited", "permissions": []string{"inventory:read", "alarms:read"}})
			if a.status != http.StatusOK {
				intact(t, h, path, "permissions", []string{"inventory:read"})
			} else if a.str("name") != name || a.str("description") != "Edited" || !slices.Equal(strs(a.body["permissions"]), []string{"alarms:read", "inventory:read"}) {
				t.Errorf("updated: %s", a.raw)
			}
			return a
		}},
		{name: "delete-role", write: true, created: http.StatusNoContent, send: func(t *testing.T, h *harness, token, target string) apiAnswer {
			return remove(t, h, token, "/tenants/"+target+"/roles/"+makeRole(t, h, target), "permissions", []string{"inventory:read"})
		}},
		{name: "list-groups", send: func(t *testing.T, h *harness, token, target string) apiAnswer {
			a := h.api(t, token, "GET", "/tenants/"+target+"/groups", nil)
			if a.status == http.StatusOK {
				if !slices.ContainsFunc(a.list("groups"), func(g map[string]any) bool {
					return field(g, "name") == "administrators" && g["builtin"] == true
				}) {
					t.Errorf("groups of %s lack the built-in administrators: %s", target, a.raw)
				}
			}
			return a
		}},
		{name: "create-group", write: true, created: http.StatusCreated, send: func(t *testing.T, h *harness, token, target string) apiAnswer {
			name := freshName("made-group")
			a := h.api(t, token, "POST", "/tenants/"+target+"/groups", map[string]any{
				"name": name, "description": "Made", "global_roles": []string{"readers"}})
			path := "/tenants/" + target + "/groups/" + name
			if a.status != http.StatusCreated {
				gone(t, h, path)
			} else if a.str("name") != name || a.header.Get("Location") != "/api/v1"+path ||
				!slices.Equal(strs(a.body["global_roles"]), []string{"readers"}) || a.body["builtin"] != false {
				t.Errorf("created %s at %q", a.raw, a.header.Get("Location"))
			}
			return a
		}},
		{name: "get-group", send: func(t *testing.T, h *harness, token, target string) apiAnswer {
			a := h.api(t, token, "GET", "/tenants/"+target+"/groups/administrators", nil)
			if a.status == http.StatusOK && (a.str("name") != "administrators" || a.body["builtin"] != true || len(strs(a.body["global_roles"])) != 0) {
				t.Errorf("GET administrators of %s: %s", target, a.raw)
			}
			return a
		}},
		{name: "update-group", write: true, created: http.StatusOK, send: func(t *testing.T, h *harness, token, target string) apiAnswer {
			name := makeGroup(t, h, target)
			path := "/tenants/" + target + "/groups/" + name
			a := h.api(t, token, "PUT", path, map[string]any{"description": "Edited", "global_roles": []string{"readers", "devices"},
				"service_roles": map[string][]string{"telemetry": {"viewer"}}})
			if a.status != http.StatusOK {
				intact(t, h, path, "global_roles", []string{"readers"})
			} else if sr, _ := a.body["service_roles"].(map[string]any); a.str("description") != "Edited" ||
				!slices.Equal(strs(a.body["global_roles"]), []string{"devices", "readers"}) || !slices.Equal(strs(sr["telemetry"]), []string{"viewer"}) {
				t.Errorf("updated: %s", a.raw)
			}
			return a
		}},
		{name: "delete-group", write: true, created: http.StatusNoContent, send: func(t *testing.T, h *harness, token, target string) apiAnswer {
			return remove(t, h, token, "/tenants/"+target+"/groups/"+makeGroup(t, h, target), "global_roles", []string{"readers"})
		}},
	}
}

// serviceEndpoints are the endpoints of the platform's services, which
// belong to no tenant: send ignores its target. root makes the services a
// cell changes, as roleGroupEndpoints does.
func serviceEndpoints(root string) []adminEndpoint {
	const fixture = "Made for one cell"
	return []adminEndpoint{
		{name: "list-services", send: func(t *testing.T, h *harness, token, _ string) apiAnswer {
			a := h.api(t, token, "GET", "/services", nil)
			if a.status == http.StatusOK && !slices.ContainsFunc(a.list("services"), func(s map[string]any) bool {
				return field(s, "name") == "telemetry" && sameSet(strs(s["roles"]), []string{"viewer", "operator"})
			}) {
				t.Errorf("services lack telemetry: %s", a.raw)
			}
			return a
		}},
		{name: "create-service", write: true, created: http.StatusCreated, send: func(t *testing.T, h *harness, token, _ string) apiAnswer {
			name := freshName("made-svc")
			a := h.api(t, token, "POST", "/services", map[string]any{"name": name, "display_name": "Made", "roles": []string{"viewer"}})
			if a.status != http.StatusCreated {
				if g := h.api(t, root, "GET", "/services/"+name, nil); g.status != http.StatusNotFound {
					t.Errorf("a refused create left a service: %s", g)
				}
			} else if a.str("name") != name || a.str("display_name") != "Made" || a.header.Get("Location") != "/api/v1/services/"+name {
				t.Errorf("created %s at %q", a.raw, a.header.Get("Location"))
			}
			return a
		}},
		{name: "get-service", send: func(t *testing.T, h *harness, token, _ string) apiAnswer {
			a := h.api(t, token, "GET", "/services/telemetry", nil)
			if a.status == http.StatusOK && (a.str("display_name") != "Telemetry" || !sameSet(strs(a.body["roles"]), []string{"viewer", "operator"})) {
				t.Errorf("GET telemetry: %s", a.raw)
			}
			return a
		}},
		{name: "update-service", write: true, created: http.StatusOK, send: func(t *testing.T, h *harness, token, _ string) apiAnswer {
			name := freshName("svc")
			h.api(t, root, "POST", "/services", map[string]any{"name": name, "display_name": fixture, "roles": []string{"viewer"}}).
				want(t, http.StatusCreated)
			a := h.api(t, token, "PUT", "/services/"+name, map[string]any{"display_name": "Renamed", "roles": []string{"viewer", "operator"}})
			if a.status != http.StatusOK {
				if g := h.api(t, root, "GET", "/services/"+name, nil); g.str("display_name") != fixture || !slices.Equal(strs(g.body["roles"]), []string{"viewer"}) {
					t.Errorf("a refused update changed the service: %s", g)
				}
			} else if a.str("display_name") != "Renamed" || !sameSet(strs(a.body["roles"]), []string{"viewer", "operator"}) {
				t.Errorf("updated: %s", a.raw)
			}
			return a
		}},
		{name: "delete-service", write: true, created: http.StatusNoContent, send: func(t *testing.T, h *harness, token, _ string) apiAnswer {
			name := freshName("svc")
			h.api(t, root, "POST", "/services", map[string]any{"name": name, "display_name": fixture, "roles": []string{"viewer"}}).
				want(t, http.StatusCreated)
			a := h.api(t, token, "DELETE", "/services/"+name, nil)
			want := http.StatusOK
			if a.status == http.StatusNoContent {
				want = http.StatusNotFound
			}
			if g := h.api(t, root, "GET", "/services/"+name, nil); g.status != want {
				t.Errorf("after DELETE answered %d, GET answers %s", a.status, g)
			}
			return a
		}},
	}
}

// TestAdminCatalogMatrix: every endpoint of global roles and groups, for
// the administrator and the reader of each of root, prov, cust and sub,
// against the targets of TestAdminAuthorizationMatrix; and every endpoint
// of services, which have no tenant, once for each of them. Readers read
// (readers holds roles:read and groups:read) and are refused every change;
// administrators change roles and groups wherever they reach; only an
// administrator of the system tenant changes services.
func TestAdminCatalogMatrix(t *testing.T) {
	m := newAdminMatrix(t)
	m.run(t, roleGroupEndpoints(m.root), func(t *testing.T, c adminCaller) {
		for _, ep := range serviceEndpoints(m.root) {
			t.Run(ep.name+"/platform", func(t *testing.T) {
				a := ep.send(t, m.harness, c.token, "")
				switch {
				case !ep.write:
					a.want(t, http.StatusOK)
				case c.name == "root-admin":
					a.want(t, ep.created)
				default:
					a.want(t, http.StatusForbidden)
				}
			})
		}
	})
}

// TestAdminBuiltinRoleAndGroup: admins and administrators are never deleted
// and never given a list of permissions or roles; their description and
// TOTP requirement change like any other's.
func TestAdminBuiltinRoleAndGroup(t *testing.T) {
	h := newAdminHarness(t)
	cust := h.adminToken(t, "cust", "cust-admin")
	prov := h.adminToken(t, "prov", "prov-admin")
	const admins, administrators = "/tenants/cust/roles/admins", "/tenants/cust/groups/administrators"

	before := h.api(t, cust, "GET", admins, nil)
	before.want(t, http.StatusOK)
	if before.body["holds_all"] != true || len(strs(before.body["permissions"])) != 0 {
		t.Fatalf("admins: %s", before.raw)
	}
	h.api(t, cust, "DELETE", admins, nil).wantRefusal(t, "name", "cannot be deleted")
	h.api(t, prov, "DELETE", admins, nil).wantRefusal(t, "name", "cannot be deleted")
	h.api(t, cust, "PUT", admins, map[string]any{"description": "Fewer", "permissions": []string{"users:read"}}).
		wantRefusal(t, "permissions", "every permission")
	if after := h.api(t, cust, "GET", admins, nil); !bytes.Equal(before.raw, after.raw) {
		t.Errorf("refused requests changed admins:\n%s\n%s", before.raw, after.raw)
	}
	// Its description and TOTP requirement (changed by prov-admin, whose
	// own sign-in they do not touch, then put back).
	a := h.api(t, prov, "PUT", admins, map[string]any{"description": "Customer administrators", "require_mfa": true})
	a.want(t, http.StatusOK)
	if a.str("description") != "Customer administrators" || a.body["require_mfa"] != true || a.body["holds_all"] != true || len(strs(a.body["permissions"])) != 0 {
		t.Errorf("admins after the change: %s", a.raw)
	}
	h.api(t, prov, "PUT", admins, map[string]any{"description": before.str("description")}).want(t, http.StatusOK)
	// Nobody makes another role called admins.
	h.api(t, cust, "POST", "/tenants/cust/roles", map[string]any{"name": "admins"}).wantProblem(t, http.StatusConflict, "name")

	before = h.api(t, cust, "GET", administrators, nil)
	before.want(t, http.StatusOK)
	if before.body["builtin"] != true || len(strs(before.body["global_roles"])) != 0 {
		t.Fatalf("administrators: %s", before.raw)
	}
	h.api(t, cust, "DELETE", administrators, nil).wantRefusal(t, "name", "cannot be deleted")
	h.api(t, prov, "DELETE", administrators, nil).wantRefusal(t, "name", "cannot be deleted")
	h.api(t, cust, "PUT", administrators, map[string]any{"global_roles": []string{"readers"}}).wantRefusal(t, "global_roles", "carries no other roles")
	// (The directory names global_roles for service roles too.)
	h.api(t, cust, "PUT", administrators, map[string]any{"service_roles": map[string][]string{"telemetry": {"viewer"}}}).
		wantProblem(t, http.StatusUnprocessableEntity, "")
	if after := h.api(t, cust, "GET", administrators, nil); !bytes.Equal(before.raw, after.raw) {
		t.Errorf("refused requests changed administrators:\n%s\n%s", before.raw, after.raw)
	}
	a = h.api(t, prov, "PUT", administrators, map[string]any{"description": "Run the customer", "require_mfa": true})
	a.want(t, http.StatusOK)
	if a.str("description") != "Run the customer" || a.body["require_mfa"] != true || a.body["builtin"] != true {
		t.Errorf("administrators after the change: %s", a.raw)
	}
	h.api(t, prov, "PUT", administrators, map[string]any{"description": before.str("description")}).want(t, http.StatusOK)
	h.api(t, cust, "POST", "/tenants/cust/groups", map[string]any{"name": "administrators"}).wantProblem(t, http.StatusConflict, "name")

	// Below, a tenant's administrator does not reach its parent's.
	sub := h.adminToken(t, "sub", "sub-admin")
	h.api(t, sub, "DELETE", admins, nil).want(t, http.StatusNotFound)
	h.api(t, sub, "PUT", administrators, map[string]any{"description": "Mine"}).want(t, http.StatusNotFound)
}

// TestAdminDeleteInUse: a role or group still in use is not deleted; the
// refusal names who uses it, and once they no longer do, it goes.
func TestAdminDeleteInUse(t *testing.T) {
	h := newAdminHarness(t)
	tok := h.adminToken(t, "prov", "prov-admin")
	reader := "/users/" + h.user(t, "cust", "cust-reader").ID + "/roles"
	assign := func(roles, groups []string) {
		t.Helper()
		h.api(t, tok, "PUT", reader, map[string]any{"tenant_role": "user", "global_roles": roles, "groups": groups}).want(t, http.StatusOK)
	}
	const role, group = "/tenants/cust/roles/held", "/tenants/cust/groups/holding"

	h.api(t, tok, "POST", "/tenants/cust/roles", map[string]any{"name": "held", "permissions": []string{"inventory:read"}}).want(t, http.StatusCreated)
	assign([]string{"held"}, nil)
	h.api(t, tok, "DELETE", role, nil).wantRefusal(t, "name", "held", "users cust-reader")
	h.api(t, tok, "GET", role, nil).want(t, http.StatusOK)

	assign(nil, nil)
	h.api(t, tok, "POST", "/tenants/cust/groups", map[string]any{"name": "holding", "global_roles": []string{"held"}}).want(t, http.StatusCreated)
	h.api(t, tok, "DELETE", role, nil).wantRefusal(t, "name", "groups holding")
	h.api(t, tok, "GET", role, nil).want(t, http.StatusOK)

	assign(nil, []string{"holding"})
	h.api(t, tok, "DELETE", group, nil).wantRefusal(t, "name", "holding", "cust-reader")
	h.api(t, tok, "GET", group, nil).want(t, http.StatusOK)

	assign(nil, nil)
	h.api(t, tok, "DELETE", group, nil).want(t, http.StatusNoContent)
	h.api(t, tok, "GET", group, nil).want(t, http.StatusNotFound)
	h.api(t, tok, "DELETE", role, nil).want(t, http.StatusNoContent)
	h.api(t, tok, "GET", role, nil).want(t, http.StatusNotFound)

	// Held through a link (linked, of prov2, holds partners in cust), by
	// a machine client (reporting holds reports in prov), or among the
	// tenant's default user roles (readers).
	h.api(t, tok, "DELETE", "/tenants/cust/roles/partners", nil).wantRefusal(t, "name", "external users linked (of prov2)")
	h.api(t, tok, "DELETE", "/tenants/prov/roles/reports", nil).wantRefusal(t, "name", "clients reporting")
	h.api(t, tok, "DELETE", "/tenants/cust/roles/readers", nil).wantRefusal(t, "name", "default user roles")
	for _, p := range []string{"/tenants/cust/roles/partners", "/tenants/prov/roles/reports", "/tenants/cust/roles/readers"} {
		h.api(t, tok, "GET", p, nil).want(t, http.StatusOK)
	}
}

// TestAdminCatalogConflicts: a role or group name is taken within its
// tenant (409, naming name), a service name on the whole platform.
func TestAdminCatalogConflicts(t *testing.T) {
	h := newAdminHarness(t)
	tok := h.adminToken(t, "prov", "prov-admin")
	readers := h.api(t, tok, "GET", "/tenants/cust/roles/readers", nil)
	for _, tc := range []struct {
		name, path string
		body       map[string]any
	}{
		{"default role", "/tenants/cust/roles", map[string]any{"name": "readers", "permissions": []string{"inventory:read"}}},
		{"role from the file", "/tenants/cust/roles", map[string]any{"name": "partners"}},
		{"built-in group", "/tenants/cust/groups", map[string]any{"name": "administrators"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := h.api(t, tok, "POST", tc.path, tc.body)
			a.wantProblem(t, http.StatusConflict, "name")
			if d := strings.ToLower(string(a.raw)); strings.Contains(d, "constraint") || strings.Contains(d, "sqlite") || strings.Contains(d, "unique") {
				t.Errorf("the conflict shows the store's error: %s", a.raw)
			}
		})
	}
	if after := h.api(t, tok, "GET", "/tenants/cust/roles/readers", nil); !bytes.Equal(readers.raw, after.raw) {
		t.Errorf("a refused create changed readers:\n%s\n%s", readers.raw, after.raw)
	}
	for _, kind := range []string{"roles", "groups"} {
		t.Run(kind, func(t *testing.T) {
			name := freshName("twice")
			h.api(t, tok, "POST", "/tenants/cust/"+kind, map[string]any{"name": name}).want(t, http.StatusCreated)
			h.api(t, tok, "POST", "/tenants/cust/"+kind, map[string]any{"name": name}).wantProblem(t, http.StatusConflict, "name")
			// Names are the tenant's: the same one is free below.
			h.api(t, tok, "POST", "/tenants/sub/"+kind, map[string]any{"name": name}).want(t, http.StatusCreated)
			// Names are lower case; an upper-case one is not a variant of a
			// taken one but not a name at all.
			h.api(t, tok, "POST", "/tenants/cust/"+kind, map[string]any{"name": strings.ToUpper(name)}).wantProblem(t, http.StatusUnprocessableEntity, "name")
		})
	}
	root := h.adminToken(t, "root", "root-admin")
	h.api(t, root, "POST", "/services", map[string]any{"name": "telemetry", "roles": []string{"viewer"}}).wantProblem(t, http.StatusConflict, "name")
	// Nor is a service's role that something holds removed through PUT,
	// nor the service deleted; nor is a service left without roles.
	h.api(t, tok, "POST", "/tenants/cust/groups", map[string]any{"name": "operators",
		"service_roles": map[string][]string{"telemetry": {"operator"}}}).want(t, http.StatusCreated)
	h.api(t, root, "PUT", "/services/telemetry", map[string]any{"roles": []string{"viewer"}}).
		wantRefusal(t, "roles", "telemetry:operator", "in cust (groups operators)")
	h.api(t, root, "DELETE", "/services/telemetry", nil).wantRefusal(t, "name", "telemetry", "in cust (groups operators)")
	h.api(t, root, "PUT", "/services/telemetry", map[string]any{"roles": []string{}}).wantProblem(t, http.StatusUnprocessableEntity, "roles")
	if s := h.api(t, root, "GET", "/services/telemetry", nil); s.str("display_name") != "Telemetry" || !sameSet(strs(s.body["roles"]), []string{"viewer", "operator"}) {
		t.Errorf("a refused change changed telemetry: %s", s.raw)
	}
}

// TestAdminCatalogEscalation: prov-roler holds role-makers (roles:admin,
// groups:admin, users:read) and prov's default readers, but not
// users:change, support or inventory:create. It gives a role only
// permissions it holds, a group only roles it could grant, and touches no
// role or group stronger than what it holds; it changes no service, not
// acting in the system tenant.
func TestAdminCatalogEscalation(t *testing.T) {
	h := newAdminHarness(t)
	roler := h.adminToken(t, "prov", "prov-roler")
	prov := h.adminToken(t, "prov", "prov-admin")

	t.Run("create a role", func(t *testing.T) {
		for _, tc := range []struct{ tenant, perm string }{
			{"prov", "users:change"}, {"prov", "users:admin"}, {"prov", "support:admin"}, {"prov", "support:read"},
			{"cust", "users:change"}, {"cust", "inventory:create"}, {"sub", "tenants:change"},
		} {
			name := freshName("escalating")
			h.api(t, roler, "POST", "/tenants/"+tc.tenant+"/roles", map[string]any{"name": name, "permissions": []string{"users:read", tc.perm}}).
				wantRefusal(t, "permissions", tc.perm)
			h.api(t, prov, "GET", "/tenants/"+tc.tenant+"/roles/"+name, nil).want(t, http.StatusNotFound)
		}
		// What it holds, it gives.
		a := h.api(t, roler, "POST", "/tenants/prov/roles", map[string]any{"name": "roler-made", "permissions": []string{"users:read", "roles:admin"}})
		a.want(t, http.StatusCreated)
		h.api(t, roler, "POST", "/tenants/cust/roles", map[string]any{"name": "roler-made", "permissions": []string{"inventory:read"}}).
			want(t, http.StatusCreated)
	})

	t.Run("change a role", func(t *testing.T) {
		for _, p := range []string{"/tenants/prov/roles/roler-made", "/tenants/prov/roles/role-makers"} {
			before := h.api(t, prov, "GET", p, nil)
			h.api(t, roler, "PUT", p, map[string]any{"permissions": []string{"roles:admin", "groups:admin", "users:read", "users:change"}}).
				wantRefusal(t, "permissions", "users:change")
			if after := h.api(t, prov, "GET", p, nil); !bytes.Equal(before.raw, after.raw) {
				t.Errorf("a refused change changed %s:\n%s\n%s", p, before.raw, after.raw)
			}
		}
		// Stronger roles: admins, and devices (inventory:create): neither
		// changed, stripped nor deleted.
		for _, p := range []string{"/tenants/prov/roles/admins", "/tenants/cust/roles/devices"} {
			before := h.api(t, prov, "GET", p, nil)
			h.api(t, roler, "PUT", p, map[string]any{"description": "Mine now"}).wantRefusal(t, "name", "which you do not hold")
			h.api(t, roler, "DELETE", p, nil).wantRefusal(t, "name", "which you do not hold")
			if after := h.api(t, prov, "GET", p, nil); !bytes.Equal(before.raw, after.raw) {
				t.Errorf("refused requests changed %s:\n%s\n%s", p, before.raw, after.raw)
			}
		}
		// One it holds all of, it changes and deletes.
		a := h.api(t, roler, "PUT", "/tenants/cust/roles/roler-made", map[string]any{"description": "Edited", "permissions": []string{"inventory:read", "alarms:read"}})
		a.want(t, http.StatusOK)
		if !slices.Equal(strs(a.body["permissions"]), []string{"alarms:read", "inventory:read"}) {
			t.Errorf("after the change: %s", a.raw)
		}
		h.api(t, roler, "DELETE", "/tenants/cust/roles/roler-made", nil).want(t, http.StatusNoContent)
	})

	t.Run("groups", func(t *testing.T) {
		for _, tc := range []struct {
			body  map[string]any
			field string
		}{
			{map[string]any{"global_roles": []string{"devices"}}, "global_roles"},
			{map[string]any{"global_roles": []string{"admins"}}, "global_roles"},
			{map[string]any{"service_roles": map[string][]string{"telemetry": {"viewer"}}}, "service_roles"},
		} {
			name := freshName("escalating")
			tc.body["name"] = name
			h.api(t, roler, "POST", "/tenants/cust/groups", tc.body).wantProblem(t, http.StatusUnprocessableEntity, tc.field)
			h.api(t, prov, "GET", "/tenants/cust/groups/"+name, nil).want(t, http.StatusNotFound)
		}
		// readers of cust reads less than prov's readers, which it holds.
		h.api(t, roler, "POST", "/tenants/cust/groups", map[string]any{"name": "roler-group", "global_roles": []string{"readers"}}).
			want(t, http.StatusCreated)
		before := h.api(t, prov, "GET", "/tenants/cust/groups/roler-group", nil)
		h.api(t, roler, "PUT", "/tenants/cust/groups/roler-group", map[string]any{"global_roles": []string{"readers", "devices"}}).
			wantProblem(t, http.StatusUnprocessableEntity, "global_roles")
		if after := h.api(t, prov, "GET", "/tenants/cust/groups/roler-group", nil); !bytes.Equal(before.raw, after.raw) {
			t.Errorf("a refused change changed the group:\n%s\n%s", before.raw, after.raw)
		}
		h.api(t, roler, "DELETE", "/tenants/cust/groups/roler-group", nil).want(t, http.StatusNoContent)

		// A group it could not grant (devices; administrators), it neither
		// changes, not even its description, nor deletes.
		h.api(t, prov, "POST", "/tenants/cust/groups", map[string]any{"name": "strong", "global_roles": []string{"devices"}}).
			want(t, http.StatusCreated)
		for _, p := range []string{"/tenants/cust/groups/strong", "/tenants/cust/groups/administrators"} {
			before := h.api(t, prov, "GET", p, nil)
			h.api(t, roler, "PUT", p, map[string]any{"description": "Mine now"}).wantRefusal(t, "name", "only someone who could grant")
			h.api(t, roler, "DELETE", p, nil).wantRefusal(t, "name", "only someone who could grant")
			if after := h.api(t, prov, "GET", p, nil); !bytes.Equal(before.raw, after.raw) {
				t.Errorf("refused requests changed %s:\n%s\n%s", p, before.raw, after.raw)
			}
		}
	})

	t.Run("services", func(t *testing.T) {
		// roles:change, but acting in a provider tenant.
		h.api(t, roler, "GET", "/services/telemetry", nil).want(t, http.StatusOK)
		h.api(t, roler, "POST", "/services", map[string]any{"name": "roler-svc", "roles": []string{"viewer"}}).want(t, http.StatusForbidden)
		h.api(t, roler, "PUT", "/services/telemetry", map[string]any{"display_name": "Mine", "roles": []string{"viewer", "operator"}}).
			want(t, http.StatusForbidden)
		auto := h.automationToken(t, claims.ScopeAdmin)
		h.api(t, auto, "POST", "/services", map[string]any{"name": "auto-svc", "roles": []string{"viewer"}}).want(t, http.StatusForbidden)
		h.api(t, roler, "DELETE", "/services/telemetry", nil).want(t, http.StatusForbidden)
		h.api(t, auto, "DELETE", "/services/telemetry", nil).want(t, http.StatusForbidden)
		root := h.adminToken(t, "root", "root-admin")
		h.api(t, root, "GET", "/services/roler-svc", nil).want(t, http.StatusNotFound)
		h.api(t, root, "GET", "/services/auto-svc", nil).want(t, http.StatusNotFound)
		if s := h.api(t, root, "GET", "/services/telemetry", nil); s.str("display_name") != "Telemetry" {
			t.Errorf("telemetry after refused changes: %s", s.raw)
		}
	})
}

// TestAdminCatalogAudit: changes to roles and groups are audited in their
// tenant, where its administrator reads them and nobody outside; changes
// to services in the system tenant.
func TestAdminCatalogAudit(t *testing.T) {
	h := newAdminHarness(t)
	prov := h.adminToken(t, "prov", "prov-admin")
	cust := h.adminToken(t, "cust", "cust-admin")
	root := h.adminToken(t, "root", "root-admin")
	custID, rootID := mustTenantID(t, h, "cust"), mustTenantID(t, h, "root")
	provAdminID := h.user(t, "prov", "prov-admin").ID

	a := h.api(t, prov, "POST", "/tenants/cust/roles", map[string]any{"name": "audited-role", "description": "Audited", "permissions": []string{"inventory:read"}})
	a.want(t, http.StatusCreated)
	roleID := a.str("id")
	a = h.api(t, prov, "POST", "/tenants/cust/groups", map[string]any{"name": "audited-group", "global_roles": []string{"readers"}})
	a.want(t, http.StatusCreated)
	groupID := a.str("id")
	h.api(t, prov, "PUT", "/tenants/cust/groups/audited-group", map[string]any{"description": "Now described", "global_roles": []string{"readers", "devices"}}).
		want(t, http.StatusOK)
	// A change that changes nothing, and a refused delete, are not events.
	h.api(t, prov, "PUT", "/tenants/cust/groups/audited-group", map[string]any{"description": "Now described", "global_roles": []string{"devices", "readers"}}).
		want(t, http.StatusOK)
	h.api(t, prov, "DELETE", "/tenants/cust/roles/readers", nil).wantProblem(t, http.StatusUnprocessableEntity, "name")
	h.api(t, prov, "DELETE", "/tenants/cust/roles/audited-role", nil).want(t, http.StatusNoContent)
	h.api(t, root, "POST", "/services", map[string]any{"name": "audited-svc", "roles": []string{"viewer"}}).want(t, http.StatusCreated)

	events := func(token, query string) []map[string]any {
		t.Helper()
		l := h.api(t, token, "GET", "/audit?"+query, nil)
		l.want(t, http.StatusOK)
		return l.list("events")
	}
	actions := func(evs []map[string]any) []string {
		var out []string
		for _, e := range evs {
			out = append(out, field(e, "action"))
		}
		return out
	}

	evs := events(cust, "target="+roleID)
	if got := actions(evs); !slices.Equal(got, []string{"role.deleted", "role.created"}) {
		t.Fatalf("cust-admin reads %v for the role, want role.deleted and role.created: %v", got, evs)
	}
	for _, e := range evs {
		d, _ := e["details"].(map[string]any)
		if field(e, "tenant") != custID || field(e, "actor") != provAdminID || field(e, "actor_name") != "prov-admin" ||
			field(e, "target_name") != "audited-role" || d["permissions"] != "inventory:read" || d["description"] != "Audited" || d["client_id"] != "console" {
			t.Errorf("%s: %v", field(e, "action"), e)
		}
	}
	evs = events(cust, "target="+groupID)
	if got := actions(evs); !slices.Equal(got, []string{"group.updated", "group.created"}) {
		t.Fatalf("cust-admin reads %v for the group, want group.updated and group.created: %v", got, evs)
	}
	if d, _ := evs[0]["details"].(map[string]any); field(evs[0], "tenant") != custID || field(evs[0], "target_name") != "audited-group" ||
		d["description"] != " → Now described" || d["global_roles"] != "readers → devices,readers" || d["service_roles"] != nil || d["require_mfa"] != nil {
		t.Errorf("group.updated: %v", evs[0])
	}
	for _, e := range events(cust, "action=role.deleted") {
		if field(e, "target_name") == "readers" {
			t.Errorf("a refused delete was audited: %v", e)
		}
	}
	// cust-admin reads them by action too; below and beside cust, nobody.
	if got := actions(events(cust, "action=role.")); !slices.Equal(got, []string{"role.deleted", "role.created"}) {
		t.Errorf("cust-admin's role events: %v", got)
	}
	for _, who := range [][2]string{{"sub", "sub-admin"}, {"prov2", "prov2-admin"}, {"cust2", "cust2-user"}} {
		tok := h.adminToken(t, who[0], who[1])
		for _, target := range []string{roleID, groupID} {
			l := h.api(t, tok, "GET", "/audit?target="+target, nil)
			l.want(t, http.StatusOK) // cust2-user too: readers holds audit:read
			if len(l.list("events")) != 0 {
				t.Errorf("%s reads events of cust's %s: %s", who[1], target, l.raw)
			}
		}
	}
	// Services: in the system tenant, for root's administrator only.
	evs = events(root, "action=service.")
	if len(evs) != 1 || field(evs[0], "action") != "service.created" || field(evs[0], "target") != "audited-svc" || field(evs[0], "tenant") != rootID {
		t.Errorf("root-admin's service events: %v", evs)
	}
	if evs := events(prov, "action=service."); len(evs) != 0 {
		t.Errorf("prov-admin reads service events: %v", evs)
	}
}

// TestAdminParentAdminWithLevelResource: an operator's resource that
// applies only below the provider level (billing: customer and
// subcustomer) is held by cust's admins role, but by no role of root or
// prov, whose levels it does not apply to. Their administrators still
// administer cust: an administrator holds every permission (caller.go),
// so it may change cust's built-in admins role and administrators group
// (admin_roles.go: "only an administrator changes the administrators
// group or the admins role").
func TestAdminParentAdminWithLevelResource(t *testing.T) {
	data := strings.Replace(string(mustRead(t, "testdata/admin.yaml")), "version: 1\n",
		"version: 1\nresources:\n  - name: billing\n    description: Invoices\n    levels: [customer, subcustomer]\n", 1)
	h := newHarnessWith(t, "testdata/admin.yaml", []byte(data))
	cust := h.adminToken(t, "cust", "cust-admin")
	if a := h.api(t, cust, "POST", "/tenants/cust/roles", map[string]any{"name": "billing-readers", "permissions": []string{"billing:read"}}); a.status != http.StatusCreated {
		t.Fatalf("cust-admin creates a role with billing:read: %s", a)
	}
	for _, who := range [][2]string{{"cust", "cust-admin"}, {"prov", "prov-admin"}, {"root", "root-admin"}} {
		t.Run(who[1], func(t *testing.T) {
			tok := h.adminToken(t, who[0], who[1])
			h.api(t, tok, "PUT", "/tenants/cust/roles/admins", map[string]any{"description": "Set by " + who[1]}).want(t, http.StatusOK)
			h.api(t, tok, "PUT", "/tenants/cust/groups/administrators", map[string]any{"description": "Set by " + who[1]}).want(t, http.StatusOK)
		})
	}
}
