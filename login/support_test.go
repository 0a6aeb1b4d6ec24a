package login

import (
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/gatehouse-id/gatehouse/audit"
	"github.com/gatehouse-id/gatehouse/directory"
	"github.com/gatehouse-id/gatehouse/mfa"
	"github.com/gatehouse-id/gatehouse/session"
)

// The support tests build on the harness's world (sys > prov > acme, jill
// and disabled bob in acme):
//
//	prov (provider): sue (support-engineers: support:admin), pete (no
//	                 support), dora (support-engineers, disabled)
//	acme (customer): ada and zoe (administrators), pam (invited, no
//	                 password)
const (
	suePassword  = "sue's own password"
	petePassword = "pete's own password"

	msgSupportRefused     = "You cannot sign in as this user for support. Check the username, or ask the user to enable support access."
	msgSupportFromSupport = "This browser is in a support session already. Sign out of it before you start another."
	msgInvalidCredentials = "The tenant, username or password is not correct."
	msgReasonRequired     = "Enter the reason for this support session, such as the ticket number."
	msgReasonInvalid      = "Write the reason on one line, in at most 200 characters."
	msgRequestExpired     = "This sign-in link has expired or is not valid."

	supportPath = "/login/support?authRequestID=req-1"
	callbackURL = "/authorize/callback?id=req-1"
)

// supportPeople are the users supportWorld adds.
type supportPeople struct {
	sue, pete, dora, ada, zoe, pam directory.User
}

// supportWorld adds the support users and acme's administrators.
func (h *harness) supportWorld() supportPeople {
	h.t.Helper()
	ctx := h.t.Context()
	if _, _, err := h.dir.PutGlobalRole(ctx, h.store, "prov", directory.GlobalRole{Name: "support-engineers",
		Permissions: []directory.Permission{{Resource: directory.ResourceSupport, Access: directory.AccessAdmin}}}); err != nil {
		h.t.Fatalf("PutGlobalRole: %v", err)
	}
	user := func(nu directory.NewUser) directory.User {
		h.t.Helper()
		u, err := h.dir.CreateUser(ctx, nu)
		if err != nil {
			h.t.Fatalf("CreateUser %s/%s: %v", nu.TenantSlug, nu.Username, err)
		}
		return u
	}
	engineers := []string{"support-engineers"}
	return supportPeople{
		sue:  user(directory.NewUser{TenantSlug: "prov", Username: "sue", Password: suePassword, TenantRole: directory.TenantRoleUser, GlobalRoles: engineers}),
		pete: user(directory.NewUser{TenantSlug: "prov", Username: "pete", Password: petePassword, TenantRole: directory.TenantRoleUser}),
		dora: user(directory.NewUser{TenantSlug: "prov", Username: "dora", Password: suePassword, TenantRole: directory.TenantRoleUser,
			GlobalRoles: engineers, Disabled: true}),
		// zoe is created first: "sue$" must pick the first administrator
		// by username, not by age.
		zoe: user(directory.NewUser{TenantSlug: "acme", Username: "zoe", Password: goodPassword, TenantRole: directory.TenantRoleAdmin}),
		ada: user(directory.NewUser{TenantSlug: "acme", Username: "ada", Password: goodPassword, TenantRole: directory.TenantRoleAdmin}),
		pam: user(directory.NewUser{TenantSlug: "acme", Username: "pam", TenantRole: directory.TenantRoleUser}),
	}
}

// acmeSettings changes acme's settings with edit, keeping the rest.
func (h *harness) acmeSettings(edit func(*directory.TenantSettings)) {
	h.t.Helper()
	tn, err := h.store.TenantBySlug(h.t.Context(), "acme")
	if err != nil {
		h.t.Fatal(err)
	}
	st := tn.Settings
	edit(&st)
	if _, err := h.dir.PutTenantSettings(h.t.Context(), h.store, "acme", st); err != nil {
		h.t.Fatalf("PutTenantSettings: %v", err)
	}
}

// events returns the audit events of every tenant of the world, newest
// first; with actions, only those.
func (h *harness) events(actions ...string) []audit.Event {
	h.t.Helper()
	all, err := h.store.ListEvents(h.t.Context(), []string{"t-sys", "t-prov", "t-acme"}, time.Time{}, 0)
	if err != nil {
		h.t.Fatal(err)
	}
	if len(actions) == 0 {
		return all
	}
	var out []audit.Event
	for _, e := range all {
		if slices.Contains(actions, e.Action) {
			out = append(out, e)
		}
	}
	return out
}

// postTo posts form to path.
func (h *harness) postTo(path string, form url.Values) (*http.Response, string) {
	h.t.Helper()
	req, err := http.NewRequestWithContext(h.t.Context(), http.MethodPost, h.srv.URL+path, strings.NewReader(form.Encode()))
	if err != nil {
		h.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return h.do(req)
}

// formToken returns the csrf_token of a page.
func formToken(t testing.TB, body string) string {
	t.Helper()
	m := csrfFieldRE.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("page has no csrf_token field:\n%s", body)
	}
	return m[1]
}

// supportPassword logs in at acme as username with pw and expects the
// support page next.
func (h *harness) supportPassword(username, pw string) {
	h.t.Helper()
	resp, body := h.login("acme", username, pw)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != supportPath {
		h.t.Fatalf("POST /login %s = %d %q, want 303 to %s\n%s", username, resp.StatusCode, resp.Header.Get("Location"), supportPath, body)
	}
}

