package main

import (
	"html"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"
	"golang.org/x/oauth2"

	"github.com/gatehouse-id/gatehouse/directory"
	"github.com/gatehouse-id/gatehouse/mfa"
)

var (
	secretRE    = regexp.MustCompile(`<code class="secret"[^>]*>([A-Z2-7 ]+)</code>`)
	enrolIDRE   = regexp.MustCompile(`name="enrol_id" value="([^"]+)"`)
	recoveryRE  = regexp.MustCompile(`<li><code>([a-z0-9-]+)</code></li>`)
	totpFormRE  = regexp.MustCompile(`action="/login/totp"`)
	enrolFormRE = regexp.MustCompile(`action="/login/totp/enrol"`)
)

// alignTOTP moves the test clock to one second into a 30-second TOTP
// window, so that the steps of a test (which take well under a second) see
// the same code unless the test moves the clock on.
func (h *harness) alignTOTP() {
	now := h.clock.Now()
	into := now.Sub(now.Truncate(30 * time.Second))
	h.clock.Advance(30*time.Second - into + time.Second)
}

// setMFA sets tenant slug's TOTP policy.
func (h *harness) setMFA(t *testing.T, slug string, p directory.MFAPolicy) {
	t.Helper()
	h.changeSettings(t, slug, func(s *directory.TenantSettings) { s.MFA = p })
}

// changeSettings applies change to tenant slug's settings.
func (h *harness) changeSettings(t *testing.T, slug string, change func(*directory.TenantSettings)) {
	t.Helper()
	tn, err := h.app.directory.Store().TenantBySlug(t.Context(), slug)
	if err != nil {
		t.Fatal(err)
	}
	s := tn.Settings
	change(&s)
	if _, err := h.app.directory.PutTenantSettings(t.Context(), h.app.directory.Store(), slug, s); err != nil {
		t.Fatal(err)
	}
}

// postOn posts form to the page's own URL path with its CSRF token and
// request id.
func (b *browser) postOn(page *http.Response, body, path string, form url.Values) (*http.Response, string) {
	b.t.Helper()
	csrf, id := csrfRE.FindStringSubmatch(body), authReqIDRE.FindStringSubmatch(body)
	if csrf == nil || id == nil {
		b.t.Fatalf("no form on the page (status %d): %.400s", page.StatusCode, body)
	}
	form.Set("csrf_token", csrf[1])
	form.Set("authRequestID", id[1])
	u := *page.Request.URL
	u.Path, u.RawQuery = path, ""
	return b.postForm(u.String(), form)
}

// setupKey reads the setup key off an enrolment page (the login's or the
// account page's), and returns it and the code an authenticator shows now.
func (h *harness) setupKey(t *testing.T, body string) (secret, code string) {
	t.Helper()
	m := secretRE.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no setup key on the page: %.400s", body)
	}
	secret = strings.ReplaceAll(m[1], " ", "")
	code, err := totp.GenerateCode(secret, h.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	return secret, code
}

// enrol goes through the enrolment page the browser is on and returns the
// secret, the recovery codes and the redirect to the portal.
func (h *harness) enrol(t *testing.T, b *browser, page *http.Response, body string) (string, []string, *http.Response) {
	t.Helper()
	if !enrolFormRE.MatchString(body) {
		t.Fatalf("expected the enrolment page, got %d: %.400s", page.StatusCode, body)
	}
	if !strings.Contains(body, `src="data:image/png;base64,`) {
		t.Error("the enrolment page has no QR code drawn by the server")
	}
	secret, code := h.setupKey(t, body)
	resp, body := b.postOn(page, body, "/login/totp/enrol", url.Values{"code": {code}, "enrol_id": {enrolIDRE.FindStringSubmatch(body)[1]}})
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("enrolment code refused: %d %.400s", resp.StatusCode, body)
	}
	codes := recoveryCodes(body)
	if len(codes) != 10 {
		t.Fatalf("%d recovery codes shown, want 10", len(codes))
	}
	// A reload shows the same codes: they are not lost before the person
	// has saved them.
	if again, body2 := b.get(resp.Request.URL.String()); again.StatusCode != http.StatusOK || !strings.Contains(body2, codes[0]) {
		t.Errorf("reloading the recovery codes page: %d", again.StatusCode)
	}
	resp, _ = b.postOn(resp, body, "/login/totp/done", url.Values{})
	return secret, codes, resp
}

