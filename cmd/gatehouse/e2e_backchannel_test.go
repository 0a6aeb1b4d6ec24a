package main

import (
	"cmp"
	"encoding/base64"
	"encoding/json"
	"html"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	gooidc "github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/gatehouse-id/gatehouse/claims"
	"github.com/gatehouse-id/gatehouse/demo"
	"github.com/gatehouse-id/gatehouse/directory"
)

// OpenID Connect Back-Channel Logout 1.0 end to end (docs/logout.md): two
// portals registered with back-channel logout URIs served by receivers
// here; a person signs into both; a session's end reaches them as logout
// tokens, which these tests verify with golang-jwt, a JOSE implementation
// that shares no code with Gatehouse or go-jose.

// receiver is a portal's back-channel logout endpoint: it records every
// logout_token POSTed to it, or answers 503 while down.
type receiver struct {
	addr   string
	srv    *httptest.Server
	down   atomic.Bool
	tokens chan string
	// refused counts the requests answered 503.
	refused chan struct{}
}

// newReceiver starts a receiver on addr (a free port if empty).
func newReceiver(t *testing.T, addr string) *receiver {
	t.Helper()
	l, err := net.Listen("tcp", cmp.Or(addr, "127.0.0.1:0"))
	if err != nil {
		t.Fatal(err)
	}
	r := &receiver{addr: l.Addr().String(), tokens: make(chan string, 16), refused: make(chan struct{}, 16)}
	r.srv = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if req.Method != http.MethodPost || req.Header.Get("Content-Type") != "application/x-www-form-urlencoded" {
			http.Error(w, "want a form POST", http.StatusBadRequest)
			return
		}
		if r.down.Load() {
			r.refused <- struct{}{}
			http.Error(w, "down for maintenance", http.StatusServiceUnavailable)
			return
		}
		if err := req.ParseForm(); err != nil || len(req.PostForm["logout_token"]) != 1 {
			http.Error(w, "no logout_token", http.StatusBadRequest)
			return
		}
		r.tokens <- req.PostForm.Get("logout_token")
		w.WriteHeader(http.StatusOK)
	}))
	r.srv.Listener.Close()
	r.srv.Listener = l
	r.srv.Start()
	t.Cleanup(r.srv.Close)
	return r
}

func (r *receiver) url() string { return "http://" + r.addr + "/backchannel-logout" }

// next waits for the next logout token.
func (r *receiver) next(t *testing.T, what string) string {
	t.Helper()
	select {
	case raw := <-r.tokens:
		return raw
	case <-time.After(10 * time.Second):
		t.Fatalf("%s: no logout token arrived", what)
		return ""
	}
}

// none checks that no logout token is waiting.
func (r *receiver) none(t *testing.T, what string) {
	t.Helper()
	select {
	case <-r.tokens:
		t.Errorf("%s: a logout token arrived", what)
	default:
	}
}

// backchannelFile is testdata/admin.yaml with the portals x and y, each
// listening for logout tokens at its receiver.
func backchannelFile(t *testing.T, x, y *receiver) []byte {
	t.Helper()
	portals := ""
	for _, p := range []struct {
		id string
		r  *receiver
	}{{"portal-x", x}, {"portal-y", y}} {
		portals += `  - id: ` + p.id + `
    name: ` + p.id + `
    type: public
    redirect_uris: [http://localhost/` + p.id + `/callback]
    post_logout_redirect_uris: [http://localhost/` + p.id + `/]
    backchannel_logout_uri: ` + p.r.url() + `
    backchannel_logout_session_required: true
    grant_types: [authorization_code, refresh_token]
    scopes: [profile, offline_access]
`
	}
	data := string(mustRead(t, "testdata/admin.yaml"))
	if !strings.Contains(data, "\nclients:\n") {
		t.Fatal("testdata/admin.yaml has no clients")
	}
	return []byte(strings.Replace(data, "\nclients:\n", "\nclients:\n"+portals, 1))
}

