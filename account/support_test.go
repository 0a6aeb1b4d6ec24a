package account

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"maps"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/gatehouse-id/gatehouse/audit"
	"github.com/gatehouse-id/gatehouse/directory"
	"github.com/gatehouse-id/gatehouse/mfa"
	"github.com/gatehouse-id/gatehouse/session"
)

// setSupport sets acme's own support policy.
func (h *harness) setSupport(p directory.SupportPolicy) {
	h.t.Helper()
	if _, err := h.dir.PutTenantSettings(h.t.Context(), h.store, "acme",
		directory.TenantSettings{Support: p, UserRoles: h.acme.Settings.UserRoles}); err != nil {
		h.t.Fatal(err)
	}
}

// user adds a user to acme with a tenant role.
func (h *harness) user(name string, role directory.TenantRole) directory.User {
	h.t.Helper()
	u, err := h.dir.CreateUser(h.t.Context(), directory.NewUser{TenantSlug: "acme", Username: name,
		Password: "correct horse battery", TenantRole: role})
	if err != nil {
		h.t.Fatal(err)
	}
	return u
}

// supportUser adds sue, a support engineer of the provider prov above
// acme.
func (h *harness) supportUser() directory.User {
	h.t.Helper()
	ctx := h.t.Context()
	perms, err := directory.ParsePermissions([]string{"support:admin"})
	if err != nil {
		h.t.Fatal(err)
	}
	if _, _, err := h.dir.PutGlobalRole(ctx, h.store, "prov", directory.GlobalRole{Name: "support-engineers", Permissions: perms}); err != nil {
		h.t.Fatal(err)
	}
	u, err := h.dir.CreateUser(ctx, directory.NewUser{TenantSlug: "prov", Username: "sue", Password: "correct horse battery",
		TenantRole: directory.TenantRoleUser, GlobalRoles: []string{"support-engineers"}})
	if err != nil {
		h.t.Fatal(err)
	}
	return u
}

// consents returns what is stored for u: its own consent and acme's, the
// zero SupportConsent where there is none.
func (h *harness) consents(u directory.User) (own, tenant directory.SupportConsent) {
	h.t.Helper()
	own, tenant, _, err := h.dir.SupportConsents(h.t.Context(), u.ID)
	if err != nil {
		h.t.Fatal(err)
	}
	return own, tenant
}

// supportEvents returns acme's support.* audit events, oldest first.
func (h *harness) supportEvents() []audit.Event {
	h.t.Helper()
	all, err := h.store.ListEvents(h.t.Context(), []string{h.acme.ID}, time.Time{}, 0)
	if err != nil {
		h.t.Fatal(err)
	}
	var got []audit.Event
	for i := len(all) - 1; i >= 0; i-- {
		if strings.HasPrefix(all[i].Action, "support.") {
			got = append(got, all[i])
		}
	}
	return got
}

// checkEvent compares e with want, but for its id.
func checkEvent(t *testing.T, e, want audit.Event) {
	t.Helper()
	if e.ID == "" || !e.Time.Equal(want.Time) || e.Action != want.Action || e.TenantID != want.TenantID ||
		e.Actor != want.Actor || e.ActorName != want.ActorName || e.Target != want.Target || e.TargetName != want.TargetName ||
		!maps.Equal(e.Details, want.Details) {
		t.Errorf("audit event\n got %+v\nwant %+v", e, want)
	}
}

const (
	enableSelfButton    = `<button type="submit" class="button">Enable support access for 24 hours</button>`
	disableSelfButton   = `<button type="submit" class="button">Disable support access</button>`
	enableTenantButton  = `<button type="submit" class="button">Enable support access for everyone for 24 hours</button>`
	disableTenantButton = `<button type="submit" class="button">Disable support access for everyone</button>`
)