func TestTOTPRequiredByTenantPolicy(t *testing.T) {
	h := newHarness(t)
	h.setMFA(t, "contoso", directory.MFARequired)
	h.alignTOTP()
	pa := h.portalA()

	// First login: enrolment before any token.
	b := h.browser()
	a, resp, body := b.submitPassword(pa, "contoso", "carol", "carol-password")
	secret, recovery, resp := h.enrol(t, b, resp, body)
	tok := pa.redeem(t, code(t, resp, a), a)
	at := h.verifyAccessToken(t, tok.AccessToken, "portal-a")
	if !slices.Equal(at.AMR, []string{"pwd", "otp", "mfa"}) || at.ACR != "mfa" {
		t.Errorf("amr %v acr %q after TOTP", at.AMR, at.ACR)
	}
	// Carried through refresh.
	fresh, err := pa.refresh(t.Context(), tok.RefreshToken)
	if err != nil {
		t.Fatal(err)
	}
	if at := h.verifyAccessToken(t, fresh.AccessToken, "portal-a"); !slices.Equal(at.AMR, []string{"pwd", "otp", "mfa"}) {
		t.Errorf("amr after refresh %v", at.AMR)
	}

	// Second login, another browser: the code the enrolment used is spent.
	login := func(codeFor func() string) (*http.Response, string, authorization) {
		b := h.browser()
		a, resp, body := b.submitPassword(pa, "contoso", "carol", "carol-password")
		if !totpFormRE.MatchString(body) {
			t.Fatalf("expected the TOTP page, got %d: %.300s", resp.StatusCode, body)
		}
		resp, body = b.postOn(resp, body, "/login/totp", url.Values{"code": {codeFor()}})
		return resp, body, a
	}
	now := func() string { c, _ := totp.GenerateCode(secret, h.clock.Now()); return c }
	if resp, body, _ := login(now); resp.StatusCode != http.StatusUnauthorized || !strings.Contains(body, "already used") {
		t.Errorf("replayed code: %d %.300s", resp.StatusCode, body)
	}
	h.clock.Advance(31 * time.Second) // the next code (and past the wait)
	if resp, _, a := login(now); resp.StatusCode != http.StatusFound {
		t.Errorf("fresh code: %d", resp.StatusCode)
	} else {
		code(t, resp, a)
	}

	// A recovery code works once.
	h.clock.Advance(31 * time.Second)
	if resp, _, a := login(func() string { return recovery[0] }); resp.StatusCode != http.StatusFound {
		t.Errorf("recovery code: %d", resp.StatusCode)
	} else {
		code(t, resp, a)
	}
	h.clock.Advance(31 * time.Second)
	if resp, _, _ := login(func() string { return recovery[0] }); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("recovery code used twice: %d", resp.StatusCode)
	}
}