// startNodeOn is startNode listening on addr (a free port if empty), with
// its data in dataDir: starting a second node on the first one's address
// and folder is a restart.
func startNodeOn(t *testing.T, clk *clock, addr, dataDir string, data []byte) (*harness, func()) {
	t.Helper()
	l, err := net.Listen("tcp", cmp.Or(addr, "127.0.0.1:0"))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(nil)
	srv.Listener.Close()
	srv.Listener = l
	issuer := "http://" + l.Addr().String()
	cfg := testConfig(t, issuer, "", "", "")
	cfg.DataDir = dataDir
	a := buildNode(t, cfg, clk)
	applyFile(t, a, "backchannel.yaml", data, issuer)
	srv.Config.Handler = a.handler
	srv.Start()
	var once sync.Once
	stop := func() { once.Do(func() { srv.Close(); a.Close() }) }
	t.Cleanup(stop)
	p, err := gooidc.NewProvider(t.Context(), issuer)
	if err != nil {
		t.Fatal(err)
	}
	return &harness{t: t, issuer: issuer, app: a, clock: clk, oidc: p}, stop
}

// signInBoth signs the person into portal x with its password, then into
// portal y by single sign-on, and returns both portals' tokens.
func signInBoth(t *testing.T, h *harness, b *browser) (x, y *oauth2.Token) {
	t.Helper()
	x = b.signIn(t, h.portalX(), "cust", "cust-reader", "cust-reader-password")
	py := h.portalY()
	a, resp, body := b.start(py)
	if strings.Contains(body, "csrf_token") {
		t.Fatal("portal y showed the login page: no single sign-on")
	}
	return x, py.redeem(t, code(t, resp, a), a)
}

func (h *harness) portalX() *portal {
	return h.portal("portal-x", "", "http://localhost/portal-x/callback", "openid", "profile", "offline_access")
}

func (h *harness) portalY() *portal {
	return h.portal("portal-y", "", "http://localhost/portal-y/callback", "openid", "profile", "offline_access")
}

// sidOf is the sid of an ID token, verified by golang-jwt.
func sidOf(t *testing.T, h *harness, idToken, clientID string) string {
	t.Helper()
	sid, _ := verifyWithJWT(t, h, idToken, clientID, "RS256")["sid"].(string)
	if sid == "" {
		t.Fatal("the ID token has no sid")
	}
	return sid
}

// wantLogoutToken verifies raw with golang-jwt against h's JWKS as a
// logout token for clientID (Back-Channel Logout 1.0 §2.4 and §2.6) naming
// the session sid of the person sub, and returns its jti.
func wantLogoutToken(t *testing.T, h *harness, raw, clientID, sid, sub string) string {
	t.Helper()
	c := verifyWithJWT(t, h, raw, clientID, "RS256")
	header, _, _ := strings.Cut(raw, ".")
	hb, err := base64.RawURLEncoding.DecodeString(header)
	if err != nil {
		t.Fatal(err)
	}
	var hdr map[string]any
	if err := json.Unmarshal(hb, &hdr); err != nil || hdr["typ"] != "logout+jwt" {
		t.Errorf("logout token header %s: typ must be logout+jwt", hb)
	}
	events, _ := c["events"].(map[string]any)
	if ev, ok := events[claims.EventBackchannelLogout].(map[string]any); !ok || len(ev) != 0 {
		t.Errorf("events = %v", c["events"])
	}
	if c["sid"] != sid || c["sub"] != sub {
		t.Errorf("logout token names sid %v, sub %v; want %s, %s", c["sid"], c["sub"], sid, sub)
	}
	if _, ok := c["nonce"]; ok {
		t.Error("a logout token carries a nonce")
	}
	jti, _ := c["jti"].(string)
	iat, _ := c.GetIssuedAt()
	exp, _ := c.GetExpirationTime()
	if jti == "" || iat == nil || exp == nil || exp.Sub(iat.Time) > 2*time.Minute {
		t.Errorf("jti %q, iat %v, exp %v: want a jti and a short lifetime", jti, iat, exp)
	}
	return jti
}

