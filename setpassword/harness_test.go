package setpassword

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse-id/gatehouse/audit"
	"github.com/gatehouse-id/gatehouse/directory"
	"github.com/gatehouse-id/gatehouse/ephemeral/memory"
	"github.com/gatehouse-id/gatehouse/mail"
	"github.com/gatehouse-id/gatehouse/password"
	"github.com/gatehouse-id/gatehouse/storage/sqlite"
	"github.com/gatehouse-id/gatehouse/templates"
	"github.com/gatehouse-id/gatehouse/throttle"
)

const (
	testIssuer = "https://id.example.com"
	// goodPassword and betterPassword are passwords the policy allows
	// for everyone here; commonPassword one it refuses.
	goodPassword   = "violet tractor harbour 81"
	betterPassword = "lantern orbit pebble 7"
	commonPassword = "password123"
	// jillPassword is jill's password before any reset.
	jillPassword = "correct horse battery staple"
)

// clock is the tests' clock, moved on by hand.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// queue is a Queue that keeps what it is given.
type queue struct {
	mu   sync.Mutex
	msgs []mail.Message
	err  error
}

func (q *queue) Enqueue(m mail.Message) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.err != nil {
		return q.err
	}
	q.msgs = append(q.msgs, m)
	return nil
}

func (q *queue) sent() []mail.Message {
	q.mu.Lock()
	defer q.mu.Unlock()
	return append([]mail.Message(nil), q.msgs...)
}

// logBuffer is the log's text, shared by the handler and the audit log.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}
func (l *logBuffer) String() string { l.mu.Lock(); defer l.mu.Unlock(); return l.b.String() }

// harness is a Handler as cmd would wire it, over a real directory on
// SQLite, with throttles in memory and a recording mail queue. acme has
// an administrator (ada), a user with a password and an address (jill),
// one with a password and none (noel), and one invited without a
// password (pat). portal is a client with a login page, plain one
// without.
type harness struct {
	t       *testing.T
	handler *Handler
	srv     *httptest.Server
	client  *http.Client
	dir     *directory.Directory
	store   *sqlite.Store
	clock   *clock
	queue   *queue
	mailer  *Mailer
	logs    *logBuffer
	admin   directory.Caller
	acme    directory.Tenant
	jill    directory.User
	noel    directory.User
	pat     directory.User
	// secrets are link secrets and passwords the log must never hold.
	secrets []string
	// signedOut are the people Config.SignedOut was told of.
	signedOut *[]string
}

type limits struct{ account, address int }