// openSupport opens the support page and returns its body and token.
func (h *harness) openSupport() (string, string) {
	h.t.Helper()
	resp, body := h.get(supportPath)
	if resp.StatusCode != http.StatusOK {
		h.t.Fatalf("GET /login/support = %d\n%s", resp.StatusCode, body)
	}
	return body, formToken(h.t, body)
}

// giveReason posts the support page's form.
func (h *harness) giveReason(token, reason string) (*http.Response, string) {
	h.t.Helper()
	return h.postTo("/login/support", url.Values{"authRequestID": {"req-1"}, csrfField: {token}, "reason": {reason}})
}

// supportLogin goes through the password and the support page with
// reason, and returns the answer to the support page's form.
func (h *harness) supportLogin(username, pw, reason string) (*http.Response, string) {
	h.t.Helper()
	h.supportPassword(username, pw)
	_, token := h.openSupport()
	return h.giveReason(token, reason)
}

// enrolTOTP gives u (of tenant slug) an authenticator and returns its
// secret. The enrolment spends the code of the current step: codes for a
// login are taken a step later (nextCode).
func (h *harness) enrolTOTP(u directory.User, slug string) string {
	h.t.Helper()
	sub := mfa.Subject{UserID: u.ID, Username: u.Username, TenantID: u.TenantID, TenantSlug: slug}
	e, err := h.mfa.NewEnrolment(sub)
	if err != nil {
		h.t.Fatal(err)
	}
	code, err := totp.GenerateCode(e.Secret, time.Now())
	if err != nil {
		h.t.Fatal(err)
	}
	if _, err := h.mfa.CompleteEnrolment(h.t.Context(), sub, e.Secret, code); err != nil {
		h.t.Fatalf("CompleteEnrolment %s: %v", u.Username, err)
	}
	return e.Secret
}

// nextCode is the code of secret for the next step: within the skew the
// service accepts, and above the counter an enrolment just spent.
func nextCode(t testing.TB, secret string) string {
	t.Helper()
	code, err := totp.GenerateCode(secret, time.Now().Add(30*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	return code
}

// otherBrowser is h with a browser of its own (an empty cookie jar).
func (h *harness) otherBrowser() *harness {
	h.t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		h.t.Fatal(err)
	}
	o := *h
	o.client = &http.Client{Jar: jar, CheckRedirect: h.client.CheckRedirect}
	return &o
}

// sessionOf returns the live session of the cookie resp sets.
func (h *harness) sessionOf(resp *http.Response) (*http.Cookie, session.Session) {
	h.t.Helper()
	ck := cookieNamed(resp, session.CookieName)
	if ck == nil {
		h.t.Fatal("no session cookie")
	}
	sess, err := h.sessions.Lookup(h.t.Context(), ck.Value)
	if err != nil {
		h.t.Fatalf("session from cookie: %v", err)
	}
	return ck, sess
}

// checkSupportSession checks the session a support login of sue as target
// started, and its completion of req-1.
func (h *harness) checkSupportSession(resp *http.Response, sue, target directory.User, reason string, amr []string) session.Session {
	h.t.Helper()
	t := h.t
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != callbackURL {
		t.Fatalf("status %d Location %q, want 303 to %s", resp.StatusCode, resp.Header.Get("Location"), callbackURL)
	}
	ck, sess := h.sessionOf(resp)
	want := session.Support{ActorID: sue.ID, ActorUsername: "sue", ActorTenantID: "t-prov", ActorTenantSlug: "prov",
		Username: target.Username, Reason: reason}
	if sess.Support == nil || *sess.Support != want {
		t.Errorf("session's Support = %+v, want %+v", sess.Support, want)
	}
	if sess.UserID != target.ID || sess.TenantID != "t-acme" {
		t.Errorf("session acts as %s in %s, want %s in t-acme", sess.UserID, sess.TenantID, target.ID)
	}
	if !slices.Equal(sess.AMR, amr) {
		t.Errorf("AMR = %v, want %v", sess.AMR, amr)
	}
	wantACR := acrPassword
	if slices.Contains(amr, "mfa") {
		wantACR = acrMFA
	}
	if sess.ACR != wantACR {
		t.Errorf("ACR = %q, want %q", sess.ACR, wantACR)
	}
	if life := h.sessions.SupportLifetime(); life != time.Hour {
		t.Errorf("SupportLifetime = %s, want the default hour", life)
	}
	if d := time.Until(sess.ExpiresAt); d > time.Hour || d < time.Hour-time.Minute {
		t.Errorf("support session expires in %s, want about an hour", d)
	}
	if !ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode || ck.MaxAge > 3600 || ck.MaxAge < 3600-60 {
		t.Errorf("session cookie = %+v, want HttpOnly, SameSite=Lax, Max-Age about 3600 and at most that", ck)
	}
	completed, ok := h.requests.session("req-1")
	if !ok {
		t.Fatal("request not completed")
	}
	if completed.ID != sess.ID || completed.Support == nil || *completed.Support != want {
		t.Errorf("completed with %+v, cookie's session %+v", completed, sess)
	}
	return sess
}

// checkRefusedForm checks a refused support login: the login form with one
// message, no session, nothing completed.
func checkRefusedForm(t *testing.T, h *harness, resp *http.Response, body, msg string) {
	t.Helper()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("status %d, want 403\n%s", resp.StatusCode, body)
	}
	if !strings.Contains(body, msg) {
		t.Errorf("page lacks %q:\n%s", msg, body)
	}
	if n := strings.Count(body, `role="alert"`); n != 1 {
		t.Errorf("page has %d alerts, want 1:\n%s", n, body)
	}
	if !strings.Contains(body, `action="/login"`) || !strings.Contains(body, `name="password"`) {
		t.Errorf("refusal is not the login form:\n%s", body)
	}
	if req, err := h.requests.LoginRequest(t.Context(), "req-1"); err != nil || req.Done || cookieNamed(resp, session.CookieName) != nil {
		t.Errorf("refused support login got a session or completed the request")
	}
	checkSecurityHeaders(t, resp)
}

