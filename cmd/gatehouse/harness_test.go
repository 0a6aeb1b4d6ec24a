package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	gooidc "github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/gatehouse-id/gatehouse/directory"
	"github.com/gatehouse-id/gatehouse/directoryfile"
	"github.com/gatehouse-id/gatehouse/password"
)

// clock is the test's clock: real time plus an offset the test can advance,
// so that codes expire on demand while tokens stay valid for real verifiers.
type clock struct {
	mu     sync.Mutex
	offset time.Duration
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.offset)
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.offset += d
	c.mu.Unlock()
}

// harness is one Gatehouse on httptest, wired by build exactly as serve
// wires it, with the directory in testdata/directory.yaml.
type harness struct {
	t      *testing.T
	issuer string
	app    *app
	clock  *clock
	oidc   *gooidc.Provider
}

const (
	portalASecret = "portal-a-secret-0123456789abcdefghijkl"
	postSecret    = "portal-post-secret-0123456789abcdefghij"
	machineSecret = "machine-secret-0123456789abcdefghijklmn"
)

func newHarness(t *testing.T) *harness {
	t.Helper()
	return newHarnessWith(t, "testdata/directory.yaml", mustRead(t, "testdata/directory.yaml"))
}

// newHarnessWith starts a harness whose directory is the file name with
// the contents data.
func newHarnessWith(t *testing.T, name string, data []byte) *harness {
	t.Helper()
	h, _ := startNode(t, &clock{}, name, data, nil)
	return h
}

// startNode starts a node on httptest, configured by testConfig and then
// by tune (if not nil), on clk, and applies the directory file name with
// the contents data ("{{issuer}}" in it becomes the issuer). stop ends the
// node; it runs at cleanup too, and twice is harmless.
func startNode(t *testing.T, clk *clock, name string, data []byte, tune func(*config)) (h *harness, stop func()) {
	t.Helper()
	srv := httptest.NewUnstartedServer(nil)
	issuer := "http://" + srv.Listener.Addr().String()
	cfg := testConfig(t, issuer, "", "", "")
	if tune != nil {
		tune(cfg)
	}
	a := buildNode(t, cfg, clk)
	applyFile(t, a, name, data, issuer)
	srv.Config.Handler = a.handler
	srv.Start()
	var once sync.Once
	stop = func() { once.Do(func() { srv.Close(); a.Close() }) }
	t.Cleanup(stop)
	p, err := gooidc.NewProvider(t.Context(), issuer)
	if err != nil {
		t.Fatalf("go-oidc rejects the discovery document: %v", err)
	}
	return &harness{t: t, issuer: issuer, app: a, clock: clk, oidc: p}, stop
}

// readyz asks the node whether it is ready: the status and the state of
// each dependency.
func (h *harness) readyz(t *testing.T) (int, map[string]string) {
	t.Helper()
	resp, err := http.Get(h.issuer + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var m map[string]string
	_ = json.NewDecoder(resp.Body).Decode(&m)
	return resp.StatusCode, m
}

func mustRead(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// testConfig is a node's configuration in tests: the issuer, a fixed
// key-encryption key, and PostgreSQL and Redis when their URLs are given
// (else SQLite in a temporary folder and process memory).
func testConfig(t testing.TB, issuer, dbURL, redisURL, redisPrefix string) *config {
	t.Helper()
	cfg := &config{
		Addr: "127.0.0.1:0", Issuer: issuer, DataDir: t.TempDir(), SigningAlg: "RS256", LogLevel: "debug",
		KEK:         base64.StdEncoding.EncodeToString([]byte("0123456789abcdef0123456789abcdef")),
		DatabaseURL: dbURL, RedisURL: redisURL, RedisPrefix: redisPrefix, Metrics: true,
	}
	if err := cfg.resolve(); err != nil {
		t.Fatal(err)
	}
	return cfg
}

// buildNode wires a node as serve does, logging to the test, on the
// test's clock. A cheap argon2id cost keeps the suite fast; the format and
// code path are the production ones.
func buildNode(t *testing.T, cfg *config, clk *clock, logAttrs ...any) *app {
	t.Helper()
	a, err := tryBuildNode(t, cfg, clk, logAttrs...)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// tryBuildNode is buildNode for goroutines, which must not call t.Fatal.
func tryBuildNode(t *testing.T, cfg *config, clk *clock, logAttrs ...any) (*app, error) {
	log := slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelDebug})).With(logAttrs...)
	return build(t.Context(), cfg, log, options{now: clk.Now, passwordParams: password.Params{Memory: 64, Time: 1, Threads: 1},
		devicePollInterval: testDevicePollInterval})
}

