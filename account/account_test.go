package account

import (
	"bytes"
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

	"github.com/pquerna/otp/totp"

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

const testIssuer = "https://id.example.com"

// clock is the tests' clock, moved on by hand, so that TOTP codes of the
// next step can be made at will.
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

// harness is a Handler as cmd wires it, over a real directory on SQLite, a
// real mfa.Service and real sessions in memory; there is no provider, so
// sessions are made directly.
type harness struct {
	t        *testing.T
	srv      *httptest.Server
	client   *http.Client
	dir      *directory.Directory
	store    *sqlite.Store
	mfa      *mfa.Service
	sessions *session.Store
	audit    *audit.Log
	clock    *clock
	jill     directory.User
	acme     directory.Tenant
}

func newHarness(t *testing.T, change ...func(*Config)) *harness {
	t.Helper()
	clk := &clock{t: time.Date(2026, 3, 1, 12, 0, 1, 0, time.UTC)}
	kv := memory.New(clk.Now)
	t.Cleanup(func() { _ = kv.Close() })
	store, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "gatehouse.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	dir := directory.New(store, directory.NewSecretHasher(bytes.Repeat([]byte{7}, 32)),
		directory.Config{PasswordParams: password.Params{Memory: 64, Time: 1, Threads: 1}, Now: clk.Now})
	// acme is a customer of the provider prov, whose support user sue
	// may act as acme's people (support_test.go).
	if _, err := dir.CreateTenant(t.Context(), "root", "Root", directory.LevelSystem, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := dir.CreateTenant(t.Context(), "prov", "Provider", directory.LevelProvider, "root"); err != nil {
		t.Fatal(err)
	}
	acme, err := dir.CreateTenant(t.Context(), "acme", "Acme IoT", directory.LevelCustomer, "prov")
	if err != nil {
		t.Fatal(err)
	}
	if err := dir.EnsureTenantDefaults(t.Context()); err != nil {
		t.Fatal(err)
	}
	if acme, err = store.TenantByID(t.Context(), acme.ID); err != nil {
		t.Fatal(err)
	}
	jill, err := dir.CreateUser(t.Context(), directory.NewUser{TenantSlug: "acme", Username: "jill",
		Password: "correct horse battery", TenantRole: directory.TenantRoleUser})
	if err != nil {
		t.Fatal(err)
	}
	sealer, err := keys.NewSealer(bytes.Repeat([]byte{9}, 32))
	if err != nil {
		t.Fatal(err)
	}
	auditLog := audit.New(store, clk.Now, nil)
	m, err := mfa.New(mfa.Config{Store: store, Ephemeral: kv, Sealer: sealer, RecoveryKey: bytes.Repeat([]byte{5}, 32),
		Issuer: templates.ProductName, Audit: auditLog.Record, Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	tmpl, err := templates.New()
	if err != nil {
		t.Fatal(err)
	}
	sessions := session.New(kv, session.Config{Now: clk.Now})
	cfg := Config{
		Issuer: testIssuer + "/", Sessions: sessions, Directory: dir, MFA: m, Pending: kv,
		AddressLimiter: throttle.New(kv, "address", throttle.Policy{Limit: 100, Window: 15 * time.Minute}),
		CSRFKey:        bytes.Repeat([]byte{3}, 32), Templates: tmpl, SecureCookies: true, Audit: auditLog.Record, Now: clk.Now,
		Logger: slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelDebug})),
	}
	for _, c := range change {
		c(&cfg)
	}
	h, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	h.Routes(mux)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	jar, _ := cookiejar.New(nil)
	return &harness{
		t: t, srv: srv, dir: dir, store: store, mfa: m, sessions: sessions, audit: auditLog, clock: clk, jill: jill, acme: acme,
		client: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }},
	}
}

// signIn gives the browser a session for jill in acme, as a login would.
func (h *harness) signIn() session.Session {
	h.t.Helper()
	return h.signInAs(h.jill, nil)
}