// checkLateRefusal checks the answer to a support login that the rules
// refuse after its password step (supportRefusedLate): 403, the error
// page, which says what the login form says for a support refusal, and no
// form to go on with.
func checkLateRefusal(t *testing.T, resp *http.Response, body string) {
	t.Helper()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("status %d, want 403\n%s", resp.StatusCode, body)
	}
	if strings.Contains(body, "<form") {
		t.Errorf("refusal page offers a form:\n%s", body)
	}
	checkSecurityHeaders(t, resp)
	if !strings.Contains(body, "You cannot sign in as this user for support.") || strings.Contains(body, "Something went wrong") {
		t.Errorf("refusal page does not say support was refused:\n%s", body)
	}
}

// TestSupportLogin is the whole flow: sue$jill with sue's password, the
// support page, the reason, and a support session for jill with sue as
// its actor, audited once.
func TestSupportLogin(t *testing.T) {
	h := newHarness(t, options{})
	p := h.supportWorld()

	resp, body := h.login("acme", "Sue$Jill", suePassword)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != supportPath {
		t.Fatalf("POST /login = %d %q, want 303 to the support page\n%s", resp.StatusCode, resp.Header.Get("Location"), body)
	}
	checkSecurityHeaders(t, resp)
	if cookieNamed(resp, session.CookieName) != nil || h.requests.completions() != 0 {
		t.Fatal("the password alone started a session")
	}
	if n := len(h.events()); n != 0 {
		t.Errorf("%d audit events before the support login is done", n)
	}

	resp, body = h.get(supportPath)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /login/support = %d\n%s", resp.StatusCode, body)
	}
	checkSecurityHeaders(t, resp)
	for _, want := range []string{
		`<strong>sue</strong>, you are about to act as <strong>jill</strong> in <strong>Acme</strong> in <strong>Things Manager</strong>.`,
		"lasts 60 minutes at most", "<strong>sue$jill</strong>",
		`action="/login/support"`, `name="authRequestID" value="req-1"`, `<label for="reason">Reason (optional)</label>`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("support page lacks %q:\n%s", want, body)
		}
	}
	if strings.Contains(body, " required") {
		t.Errorf("reason marked required without a policy")
	}

	resp, body = h.giveReason(formToken(t, body), " INC-4711 ")
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("POST /login/support = %d\n%s", resp.StatusCode, body)
	}
	sess := h.checkSupportSession(resp, p.sue, h.jill, "INC-4711", []string{"pwd"})
	if tck := cookieNamed(resp, tenantCookieName); tck == nil || tck.Value != "acme" {
		t.Errorf("tenant cookie = %+v, want acme, where sue typed sue$jill", tck)
	}

	if evs := h.events(actionSupportLoginRefused); len(evs) != 0 {
		t.Errorf("refusals audited: %+v", evs)
	}
	evs := h.events(actionSupportLogin)
	if len(evs) != 1 {
		t.Fatalf("%d support.login events, want 1: %+v", len(evs), evs)
	}
	e := evs[0]
	if e.TenantID != "t-acme" || e.Actor != p.sue.ID || e.ActorName != "sue$jill" || e.Target != h.jill.ID || e.TargetName != "jill" {
		t.Errorf("event = %+v", e)
	}
	wantDetails := map[string]string{"reason": "INC-4711", "client_id": "things-manager", "address": "127.0.0.1",
		"actor_tenant": "prov", "session_id": sess.ID, "amr": "pwd", "allowed_by": "permission"}
	if len(e.Details) != len(wantDetails) {
		t.Errorf("details = %v, want %v", e.Details, wantDetails)
	}
	for k, v := range wantDetails {
		if e.Details[k] != v {
			t.Errorf("details[%s] = %q, want %q", k, e.Details[k], v)
		}
	}
	// Listed for acme's administrators: the event is in acme only.
	if acme, err := h.store.ListEvents(t.Context(), []string{"t-acme"}, time.Time{}, 0); err != nil || len(acme) != 1 || acme[0].ID != e.ID {
		t.Errorf("acme's events = %+v, %v", acme, err)
	}
}

// TestSupportLoginActsAsAdministrator: "sue$" acts as acme's first
// administrator by username.
func TestSupportLoginActsAsAdministrator(t *testing.T) {
	h := newHarness(t, options{})
	p := h.supportWorld()
	h.supportPassword("sue$", suePassword)
	body, token := h.openSupport()
	if !strings.Contains(body, "you are about to act as <strong>ada</strong>") {
		t.Errorf("support page does not name ada:\n%s", body)
	}
	resp, _ := h.giveReason(token, "")
	h.checkSupportSession(resp, p.sue, p.ada, "", []string{"pwd"})
	evs := h.events(actionSupportLogin)
	if len(evs) != 1 || evs[0].ActorName != "sue$ada" || evs[0].Target != p.ada.ID {
		t.Errorf("events = %+v", evs)
	}
	if _, ok := evs[0].Details["reason"]; ok {
		t.Errorf("an empty reason is audited: %v", evs[0].Details)
	}
}