// applyFile loads a directory file into a's directory, with "{{issuer}}"
// replaced by issuer.
func applyFile(t testing.TB, a *app, name string, data []byte, issuer string) {
	t.Helper()
	f, err := directoryfile.Parse(name, []byte(strings.ReplaceAll(string(data), "{{issuer}}", issuer)))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Apply(t.Context(), a.directory); err != nil {
		t.Fatal(err)
	}
}

// user returns the user called username in tenant slug.
func (h *harness) user(t *testing.T, slug, username string) directory.User {
	t.Helper()
	s := h.app.directory.Store()
	tn, err := s.TenantBySlug(t.Context(), slug)
	if err != nil {
		t.Fatal(err)
	}
	u, err := s.UserByUsername(t.Context(), tn.ID, username)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// mustTenantID returns the id of tenant slug.
func mustTenantID(t *testing.T, h *harness, slug string) string {
	t.Helper()
	tn, err := h.app.directory.Store().TenantBySlug(t.Context(), slug)
	if err != nil {
		t.Fatal(err)
	}
	return tn.ID
}

// portal is a relying party: x/oauth2 for the protocol, go-oidc to verify.
type portal struct {
	conf *oauth2.Config
}

func (h *harness) portal(id, secret, redirect string, scopes ...string) *portal {
	ep := h.oidc.Endpoint()
	// client_secret_post clients and public clients (client_id only) put
	// their identity in the body; client_secret_basic ones in the header.
	if id == "portal-post" || secret == "" {
		ep.AuthStyle = oauth2.AuthStyleInParams
	} else {
		ep.AuthStyle = oauth2.AuthStyleInHeader
	}
	return &portal{conf: &oauth2.Config{ClientID: id, ClientSecret: secret, Endpoint: ep, RedirectURL: redirect, Scopes: scopes}}
}

func (h *harness) portalA() *portal {
	return h.portal("portal-a", portalASecret, "http://localhost/a/callback", "openid", "profile", "email", "offline_access", "tenant")
}

func (h *harness) portalB() *portal {
	return h.portal("portal-b", "", "http://localhost/b/callback", "openid", "profile", "offline_access")
}

// browser is a person's browser: a cookie jar, and redirects followed up to
// (not into) the portals, whose callbacks live on http://localhost/.
type browser struct {
	t *testing.T
	c *http.Client
}

func (h *harness) browser() *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: h.t, c: &http.Client{Jar: jar, CheckRedirect: func(req *http.Request, via []*http.Request) error {
		if req.URL.Host == "localhost" {
			return http.ErrUseLastResponse
		}
		return nil
	}}}
}

func (b *browser) get(u string) (*http.Response, string) {
	b.t.Helper()
	resp, err := b.c.Get(u)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, string(body)
}

func (b *browser) postForm(u string, form url.Values) (*http.Response, string) {
	b.t.Helper()
	resp, err := b.c.PostForm(u, form)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, string(body)
}

var (
	csrfRE      = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)
	authReqIDRE = regexp.MustCompile(`name="authRequestID" value="([^"]+)"`)
)

// authorization is one run of the code flow from the browser's side.
type authorization struct {
	verifier, state, nonce string
}