func TestSupportSelf(t *testing.T) {
	h := newHarness(t)
	h.setSupport(directory.SupportPolicy{Mode: directory.SupportByConsent})
	h.signIn()
	_, body := h.get("/account")
	for _, want := range []string{"<h2>Support access</h2>", "<strong>Disabled.</strong> Support staff cannot sign in as you.", enableSelfButton} {
		if !strings.Contains(body, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	if strings.Contains(body, "For everyone in") || strings.Contains(body, enableTenantButton) {
		t.Error("a user who does not administer the tenant is offered its consent")
	}

	enabledAt := h.clock.Now()
	resp, body := h.post("/account/support/enable", url.Values{"csrf_token": {h.token()}, "scope": {"self"}})
	const until = `<time datetime="2026-03-02T12:00:01Z">2 March 2026 at 12:00 UTC</time>`
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, `<p>Support access enabled until `+until+`.</p>`) ||
		!strings.Contains(body, "<strong>Enabled</strong> until "+until) || !strings.Contains(body, disableSelfButton) {
		t.Fatalf("enable: %d %.2000s", resp.StatusCode, body)
	}
	own, tenant := h.consents(h.jill)
	if own.UserID != h.jill.ID || own.TenantID != h.acme.ID || own.GrantedBy != h.jill.ID ||
		!own.GrantedAt.Equal(enabledAt) || !own.ExpiresAt.Equal(enabledAt.Add(24*time.Hour)) || tenant != (directory.SupportConsent{}) {
		t.Fatalf("stored: own %+v, tenant %+v", own, tenant)
	}
	// Support may now act as jill (the directory reads the same consent).
	if _, body := h.get("/account"); !strings.Contains(body, "<strong>Enabled</strong> until "+until) || strings.Contains(body, enableSelfButton) {
		t.Errorf("page after enabling: %.2000s", body)
	}

	h.clock.Advance(time.Hour)
	disabledAt := h.clock.Now()
	resp, body = h.post("/account/support/disable", url.Values{"csrf_token": {h.token()}, "scope": {"self"}})
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "<p>Support access disabled.</p>") ||
		!strings.Contains(body, "<strong>Disabled.</strong>") || !strings.Contains(body, enableSelfButton) {
		t.Fatalf("disable: %d %.2000s", resp.StatusCode, body)
	}
	if own, _ := h.consents(h.jill); own != (directory.SupportConsent{}) {
		t.Fatalf("still stored: %+v", own)
	}
	// Closing a window that is not open is no error, and audited as such.
	h.clock.Advance(time.Minute)
	if resp, _ := h.post("/account/support/disable", url.Values{"csrf_token": {h.token()}, "scope": {"self"}}); resp.StatusCode != http.StatusOK {
		t.Fatalf("second disable: %d", resp.StatusCode)
	}

	events := h.supportEvents()
	if len(events) != 3 {
		t.Fatalf("%d support events, want 3: %+v", len(events), events)
	}
	base := audit.Event{TenantID: h.acme.ID, Actor: h.jill.ID, ActorName: "jill", Target: h.jill.ID, TargetName: "jill"}
	want := base
	want.Time, want.Action, want.Details = enabledAt, "support.consent_enabled", map[string]string{"scope": "self", "expires_at": "2026-03-02T12:00:01Z"}
	checkEvent(t, events[0], want)
	want = base
	want.Time, want.Action, want.Details = disabledAt, "support.consent_disabled", map[string]string{"scope": "self", "was_open": "true"}
	checkEvent(t, events[1], want)
	want.Time, want.Details = disabledAt.Add(time.Minute), map[string]string{"scope": "self", "was_open": "false"}
	checkEvent(t, events[2], want)
}

