package login

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gatehouse-id/gatehouse/directory"
	"github.com/gatehouse-id/gatehouse/ephemeral/memory"
	"github.com/gatehouse-id/gatehouse/password"
	"github.com/gatehouse-id/gatehouse/session"
	"github.com/gatehouse-id/gatehouse/templates"
	"github.com/gatehouse-id/gatehouse/throttle"
)

// testCSRFKey is fixed so that tests which compare whole pages get the same
// token for the same cookie.
var testCSRFKey = []byte("0123456789abcdef0123456789abcdef")

const (
	goodPassword = "correct horse battery"
	throttleSpan = 15 * time.Minute
)

// fakeRequests is the provider's authorization-request store as login sees
// it: a map, and a record of completions.
type fakeRequests struct {
	mu        sync.Mutex
	reqs      map[string]Request
	completed map[string]session.Session
}

func newFakeRequests(reqs ...Request) *fakeRequests {
	f := &fakeRequests{reqs: map[string]Request{}, completed: map[string]session.Session{}}
	for _, r := range reqs {
		f.reqs[r.ID] = r
	}
	return f
}

// add adds or replaces a request.
func (f *fakeRequests) add(r Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.reqs[r.ID] = r
}

func (f *fakeRequests) LoginRequest(_ context.Context, id string) (Request, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	r, ok := f.reqs[id]
	if !ok {
		return Request{}, fmt.Errorf("auth request %q: %w", id, ErrRequestNotFound)
	}
	return r, nil
}

func (f *fakeRequests) CompleteLogin(_ context.Context, id string, s session.Session) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	r, ok := f.reqs[id]
	if !ok {
		return fmt.Errorf("auth request %q: %w", id, ErrRequestNotFound)
	}
	r.Done = true
	f.reqs[id] = r
	f.completed[id] = s
	return nil
}

func (f *fakeRequests) completions() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.completed)
}

func (f *fakeRequests) session(id string) (session.Session, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	s, ok := f.completed[id]
	return s, ok
}

// memDirectory is a directory.Store holding only what Authenticate and the
// tenant choice read.
// The embedded nil Store makes any other call panic, which a test would
// notice.
type memDirectory struct {
	directory.Store
	tenants map[string]directory.Tenant // by slug
	users   map[string]directory.User   // by tenant id + "/" + username
	links   map[string][]directory.Link // by user id
}

func (m *memDirectory) TenantBySlug(_ context.Context, slug string) (directory.Tenant, error) {
	t, ok := m.tenants[slug]
	if !ok {
		return directory.Tenant{}, fmt.Errorf("tenant %q: %w", slug, directory.ErrNotFound)
	}
	return t, nil
}

func (m *memDirectory) TenantByID(_ context.Context, id string) (directory.Tenant, error) {
	for _, t := range m.tenants {
		if t.ID == id {
			return t, nil
		}
	}
	return directory.Tenant{}, fmt.Errorf("tenant %s: %w", id, directory.ErrNotFound)
}

func (m *memDirectory) UserByID(_ context.Context, id string) (directory.User, error) {
	for _, u := range m.users {
		if u.ID == id {
			return u, nil
		}
	}
	return directory.User{}, fmt.Errorf("user %s: %w", id, directory.ErrNotFound)
}

func (m *memDirectory) LinksOfUser(_ context.Context, userID string) ([]directory.Link, error) {
	return m.links[userID], nil
}

func (m *memDirectory) UserByUsername(_ context.Context, tenantID, username string) (directory.User, error) {
	u, ok := m.users[tenantID+"/"+username]
	if !ok {
		return directory.User{}, fmt.Errorf("user %q: %w", username, directory.ErrNotFound)
	}
	return u, nil
}

// countingAuth counts calls, so that tests can tell that a refused request
// never reached the password check.
type countingAuth struct {
	Authenticator
	calls atomic.Int32
}