func TestTOTPBadInput(t *testing.T) {
	h := newHarness(t)
	h.setMFA(t, "contoso", directory.MFARequired)
	h.alignTOTP()
	pa := h.portalA()
	b := h.browser()
	_, resp, body := b.submitPassword(pa, "contoso", "carol", "carol-password")
	enrolPage, enrolBody := resp, body
	for _, tc := range []struct {
		code, enrolID string
		status        int
		says          string
	}{
		{"abcdef", "", http.StatusBadRequest, "Enter the 6-digit code"},
		{"12345", "", http.StatusBadRequest, "Enter the 6-digit code"},
		{"", "", http.StatusBadRequest, "Enter the 6-digit code"},
		{"000000", "stale", http.StatusBadRequest, "out of date"},
	} {
		id := tc.enrolID
		if id == "" {
			id = enrolIDRE.FindStringSubmatch(enrolBody)[1]
		}
		resp, body := b.postOn(enrolPage, enrolBody, "/login/totp/enrol", url.Values{"code": {tc.code}, "enrol_id": {id}})
		if resp.StatusCode != tc.status || !strings.Contains(html.UnescapeString(body), tc.says) {
			t.Errorf("code %q enrol_id %q: %d, want %d saying %q\n%.300s", tc.code, tc.enrolID, resp.StatusCode, tc.status, tc.says, body)
		}
	}
	// An expired code (two steps ago) and a future one are wrong, and count.
	secret, _ := h.setupKey(t, enrolBody)
	for _, offset := range []time.Duration{-61 * time.Second, 61 * time.Second} {
		at := h.clock.Now().Add(offset)
		c, _ := totp.GenerateCode(secret, at)
		resp, body := b.postOn(enrolPage, enrolBody, "/login/totp/enrol", url.Values{"code": {c}, "enrol_id": {enrolIDRE.FindStringSubmatch(enrolBody)[1]}})
		if resp.StatusCode != http.StatusUnauthorized && resp.StatusCode != http.StatusTooManyRequests {
			t.Errorf("code from %s: %d %.200s", at, resp.StatusCode, body)
		}
		h.clock.Advance(time.Minute) // past any wait
	}
	// Nothing was enrolled.
	if ok, err := h.app.mfa.Enrolled(t.Context(), h.user(t, "contoso", "carol").ID); err != nil || ok {
		t.Errorf("enrolled after only bad codes: %v %v", ok, err)
	}
}

// TestTOTPLockoutAndUnlock: wrong codes make the next attempt wait longer
// each time, then lock the user; the lock is audited, and the operator's
// unlock (what `gatehouse mfa unlock` runs) lifts it.
func TestTOTPLockoutAndUnlock(t *testing.T) {
	h := newHarness(t)
	h.setMFA(t, "contoso", directory.MFARequired)
	h.alignTOTP()
	pa := h.portalA()
	b := h.browser()
	_, resp, body := b.submitPassword(pa, "contoso", "carol", "carol-password")
	secret, _, _ := h.enrol(t, b, resp, body)

	b = h.browser()
	a, totpPage, totpBody := b.submitPassword(pa, "contoso", "carol", "carol-password")
	try := func(code string) (*http.Response, string) {
		return b.postOn(totpPage, totpBody, "/login/totp", url.Values{"code": {code}})
	}
	for i := 1; i <= 5; i++ {
		resp, body := try("000000")
		if i < 5 && resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("wrong code %d: %d %.200s", i, resp.StatusCode, body)
		}
		if i < 5 { // too soon: refused unchecked, not counted
			if resp, body := try("000000"); resp.StatusCode != http.StatusTooManyRequests || !strings.Contains(body, "before you try again") {
				t.Fatalf("right after wrong code %d: %d %.200s", i, resp.StatusCode, body)
			}
			h.clock.Advance(time.Duration(1<<(i-1))*time.Second + time.Second)
		}
	}
	h.clock.Advance(31 * time.Second)
	good, _ := totp.GenerateCode(secret, h.clock.Now())
	resp, body = try(good)
	if resp.StatusCode != http.StatusTooManyRequests || !strings.Contains(body, "locked") {
		t.Fatalf("a right code while locked: %d %.300s", resp.StatusCode, body)
	}
	u := h.user(t, "contoso", "carol")
	events, err := h.app.db.ListEvents(t.Context(), []string{u.TenantID}, time.Time{}, 0)
	if err != nil {
		t.Fatal(err)
	}
	locks := 0
	for _, e := range events {
		if e.Action == "totp.locked" && e.Target == u.ID {
			locks++
		}
	}
	if locks != 1 {
		t.Errorf("%d totp.locked events, want 1", locks)
	}
	var out strings.Builder
	sub := mfaSubject(u, "contoso")
	if err := runMFAAction(t.Context(), h.app.mfa, "unlock", sub, &out); err != nil || !strings.Contains(out.String(), "unlocked") {
		t.Fatalf("unlock: %v %s", err, out.String())
	}
	resp, _ = try(good)
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("the right code after the unlock: %d", resp.StatusCode)
	}
	code(t, resp, a)
}