func TestSupportTenantScope(t *testing.T) {
	h := newHarness(t)
	h.setSupport(directory.SupportPolicy{Mode: directory.SupportByConsent, ConsentWindow: 2 * time.Hour})
	ann := h.user("ann", directory.TenantRoleAdmin)

	// jill, no administrator: refused, nothing stored, nothing audited.
	h.signIn()
	for _, path := range []string{"/account/support/enable", "/account/support/disable"} {
		resp, body := h.post(path, url.Values{"csrf_token": {h.token()}, "scope": {"tenant"}})
		if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "Only an administrator of Acme IoT can enable or disable support access for everyone in it. Nothing was changed.") {
			t.Errorf("%s by a user: %d %.600s", path, resp.StatusCode, body)
		}
	}
	if _, tenant := h.consents(h.jill); tenant != (directory.SupportConsent{}) {
		t.Fatalf("a user opened the tenant's consent: %+v", tenant)
	}
	if events := h.supportEvents(); len(events) != 0 {
		t.Fatalf("refusals audited: %+v", events)
	}

	// ann administers acme.
	h.signInAs(ann, nil)
	_, body := h.get("/account")
	for _, want := range []string{"<h3>For everyone in Acme IoT</h3>", `<button type="submit" class="button">Enable support access for everyone for 2 hours</button>`,
		`<button type="submit" class="button">Enable support access for 2 hours</button>`} {
		if !strings.Contains(body, want) {
			t.Errorf("administrator's page lacks %q", want)
		}
	}
	enabledAt := h.clock.Now()
	resp, body := h.post("/account/support/enable", url.Values{"csrf_token": {h.token()}, "scope": {"tenant"}})
	const until = `<time datetime="2026-03-01T14:00:01Z">1 March 2026 at 14:00 UTC</time>`
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "<p>Support access for everyone in Acme IoT enabled until "+until+".</p>") ||
		!strings.Contains(body, disableTenantButton) {
		t.Fatalf("tenant enable: %d %.2000s", resp.StatusCode, body)
	}
	own, tenant := h.consents(ann)
	if own != (directory.SupportConsent{}) || tenant.UserID != "" || tenant.TenantID != h.acme.ID || tenant.GrantedBy != ann.ID ||
		!tenant.ExpiresAt.Equal(enabledAt.Add(2*time.Hour)) {
		t.Fatalf("stored: own %+v, tenant %+v", own, tenant)
	}
	// jill sees that support may act as her, by her administrators' leave.
	h.signIn()
	if _, body := h.get("/account"); !strings.Contains(body, "<strong>Not enabled by you</strong>, but your administrators have enabled support access for everyone in Acme IoT until "+until) {
		t.Errorf("user's page with the tenant's consent open: %.2000s", body)
	}
	h.signInAs(ann, nil)
	h.clock.Advance(time.Minute)
	resp, body = h.post("/account/support/disable", url.Values{"csrf_token": {h.token()}, "scope": {"tenant"}})
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "<p>Support access for everyone in Acme IoT disabled.</p>") ||
		!strings.Contains(body, `<button type="submit" class="button">Enable support access for everyone for 2 hours</button>`) {
		t.Fatalf("tenant disable: %d %.2000s", resp.StatusCode, body)
	}
	if _, tenant := h.consents(ann); tenant != (directory.SupportConsent{}) {
		t.Fatalf("still stored: %+v", tenant)
	}
	events := h.supportEvents()
	if len(events) != 2 {
		t.Fatalf("%d support events, want 2: %+v", len(events), events)
	}
	checkEvent(t, events[0], audit.Event{Time: enabledAt, Action: "support.consent_enabled", TenantID: h.acme.ID, Actor: ann.ID, ActorName: "ann",
		Target: h.acme.ID, TargetName: "acme", Details: map[string]string{"scope": "tenant", "expires_at": "2026-03-01T14:00:01Z"}})
	checkEvent(t, events[1], audit.Event{Time: enabledAt.Add(time.Minute), Action: "support.consent_disabled", TenantID: h.acme.ID, Actor: ann.ID, ActorName: "ann",
		Target: h.acme.ID, TargetName: "acme", Details: map[string]string{"scope": "tenant", "was_open": "true"}})
}