// TestSupportLoginRefused: the password was right, the rules refuse: one
// message for every reason, and the reason in the audit log.
func TestSupportLoginRefused(t *testing.T) {
	for _, tc := range []struct {
		name, username, pw string
		refusal            directory.SupportRefusal
		actor              func(supportPeople) directory.User
		target             func(*harness, supportPeople) string // "" for none
	}{
		// About the support user itself: in its own tenant, naming nobody
		// in the tenant tried (checked below).
		{"no permission", "pete$jill", petePassword, directory.RefusedNoPermission,
			func(p supportPeople) directory.User { return p.pete }, func(*harness, supportPeople) string { return "" }},
		{"unknown user", "sue$nobody", suePassword, directory.RefusedUnknownUser,
			func(p supportPeople) directory.User { return p.sue }, func(*harness, supportPeople) string { return "" }},
		{"disabled user", "sue$bob", suePassword, directory.RefusedUserDisabled,
			func(p supportPeople) directory.User { return p.sue }, func(h *harness, _ supportPeople) string { return h.bobID() }},
		{"pending user", "sue$pam", suePassword, directory.RefusedUserPending,
			func(p supportPeople) directory.User { return p.sue }, func(_ *harness, p supportPeople) string { return p.pam.ID }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, options{})
			p := h.supportWorld()
			resp, body := h.login("acme", tc.username, tc.pw)
			checkRefusedForm(t, h, resp, body, msgSupportRefused)
			if !strings.Contains(body, `name="username" type="text" value="`+tc.username+`"`) {
				t.Errorf("form does not keep the username typed")
			}
			evs := h.events()
			if len(evs) != 1 || evs[0].Action != actionSupportLoginRefused {
				t.Fatalf("events = %+v, want one %s", evs, actionSupportLoginRefused)
			}
			e := evs[0]
			if e.Details["refusal"] != string(tc.refusal) {
				t.Errorf("refusal = %q, want %q", e.Details["refusal"], tc.refusal)
			}
			tenant, name := "t-acme", tc.username
			if tc.refusal.ActorSide() {
				tenant, name = "t-prov", strings.SplitAfter(tc.username, "$")[0]
				if e.Details["tenant"] != "acme" {
					t.Errorf("tenant tried = %q, want acme", e.Details["tenant"])
				}
			}
			if e.TenantID != tenant || e.Actor != tc.actor(p).ID || e.ActorName != name ||
				e.Details["actor_tenant"] != "prov" || e.Details["client_id"] != "things-manager" || e.Details["address"] == "" {
				t.Errorf("event = %+v", e)
			}
			if want := tc.target(h, p); e.Target != want {
				t.Errorf("Target = %q, want %q", e.Target, want)
			}
			// Nothing is pending: the support page is not reachable.
			if resp, _ := h.get(supportPath); resp.StatusCode != http.StatusBadRequest {
				t.Errorf("GET /login/support after a refusal: %d, want 400", resp.StatusCode)
			}
		})
	}
}

// bobID is the id of acme's disabled bob.
func (h *harness) bobID() string {
	h.t.Helper()
	u, err := h.dir.UserIn(h.t.Context(), "t-acme", "bob")
	if err != nil {
		h.t.Fatal(err)
	}
	return u.ID
}

// TestSupportLoginNoAdministrator: "sue$" in a tenant without an
// administrator is refused like any other refusal.
func TestSupportLoginNoAdministrator(t *testing.T) {
	h := newHarness(t, options{})
	if _, _, err := h.dir.PutGlobalRole(t.Context(), h.store, "prov", directory.GlobalRole{Name: "support-engineers",
		Permissions: []directory.Permission{{Resource: directory.ResourceSupport, Access: directory.AccessAdmin}}}); err != nil {
		t.Fatal(err)
	}
	sue, err := h.dir.CreateUser(t.Context(), directory.NewUser{TenantSlug: "prov", Username: "sue", Password: suePassword,
		TenantRole: directory.TenantRoleUser, GlobalRoles: []string{"support-engineers"}})
	if err != nil {
		t.Fatal(err)
	}
	resp, body := h.login("acme", "sue$", suePassword)
	checkRefusedForm(t, h, resp, body, msgSupportRefused)
	evs := h.events(actionSupportLoginRefused)
	if len(evs) != 1 || evs[0].Details["refusal"] != string(directory.RefusedNoAdministrator) || evs[0].Actor != sue.ID ||
		evs[0].Target != "" || evs[0].ActorName != "sue$" {
		t.Errorf("events = %+v", evs)
	}
}

// normalizeForm blanks what differs between two answers of the login form
// besides what they tell: the CSRF token, the request id and the values
// typed into the tenant and username fields.
var formNoise = []*regexp.Regexp{
	regexp.MustCompile(`name="csrf_token" value="[^"]*"`),
	regexp.MustCompile(`name="authRequestID" value="[^"]*"`),
	regexp.MustCompile(`name="tenant" type="text" value="[^"]*"`),
	regexp.MustCompile(`name="username" type="text" value="[^"]*"`),
}

var forgotLinkNoise = regexp.MustCompile(`href="/password/forgot\?[^"]*"`)

func normalizeForm(body string) string {
	for _, re := range formNoise {
		body = re.ReplaceAllStringFunc(body, func(s string) string { return s[:strings.Index(s, "value=")] + `value=""` })
	}
	// The "Forgot password?" link carries the same echoes in its query.
	return forgotLinkNoise.ReplaceAllString(body, `href="/password/forgot?"`)
}

