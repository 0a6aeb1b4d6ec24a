package admin

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse-id/gatehouse/audit"
	"github.com/gatehouse-id/gatehouse/claims"
	"github.com/gatehouse-id/gatehouse/directory"
	"github.com/gatehouse-id/gatehouse/password"
	"github.com/gatehouse-id/gatehouse/storage/sqlite"
)

// The API's tests run the handlers over HTTP on a real SQLite directory and
// audit log; only the token boundary is faked: a bearer token is the id of
// the user it stands for.

const testAudience = "https://gatehouse.test/api"

var errInvalidToken = errors.New("invalid token")

type fakeTokens struct{}

func (fakeTokens) VerifyAccessToken(_ context.Context, raw string) (*claims.AccessToken, error) {
	if raw == "" || raw == "bad" {
		return nil, errInvalidToken
	}
	at := &claims.AccessToken{Subject: raw, Audience: []string{testAudience}, AuthTime: 1, ClientID: "portal",
		IssuedAt: time.Now().Unix()}
	// "act:<id>" is a token of a support session acting as the user id.
	if id, ok := strings.CutPrefix(raw, "act:"); ok {
		at.Subject, at.Act = id, &claims.Actor{Subject: "someone-from-support", PreferredUsername: "jill"}
	}
	// "client:<id>" is a token issued to the client id.
	if id, ok := strings.CutPrefix(raw, "client:"); ok {
		at.Subject, at.AuthTime, at.ClientID = id, 0, id
	}
	return at, nil
}

type apiWorld struct {
	srv    *httptest.Server
	dir    *directory.Directory
	users  map[string]string // "tenant/username" -> id, the token
	mail   *fakeMailer       // the Mailer, unless the test gave its own
	log    EventQuerier      // the audit log's store
	mu     sync.Mutex
	events []audit.Event
}

// fakeMailer is the mail queue of the tests: it keeps what it was asked
// to send, or refuses with fail. check, if set, runs on each link as it is
// sent, before it is kept (to see what the store holds at that moment).
type fakeMailer struct {
	mu    sync.Mutex
	sent  []sentMail
	fail  error
	check func(l directory.MailLink)
}

// sentMail is one mail a fakeMailer was asked to send.
type sentMail struct {
	invitation bool // else a reset link
	link       directory.MailLink
	inviter    string
	langs      []string
}

// String is s without its link, which failures should not print.
func (s sentMail) String() string {
	kind := map[bool]string{true: "invitation", false: "reset link"}[s.invitation]
	return fmt.Sprintf("%s to %s (%s) for %q by %q in %q", kind, s.link.User.Username, s.link.User.ID, s.link.ClientID,
		s.inviter, s.langs)
}

func (m *fakeMailer) SendInvitation(l directory.MailLink, inviter string, langs ...string) error {
	return m.send(sentMail{invitation: true, link: l, inviter: inviter, langs: langs})
}

func (m *fakeMailer) SendReset(l directory.MailLink, langs ...string) error {
	return m.send(sentMail{link: l, langs: langs})
}

func (m *fakeMailer) send(s sentMail) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.check != nil {
		m.check(s.link)
	}
	if m.fail != nil {
		return m.fail
	}
	m.sent = append(m.sent, s)
	return nil
}

// mails returns what was sent so far.
func (m *fakeMailer) mails() []sentMail {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]sentMail(nil), m.sent...)
}

// newTree returns a directory over a fresh SQLite store, and the store,
// holding the tenants
//
//	sys (system)
//	└── acme (provider)
//	    └── contoso (customer)
//
// and nothing else: a world in the making, for newWorld.
func newTree(t *testing.T) (*sqlite.Store, *directory.Directory) {
	t.Helper()
	ctx := t.Context()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "gatehouse.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	d := directory.New(st, directory.NewSecretHasher(bytes.Repeat([]byte{3}, 32)),
		directory.Config{PasswordParams: password.Params{Memory: 64, Time: 1, Threads: 1}})
	for _, tn := range []struct {
		slug   string
		level  directory.Level
		parent string
	}{{"sys", directory.LevelSystem, ""}, {"acme", directory.LevelProvider, "sys"}, {"contoso", directory.LevelCustomer, "acme"}} {
		if _, err := d.CreateTenant(ctx, tn.slug, tn.slug, tn.level, tn.parent); err != nil {
			t.Fatal(err)
		}
	}
	// The console the fake tokens are issued to: a platform client allowed
	// the API's scope.
	if _, _, err := d.CreateClient(ctx, directory.Client{ID: "portal", Name: "Console", Type: directory.ClientPublic,
		AuthMethod: directory.AuthNone, RedirectURIs: []string{"https://console.example/callback"},
		GrantTypes: []string{directory.GrantAuthorizationCode}, Scopes: []string{claims.ScopeAdmin}}, ""); err != nil {
		t.Fatal(err)
	}
	return st, d
}

// newWorld is an apiWorld over d, with no users yet and no server: add
// the users, then serve.
func newWorld(d *directory.Directory) *apiWorld {
	return &apiWorld{dir: d, users: map[string]string{}}
}

// addUsers creates users (with a password each) and keeps their ids,
// keyed "tenant/username".
func (w *apiWorld) addUsers(t *testing.T, users ...directory.NewUser) {
	t.Helper()
	for _, nu := range users {
		nu.Password = "correct-horse-battery"
		u, err := w.dir.CreateUser(t.Context(), nu)
		if err != nil {
			t.Fatal(err)
		}
		w.users[nu.TenantSlug+"/"+nu.Username] = u.ID
	}
}