func (c *countingAuth) Authenticate(ctx context.Context, tenant, username, pw string) (directory.User, directory.Tenant, error) {
	c.calls.Add(1)
	return c.Authenticator.Authenticate(ctx, tenant, username, pw)
}

// world is the directory a harness starts with.
type world int

const (
	fullWorld         world = iota // tenant acme with jill and disabled bob
	noTenants                      // nothing at all
	tenantNoUsers                  // tenant acme, nobody in it
	jillOtherPassword              // jill exists with another password
	jillLinked                     // fullWorld, and jill is linked to tenant globex
)

type options struct {
	world        world
	accountLimit int
	addressLimit int
	secure       bool
	// quiet discards the handler's log; the fuzz target sets it, since a
	// fuzzing F keeps everything written to its Output until it ends.
	quiet bool
}

type harness struct {
	t        testing.TB
	mux      *http.ServeMux
	srv      *httptest.Server
	client   *http.Client
	handler  *Handler
	requests *fakeRequests
	auth     *countingAuth
	sessions *session.Store
	tenant   directory.Tenant
	jill     directory.User
}

// newHarness wires a Handler as cmd would: a real session store and real
// limiters over an in-memory ephemeral store, a real Directory over a map,
// and a fake provider that knows requests "req-1" (client "Things Manager")
// and "req-done" (already completed).
func newHarness(t testing.TB, o options) *harness {
	t.Helper()
	if o.accountLimit == 0 {
		o.accountLimit = 5
	}
	if o.addressLimit == 0 {
		o.addressLimit = 100
	}
	kv := memory.New(nil)
	t.Cleanup(func() { _ = kv.Close() })

	h := &harness{t: t}
	h.tenant = directory.Tenant{ID: "t-acme", Slug: "acme", Name: "Acme", Level: directory.LevelCustomer}
	store := &memDirectory{tenants: map[string]directory.Tenant{}, users: map[string]directory.User{}}
	dir := directory.New(store, nil, directory.Config{PasswordParams: password.Params{Memory: 64, Time: 1, Threads: 1}})
	addUser := func(name, pw string, disabled bool) directory.User {
		u, err := dir.BuildUser(h.tenant, directory.NewUser{
			Username: name, Password: pw, TenantRole: directory.TenantRoleUser, Disabled: disabled,
		})
		if err != nil {
			t.Fatalf("BuildUser: %v", err)
		}
		store.users[h.tenant.ID+"/"+u.Username] = u
		return u
	}
	switch o.world {
	case fullWorld:
		store.tenants["acme"] = h.tenant
		h.jill = addUser("jill", goodPassword, false)
		addUser("bob", goodPassword, true)
	case jillLinked:
		store.tenants["acme"] = h.tenant
		store.tenants["globex"] = directory.Tenant{ID: "t-globex", Slug: "globex", Name: "Globex", Level: directory.LevelCustomer}
		h.jill = addUser("jill", goodPassword, false)
		store.links = map[string][]directory.Link{h.jill.ID: {{UserID: h.jill.ID, TenantID: "t-globex", TenantRole: "user"}}}
	case tenantNoUsers:
		store.tenants["acme"] = h.tenant
	case jillOtherPassword:
		store.tenants["acme"] = h.tenant
		addUser("jill", "another password", false)
	}
	h.auth = &countingAuth{Authenticator: dir}

	tmpl, err := templates.New()
	if err != nil {
		t.Fatalf("templates.New: %v", err)
	}
	h.requests = newFakeRequests(
		Request{ID: "req-1", ClientID: "things-manager", ClientName: "Things Manager"},
		Request{ID: "req-done", ClientID: "things-manager", ClientName: "Things Manager", Done: true},
		Request{ID: "req-hint", ClientID: "portal", LoginHint: "globex/Hank"},
		Request{ID: "req-userhint", ClientID: "portal", LoginHint: "hank"},
	)
	h.sessions = session.New(kv, session.Config{})
	logger := slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelDebug}))
	if o.quiet {
		logger = slog.New(slog.DiscardHandler)
	}
	h.handler, err = New(Config{
		Requests:       h.requests,
		Authenticator:  h.auth,
		Tenants:        dir,
		Pending:        kv,
		Sessions:       h.sessions,
		Cookies:        session.Cookies{Secure: o.secure},
		CallbackURL:    func(_ context.Context, id string) string { return "/authorize/callback?id=" + url.QueryEscape(id) },
		AccountLimiter: throttle.New(kv, "login_account", throttle.Policy{Limit: o.accountLimit, Window: throttleSpan}),
		AddressLimiter: throttle.New(kv, "login_address", throttle.Policy{Limit: o.addressLimit, Window: throttleSpan}),
		CSRFKey:        testCSRFKey,
		Templates:      tmpl,
		Logger:         logger,
		SecureCookies:  o.secure,
	})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	h.mux = http.NewServeMux()
	h.handler.Routes(h.mux)
	h.srv = httptest.NewServer(h.mux)
	t.Cleanup(h.srv.Close)
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	h.client = &http.Client{
		Jar: jar,
		// The tests look at each redirect themselves.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	return h
}