// TestBackchannelLogoutAcrossPortals: one person signs into two portals
// (the second by single sign-on); logging out of one sends each portal a
// logout token naming the session; the other portal's refresh token is
// refused; discovery advertises back-channel logout.
func TestBackchannelLogoutAcrossPortals(t *testing.T) {
	x, y := newReceiver(t, ""), newReceiver(t, "")
	h, _ := startNodeOn(t, &clock{}, "", t.TempDir(), backchannelFile(t, x, y))
	d := discoveryOf(t, h)
	if d["backchannel_logout_supported"] != true || d["backchannel_logout_session_supported"] != true {
		t.Errorf("discovery: backchannel_logout_supported %v, backchannel_logout_session_supported %v",
			d["backchannel_logout_supported"], d["backchannel_logout_session_supported"])
	}
	b := h.browser()
	py := h.portalY()
	tokX, tokY := signInBoth(t, h, b)
	sid := sidOf(t, h, tokX.Extra("id_token").(string), "portal-x")
	if got := sidOf(t, h, tokY.Extra("id_token").(string), "portal-y"); got != sid {
		t.Fatalf("single sign-on gave portal y sid %s, portal x %s", got, sid)
	}
	carol := h.user(t, "cust", "cust-reader")
	x.none(t, "before logout")
	y.none(t, "before logout")

	q := url.Values{"id_token_hint": {tokX.Extra("id_token").(string)}, "post_logout_redirect_uri": {"http://localhost/portal-x/"}}
	if resp, _ := b.get(h.issuer + "/end_session?" + q.Encode()); resp.StatusCode != http.StatusFound {
		t.Fatalf("logout answered %d", resp.StatusCode)
	}
	jtiY := wantLogoutToken(t, h, y.next(t, "portal y"), "portal-y", sid, carol.ID)
	jtiX := wantLogoutToken(t, h, x.next(t, "portal x"), "portal-x", sid, carol.ID)
	if jtiX == jtiY {
		t.Error("two deliveries share a jti")
	}
	_, err := py.refresh(t.Context(), tokY.RefreshToken)
	wantOAuthError(t, err, "invalid_grant")
	// Nothing more is queued: a second logout of the ended session sends nothing.
	if n, err := h.app.logout.DeliverOnce(t.Context()); err != nil || n != 0 {
		t.Errorf("outbox after delivery: %d, %v", n, err)
	}
}

// TestBackchannelLogoutReachesAPortalThatWasDown: portal y is down when
// the person logs out (503, then not even listening, across a restart of
// the node); the queue survives the restart, and the logout token
// reaches y once it is back.
func TestBackchannelLogoutReachesAPortalThatWasDown(t *testing.T) {
	x, y := newReceiver(t, ""), newReceiver(t, "")
	clk, dir := &clock{}, t.TempDir()
	data := backchannelFile(t, x, y)
	h, stop := startNodeOn(t, clk, "", dir, data)
	b := h.browser()
	tokX, _ := signInBoth(t, h, b)
	sid := sidOf(t, h, tokX.Extra("id_token").(string), "portal-x")
	carol := h.user(t, "cust", "cust-reader")

	y.down.Store(true)
	q := url.Values{"id_token_hint": {tokX.Extra("id_token").(string)}}
	if resp, _ := b.get(h.issuer + "/end_session?" + q.Encode()); resp.StatusCode != http.StatusOK {
		t.Fatalf("logout answered %d", resp.StatusCode)
	}
	wantLogoutToken(t, h, x.next(t, "portal x"), "portal-x", sid, carol.ID)
	select {
	case <-y.refused:
	case <-time.After(10 * time.Second):
		t.Fatal("the node never tried portal y")
	}

	// The node restarts (here while its attempt at y was still answering,
	// which it records as a retry) and y stops listening altogether.
	stop()
	y.srv.Close()
	addr := strings.TrimPrefix(h.issuer, "http://")
	h, _ = startNodeOn(t, clk, addr, dir, data)
	clk.Advance(31 * time.Second) // the first retry is due
	if _, err := h.app.logout.DeliverOnce(t.Context()); err != nil {
		t.Fatal(err)
	}
	y.none(t, "while y is down")

	// y is back, on its address.
	back := newReceiver(t, y.addr)
	clk.Advance(5 * time.Minute)
	if _, err := h.app.logout.DeliverOnce(t.Context()); err != nil {
		t.Fatal(err)
	}
	wantLogoutToken(t, h, back.next(t, "portal y, back"), "portal-y", sid, carol.ID)
	back.none(t, "after delivery")
	x.none(t, "portal x again")
}