// signInAs gives the browser a session for user in its home tenant; with
// sup set, a support session acting as user.
func (h *harness) signInAs(user directory.User, sup *session.Support) session.Session {
	h.t.Helper()
	token, sess, err := h.sessions.Create(h.t.Context(), user.ID, user.TenantID, []string{"pwd"}, "pwd", sup, time.Time{})
	if err != nil {
		h.t.Fatal(err)
	}
	u, _ := url.Parse(h.srv.URL)
	h.client.Jar.SetCookies(u, []*http.Cookie{{Name: session.CookieName, Value: token, Path: "/"}})
	return sess
}

func (h *harness) do(req *http.Request) (*http.Response, string) {
	h.t.Helper()
	resp, err := h.client.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	checkSecurityHeaders(h.t, req, resp)
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

// token is the CSRF token of the account page the browser sees now.
func (h *harness) token() string {
	h.t.Helper()
	_, body := h.get("/account")
	m := csrfRE.FindStringSubmatch(body)
	if m == nil {
		h.t.Fatalf("no CSRF token on the account page: %.400s", body)
	}
	return m[1]
}

func (h *harness) subject() mfa.Subject {
	return mfa.Subject{UserID: h.jill.ID, Username: h.jill.Username, TenantID: h.acme.ID, TenantSlug: h.acme.Slug}
}

// enrol gives jill an authenticator directly and returns its secret.
func (h *harness) enrol() string {
	h.t.Helper()
	e, err := h.mfa.NewEnrolment(h.subject())
	if err != nil {
		h.t.Fatal(err)
	}
	c, _ := totp.GenerateCode(e.Secret, h.clock.Now())
	if _, err := h.mfa.CompleteEnrolment(h.t.Context(), h.subject(), e.Secret, c); err != nil {
		h.t.Fatal(err)
	}
	h.clock.Advance(30 * time.Second)
	return e.Secret
}

func (h *harness) enrolled() bool {
	h.t.Helper()
	ok, err := h.mfa.Enrolled(h.t.Context(), h.jill.ID)
	if err != nil {
		h.t.Fatal(err)
	}
	return ok
}

// checkSecurityHeaders asserts the headers every account response
// carries, redirects and refusals included.
func checkSecurityHeaders(t *testing.T, req *http.Request, resp *http.Response) {
	t.Helper()
	for k, want := range map[string]string{
		"Cache-Control":           "no-store",
		"X-Frame-Options":         "DENY",
		"Referrer-Policy":         "no-referrer",
		"Content-Security-Policy": templates.ContentSecurityPolicy,
	} {
		if resp.StatusCode == http.StatusMethodNotAllowed {
			continue // the mux's own answer
		}
		if got := resp.Header.Get(k); got != want {
			t.Errorf("%s %s: %s = %q, want %q", req.Method, req.URL.Path, k, got, want)
		}
	}
}

func cookieNamed(resp *http.Response, name string) *http.Cookie {
	for _, c := range resp.Cookies() {
		if c.Name == name {
			return c
		}
	}
	return nil
}

func TestClient(t *testing.T) {
	c := Client(testIssuer)
	if err := directory.ValidateNewClient(c, ""); err != nil {
		t.Fatalf("the built-in client does not validate: %v", err)
	}
	if c.ID != ClientID || c.Type != directory.ClientPublic || c.AuthMethod != directory.AuthNone ||
		len(c.RedirectURIs) != 1 || c.RedirectURIs[0] != testIssuer+"/account" || len(c.Scopes) != 0 ||
		len(c.GrantTypes) != 1 || c.GrantTypes[0] != directory.GrantAuthorizationCode {
		t.Errorf("Client = %+v", c)
	}
}

func TestSignInStartsAnAuthorizationRequest(t *testing.T) {
	h := newHarness(t)
	resp, _ := h.get("/account/login")
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("status %d, want 302", resp.StatusCode)
	}
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || loc.Scheme+"://"+loc.Host+loc.Path != testIssuer+"/authorize" {
		t.Fatalf("Location %q, want the issuer's /authorize", resp.Header.Get("Location"))
	}
	q := loc.Query()
	for k, want := range map[string]string{
		"client_id": ClientID, "redirect_uri": testIssuer + "/account", "response_type": "code",
		"scope": "openid", "code_challenge_method": "S256",
	} {
		if got := q.Get(k); got != want {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
	}
	if len(q.Get("code_challenge")) != 43 {
		t.Errorf("code_challenge %q is not a S256 challenge", q.Get("code_challenge"))
	}
	ck := cookieNamed(resp, stateCookieName)
	if ck == nil || ck.Value != q.Get("state") || len(ck.Value) != stateLen {
		t.Fatalf("state cookie %+v, state %q", ck, q.Get("state"))
	}
	if !ck.HttpOnly || !ck.Secure || ck.SameSite != http.SameSiteLaxMode || ck.Path != "/account" || ck.MaxAge <= 0 || ck.MaxAge > 3600 {
		t.Errorf("state cookie attributes %+v", ck)
	}
	// Each start has its own state and challenge.
	resp2, _ := h.get("/account/login")
	loc2, _ := url.Parse(resp2.Header.Get("Location"))
	if loc2.Query().Get("state") == q.Get("state") || loc2.Query().Get("code_challenge") == q.Get("code_challenge") {
		t.Error("state or challenge repeated")
	}
}

func TestReturnChecksState(t *testing.T) {
	for _, tc := range []struct {
		name   string
		cookie bool   // the browser holds the state cookie of its sign-in
		query  string // %s is that state
		status int
		says   string
	}{
		{"right state", true, "code=c&state=%s", http.StatusSeeOther, ""},
		{"no cookie", false, "code=c&state=%s", http.StatusBadRequest, "could not be finished"},
		{"other state", true, "code=c&state=x%s", http.StatusBadRequest, "could not be finished"},
		{"no state", true, "code=c", http.StatusBadRequest, "could not be finished"},
		{"empty state", true, "code=c&state=", http.StatusBadRequest, "could not be finished"},
		{"error with the right state", true, "error=access_denied&state=%s", http.StatusBadRequest, "could not be finished"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t)
			h.signIn()
			resp, _ := h.get("/account/login")
			state := cookieNamed(resp, stateCookieName).Value
			if !tc.cookie {
				jar, _ := cookiejar.New(nil)
				u, _ := url.Parse(h.srv.URL)
				jar.SetCookies(u, h.client.Jar.Cookies(u)) // the session, not the state
				h.client.Jar = jar
			}
			q := tc.query
			if strings.Contains(q, "%s") {
				q = strings.Replace(q, "%s", url.QueryEscape(state), 1)
			}
			resp, body := h.get("/account?" + q)
			if resp.StatusCode != tc.status || !strings.Contains(body, tc.says) {
				t.Fatalf("status %d, want %d saying %q: %.300s", resp.StatusCode, tc.status, tc.says, body)
			}
			cleared := cookieNamed(resp, stateCookieName)
			switch {
			case tc.status == http.StatusSeeOther:
				if resp.Header.Get("Location") != "/account" {
					t.Errorf("Location %q, want /account", resp.Header.Get("Location"))
				}
				if cleared == nil || cleared.MaxAge >= 0 {
					t.Errorf("state cookie not cleared: %+v", cleared)
				}
			case strings.HasPrefix(tc.name, "error"):
				if cleared == nil || cleared.MaxAge >= 0 {
					t.Errorf("state cookie not cleared after an error return: %+v", cleared)
				}
			default:
				// Refused and ignored: a forged return does not end the
				// browser's own sign-in, nor show the page.
				if cleared != nil {
					t.Errorf("a refused return touched the state cookie: %+v", cleared)
				}
				if strings.Contains(body, "Signed in as") {
					t.Error("a refused return showed the account")
				}
			}
		})
	}
}