// do sends req and returns the response with its body read.
func (h *harness) do(req *http.Request) (*http.Response, string) {
	h.t.Helper()
	resp, err := h.client.Do(req)
	if err != nil {
		h.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		h.t.Fatal(err)
	}
	return resp, string(b)
}

func (h *harness) get(path string) (*http.Response, string) {
	h.t.Helper()
	req, err := http.NewRequestWithContext(h.t.Context(), http.MethodGet, h.srv.URL+path, nil)
	if err != nil {
		h.t.Fatal(err)
	}
	return h.do(req)
}

func (h *harness) post(body string) (*http.Response, string) {
	h.t.Helper()
	req, err := http.NewRequestWithContext(h.t.Context(), http.MethodPost, h.srv.URL+"/login", strings.NewReader(body))
	if err != nil {
		h.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return h.do(req)
}

var csrfFieldRE = regexp.MustCompile(`name="csrf_token" value="([^"]*)"`)

// openForm loads the form for request id, as a browser would, and returns
// its CSRF token.
func (h *harness) openForm(id string) string {
	h.t.Helper()
	resp, body := h.get("/login?authRequestID=" + url.QueryEscape(id))
	if resp.StatusCode != http.StatusOK {
		h.t.Fatalf("GET /login: %d\n%s", resp.StatusCode, body)
	}
	m := csrfFieldRE.FindStringSubmatch(body)
	if m == nil {
		h.t.Fatalf("form has no csrf_token field:\n%s", body)
	}
	return m[1]
}

// login opens the form for req-1 and submits tenant, username and password.
func (h *harness) login(tenant, username, pw string) (*http.Response, string) {
	h.t.Helper()
	token := h.openForm("req-1")
	return h.post(url.Values{
		"authRequestID": {"req-1"}, csrfField: {token},
		"tenant": {tenant}, "username": {username}, "password": {pw},
	}.Encode())
}

func cookieNamed(resp *http.Response, name string) *http.Cookie {
	for _, c := range resp.Cookies() {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// checkSecurityHeaders asserts the headers every login response carries.
func checkSecurityHeaders(t *testing.T, resp *http.Response) {
	t.Helper()
	for k, want := range map[string]string{
		"Cache-Control":           "no-store",
		"X-Frame-Options":         "DENY",
		"Referrer-Policy":         "no-referrer",
		"Content-Security-Policy": contentSecurityPolicy,
	} {
		if got := resp.Header.Get(k); got != want {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
	}
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "frame-ancestors 'none'") || !strings.Contains(csp, "default-src 'self'") {
		t.Errorf("Content-Security-Policy = %q", csp)
	}
}