// TestSupportPolicyDisplay: under the permission policy there is nothing
// to enable, so nothing is offered but closing a window left open.
func TestSupportPolicyDisplay(t *testing.T) {
	h := newHarness(t)
	ann := h.user("ann", directory.TenantRoleAdmin)
	h.signInAs(ann, nil)
	_, body := h.get("/account") // nothing set anywhere: permission
	if !strings.Contains(body, "<strong>Allowed.</strong> Acme IoT lets your provider's support staff sign in as you") ||
		!strings.Contains(body, "There is nothing to enable") || strings.Contains(body, "/account/support/") || strings.Contains(body, "For everyone in") {
		t.Errorf("permission policy: %.2000s", body)
	}

	h.setSupport(directory.SupportPolicy{Mode: directory.SupportByConsent})
	_, body = h.get("/account")
	for _, want := range []string{"Acme IoT asks for your consent", enableSelfButton, enableTenantButton} {
		if !strings.Contains(body, want) {
			t.Errorf("consent policy: page lacks %q", want)
		}
	}
	// Windows opened under consent, then the policy loosened: still shown,
	// and only closing them is offered.
	for _, scope := range []string{"self", "tenant"} {
		if resp, _ := h.post("/account/support/enable", url.Values{"csrf_token": {h.token()}, "scope": {scope}}); resp.StatusCode != http.StatusOK {
			t.Fatalf("enable %s: %d", scope, resp.StatusCode)
		}
	}
	h.setSupport(directory.SupportPolicy{Mode: directory.SupportByPermission})
	_, body = h.get("/account")
	for _, want := range []string{"<strong>Allowed.</strong>", "You enabled support access until", "It would only matter if Acme IoT came to require consent",
		disableSelfButton, disableTenantButton} {
		if !strings.Contains(body, want) {
			t.Errorf("permission policy, windows open: page lacks %q", want)
		}
	}
	if strings.Contains(body, enableSelfButton) || strings.Contains(body, enableTenantButton) {
		t.Error("permission policy offers to enable support access")
	}
	// A window that has closed by itself is shown as closed.
	h.setSupport(directory.SupportPolicy{Mode: directory.SupportByConsent})
	h.clock.Advance(24 * time.Hour)
	h.signInAs(ann, nil) // the session ended too
	if _, body := h.get("/account"); strings.Contains(body, "<strong>Enabled</strong>") || !strings.Contains(body, enableSelfButton) {
		t.Errorf("expired windows: %.2000s", body)
	}
}