func TestPageNeedsAUsableSession(t *testing.T) {
	h := newHarness(t)
	if resp, body := h.get("/account"); resp.StatusCode != http.StatusOK || !strings.Contains(body, `href="/account/login"`) ||
		strings.Contains(body, "csrf_token") {
		t.Fatalf("no session: %d %.300s", resp.StatusCode, body)
	}
	h.signIn()
	resp, body := h.get("/account")
	for _, want := range []string{"Signed in as <strong>jill</strong>", "<strong>Acme IoT</strong>", `action="/account/totp/enrol/start"`} {
		if resp.StatusCode != http.StatusOK || !strings.Contains(body, want) {
			t.Errorf("account page lacks %q (%d)", want, resp.StatusCode)
		}
	}
	// A disabled user's session is no longer one.
	u := h.jill
	u.Disabled = true
	if err := h.store.UpdateUser(t.Context(), u); err != nil {
		t.Fatal(err)
	}
	if _, body := h.get("/account"); strings.Contains(body, "Signed in as") || !strings.Contains(body, `href="/account/login"`) {
		t.Errorf("disabled user: %.300s", body)
	}
	// Nor does it post anything.
	if resp, body := h.post("/account/totp/enrol/start", url.Values{}); resp.StatusCode != http.StatusUnauthorized ||
		!strings.Contains(body, "no longer signed in") {
		t.Errorf("disabled user's POST: %d %.300s", resp.StatusCode, body)
	}
}