// TestBackchannelLogoutWhenAnAdministratorDisables: an administrator
// disabling the person ends its session at both portals, and the
// session's refresh tokens are refused.
func TestBackchannelLogoutWhenAnAdministratorDisables(t *testing.T) {
	endedByAdministrator(t, "cust", "cust-admin", func(h *harness, admin string, carol directory.User) {
		h.api(t, admin, http.MethodPatch, "/users/"+carol.ID, map[string]any{"enabled": false}).want(t, http.StatusOK)
	})
}

// TestBackchannelLogoutWhenATenantIsDeleted: carol's tenant is deleted with
// its subtree by an administrator above it; both portals she signed into
// are told, and her refresh tokens are refused.
func TestBackchannelLogoutWhenATenantIsDeleted(t *testing.T) {
	endedByAdministrator(t, "prov", "prov-admin", func(h *harness, admin string, _ directory.User) {
		h.api(t, admin, http.MethodDelete, "/tenants/cust?cascade=true", nil).want(t, http.StatusOK)
	})
}

// endedByAdministrator signs carol (cust/cust-reader) into portals x and y,
// has the administrator tenant/username make the change end, and checks
// that both portals get a logout token for her session and that her
// refresh tokens are refused.
func endedByAdministrator(t *testing.T, tenant, username string, end func(h *harness, admin string, carol directory.User)) {
	t.Helper()
	x, y := newReceiver(t, ""), newReceiver(t, "")
	h, _ := startNodeOn(t, &clock{}, "", t.TempDir(), backchannelFile(t, x, y))
	tokX, tokY := signInBoth(t, h, h.browser())
	sid := sidOf(t, h, tokX.Extra("id_token").(string), "portal-x")
	carol := h.user(t, "cust", "cust-reader")

	end(h, h.adminToken(t, tenant, username), carol)
	wantLogoutToken(t, h, x.next(t, "portal x"), "portal-x", sid, carol.ID)
	wantLogoutToken(t, h, y.next(t, "portal y"), "portal-y", sid, carol.ID)
	for _, rt := range []struct {
		p   *portal
		tok string
	}{{h.portalX(), tokX.RefreshToken}, {h.portalY(), tokY.RefreshToken}} {
		_, err := rt.p.refresh(t.Context(), rt.tok)
		wantOAuthError(t, err, "invalid_grant")
	}
}