// lockedBuffer is a log the server's goroutines write and the test reads.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestSupportSessionChangesNothing: support acting as john sees his page
// with a banner and no form, and every form is refused before anything is
// checked: no code spent, no consent changed, nothing audited.
func TestSupportSessionChangesNothing(t *testing.T) {
	var logs lockedBuffer
	h := newHarness(t, func(c *Config) {
		c.Logger = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	})
	h.setSupport(directory.SupportPolicy{Mode: directory.SupportByConsent})
	john := h.user("john", directory.TenantRoleAdmin)
	sub := mfa.Subject{UserID: john.ID, Username: "john", TenantID: h.acme.ID, TenantSlug: "acme"}
	e, err := h.mfa.NewEnrolment(sub)
	if err != nil {
		t.Fatal(err)
	}
	c, _ := totp.GenerateCode(e.Secret, h.clock.Now())
	if _, err := h.mfa.CompleteEnrolment(t.Context(), sub, e.Secret, c); err != nil {
		t.Fatal(err)
	}
	h.clock.Advance(30 * time.Second)
	// john's own window is open; the tenant's is not.
	if _, err := h.dir.EnableSupport(t.Context(), directory.SupportCaller{UserID: john.ID}, false, h.clock.Now()); err != nil {
		t.Fatal(err)
	}
	ownBefore, _ := h.consents(john)
	eventsBefore, err := h.store.ListEvents(t.Context(), []string{h.acme.ID}, time.Time{}, 0)
	if err != nil {
		t.Fatal(err)
	}

	sue := h.supportUser()
	sess := h.signInAs(john, &session.Support{ActorID: sue.ID, ActorUsername: "sue", ActorTenantID: sue.TenantID,
		ActorTenantSlug: "prov", Username: "john"})
	resp, body := h.get("/account")
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "Support (sue of prov) is acting as this account: its sign-in settings cannot be changed.") {
		t.Fatalf("support session's page: %d %.2000s", resp.StatusCode, body)
	}
	if strings.Contains(body, "<form") || strings.Contains(body, "csrf_token") {
		t.Errorf("a support session is offered a form: %.3000s", body)
	}
	for _, want := range []string{`id="totp-state"`, "<strong>On.</strong>", "<strong>Enabled</strong> until", "<h3>For everyone in Acme IoT</h3>"} {
		if !strings.Contains(body, want) {
			t.Errorf("support session's page lacks %q", want)
		}
	}
	if resp, _ := h.get("/account/totp/enrol"); resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/account" {
		t.Errorf("enrolment page in a support session: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}

	// Forged with the token the session's page would have had: refused
	// all the same.
	token := csrf{key: bytes.Repeat([]byte{3}, 32)}.token(sess.ID)
	code, _ := totp.GenerateCode(e.Secret, h.clock.Now())
	for _, tc := range []struct{ path, scope string }{
		{"/account/totp/enrol/start", ""}, {"/account/totp/enrol", ""}, {"/account/totp/recovery", ""}, {"/account/totp/remove", ""},
		{"/account/support/enable", "self"}, {"/account/support/enable", "tenant"},
		{"/account/support/disable", "self"}, {"/account/support/disable", "tenant"},
		{"/account/support/enable", "bogus"},
	} {
		resp, body := h.post(tc.path, url.Values{"csrf_token": {token}, "code": {code}, "scope": {tc.scope}, "enrol_id": {"x"}})
		if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "Support cannot change this account's sign-in settings or support access while acting as it. Nothing was checked or changed.") ||
			strings.Contains(body, "<form") {
			t.Errorf("%s scope=%q in a support session: %d %.600s", tc.path, tc.scope, resp.StatusCode, body)
		}
	}
	if st, err := h.mfa.Status(t.Context(), sub); err != nil || !st.Enrolled || st.RecoveryCodesLeft != 10 {
		t.Errorf("TOTP status changed: %+v %v", st, err)
	}
	if own, tenant := h.consents(john); own != ownBefore || tenant != (directory.SupportConsent{}) {
		t.Errorf("consents changed: own %+v (was %+v), tenant %+v", own, ownBefore, tenant)
	}
	if after, _ := h.store.ListEvents(t.Context(), []string{h.acme.ID}, time.Time{}, 0); len(after) != len(eventsBefore) {
		t.Errorf("%d audit events, %d before", len(after), len(eventsBefore))
	}
	// The code the forms carried was never checked.
	if _, err := h.mfa.Verify(t.Context(), sub, code); err != nil {
		t.Errorf("a refused form spent the code: %v", err)
	}
	log := logs.String()
	if n := strings.Count(log, `level=WARN msg="account form refused: support session"`); n != 9 {
		t.Errorf("%d warnings for 9 refused forms:\n%s", n, log)
	}
	if !strings.Contains(log, "user_id="+john.ID) || !strings.Contains(log, "actor_id="+sue.ID) {
		t.Errorf("the warning does not name the user and the actor:\n%s", log)
	}
}