// start sends the browser to the portal's authorization URL and returns the
// last response: the login page, or the redirect back to the portal.
func (b *browser) start(p *portal, extra ...oauth2.AuthCodeOption) (authorization, *http.Response, string) {
	a := authorization{verifier: oauth2.GenerateVerifier(), state: oauth2.GenerateVerifier()[:16], nonce: oauth2.GenerateVerifier()[:16]}
	opts := append([]oauth2.AuthCodeOption{oauth2.S256ChallengeOption(a.verifier), gooidc.Nonce(a.nonce)}, extra...)
	resp, body := b.get(p.conf.AuthCodeURL(a.state, opts...))
	return a, resp, body
}

// submitLogin fills in the login page the browser is on.
func (b *browser) submitLogin(loginPage *http.Response, body, tenant, username, pw string) (*http.Response, string) {
	b.t.Helper()
	csrf, id := csrfRE.FindStringSubmatch(body), authReqIDRE.FindStringSubmatch(body)
	if csrf == nil || id == nil {
		b.t.Fatalf("not a login page (status %d): %.300s", loginPage.StatusCode, body)
	}
	return b.postForm(loginPage.Request.URL.String(), url.Values{
		"authRequestID": {id[1]}, "csrf_token": {csrf[1]}, "tenant": {tenant}, "username": {username}, "password": {pw},
	})
}

// submitPassword starts the code flow at the portal and fills in the
// login page: the authorization and what the login answers (the redirect
// to the portal, or the page of the login's next step).
func (b *browser) submitPassword(p *portal, tenant, username, pw string, extra ...oauth2.AuthCodeOption) (authorization, *http.Response, string) {
	b.t.Helper()
	a, resp, body := b.start(p, extra...)
	resp, body = b.submitLogin(resp, body, tenant, username, pw)
	return a, resp, body
}

// code extracts the code from the redirect to the portal, checking state.
func code(t *testing.T, resp *http.Response, a authorization) string {
	t.Helper()
	if resp.StatusCode != http.StatusFound && resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("want a redirect to the portal, got %d", resp.StatusCode)
	}
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || loc.Host != "localhost" {
		t.Fatalf("redirect to %q, want the portal", resp.Header.Get("Location"))
	}
	q := loc.Query()
	if q.Get("error") != "" {
		t.Fatalf("portal got error %s: %s", q.Get("error"), q.Get("error_description"))
	}
	if q.Get("state") != a.state {
		t.Fatalf("state = %q, want %q", q.Get("state"), a.state)
	}
	return q.Get("code")
}

// login runs the whole browser part for a person: returns the code.
func (b *browser) login(p *portal, tenant, username, pw string) (authorization, string) {
	b.t.Helper()
	a, resp, _ := b.submitPassword(p, tenant, username, pw)
	return a, code(b.t, resp, a)
}

func (p *portal) exchange(ctx context.Context, c string, a authorization) (*oauth2.Token, error) {
	return p.conf.Exchange(ctx, c, oauth2.VerifierOption(a.verifier))
}

// redeem exchanges the code c of a for the portal's tokens, failing the
// test if the token endpoint refuses it.
func (p *portal) redeem(t *testing.T, c string, a authorization) *oauth2.Token {
	t.Helper()
	tok, err := p.exchange(t.Context(), c, a)
	if err != nil {
		t.Fatalf("%s redeems its code: %v", p.conf.ClientID, err)
	}
	return tok
}

// refresh asks for the portal's tokens with the refresh token rt.
func (p *portal) refresh(ctx context.Context, rt string) (*oauth2.Token, error) {
	return p.conf.TokenSource(ctx, &oauth2.Token{RefreshToken: rt}).Token()
}

// signIn logs a person in at the portal in this browser (login) and
// redeems the code: the portal's tokens.
func (b *browser) signIn(t *testing.T, p *portal, tenant, username, pw string) *oauth2.Token {
	t.Helper()
	a, c := b.login(p, tenant, username, pw)
	return p.redeem(t, c, a)
}