// TestSupportLoginWrongPassword: a wrong password, an unknown support
// user and an unknown tenant answer exactly as an ordinary wrong password
// does, and audit nothing.
func TestSupportLoginWrongPassword(t *testing.T) {
	h := newHarness(t, options{accountLimit: 20})
	h.supportWorld()
	resp, body := h.login("acme", "jill", "wrong password")
	if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(body, msgInvalidCredentials) {
		t.Fatalf("ordinary wrong password: %d\n%s", resp.StatusCode, body)
	}
	ordinary := normalizeForm(body)
	for _, tc := range []struct{ name, tenant, username, pw string }{
		{"wrong password", "acme", "sue$jill", "wrong password"},
		{"wrong password, unknown target", "acme", "sue$nobody", "wrong password"},
		{"wrong password, administrator", "acme", "sue$", "wrong password"},
		{"unknown support user", "acme", "nobody$jill", suePassword},
		{"support user of the tenant itself", "acme", "jill$ada", goodPassword},
		{"support user below the tenant", "prov", "jill$pete", goodPassword},
		{"unknown tenant", "nowhere", "sue$jill", suePassword},
		{"no permission, wrong password", "acme", "pete$jill", "wrong password"},
		{"disabled support user, wrong password", "acme", "dora$jill", "wrong password"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := h.login(tc.tenant, tc.username, tc.pw)
			if resp.StatusCode != http.StatusUnauthorized {
				t.Errorf("status %d, want 401\n%s", resp.StatusCode, body)
			}
			if got := normalizeForm(body); got != ordinary {
				t.Errorf("page differs from an ordinary wrong password's:\n%s\nordinary:\n%s", got, ordinary)
			}
			if len(resp.Cookies()) != 0 {
				t.Errorf("sets cookies: %v", resp.Cookies())
			}
		})
	}
	// The ordinary wrong password compared with is audited (login.failed);
	// the support attempts are not.
	if evs := h.events(); len(evs) != 1 || evs[0].Action != "login.failed" {
		t.Errorf("wrong passwords audited: %+v", evs)
	}
	if h.requests.completions() != 0 {
		t.Errorf("request completed")
	}
	// A disabled support user with the right password reads as a disabled
	// account, as an ordinary login does; nobody was acted as, nothing is
	// audited.
	resp, body = h.login("acme", "dora$jill", suePassword)
	if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "This account is disabled. Contact your administrator.") {
		t.Errorf("disabled support user: %d\n%s", resp.StatusCode, body)
	}
	if evs := h.events(); len(evs) != 1 {
		t.Errorf("disabled support user audited: %+v", evs)
	}
}

// TestSupportLoginThrottle: the account key of a support login is the
// support user, whatever its target and tenant; it does not block the
// people supported.
func TestSupportLoginThrottle(t *testing.T) {
	h := newHarness(t, options{accountLimit: 3})
	p := h.supportWorld()
	for i, tc := range []struct{ tenant, username string }{
		{"acme", "sue$jill"}, {"acme", "sue$nobody"}, {"nowhere", " SUE$anyone"},
	} {
		if resp, body := h.login(tc.tenant, tc.username, "wrong password"); resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("attempt %d (%s/%s): status %d, want 401\n%s", i+1, tc.tenant, tc.username, resp.StatusCode, body)
		}
	}
	for _, username := range []string{"sue$jill", "sue$ada", "sue$", "Sue$someone"} {
		resp, body := h.login("acme", username, suePassword)
		if resp.StatusCode != http.StatusTooManyRequests || !strings.Contains(body, "Too many attempts. Try again in 15 minutes.") {
			t.Errorf("%s with the right password while blocked: %d, want 429\n%s", username, resp.StatusCode, body)
		}
		if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err != nil || s <= 0 || s > 15*60 {
			t.Errorf("Retry-After = %q", resp.Header.Get("Retry-After"))
		}
	}
	if evs := h.events(); len(evs) != 0 || h.requests.completions() != 0 {
		t.Errorf("a blocked support login was audited or completed: %+v", evs)
	}
	// jill herself, and sue logging in to her own tenant, are other keys.
	if resp, body := h.login("acme", "jill", goodPassword); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("jill's own login: %d, want 303\n%s", resp.StatusCode, body)
	}
	h.requests.add(Request{ID: "req-1", ClientID: "things-manager", ClientName: "Things Manager"})
	resp, body := h.login("prov", "sue", suePassword)
	if resp.StatusCode != http.StatusSeeOther {
		t.Errorf("sue's own login: %d, want 303\n%s", resp.StatusCode, body)
	}
	if _, sess := h.sessionOf(resp); sess.UserID != p.sue.ID || sess.Support != nil {
		t.Errorf("sue's own session = %+v", sess)
	}
}

// TestSupportLoginThrottleTargetBlind: failures count the same whether or
// not the target exists, and the answers are the same.
func TestSupportLoginThrottleTargetBlind(t *testing.T) {
	answers := map[string][]string{}
	for _, target := range []string{"jill", "nobody"} {
		h := newHarness(t, options{accountLimit: 2})
		h.supportWorld()
		var got []string
		for range 2 {
			resp, body := h.login("acme", "sue$"+target, "wrong password")
			got = append(got, strconv.Itoa(resp.StatusCode)+"\n"+normalizeForm(body))
		}
		resp, body := h.login("acme", "sue$"+target, suePassword)
		got = append(got, strconv.Itoa(resp.StatusCode)+"\n"+normalizeForm(body))
		if resp.StatusCode != http.StatusTooManyRequests {
			t.Errorf("sue$%s after 2 failures: %d, want 429", target, resp.StatusCode)
		}
		answers[target] = got
	}
	if !slices.Equal(answers["jill"], answers["nobody"]) {
		t.Errorf("answers differ:\njill:\n%s\nnobody:\n%s", answers["jill"], answers["nobody"])
	}
}