func TestSupportFormChecks(t *testing.T) {
	h := newHarness(t)
	h.setSupport(directory.SupportPolicy{Mode: directory.SupportByConsent})
	h.signIn()
	for _, scope := range []string{"", "SELF", "everyone", "self "} {
		for _, path := range []string{"/account/support/enable", "/account/support/disable"} {
			resp, body := h.post(path, url.Values{"csrf_token": {h.token()}, "scope": {scope}})
			if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "could not understand") {
				t.Errorf("%s scope=%q: %d %.300s", path, scope, resp.StatusCode, body)
			}
		}
	}
	if resp, body := h.post("/account/support/enable", url.Values{"scope": {"self"}}); resp.StatusCode != http.StatusForbidden ||
		!strings.Contains(body, "This form expired") {
		t.Errorf("no CSRF token: %d %.300s", resp.StatusCode, body)
	}
	if own, tenant := h.consents(h.jill); own != (directory.SupportConsent{}) || tenant != (directory.SupportConsent{}) {
		t.Errorf("stored: %+v %+v", own, tenant)
	}
	if events := h.supportEvents(); len(events) != 0 {
		t.Errorf("audited: %+v", events)
	}
	// Without a session: the sign-in page, nothing changed.
	h.client.Jar.SetCookies(mustParse(h.srv.URL), []*http.Cookie{{Name: session.CookieName, Value: "gone", Path: "/"}})
	if resp, _ := h.post("/account/support/enable", url.Values{"scope": {"self"}}); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("no session: %d", resp.StatusCode)
	}
}

// TestSupportAuditFailure: the change is made, then audited; an event that
// cannot be recorded is the internal-error page, and the change stays.
func TestSupportAuditFailure(t *testing.T) {
	h := newHarness(t, func(c *Config) {
		c.Audit = func(context.Context, audit.Event) error { return errors.New("audit store down") }
	})
	h.setSupport(directory.SupportPolicy{Mode: directory.SupportByConsent})
	h.signIn()
	resp, body := h.post("/account/support/enable", url.Values{"csrf_token": {h.token()}, "scope": {"self"}})
	if resp.StatusCode != http.StatusInternalServerError || !strings.Contains(body, "Something went wrong on our side") {
		t.Errorf("audit failure: %d %.300s", resp.StatusCode, body)
	}
	if own, _ := h.consents(h.jill); !own.Live(h.clock.Now()) {
		t.Errorf("the change was undone: %+v", own)
	}
}

func TestNewRequiresAudit(t *testing.T) {
	var cfg Config
	newHarness(t, func(c *Config) { cfg = *c })
	cfg.Audit = nil
	if _, err := New(cfg); err == nil || !strings.Contains(err.Error(), "Config.Audit") {
		t.Errorf("New without Audit: %v", err)
	}
}

func mustParse(s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		panic(err)
	}
	return u
}

// TestSupportSessionEndsWithSupport: a support session shows the person's
// page only while support may act; once the consent is withdrawn the page
// asks to sign in.
func TestSupportSessionEndsWithSupport(t *testing.T) {
	h := newHarness(t)
	h.setSupport(directory.SupportPolicy{Mode: directory.SupportByConsent})
	john := h.user("john", directory.TenantRoleUser)
	if _, err := h.dir.EnableSupport(t.Context(), directory.SupportCaller{UserID: john.ID}, false, h.clock.Now()); err != nil {
		t.Fatal(err)
	}
	sue := h.supportUser()
	h.signInAs(john, &session.Support{ActorID: sue.ID, ActorUsername: "sue", ActorTenantID: sue.TenantID,
		ActorTenantSlug: "prov", Username: "john"})
	if resp, body := h.get("/account"); resp.StatusCode != http.StatusOK || !strings.Contains(body, "Support (sue of prov)") {
		t.Fatalf("support session's page: %d %.300s", resp.StatusCode, body)
	}
	if _, err := h.dir.DisableSupport(t.Context(), directory.SupportCaller{UserID: john.ID}, false, h.clock.Now()); err != nil {
		t.Fatal(err)
	}
	if resp, body := h.get("/account"); strings.Contains(body, "Support (sue of prov)") || strings.Contains(body, `id="totp-state"`) {
		t.Errorf("after the consent went: %d %.300s", resp.StatusCode, body)
	}
}