func TestFormsNeedTheirSessionsToken(t *testing.T) {
	h := newHarness(t)
	secret := h.enrol()
	h.signIn()
	good := h.token()
	other := newHarness(t)
	other.signIn()
	foreign := other.token() // another session's token (another key too)
	code := func() string { c, _ := totp.GenerateCode(secret, h.clock.Now()); return c }
	for _, tc := range []struct {
		name  string
		token string
	}{
		{"no token", ""},
		{"garbage", "!!not base64!!"},
		{"altered", "A" + good[1:] + "A"},
		{"another session's", foreign},
	} {
		for _, path := range []string{"/account/totp/enrol/start", "/account/totp/enrol", "/account/totp/recovery", "/account/totp/remove",
			"/account/support/enable", "/account/support/disable"} {
			resp, body := h.post(path, url.Values{"csrf_token": {tc.token}, "code": {code()}, "scope": {"self"}})
			if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "This form expired") {
				t.Errorf("%s, %s: %d %.200s", tc.name, path, resp.StatusCode, body)
			}
		}
	}
	if !h.enrolled() {
		t.Fatal("a refused form removed TOTP")
	}
	// The token of a session that has ended is worthless in the next one.
	h.signIn()
	if resp, _ := h.post("/account/totp/remove", url.Values{"csrf_token": {good}, "code": {code()}}); resp.StatusCode != http.StatusForbidden {
		t.Errorf("a previous session's token: %d", resp.StatusCode)
	}
	// The code those forms carried was never checked: it still works.
	if resp, body := h.post("/account/totp/remove", url.Values{"csrf_token": {h.token()}, "code": {code()}}); resp.StatusCode != http.StatusOK {
		t.Errorf("removal with the right token: %d %.300s", resp.StatusCode, body)
	}
}

// postCrossSite posts form to path as a browser does from another site's
// page, and fails the test unless it is refused (403).
func (h *harness) postCrossSite(path string, form url.Values) {
	h.t.Helper()
	req, _ := http.NewRequestWithContext(h.t.Context(), http.MethodPost, h.srv.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	req.Header.Set("Origin", "https://evil.example")
	if resp, _ := h.do(req); resp.StatusCode != http.StatusForbidden {
		h.t.Errorf("cross-origin POST %s: %d", path, resp.StatusCode)
	}
}

// signInSupportAsJill signs sue, prov's support user, in as jill
// (support by permission) and returns the session.
func (h *harness) signInSupportAsJill() session.Session {
	h.t.Helper()
	h.setSupport(directory.SupportPolicy{Mode: directory.SupportByPermission})
	sue := h.supportUser()
	return h.signInAs(h.jill, &session.Support{ActorID: sue.ID, ActorUsername: "sue", ActorTenantID: sue.TenantID,
		ActorTenantSlug: "prov", Username: "jill"})
}

func TestCrossOriginPostRefused(t *testing.T) {
	h := newHarness(t)
	h.signIn()
	h.postCrossSite("/account/totp/enrol/start", url.Values{"csrf_token": {h.token()}})
	if resp, _ := h.get("/account/totp/enrol"); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("an enrolment was started by a cross-origin POST: %d", resp.StatusCode)
	}
}