// TestSupportReasonPolicy: where acme requires a reason, the support page
// asks again until one is given; a reason must be one line.
func TestSupportReasonPolicy(t *testing.T) {
	h := newHarness(t, options{})
	p := h.supportWorld()
	h.acmeSettings(func(s *directory.TenantSettings) { s.Support.RequireReason = true })
	h.supportPassword("sue$jill", suePassword)
	body, token := h.openSupport()
	if !strings.Contains(body, `<label for="reason">Reason</label>`) || !strings.Contains(body, " required") {
		t.Errorf("support page does not require the reason:\n%s", body)
	}
	for _, tc := range []struct{ name, reason, msg string }{
		{"no reason", "", msgReasonRequired},
		{"blank reason", "   ", msgReasonRequired},
		{"two lines", "INC-1\nrm -rf", msgReasonInvalid},
		{"control character", "INC-1\x07", msgReasonInvalid},
		{"too long", strings.Repeat("x", directory.MaxSupportReason+1), msgReasonInvalid},
	} {
		resp, body := h.giveReason(token, tc.reason)
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, tc.msg) {
			t.Errorf("%s: %d, want 400 with %q\n%s", tc.name, resp.StatusCode, tc.msg, body)
		}
		if !strings.Contains(body, `action="/login/support"`) {
			t.Errorf("%s: not the support page again", tc.name)
		}
		token = formToken(t, body)
	}
	if h.requests.completions() != 0 || len(h.events()) != 0 {
		t.Fatalf("a refused reason completed the login or was audited: %+v", h.events())
	}
	resp, body := h.giveReason(token, "INC-4711")
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("with a reason: %d\n%s", resp.StatusCode, body)
	}
	h.checkSupportSession(resp, p.sue, h.jill, "INC-4711", []string{"pwd"})
	if evs := h.events(actionSupportLogin); len(evs) != 1 || evs[0].Details["reason"] != "INC-4711" {
		t.Errorf("events = %+v", evs)
	}
}

// TestSupportReasonInvalidWithoutPolicy: an optional reason must still be
// one line.
func TestSupportReasonInvalidWithoutPolicy(t *testing.T) {
	h := newHarness(t, options{})
	h.supportWorld()
	h.supportPassword("sue$jill", suePassword)
	_, token := h.openSupport()
	resp, body := h.giveReason(token, "INC-1\r\nINC-2")
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, msgReasonInvalid) {
		t.Errorf("%d, want 400 with %q\n%s", resp.StatusCode, msgReasonInvalid, body)
	}
	if h.requests.completions() != 0 {
		t.Errorf("request completed")
	}
}

// TestSupportConsent: where acme requires consent, support is refused
// until jill enables it, and refused again once she disables it, even
// half-way through the login.
func TestSupportConsent(t *testing.T) {
	h := newHarness(t, options{})
	p := h.supportWorld()
	h.acmeSettings(func(s *directory.TenantSettings) { s.Support.Mode = directory.SupportByConsent })

	resp, body := h.login("acme", "sue$jill", suePassword)
	checkRefusedForm(t, h, resp, body, msgSupportRefused)
	evs := h.events(actionSupportLoginRefused)
	if len(evs) != 1 || evs[0].Details["refusal"] != string(directory.RefusedNoConsent) || evs[0].Target != h.jill.ID {
		t.Fatalf("events = %+v", evs)
	}

	jill := directory.SupportCaller{UserID: h.jill.ID}
	if _, err := h.dir.EnableSupport(t.Context(), jill, false, h.now()); err != nil {
		t.Fatal(err)
	}
	resp, _ = h.supportLogin("sue$jill", suePassword, "")
	h.checkSupportSession(resp, p.sue, h.jill, "", []string{"pwd"})
	if evs := h.events(actionSupportLogin); len(evs) != 1 || evs[0].Details["allowed_by"] != "consent" {
		t.Errorf("events = %+v", evs)
	}

	// Consent withdrawn between the password and the support page.
	t.Run("revoked", func(t *testing.T) {
		h := newHarness(t, options{})
		h.supportWorld()
		h.acmeSettings(func(s *directory.TenantSettings) { s.Support.Mode = directory.SupportByConsent })
		jill := directory.SupportCaller{UserID: h.jill.ID}
		if _, err := h.dir.EnableSupport(t.Context(), jill, false, h.now()); err != nil {
			t.Fatal(err)
		}
		h.supportPassword("sue$jill", suePassword)
		_, token := h.openSupport()
		if open, err := h.dir.DisableSupport(t.Context(), jill, false, h.now()); err != nil || !open {
			t.Fatalf("DisableSupport = %v, %v", open, err)
		}
		resp, body := h.giveReason(token, "INC-4711")
		if cookieNamed(resp, session.CookieName) != nil || h.requests.completions() != 0 {
			t.Errorf("revoked consent still started a session")
		}
		evs := h.events(actionSupportLoginRefused, actionSupportLogin)
		if len(evs) != 1 || evs[0].Action != actionSupportLoginRefused || evs[0].Details["refusal"] != string(directory.RefusedNoConsent) ||
			evs[0].Target != h.jill.ID || evs[0].TenantID != "t-acme" || evs[0].ActorName != "sue$jill" {
			t.Errorf("events = %+v", evs)
		}
		checkLateRefusal(t, resp, body)
	})

	// A tenant administrator's consent covers every user of the tenant.
	t.Run("tenant consent", func(t *testing.T) {
		h := newHarness(t, options{})
		p := h.supportWorld()
		h.acmeSettings(func(s *directory.TenantSettings) { s.Support.Mode = directory.SupportByConsent })
		if _, err := h.dir.EnableSupport(t.Context(), directory.SupportCaller{UserID: p.ada.ID}, true, h.now()); err != nil {
			t.Fatal(err)
		}
		resp, _ := h.supportLogin("sue$jill", suePassword, "")
		h.checkSupportSession(resp, p.sue, h.jill, "", []string{"pwd"})
	})
}