// TestTOTPRequiredByRoleAndByApplication: a role that requires TOTP, and a
// portal asking for it with acr_values, both force enrolment in a tenant
// whose policy leaves it optional.
func TestTOTPRequiredByRoleAndByApplication(t *testing.T) {
	h := newHarness(t)
	h.alignTOTP()
	pa := h.portalA()
	// Optional: the password is enough.
	b := h.browser()
	tok := b.signIn(t, pa, "contoso", "carol", "carol-password")
	if at := h.verifyAccessToken(t, tok.AccessToken, "portal-a"); !slices.Equal(at.AMR, []string{"pwd"}) || at.ACR != "pwd" {
		t.Errorf("password only: amr %v acr %q", at.AMR, at.ACR)
	}
	// The portal asks for MFA: the SSO session (password only) is not
	// enough, and enrolment comes first.
	a, resp, body := b.submitPassword(pa, "contoso", "carol", "carol-password", oauth2.SetAuthURLParam("acr_values", "mfa"))
	_, _, resp = h.enrol(t, b, resp, body)
	tok = pa.redeem(t, code(t, resp, a), a)
	if at := h.verifyAccessToken(t, tok.AccessToken, "portal-a"); at.ACR != "mfa" {
		t.Errorf("acr %q after acr_values=mfa", at.ACR)
	}
	// A role that requires TOTP (admins, which carol holds): with her TOTP
	// reset, the next login enrols her again.
	if _, _, err := h.app.directory.PutGlobalRole(t.Context(), h.app.directory.Store(), "contoso",
		directory.GlobalRole{Name: "admins", RequireMFA: true}); err != nil {
		t.Fatal(err)
	}
	u := h.user(t, "contoso", "carol")
	if err := runMFAAction(t.Context(), h.app.mfa, "reset", mfaSubject(u, "contoso"), io.Discard); err != nil {
		t.Fatal(err)
	}
	b = h.browser()
	_, resp, body = b.submitPassword(pa, "contoso", "carol", "carol-password")
	if !enrolFormRE.MatchString(body) || !strings.Contains(body, "Your organization requires") {
		t.Errorf("role admins requires TOTP: got %d %.300s", resp.StatusCode, body)
	}
}

func mfaSubject(u directory.User, tenantSlug string) mfa.Subject {
	return mfa.Subject{UserID: u.ID, Username: u.Username, TenantID: u.TenantID, TenantSlug: tenantSlug}
}

// TestTOTPBecomingRequiredEndsPasswordOnlyGrants: once the tenant requires
// TOTP, a session and a refresh token that came from the password alone no
// longer give tokens.
func TestTOTPBecomingRequiredEndsPasswordOnlyGrants(t *testing.T) {
	h := newHarness(t)
	pa := h.portalA()
	b := h.browser()
	tok := b.signIn(t, pa, "contoso", "carol", "carol-password")
	h.setMFA(t, "contoso", directory.MFARequired)
	_, err := pa.refresh(t.Context(), tok.RefreshToken)
	wantOAuthError(t, err, "invalid_grant")
	if _, _, body := b.start(pa); !strings.Contains(body, "csrf_token") || !strings.Contains(body, `name="password"`) {
		t.Errorf("the password-only session was reused after TOTP became required: %.300s", body)
	}
}
