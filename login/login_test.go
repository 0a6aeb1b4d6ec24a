package login

import (
	"bytes"
	"context"
	"fmt"
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
	"sync/atomic"
	"testing"
	"time"

	"github.com/gatehouse-id/gatehouse/audit"
	"github.com/gatehouse-id/gatehouse/directory"
	"github.com/gatehouse-id/gatehouse/ephemeral/memory"
	"github.com/gatehouse-id/gatehouse/keys"
	"github.com/gatehouse-id/gatehouse/mfa"
	"github.com/gatehouse-id/gatehouse/password"
	"github.com/gatehouse-id/gatehouse/session"
	"github.com/gatehouse-id/gatehouse/storage/sqlite"
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
	// consents are the requests of third-party applications, which wait
	// for the consent of the session in waiting; denied records a Deny.
	consents map[string]Consent
	waiting  map[string]string
	denied   map[string]bool
}

func newFakeRequests(reqs ...Request) *fakeRequests {
	f := &fakeRequests{reqs: map[string]Request{}, completed: map[string]session.Session{},
		consents: map[string]Consent{}, waiting: map[string]string{}, denied: map[string]bool{}}
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
	if _, ok := f.consents[id]; ok {
		r.AwaitingConsent = true
		f.reqs[id] = r
		f.waiting[id] = s.ID
		return fmt.Errorf("auth request %q: %w", id, ErrConsentRequired)
	}
	r.Done = true
	f.reqs[id] = r
	f.completed[id] = s
	return nil
}

func (f *fakeRequests) ConsentRequest(_ context.Context, id string, s session.Session) (Consent, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	c, ok := f.consents[id]
	if !ok || f.waiting[id] != s.ID || f.reqs[id].Done || f.denied[id] {
		return Consent{}, fmt.Errorf("auth request %q not waiting for session %q: %w", id, s.ID, ErrRequestNotFound)
	}
	return c, nil
}

func (f *fakeRequests) AnswerConsent(_ context.Context, id string, s session.Session, allow bool) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.consents[id]; !ok || f.waiting[id] != s.ID || f.reqs[id].Done || f.denied[id] {
		return fmt.Errorf("auth request %q not waiting for session %q: %w", id, s.ID, ErrRequestNotFound)
	}
	r := f.reqs[id]
	r.AwaitingConsent = false
	if !allow {
		f.denied[id] = true
		f.reqs[id] = r
		return nil
	}
	r.Done = true
	f.reqs[id] = r
	f.completed[id] = s
	return nil
}

// needConsent makes request id a third-party application's, which waits
// for consent to scopes once the login is done.
func (f *fakeRequests) needConsent(id string, c Consent) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.consents[id] = c
}

func (f *fakeRequests) isDenied(id string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.denied[id]
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
	// tenants, if set, wraps the directory as the handler's Tenants.
	tenants func(Tenants) Tenants
	// ephemeralNow, if set, is the clock of the ephemeral store, so that
	// a test can let pending logins expire.
	ephemeralNow func() time.Time
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
	mfa      *mfa.Service
	sealer   *keys.Sealer
	// dir, store and audit are the real directory, its SQLite store and
	// the audit log over it, for the support tests.
	dir   *directory.Directory
	store *sqlite.Store
	audit *audit.Log
	// now is the clock of the handler, which the tests give the
	// directory's decisions too.
	now func() time.Time
	// ended are the parameters of each logout the provider was asked to
	// perform (Config.EndLogout).
	ended []url.Values
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
	kv := memory.New(o.ephemeralNow)
	t.Cleanup(func() { _ = kv.Close() })

	h := &harness{t: t}
	// A real directory on the embedded store. Tenants are written with
	// fixed ids (the tests name them) and then get their defaults.
	store, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "gatehouse.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	dir := directory.New(store, directory.NewSecretHasher(bytes.Repeat([]byte{7}, 32)),
		directory.Config{PasswordParams: password.Params{Memory: 64, Time: 1, Threads: 1}})
	tenant := func(id, slug, name string, level directory.Level, path ...string) directory.Tenant {
		tn := directory.Tenant{ID: id, Slug: slug, Name: name, Level: level, Path: append(path, id)}
		if len(path) > 0 {
			tn.ParentID = path[len(path)-1]
		}
		if err := store.CreateTenant(t.Context(), tn); err != nil {
			t.Fatal(err)
		}
		return tn
	}
	addUser := func(name, pw string, disabled bool) directory.User {
		u, err := dir.CreateUser(t.Context(), directory.NewUser{TenantSlug: "acme",
			Username: name, Password: pw, TenantRole: directory.TenantRoleUser, Disabled: disabled,
		})
		if err != nil {
			t.Fatalf("CreateUser: %v", err)
		}
		return u
	}
	if o.world != noTenants {
		tenant("t-sys", "sys", "System", directory.LevelSystem)
		tenant("t-prov", "prov", "Provider", directory.LevelProvider, "t-sys")
		h.tenant = tenant("t-acme", "acme", "Acme", directory.LevelCustomer, "t-sys", "t-prov")
		if err := dir.EnsureTenantDefaults(t.Context()); err != nil {
			t.Fatal(err)
		}
	}
	switch o.world {
	case fullWorld:
		h.jill = addUser("jill", goodPassword, false)
		addUser("bob", goodPassword, true)
	case jillLinked:
		tenant("t-globex", "globex", "Globex", directory.LevelCustomer, "t-sys", "t-prov")
		if err := dir.EnsureTenantDefaults(t.Context()); err != nil {
			t.Fatal(err)
		}
		h.jill = addUser("jill", goodPassword, false)
		if _, _, err := dir.PutLink(t.Context(), store, "acme", "jill", "globex", directory.Assignment{TenantRole: "user"}); err != nil {
			t.Fatal(err)
		}
	case jillOtherPassword:
		addUser("jill", "another password", false)
	}
	h.dir, h.store, h.audit = dir, store, audit.New(store, nil, nil)
	h.now = time.Now
	h.sealer, err = keys.NewSealer(bytes.Repeat([]byte{9}, 32))
	if err != nil {
		t.Fatal(err)
	}
	h.mfa, err = mfa.New(mfa.Config{Store: store, Ephemeral: kv, Sealer: h.sealer, RecoveryKey: bytes.Repeat([]byte{5}, 32),
		Issuer: "Gatehouse", Audit: audit.New(store, nil, nil).Record})
	if err != nil {
		t.Fatal(err)
	}
	h.auth = &countingAuth{Authenticator: dir}
	var tenants Tenants = dir
	if o.tenants != nil {
		tenants = o.tenants(dir)
	}

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
		Requests:      h.requests,
		Authenticator: h.auth,
		Tenants:       tenants,
		MFA:           h.mfa,
		Support:       dir,
		Audit:         h.audit.Record,
		Now:           h.now,
		Sealer:        h.sealer,
		Pending:       kv,
		Sessions:      h.sessions,
		Cookies:       session.Cookies{Secure: o.secure},
		CallbackURL:   func(_ context.Context, id string) string { return "/authorize/callback?id=" + url.QueryEscape(id) },
		EndLogout: func(w http.ResponseWriter, r *http.Request, params url.Values) {
			h.ended = append(h.ended, params)
			http.Redirect(w, r, "/logged-out", http.StatusFound)
		},
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
		"Content-Security-Policy": templates.ContentSecurityPolicy,
	} {
		if got := resp.Header.Get(k); got != want {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
	}
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "frame-ancestors 'none'") || !strings.Contains(csp, "default-src 'self'") {
		t.Errorf("Content-Security-Policy = %q", csp)
	}
}