func TestEnrolment(t *testing.T) {
	h := newHarness(t)
	h.signIn()
	token := h.token()
	// Nothing started: the enrolment page sends the browser home, and a
	// code has nothing to confirm.
	if resp, _ := h.get("/account/totp/enrol"); resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/account" {
		t.Errorf("enrolment page before a start: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if resp, body := h.post("/account/totp/enrol", url.Values{"csrf_token": {token}, "code": {"123456"}}); resp.StatusCode != http.StatusBadRequest ||
		!strings.Contains(body, "setup page expired") {
		t.Errorf("enrolment code before a start: %d %.300s", resp.StatusCode, body)
	}
	resp, _ := h.post("/account/totp/enrol/start", url.Values{"csrf_token": {token}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/account/totp/enrol" {
		t.Fatalf("start: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	resp, body := h.get("/account/totp/enrol")
	m := regexp.MustCompile(`<code class="secret"[^>]*>([A-Z2-7 ]+)</code>`).FindStringSubmatch(body)
	id := regexp.MustCompile(`name="enrol_id" value="([^"]+)"`).FindStringSubmatch(body)
	if resp.StatusCode != http.StatusOK || m == nil || id == nil || !strings.Contains(body, `src="data:image/png;base64,`) ||
		!strings.Contains(body, "jill@acme") {
		t.Fatalf("enrolment page: %d %.400s", resp.StatusCode, body)
	}
	secret := strings.ReplaceAll(m[1], " ", "")
	// Drawn again, the same secret: a reload does not change the QR code.
	if _, again := h.get("/account/totp/enrol"); !strings.Contains(again, m[1]) {
		t.Error("the enrolment page changed on reload")
	}
	code, _ := totp.GenerateCode(secret, h.clock.Now())
	for _, tc := range []struct {
		name, code, enrolID string
		status              int
		says                string
	}{
		{"stale form", code, "stale", http.StatusBadRequest, "out of date"},
		{"letters", "abcdef", id[1], http.StatusBadRequest, "Enter the 6-digit code"},
		{"wrong", "000000", id[1], http.StatusUnauthorized, "not right"},
		{"too soon", code, id[1], http.StatusTooManyRequests, "before you try again"},
	} {
		resp, body := h.post("/account/totp/enrol", url.Values{"csrf_token": {token}, "code": {tc.code}, "enrol_id": {tc.enrolID}})
		if resp.StatusCode != tc.status || !strings.Contains(body, tc.says) || !strings.Contains(body, m[1]) {
			t.Errorf("%s: %d, want %d saying %q on the same QR code: %.300s", tc.name, resp.StatusCode, tc.status, tc.says, body)
		}
	}
	if h.enrolled() {
		t.Fatal("enrolled by refused codes")
	}
	h.clock.Advance(2 * time.Second)
	resp, body = h.post("/account/totp/enrol", url.Values{"csrf_token": {token}, "code": {code}, "enrol_id": {id[1]}})
	if resp.StatusCode != http.StatusOK || strings.Count(body, "<li><code>") != 10 || !strings.Contains(body, `href="/account"`) {
		t.Fatalf("enrolment: %d %.400s", resp.StatusCode, body)
	}
	if !h.enrolled() {
		t.Fatal("not enrolled")
	}
	// Done: the pending secret is gone, and a second start is refused.
	if resp, _ := h.get("/account/totp/enrol"); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("enrolment page after enrolling: %d", resp.StatusCode)
	}
	if resp, body := h.post("/account/totp/enrol/start", url.Values{"csrf_token": {token}}); resp.StatusCode != http.StatusConflict ||
		!strings.Contains(body, "already on") {
		t.Errorf("second start: %d %.300s", resp.StatusCode, body)
	}
}

func TestPolicy(t *testing.T) {
	setPolicy := func(h *harness, p directory.MFAPolicy) {
		t.Helper()
		if _, err := h.dir.PutTenantSettings(t.Context(), h.store, "acme", directory.TenantSettings{MFA: p, UserRoles: h.acme.Settings.UserRoles}); err != nil {
			t.Fatal(err)
		}
	}
	t.Run("off", func(t *testing.T) {
		h := newHarness(t)
		setPolicy(h, directory.MFAOff)
		h.signIn()
		_, body := h.get("/account")
		if strings.Contains(body, `action="/account/totp`) || !strings.Contains(body, "turned two-factor authentication off") {
			t.Errorf("policy off: %.600s", body)
		}
		// Forged with a token the page would have had.
		sess, _ := h.sessions.Lookup(t.Context(), sessionToken(h))
		token := csrf{key: bytes.Repeat([]byte{3}, 32)}.token(sess.ID)
		if resp, body := h.post("/account/totp/enrol/start", url.Values{"csrf_token": {token}}); resp.StatusCode != http.StatusForbidden ||
			!strings.Contains(body, "cannot be set up") {
			t.Errorf("start under policy off: %d %.300s", resp.StatusCode, body)
		}
	})
	t.Run("required", func(t *testing.T) {
		h := newHarness(t)
		secret := h.enrol()
		setPolicy(h, directory.MFARequired)
		h.signIn()
		_, body := h.get("/account")
		if strings.Contains(body, `action="/account/totp/remove"`) || !strings.Contains(body, "You cannot turn it off") {
			t.Errorf("policy required: %.600s", body)
		}
		code, _ := totp.GenerateCode(secret, h.clock.Now())
		resp, body := h.post("/account/totp/remove", url.Values{"csrf_token": {h.token()}, "code": {code}})
		if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "cannot be turned off") {
			t.Errorf("removal under policy required: %d %.300s", resp.StatusCode, body)
		}
		if !h.enrolled() {
			t.Fatal("removed")
		}
		// The code was not spent by the refusal.
		if _, err := h.mfa.Verify(t.Context(), h.subject(), code); err != nil {
			t.Errorf("the refused removal spent the code: %v", err)
		}
	})
}

func sessionToken(h *harness) string {
	u, _ := url.Parse(h.srv.URL)
	for _, c := range h.client.Jar.Cookies(u) {
		if c.Name == session.CookieName {
			return c.Value
		}
	}
	return ""
}

func TestRecoveryCodesAndRemoval(t *testing.T) {
	h := newHarness(t)
	secret := h.enrol()
	h.signIn()
	code := func() string { c, _ := totp.GenerateCode(secret, h.clock.Now()); return c }
	_, body := h.get("/account")
	if !strings.Contains(body, "You have 10 recovery codes left.") {
		t.Errorf("page: %.600s", body)
	}
	resp, body := h.post("/account/totp/recovery", url.Values{"csrf_token": {h.token()}, "code": {code()}})
	if resp.StatusCode != http.StatusOK || strings.Count(body, "<li><code>") != 10 || !strings.Contains(body, "old recovery codes no longer work") {
		t.Fatalf("new codes: %d %.400s", resp.StatusCode, body)
	}
	// The same code again: spent.
	if resp, body := h.post("/account/totp/recovery", url.Values{"csrf_token": {h.token()}, "code": {code()}}); resp.StatusCode != http.StatusUnauthorized ||
		!strings.Contains(body, `id="recovery-code"`) || !strings.Contains(body, `aria-invalid="true"`) {
		t.Errorf("replayed code: %d %.300s", resp.StatusCode, body)
	}
	// Locked after five wrong codes: the page says so, and so does a form.
	for range 5 {
		h.clock.Advance(31 * time.Second)
		h.post("/account/totp/remove", url.Values{"csrf_token": {h.token()}, "code": {"000000"}})
	}
	h.clock.Advance(31 * time.Second)
	resp, body = h.post("/account/totp/remove", url.Values{"csrf_token": {h.token()}, "code": {code()}})
	if resp.StatusCode != http.StatusTooManyRequests || !strings.Contains(body, "Too many wrong codes") || resp.Header.Get("Retry-After") == "" {
		t.Errorf("locked: %d %.400s", resp.StatusCode, body)
	}
	if !h.enrolled() {
		t.Fatal("removed while locked")
	}
	h.clock.Advance(16 * time.Minute)
	resp, body = h.post("/account/totp/remove", url.Values{"csrf_token": {h.token()}, "code": {code()}})
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "Two-factor authentication is off.") {
		t.Fatalf("removal: %d %.400s", resp.StatusCode, body)
	}
	if h.enrolled() {
		t.Fatal("still enrolled")
	}
	if resp, _ := h.post("/account/totp/recovery", url.Values{"csrf_token": {h.token()}, "code": {code()}}); resp.StatusCode != http.StatusConflict {
		t.Errorf("new codes without TOTP: %d", resp.StatusCode)
	}
}

// TestWrongCodesCountPerAddress: wrong codes on the account page spend the
// address's budget, shared with the login pages, so one address cannot try
// codes across many accounts.
func TestWrongCodesCountPerAddress(t *testing.T) {
	h := newHarness(t, func(c *Config) {
		c.AddressLimiter = throttle.New(c.Pending, "address", throttle.Policy{Limit: 2, Window: 15 * time.Minute})
	})
	secret := h.enrol()
	h.signIn()
	for range 2 {
		h.clock.Advance(31 * time.Second)
		if resp, _ := h.post("/account/totp/remove", url.Values{"csrf_token": {h.token()}, "code": {"000000"}}); resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("wrong code: %d", resp.StatusCode)
		}
	}
	h.clock.Advance(31 * time.Second)
	c, _ := totp.GenerateCode(secret, h.clock.Now())
	resp, body := h.post("/account/totp/remove", url.Values{"csrf_token": {h.token()}, "code": {c}})
	if resp.StatusCode != http.StatusTooManyRequests || !strings.Contains(body, "before you try again") || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("after the address's budget: %d Retry-After %q %.300s", resp.StatusCode, resp.Header.Get("Retry-After"), body)
	}
	if !h.enrolled() {
		t.Fatal("removed although the address was blocked")
	}
}