func newHarness(t *testing.T, lim limits) *harness {
	t.Helper()
	if lim.account == 0 {
		lim.account = 100
	}
	if lim.address == 0 {
		lim.address = 100
	}
	ctx := t.Context()
	clk := &clock{t: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}
	kv := memory.New(clk.Now)
	t.Cleanup(func() { _ = kv.Close() })
	store, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "gatehouse.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	dir := directory.New(store, directory.NewSecretHasher(bytes.Repeat([]byte{7}, 32)),
		directory.Config{PasswordParams: password.Params{Memory: 64, Time: 1, Threads: 1}, Now: clk.Now})
	if _, err := dir.CreateTenant(ctx, "root", "Root", directory.LevelSystem, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := dir.CreateTenant(ctx, "prov", "Provider", directory.LevelProvider, "root"); err != nil {
		t.Fatal(err)
	}
	acme, err := dir.CreateTenant(ctx, "acme", "Acme IoT", directory.LevelCustomer, "prov")
	if err != nil {
		t.Fatal(err)
	}
	if err := dir.EnsureTenantDefaults(ctx); err != nil {
		t.Fatal(err)
	}
	if acme, err = store.TenantByID(ctx, acme.ID); err != nil {
		t.Fatal(err)
	}
	newUser := func(nu directory.NewUser) directory.User {
		t.Helper()
		nu.TenantSlug = "acme"
		if nu.TenantRole == "" {
			nu.TenantRole = directory.TenantRoleUser
		}
		u, err := dir.CreateUser(ctx, nu)
		if err != nil {
			t.Fatalf("user %s: %v", nu.Username, err)
		}
		return u
	}
	ada := newUser(directory.NewUser{Username: "ada", Password: goodPassword, TenantRole: directory.TenantRoleAdmin})
	admin, err := dir.CallerForUser(ctx, ada.ID, acme.ID, "")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []directory.Client{
		{ID: "portal", Name: "Things Portal", Type: directory.ClientPublic, AuthMethod: directory.AuthNone,
			RedirectURIs: []string{"https://portal.example/callback"}, InitiateLoginURI: "https://portal.example/login?lang=en",
			GrantTypes: []string{directory.GrantAuthorizationCode}},
		{ID: "plain", Name: "Plain Portal", Type: directory.ClientPublic, AuthMethod: directory.AuthNone,
			RedirectURIs: []string{"https://plain.example/callback"}, GrantTypes: []string{directory.GrantAuthorizationCode}},
	} {
		if _, _, err := dir.CreateClient(ctx, c, ""); err != nil {
			t.Fatalf("client %s: %v", c.ID, err)
		}
	}
	tmpl, err := templates.New()
	if err != nil {
		t.Fatal(err)
	}
	mailTmpl, err := mail.NewTemplates(mail.TemplatesConfig{})
	if err != nil {
		t.Fatal(err)
	}
	logs := &logBuffer{}
	logger := slog.New(slog.NewTextHandler(io.MultiWriter(t.Output(), logs), &slog.HandlerOptions{Level: slog.LevelDebug}))
	q := &queue{}
	mailer := NewMailer(testIssuer+"/", mailTmpl, q)
	mailer.now = clk.Now
	auditLog := audit.New(store, clk.Now, logger)
	var (
		signedOutMu sync.Mutex
		signedOut   []string
	)
	h, err := New(Config{
		SignedOut: func(_ context.Context, id string) error {
			signedOutMu.Lock()
			signedOut = append(signedOut, id)
			signedOutMu.Unlock()
			return nil
		},
		Directory: dir, AuditIn: auditLog.RecordIn, Mailer: mailer, Issuer: testIssuer,
		AccountLimiter: throttle.New(kv, "reset_account", throttle.Policy{Limit: lim.account, Window: 15 * time.Minute}),
		AddressLimiter: throttle.New(kv, "address", throttle.Policy{Limit: lim.address, Window: 15 * time.Minute}),
		CSRFKey:        bytes.Repeat([]byte{3}, 32), Templates: tmpl, Logger: logger, Now: clk.Now,
	})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	h.Routes(mux)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	jar, _ := cookiejar.New(nil)
	hs := &harness{
		t: t, handler: h, srv: srv, dir: dir, store: store, clock: clk, queue: q, mailer: mailer, logs: logs, admin: admin, acme: acme,
		client:    &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }},
		secrets:   []string{goodPassword, betterPassword, commonPassword, jillPassword},
		signedOut: &signedOut,
	}
	hs.jill = newUser(directory.NewUser{Username: "jill", Password: jillPassword, Email: "jill@acme.example",
		GivenName: "Jill", FamilyName: "Smith"})
	hs.noel = newUser(directory.NewUser{Username: "noel", Password: goodPassword})
	hs.pat = newUser(directory.NewUser{Username: "pat", Email: "pat@acme.example", DisplayName: "Pat Jones"})
	// Whatever a test did, the log holds no secret of it.
	t.Cleanup(func() {
		log := logs.String()
		for _, s := range hs.secrets {
			if strings.Contains(log, s) || strings.Contains(log, url.QueryEscape(s)) {
				t.Errorf("the log holds the secret %q", s)
			}
		}
	})
	return hs
}