// TestSupportFromSupportSession: a browser in a support session cannot
// start another support login.
func TestSupportFromSupportSession(t *testing.T) {
	h := newHarness(t, options{})
	p := h.supportWorld()
	resp, _ := h.supportLogin("sue$jill", suePassword, "INC-4711")
	ck, _ := h.sessionOf(resp)

	for _, username := range []string{"sue$jill", "sue$"} {
		h.requests.add(Request{ID: "req-1", ClientID: "things-manager", ClientName: "Things Manager"})
		resp, body := h.login("acme", username, suePassword)
		checkRefusedForm(t, h, resp, body, msgSupportFromSupport)
	}
	evs := h.events(actionSupportLoginRefused)
	if len(evs) != 2 {
		t.Fatalf("events = %+v, want 2 refusals", evs)
	}
	for _, e := range evs {
		if e.Details["refusal"] != string(directory.RefusedFromSupport) || e.Actor != p.sue.ID || e.TenantID != "t-acme" {
			t.Errorf("event = %+v", e)
		}
	}
	// sue$jill names jill; sue$ names nobody yet.
	if evs[1].Target != h.jill.ID || evs[0].Target != "" {
		t.Errorf("targets = %q, %q", evs[1].Target, evs[0].Target)
	}
	if _, err := h.sessions.Lookup(t.Context(), ck.Value); err != nil {
		t.Errorf("the refusal ended the support session: %v", err)
	}
}

// TestSupportLoginTOTP: sue's own authenticator is the second factor.
func TestSupportLoginTOTP(t *testing.T) {
	h := newHarness(t, options{})
	p := h.supportWorld()
	secret := h.enrolTOTP(p.sue, "prov")
	resp, body := h.supportLogin("sue$jill", suePassword, "INC-4711")
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/login/totp?authRequestID=req-1" {
		t.Fatalf("POST /login/support = %d %q, want 303 to the TOTP page\n%s", resp.StatusCode, resp.Header.Get("Location"), body)
	}
	if h.requests.completions() != 0 || len(h.events(actionSupportLogin)) != 0 {
		t.Fatal("completed before the second factor")
	}
	resp, body = h.get("/login/totp?authRequestID=req-1")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /login/totp = %d\n%s", resp.StatusCode, body)
	}
	resp, body = h.postTo("/login/totp", url.Values{"authRequestID": {"req-1"}, csrfField: {formToken(t, body)}, "code": {nextCode(t, secret)}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("POST /login/totp = %d\n%s", resp.StatusCode, body)
	}
	amr := []string{"pwd", "otp", "mfa"}
	sess := h.checkSupportSession(resp, p.sue, h.jill, "INC-4711", amr)
	evs := h.events(actionSupportLogin)
	if len(evs) != 1 || evs[0].Details["amr"] != "pwd otp mfa" || evs[0].Details["session_id"] != sess.ID || evs[0].Details["reason"] != "INC-4711" {
		t.Errorf("events = %+v", evs)
	}

	// jill's authenticator is not sue's.
	t.Run("target's code", func(t *testing.T) {
		h := newHarness(t, options{})
		p := h.supportWorld()
		h.enrolTOTP(p.sue, "prov")
		jillSecret := h.enrolTOTP(h.jill, "acme")
		resp, body := h.supportLogin("sue$jill", suePassword, "")
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("POST /login/support = %d\n%s", resp.StatusCode, body)
		}
		_, body = h.get("/login/totp?authRequestID=req-1")
		resp, body = h.postTo("/login/totp", url.Values{"authRequestID": {"req-1"}, csrfField: {formToken(t, body)}, "code": {nextCode(t, jillSecret)}})
		if resp.StatusCode == http.StatusSeeOther || !strings.Contains(body, "That code is not right") {
			t.Errorf("jill's code: %d\n%s", resp.StatusCode, body)
		}
		if h.requests.completions() != 0 || cookieNamed(resp, session.CookieName) != nil {
			t.Errorf("jill's code completed sue's support login")
		}
	})

	// Consent withdrawn while sue types her code: the last check refuses.
	t.Run("revoked at the code", func(t *testing.T) {
		h := newHarness(t, options{})
		p := h.supportWorld()
		h.acmeSettings(func(s *directory.TenantSettings) { s.Support.Mode = directory.SupportByConsent })
		jill := directory.SupportCaller{UserID: h.jill.ID}
		if _, err := h.dir.EnableSupport(t.Context(), jill, false, h.now()); err != nil {
			t.Fatal(err)
		}
		secret := h.enrolTOTP(p.sue, "prov")
		if resp, body := h.supportLogin("sue$jill", suePassword, ""); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("POST /login/support = %d\n%s", resp.StatusCode, body)
		}
		_, body := h.get("/login/totp?authRequestID=req-1")
		if _, err := h.dir.DisableSupport(t.Context(), jill, false, h.now()); err != nil {
			t.Fatal(err)
		}
		resp, body := h.postTo("/login/totp", url.Values{"authRequestID": {"req-1"}, csrfField: {formToken(t, body)}, "code": {nextCode(t, secret)}})
		if h.requests.completions() != 0 || cookieNamed(resp, session.CookieName) != nil || len(h.events(actionSupportLogin)) != 0 {
			t.Errorf("revoked consent still started a session")
		}
		if evs := h.events(actionSupportLoginRefused); len(evs) != 1 || evs[0].Details["refusal"] != string(directory.RefusedNoConsent) {
			t.Errorf("events = %+v", evs)
		}
		checkLateRefusal(t, resp, body)
	})
}