// TestDemoPortalsBackchannelLogout: serve --demo; carol signs into the
// demo web portal and, by single sign-on, the single-page one; she logs out
// of the web portal; Gatehouse's logout token reaches the single-page
// portal's back-channel endpoint (demo/directory.yaml), which verifies it
// with package claims and ends its own session of hers.
func TestDemoPortalsBackchannelLogout(t *testing.T) {
	cfg, a, b := startDemo(t)
	resp, body := b.get(cfg.Issuer + "/demo/web/login")
	acc := demo.Accounts[3] // carol
	_, web := b.submitLogin(resp, body, acc.Tenant, acc.Username, acc.Password)
	if _, spa := b.get(cfg.Issuer + "/demo/spa/login"); !strings.Contains(spa, "Signed in to the spa portal as carol") {
		t.Fatalf("no single sign-on into the spa portal: %.300s", spa)
	}
	session := func(portal string) string {
		_, body := b.get(cfg.Issuer + "/demo/" + portal + "/session")
		return body
	}
	for _, p := range []string{"web", "spa"} {
		if s := session(p); !strings.Contains(s, "Signed in as carol") {
			t.Fatalf("the %s portal's session is not live: %.400s", p, s)
		}
	}
	m := regexp.MustCompile(`href="([^"]*/end_session\?[^"]*)"`).FindStringSubmatch(web)
	if m == nil {
		t.Fatalf("the web portal's page has no logout link")
	}
	if resp, _ := b.get(html.UnescapeString(m[1])); resp.StatusCode != http.StatusOK || resp.Request.URL.Path != "/demo/" {
		t.Fatalf("logout ended at %d %s", resp.StatusCode, resp.Request.URL)
	}
	// The worker was woken by the logout; DeliverOnce only hurries it.
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(session("spa"), "Signed out: Gatehouse told this portal") {
		if time.Now().After(deadline) {
			t.Fatalf("the spa portal's session was not ended: %.400s", session("spa"))
		}
		if _, err := a.logout.DeliverOnce(t.Context()); err != nil {
			t.Fatal(err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestBackchannelLogoutWhenASupportSessionEnds: jill's support session as
// john ends after its hour; the sweep finds it, and the portal gets a
// logout token naming the session and john.
func TestBackchannelLogoutWhenASupportSessionEnds(t *testing.T) {
	r := newReceiver(t, "")
	data := strings.Replace(string(mustRead(t, "testdata/support.yaml")), "    redirect_uris: [http://localhost/a/callback]\n",
		"    redirect_uris: [http://localhost/a/callback]\n    backchannel_logout_uri: "+r.url()+"\n", 1)
	h := newHarnessWith(t, "support.yaml", []byte(data))
	john := h.user(t, "contoso", "john")
	pa := h.supportPortal()
	a, resp, _ := h.browser().supportLogin(pa, "contoso", "jill$john", "jill-password", "INC-4711")
	tok := pa.redeem(t, code(t, resp, a), a)
	sid := sidOf(t, h, tok.Extra("id_token").(string), "portal-a")

	sweep := func() {
		t.Helper()
		if err := h.app.logout.Sweep(t.Context()); err != nil {
			t.Fatal(err)
		}
		if _, err := h.app.logout.DeliverOnce(t.Context()); err != nil {
			t.Fatal(err)
		}
	}
	h.clock.Advance(59 * time.Minute)
	sweep()
	r.none(t, "within the support session")
	h.clock.Advance(2 * time.Minute)
	sweep()
	wantLogoutToken(t, h, r.next(t, "after the support session"), "portal-a", sid, john.ID)
	_, err := pa.refresh(t.Context(), tok.RefreshToken)
	wantOAuthError(t, err, "invalid_grant")
}

// TestBackchannelLogoutAcrossTwoNodes: two nodes on one PostgreSQL and one
// Redis; the person signs in on node 1 and logs out on node 2 while portal
// y is down; once y is back, both nodes' workers go for the delivery at
// once, and y gets it exactly once.
func TestBackchannelLogoutAcrossTwoNodes(t *testing.T) {
	x, y := newReceiver(t, ""), newReceiver(t, "")
	path := filepath.Join(t.TempDir(), "backchannel.yaml")
	if err := os.WriteFile(path, backchannelFile(t, x, y), 0o600); err != nil {
		t.Fatal(err)
	}
	c := newClusterWith(t, path)
	b := c.browser()
	c.use(0)
	tokX, _ := signInBoth(t, c.harness, b)
	sid := sidOf(t, c.harness, tokX.Extra("id_token").(string), "portal-x")
	carol := c.user(t, "cust", "cust-reader")

	y.down.Store(true)
	c.use(1)
	q := url.Values{"id_token_hint": {tokX.Extra("id_token").(string)}}
	if resp, _ := b.get(c.issuer + "/end_session?" + q.Encode()); resp.StatusCode != http.StatusOK {
		t.Fatalf("logout on node 2 answered %d", resp.StatusCode)
	}
	wantLogoutToken(t, c.harness, x.next(t, "portal x"), "portal-x", sid, carol.ID)
	select {
	case <-y.refused:
	case <-time.After(10 * time.Second):
		t.Fatal("no node tried portal y")
	}

	// x's delivery is done (its row gone) before the clock jumps past
	// every lease: at least once means a lease that ran out sends again.
	waitPending(t, c.apps[0], 1)
	y.down.Store(false)
	c.clock.Advance(2 * time.Minute) // the retry is due, and any lease over
	var wg sync.WaitGroup
	for _, a := range c.apps {
		wg.Go(func() {
			if _, err := a.logout.DeliverOnce(t.Context()); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	wantLogoutToken(t, c.harness, y.next(t, "portal y"), "portal-y", sid, carol.ID)
	y.none(t, "a second delivery")
	x.none(t, "portal x again")
}

// waitPending waits until a's outbox holds n deliveries.
func waitPending(t *testing.T, a *app, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		got, err := a.db.PendingDeliveries(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		if got == n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the outbox holds %d deliveries, want %d", got, n)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