// invite sends pat an invitation (continuing to the client clientID, if
// set) and returns its link.
func (h *harness) invite(clientID string) directory.MailLink {
	h.t.Helper()
	l, err := h.dir.InviteFor(h.t.Context(), h.admin, h.pat.ID, clientID)
	if err != nil {
		h.t.Fatal(err)
	}
	h.secrets = append(h.secrets, l.Secret)
	return l
}

// resetLink makes a reset link for jill as an administrator would.
func (h *harness) resetLink() directory.MailLink {
	h.t.Helper()
	l, err := h.dir.ResetLinkFor(h.t.Context(), h.admin, h.jill.ID)
	if err != nil {
		h.t.Fatal(err)
	}
	h.secrets = append(h.secrets, l.Secret)
	return l
}

func (h *harness) do(req *http.Request) (*http.Response, string) {
	h.t.Helper()
	resp, err := h.client.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	for k, want := range map[string]string{"Referrer-Policy": "no-referrer", "Cache-Control": "no-store",
		"Content-Security-Policy": templates.ContentSecurityPolicy, "X-Frame-Options": "DENY"} {
		if got := resp.Header.Get(k); got != want {
			h.t.Errorf("%s %s: %s = %q, want %q", req.Method, req.URL.Path, k, got, want)
		}
	}
	return resp, string(b)
}

func (h *harness) get(path string) (*http.Response, string) {
	h.t.Helper()
	req, _ := http.NewRequestWithContext(h.t.Context(), http.MethodGet, h.srv.URL+path, nil)
	return h.do(req)
}

func (h *harness) post(path string, form url.Values) (*http.Response, string) {
	h.t.Helper()
	req, _ := http.NewRequestWithContext(h.t.Context(), http.MethodPost, h.srv.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return h.do(req)
}

var csrfRE = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

// csrfOf is the CSRF token of a page's form.
func (h *harness) csrfOf(body string) string {
	h.t.Helper()
	m := csrfRE.FindStringSubmatch(body)
	if m == nil {
		h.t.Fatalf("no CSRF token on the page: %.600s", body)
	}
	return m[1]
}

// choose opens the link page at path for secret and submits pw and
// confirm with its form.
func (h *harness) choose(path, secret, pw, confirm string) (*http.Response, string) {
	h.t.Helper()
	resp, body := h.get(path + "?token=" + url.QueryEscape(secret))
	if resp.StatusCode != http.StatusOK {
		h.t.Fatalf("GET %s: %d\n%s", path, resp.StatusCode, body)
	}
	return h.post(path, url.Values{"token": {secret}, "csrf_token": {h.csrfOf(body)},
		"new_password": {pw}, "confirm_password": {confirm}})
}

// forgot asks for a reset link for tenant/username with the form.
func (h *harness) forgot(tenant, username string) (*http.Response, string) {
	h.t.Helper()
	_, body := h.get(ForgotPath)
	resp, body := h.post(ForgotPath, url.Values{"tenant": {tenant}, "username": {username}, "csrf_token": {h.csrfOf(body)}})
	h.handler.requests.Wait() // the request's work runs after its answer
	return resp, body
}

// eventsOf returns acme's events of action, newest first.
func (h *harness) eventsOf(action string) []audit.Event {
	h.t.Helper()
	all, err := h.store.ListEvents(h.t.Context(), []string{h.acme.ID}, time.Time{}, 0)
	if err != nil {
		h.t.Fatal(err)
	}
	var got []audit.Event
	for _, e := range all {
		if e.Action == action {
			got = append(got, e)
		}
	}
	return got
}

// user reads the user with id as stored now.
func (h *harness) user(id string) directory.User {
	h.t.Helper()
	u, err := h.store.UserByID(h.t.Context(), id)
	if err != nil {
		h.t.Fatal(err)
	}
	return u
}

func wantIn(t *testing.T, body string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(body, w) {
			t.Errorf("page lacks %q:\n%s", w, body)
		}
	}
}