var (
	enrolSecretRE = regexp.MustCompile(`<code class="secret" aria-label="Setup key">([^<]*)</code>`)
	enrolIDRE     = regexp.MustCompile(`name="enrol_id" value="([^"]*)"`)
)

// TestSupportLoginEnrolsTheSupportUser: where acme requires TOTP and sue
// has no authenticator, sue enrols one for herself, not for jill.
func TestSupportLoginEnrolsTheSupportUser(t *testing.T) {
	h := newHarness(t, options{})
	p := h.supportWorld()
	h.acmeSettings(func(s *directory.TenantSettings) { s.MFA = directory.MFARequired })
	resp, body := h.supportLogin("sue$jill", suePassword, "")
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/login/totp?authRequestID=req-1" {
		t.Fatalf("POST /login/support = %d %q, want 303 to enrolment\n%s", resp.StatusCode, resp.Header.Get("Location"), body)
	}
	resp, body = h.get("/login/totp?authRequestID=req-1")
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, `action="/login/totp/enrol"`) {
		t.Fatalf("GET /login/totp = %d, want the enrolment page\n%s", resp.StatusCode, body)
	}
	if !strings.Contains(body, "<strong>sue@prov</strong>") || strings.Contains(body, "jill@") {
		t.Errorf("enrolment is not sue's:\n%s", body)
	}
	ms, mid := enrolSecretRE.FindStringSubmatch(body), enrolIDRE.FindStringSubmatch(body)
	if ms == nil || mid == nil {
		t.Fatalf("enrolment page lacks the key or enrol_id:\n%s", body)
	}
	secret := strings.ReplaceAll(ms[1], " ", "")
	code, err := totp.GenerateCode(secret, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	resp, body = h.postTo("/login/totp/enrol", url.Values{"authRequestID": {"req-1"}, csrfField: {formToken(t, body)},
		"enrol_id": {mid[1]}, "code": {code}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/login/totp/codes?authRequestID=req-1" {
		t.Fatalf("POST /login/totp/enrol = %d %q\n%s", resp.StatusCode, resp.Header.Get("Location"), body)
	}
	for u, want := range map[string]bool{p.sue.ID: true, h.jill.ID: false} {
		if got, err := h.mfa.Enrolled(t.Context(), u); err != nil || got != want {
			t.Errorf("Enrolled(%s) = %v, %v, want %v", u, got, err, want)
		}
	}
	_, body = h.get("/login/totp/codes?authRequestID=req-1")
	resp, body = h.postTo("/login/totp/done", url.Values{"authRequestID": {"req-1"}, csrfField: {formToken(t, body)}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("POST /login/totp/done = %d\n%s", resp.StatusCode, body)
	}
	h.checkSupportSession(resp, p.sue, h.jill, "", []string{"pwd", "otp", "mfa"})
	if evs := h.events(actionSupportLogin); len(evs) != 1 || evs[0].Details["amr"] != "pwd otp mfa" {
		t.Errorf("events = %+v", evs)
	}
}

// TestSupportPendingBoundAndSingleUse: the pending support login works in
// the browser that proved the password, at its own stage, once.
func TestSupportPendingBoundAndSingleUse(t *testing.T) {
	h := newHarness(t, options{})
	p := h.supportWorld()
	h.supportPassword("sue$jill", suePassword)

	// Another browser, with a valid form of its own for req-1.
	other := h.otherBrowser()
	otherToken := other.openForm("req-1")
	for _, try := range []func() (*http.Response, string){
		func() (*http.Response, string) { return other.get(supportPath) },
		func() (*http.Response, string) { return other.giveReason(otherToken, "INC-4711") },
	} {
		if resp, body := try(); resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, msgRequestExpired) {
			t.Errorf("other browser: %d, want 400 expired\n%s", resp.StatusCode, body)
		}
	}

	body, token := h.openSupport()
	// The support stage is not the TOTP stage.
	resp, page := h.postTo("/login/totp", url.Values{"authRequestID": {"req-1"}, csrfField: {token}, "code": {"123456"}})
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(page, msgRequestExpired) {
		t.Errorf("POST /login/totp at the support stage: %d\n%s", resp.StatusCode, page)
	}
	if resp, _ := h.get("/login/totp?authRequestID=req-1"); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("GET /login/totp at the support stage: %d, want 400", resp.StatusCode)
	}
	if !strings.Contains(body, "act as <strong>jill</strong>") {
		t.Errorf("support page changed by the other browser:\n%s", body)
	}

	resp, _ = h.giveReason(token, "INC-4711")
	h.checkSupportSession(resp, p.sue, h.jill, "INC-4711", []string{"pwd"})

	// The same form again: the request is done, so the browser only goes
	// on to the callback; no second session, no second event.
	resp, _ = h.giveReason(token, "INC-4711")
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != callbackURL || cookieNamed(resp, session.CookieName) != nil {
		t.Errorf("second POST: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if resp, _ := h.get(supportPath); resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != callbackURL {
		t.Errorf("GET /login/support once done: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	// Were the request open again, the pending login is spent.
	h.requests.add(Request{ID: "req-1", ClientID: "things-manager", ClientName: "Things Manager"})
	resp, page = h.giveReason(token, "INC-4711")
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(page, msgRequestExpired) {
		t.Errorf("POST after the pending login was used: %d\n%s", resp.StatusCode, page)
	}
	if evs := h.events(actionSupportLogin); len(evs) != 1 || h.requests.completions() != 1 {
		t.Errorf("%d support.login events, %d completions; want 1 and 1", len(evs), h.requests.completions())
	}
}