// serve puts the API of w's directory behind a test server: cfg (for
// what a test wants besides) with the fake tokens, a no-op TOTP reset, the
// TOTP credentials, audit log and events of st, every event recorded (by
// the real log, which validates it) and then kept in w.events, and, unless
// cfg has a Mailer, a fakeMailer in w.mail.
func (w *apiWorld) serve(t *testing.T, st *sqlite.Store, cfg Config) {
	t.Helper()
	log := audit.New(st, time.Now, nil)
	cfg.Directory, cfg.Tokens, cfg.InvalidToken, cfg.Audience = w.dir, fakeTokens{}, errInvalidToken, testAudience
	keep := func(e audit.Event) {
		w.mu.Lock()
		w.events = append(w.events, e)
		w.mu.Unlock()
	}
	if cfg.AuditIn == nil {
		cfg.AuditIn = func(ctx context.Context, to audit.Appender, e audit.Event) error {
			if err := log.RecordIn(ctx, to, e); err != nil {
				return err
			}
			keep(e)
			return nil
		}
	}
	cfg.Events, cfg.Credentials = st, st
	w.log = st
	cfg.ResetTOTP = func(context.Context, directory.Caller, directory.User) error { return nil }
	if cfg.Mailer == nil {
		w.mail = &fakeMailer{}
		cfg.Mailer = w.mail
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(t.Output(), nil))
	}
	h, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	h.Routes(mux)
	w.srv = httptest.NewServer(mux)
	t.Cleanup(w.srv.Close)
}

// newAPIWorld is newTree's sys > acme > contoso with the users sam (sys
// admin), ada (acme admin), rita (acme user) and cara (contoso admin),
// served.
func newAPIWorld(t *testing.T) *apiWorld {
	t.Helper()
	st, d := newTree(t)
	w := newWorld(d)
	w.addUsers(t,
		directory.NewUser{TenantSlug: "sys", Username: "sam", TenantRole: directory.TenantRoleAdmin},
		directory.NewUser{TenantSlug: "acme", Username: "ada", TenantRole: directory.TenantRoleAdmin},
		directory.NewUser{TenantSlug: "acme", Username: "rita", TenantRole: directory.TenantRoleUser},
		directory.NewUser{TenantSlug: "contoso", Username: "cara", TenantRole: directory.TenantRoleAdmin},
	)
	w.serve(t, st, Config{})
	return w
}

// do sends method path with body (JSON, or none) as who, and returns the
// status and the decoded body.
func (w *apiWorld) do(t *testing.T, who, method, path, body string) (int, map[string]any) {
	t.Helper()
	return w.doHeader(t, who, method, path, body, nil)
}

// doHeader is do with the request headers h besides.
func (w *apiWorld) doHeader(t *testing.T, who, method, path, body string, h http.Header) (int, map[string]any) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(t.Context(), method, w.srv.URL+Prefix+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range h {
		req.Header[k] = v
	}
	if who != "" {
		req.Header.Set("Authorization", "Bearer "+w.users[who])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	var out map[string]any
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &out); err != nil {
			t.Fatalf("%s %s: %d %q is not a JSON object", method, path, res.StatusCode, raw)
		}
	}
	if res.StatusCode >= 400 && res.Header.Get("Content-Type") != "application/problem+json" {
		t.Errorf("%s %s: %d with Content-Type %q", method, path, res.StatusCode, res.Header.Get("Content-Type"))
	}
	return res.StatusCode, out
}

// apiStep is one request of a table-driven test, and what it must answer.
type apiStep struct {
	name, who, method, path, body string
	status                        int
	field                         string // of the problem, if any
}

// step sends st, checks that it answers with st.status and, if st.field is
// set, with a problem naming that one field, and that it was audited just
// when it changed something (a request other than GET that succeeded); it
// returns the body. A failure names st.
func (w *apiWorld) step(t *testing.T, st apiStep) map[string]any {
	t.Helper()
	return w.stepAudited(t, st, st.method != "GET" && st.status < 300)
}

// stepAudited is step for a request that is audited just when audited is
// true: a request that succeeds but changes nothing is not.
func (w *apiWorld) stepAudited(t *testing.T, st apiStep, audited bool) map[string]any {
	t.Helper()
	n := w.eventCount()
	status, body := w.do(t, st.who, st.method, st.path, st.body)
	if status != st.status {
		t.Fatalf("%s: status %d, want %d: %v", st.name, status, st.status, body)
	}
	if st.field != "" && problemField(body) != st.field {
		t.Errorf("%s: problem %v, want one naming %q", st.name, body, st.field)
	}
	if changed := w.eventCount() > n; changed != audited {
		t.Errorf("%s: audited: %v", st.name, changed)
	}
	return body
}

// problemField is the one field a problem names, or "".
func problemField(body map[string]any) string {
	errs, _ := body["errors"].([]any)
	if len(errs) != 1 {
		return ""
	}
	f, _ := errs[0].(map[string]any)["field"].(string)
	return f
}

func (w *apiWorld) lastEvent(t *testing.T) audit.Event {
	t.Helper()
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.events) == 0 {
		t.Fatal("no audit event")
	}
	return w.events[len(w.events)-1]
}

func (w *apiWorld) eventCount() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.events)
}

// eventsSince returns the events kept after the first n.
func (w *apiWorld) eventsSince(t *testing.T, n int) []audit.Event {
	t.Helper()
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]audit.Event(nil), w.events[n:]...)
}

// storedEvents returns the events the audit log's store holds in tenantID
// about target: those of the changes that committed.
func (w *apiWorld) storedEvents(t *testing.T, tenantID, target string) []audit.Event {
	t.Helper()
	es, _, err := w.log.QueryEvents(t.Context(), audit.Query{TenantIDs: []string{tenantID}, Target: target})
	if err != nil {
		t.Fatal(err)
	}
	return es
}