func TestFormTooLarge(t *testing.T) {
	h := newHarness(t)
	h.signIn()
	resp, _ := h.post("/account/totp/remove", url.Values{"csrf_token": {h.token()}, "code": {strings.Repeat("1", 20<<10)}})
	if resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("status %d, want 413", resp.StatusCode)
	}
}

// TestLinkedTenantSession: in a session acting in a tenant the person is
// linked to, the page names that tenant, but the authenticator is the
// person's in its home tenant, as at login: labelled jill@acme, its
// events in acme's audit log.
func TestLinkedTenantSession(t *testing.T) {
	h := newHarness(t)
	ctx := t.Context()
	globex, err := h.dir.CreateTenant(ctx, "globex", "Globex", directory.LevelCustomer, "prov")
	if err != nil {
		t.Fatal(err)
	}
	if err := h.dir.EnsureTenantDefaults(ctx); err != nil {
		t.Fatal(err)
	}
	if _, _, err := h.dir.PutLink(ctx, h.store, "acme", "jill", "globex", directory.Assignment{TenantRole: directory.TenantRoleUser}); err != nil {
		t.Fatal(err)
	}
	token, _, err := h.sessions.Create(ctx, h.jill.ID, globex.ID, []string{"pwd"}, "pwd", nil, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	h.client.Jar.SetCookies(mustParse(h.srv.URL), []*http.Cookie{{Name: session.CookieName, Value: token, Path: "/"}})
	if _, body := h.get("/account"); !strings.Contains(body, "Signed in as <strong>jill</strong> in <strong>Globex</strong>") {
		t.Fatalf("account page in globex: %.600s", body)
	}
	if resp, _ := h.post("/account/totp/enrol/start", url.Values{"csrf_token": {h.token()}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("start: %d", resp.StatusCode)
	}
	_, body := h.get("/account/totp/enrol")
	m := regexp.MustCompile(`<code class="secret"[^>]*>([A-Z2-7 ]+)</code>`).FindStringSubmatch(body)
	id := regexp.MustCompile(`name="enrol_id" value="([^"]+)"`).FindStringSubmatch(body)
	if m == nil || id == nil || !strings.Contains(body, "jill@acme") || strings.Contains(body, "jill@globex") {
		t.Fatalf("enrolment page is not jill@acme's: %.600s", body)
	}
	code, _ := totp.GenerateCode(strings.ReplaceAll(m[1], " ", ""), h.clock.Now())
	if resp, body := h.post("/account/totp/enrol", url.Values{"csrf_token": {h.token()}, "code": {code}, "enrol_id": {id[1]}}); resp.StatusCode != http.StatusOK {
		t.Fatalf("enrolment: %d %.400s", resp.StatusCode, body)
	}
	evs, err := h.store.ListEvents(ctx, []string{h.acme.ID, globex.ID}, time.Time{}, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 1 || evs[0].Action != "totp.enrolled" || evs[0].TenantID != h.acme.ID || evs[0].Target != h.jill.ID {
		t.Errorf("events = %+v, want totp.enrolled in acme", evs)
	}
}
