package main

import (
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/gatehouse-id/gatehouse/account"
	"github.com/gatehouse-id/gatehouse/directory"
	"github.com/gatehouse-id/gatehouse/templates"
)

// The account page end to end: signed in through its own authorization
// request, authorized by the session, TOTP by choice.

const (
	accountSignInButton = `<a class="button" href="/account/login">Sign in</a>`
	accountEnrolForm    = `action="/account/totp/enrol/start"`
	accountRecoveryForm = `action="/account/totp/recovery"`
	accountRemoveForm   = `action="/account/totp/remove"`
)

// accountSignIn signs the browser in at /account/login, which goes through
// the login pages, and returns where that ends: the account page, or the
// page of the login's next step.
func (h *harness) accountSignIn(t *testing.T, b *browser, tenant, username, pw string) (*http.Response, string) {
	t.Helper()
	resp, body := b.get(h.issuer + "/account/login")
	if !strings.Contains(body, `action="/login"`) {
		t.Fatalf("/account/login did not lead to the login page: %d %.300s", resp.StatusCode, body)
	}
	return b.submitLogin(resp, body, tenant, username, pw)
}

// wantAccountPage checks that the browser is on the account page itself,
// at /account with nothing in the query (no code left in the address).
func wantAccountPage(t *testing.T, resp *http.Response, body string) {
	t.Helper()
	if resp.StatusCode != http.StatusOK || resp.Request.URL.Path != "/account" || resp.Request.URL.RawQuery != "" ||
		!strings.Contains(body, "Signed in as <strong>carol</strong>") || !strings.Contains(body, "Contoso BV") {
		t.Fatalf("not the account page: %d %s %.400s", resp.StatusCode, resp.Request.URL, body)
	}
	if got := resp.Header.Get("Content-Security-Policy"); got != templates.ContentSecurityPolicy {
		t.Errorf("account page CSP %q", got)
	}
	if resp.Header.Get("Cache-Control") != "no-store" || resp.Header.Get("X-Frame-Options") != "DENY" {
		t.Errorf("account page headers %v", resp.Header)
	}
}

// accountPost posts form to path with the CSRF token of the account page
// the browser is on.
func (h *harness) accountPost(t *testing.T, b *browser, body, path string, form url.Values) (*http.Response, string) {
	t.Helper()
	m := csrfRE.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no form on the page: %.400s", body)
	}
	form.Set("csrf_token", m[1])
	return b.postForm(h.issuer+path, form)
}

// accountEnrol enrols from the account page the browser is on and returns
// the secret and the recovery codes.
func (h *harness) accountEnrol(t *testing.T, b *browser, body string) (string, []string) {
	t.Helper()
	resp, body := h.accountPost(t, b, body, "/account/totp/enrol/start", url.Values{})
	if resp.StatusCode != http.StatusOK || resp.Request.URL.Path != "/account/totp/enrol" ||
		!strings.Contains(body, `src="data:image/png;base64,`) || !strings.Contains(body, `autocomplete="one-time-code"`) {
		t.Fatalf("not the enrolment page: %d %s %.400s", resp.StatusCode, resp.Request.URL, body)
	}
	secret, c := h.setupKey(t, body)
	resp, body = h.accountPost(t, b, body, "/account/totp/enrol", url.Values{"code": {c}, "enrol_id": {enrolIDRE.FindStringSubmatch(body)[1]}})
	codes := recoveryCodes(body)
	if resp.StatusCode != http.StatusOK || len(codes) != 10 {
		t.Fatalf("enrolment code: %d, %d recovery codes %.400s", resp.StatusCode, len(codes), body)
	}
	return secret, codes
}

func recoveryCodes(body string) []string {
	var codes []string
	for _, m := range recoveryRE.FindAllStringSubmatch(body, -1) {
		codes = append(codes, m[1])
	}
	return codes
}

// portalLogin logs carol in at portal A in a new browser, giving code at
// the TOTP page if one is asked for (an empty code: none expected). It
// returns the last response.
func (h *harness) portalLogin(t *testing.T, code string) (*http.Response, string) {
	t.Helper()
	b := h.browser()
	_, resp, body := b.submitPassword(h.portalA(), "contoso", "carol", "carol-password")
	if code == "" {
		return resp, body
	}
	if !totpFormRE.MatchString(body) {
		t.Fatalf("the login did not ask for TOTP: %d %.300s", resp.StatusCode, body)
	}
	return b.postOn(resp, body, "/login/totp", url.Values{"code": {code}})
}

func (h *harness) carolEnrolled(t *testing.T) bool {
	t.Helper()
	ok, err := h.app.mfa.Enrolled(t.Context(), h.user(t, "contoso", "carol").ID)
	if err != nil {
		t.Fatal(err)
	}
	return ok
}

// TestAccountTOTPSelfService: in a tenant where TOTP is optional, carol
// signs in to her account page, enrols by choice, gets new recovery codes
// and removes TOTP again, each with a current code.
func TestAccountTOTPSelfService(t *testing.T) {
	h := newHarness(t)
	h.alignTOTP()
	b := h.browser()

	// Without a session: the page says to sign in.
	resp, body := b.get(h.issuer + "/account")
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, accountSignInButton) || strings.Contains(body, "csrf_token") {
		t.Fatalf("/account without a session: %d %.300s", resp.StatusCode, body)
	}
	if got := resp.Header.Get("Content-Security-Policy"); got != templates.ContentSecurityPolicy {
		t.Errorf("sign-in page CSP %q", got)
	}

	// Sign in through /account/login: the login pages, then back.
	resp, body = h.accountSignIn(t, b, "contoso", "carol", "carol-password")
	wantAccountPage(t, resp, body)
	if !strings.Contains(body, accountEnrolForm) || strings.Contains(body, accountRemoveForm) {
		t.Fatalf("optional policy, not enrolled: the page should offer enrolment only: %.600s", body)
	}

	// A form without its CSRF token is refused, and does nothing.
	resp, body = b.postForm(h.issuer+"/account/totp/enrol/start", url.Values{})
	if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "This form expired") {
		t.Errorf("POST without a CSRF token: %d %.300s", resp.StatusCode, body)
	}
	// A cross-origin POST never reaches the handler.
	req, _ := http.NewRequest(http.MethodPost, h.issuer+"/account/totp/enrol/start", strings.NewReader(""))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	req.Header.Set("Origin", "https://evil.example")
	if r, err := b.c.Do(req); err != nil || r.StatusCode != http.StatusForbidden {
		t.Errorf("cross-origin POST: %v %v", r, err)
	} else {
		r.Body.Close()
	}

	// Enrol by choice.
	_, body = b.get(h.issuer + "/account")
	secret, recovery := h.accountEnrol(t, b, body)
	now := func() string { c, _ := totp.GenerateCode(secret, h.clock.Now()); return c }
	resp, body = b.get(h.issuer + "/account")
	wantAccountPage(t, resp, body)
	if !strings.Contains(body, "You have 10 recovery codes left.") || !strings.Contains(body, accountRemoveForm) || strings.Contains(body, accountEnrolForm) {
		t.Errorf("enrolled page: %.800s", body)
	}
	// A second enrolment is refused.
	if resp, body := h.accountPost(t, b, body, "/account/totp/enrol/start", url.Values{}); resp.StatusCode != http.StatusConflict ||
		!strings.Contains(body, "already on") {
		t.Errorf("second enrolment: %d %.300s", resp.StatusCode, body)
	}

	// The next portal login asks for TOTP.
	h.clock.Advance(31 * time.Second)
	if resp, _ := h.portalLogin(t, now()); resp.StatusCode != http.StatusFound {
		t.Fatalf("portal login with TOTP: %d", resp.StatusCode)
	}

	// Bad codes at the account page: the login's answers, nothing changed.
	_, body = b.get(h.issuer + "/account")
	for _, tc := range []struct {
		path, code string
		status     int
		says       string
	}{
		{"/account/totp/recovery", "abc", http.StatusBadRequest, "Enter the 6-digit code"},
		{"/account/totp/remove", "", http.StatusBadRequest, "Enter the 6-digit code"},
		{"/account/totp/remove", recovery[1], http.StatusBadRequest, "Enter the 6-digit code"}, // only a TOTP code will do
		{"/account/totp/remove", "000000", http.StatusUnauthorized, "That code is not right"},
		{"/account/totp/recovery", "000000", http.StatusTooManyRequests, "before you try again"},
	} {
		resp, page := h.accountPost(t, b, body, tc.path, url.Values{"code": {tc.code}})
		if resp.StatusCode != tc.status || !strings.Contains(html.UnescapeString(page), tc.says) {
			t.Errorf("%s with %q: %d, want %d saying %q\n%.400s", tc.path, tc.code, resp.StatusCode, tc.status, tc.says, page)
		}
	}
	if !h.carolEnrolled(t) {
		t.Fatal("bad codes removed TOTP")
	}

	// New recovery codes with a current code: the old ones stop working,
	// a new one works once.
	h.clock.Advance(31 * time.Second)
	_, body = b.get(h.issuer + "/account")
	resp, body = h.accountPost(t, b, body, "/account/totp/recovery", url.Values{"code": {now()}})
	fresh := recoveryCodes(body)
	if resp.StatusCode != http.StatusOK || len(fresh) != 10 || !strings.Contains(body, "Your old recovery codes no longer work.") {
		t.Fatalf("new recovery codes: %d, %d codes %.400s", resp.StatusCode, len(fresh), body)
	}
	if resp, _ := h.portalLogin(t, recovery[0]); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("an old recovery code after regeneration: %d", resp.StatusCode)
	}
	h.clock.Advance(31 * time.Second)
	if resp, _ := h.portalLogin(t, fresh[0]); resp.StatusCode != http.StatusFound {
		t.Errorf("a new recovery code: %d", resp.StatusCode)
	}
	h.clock.Advance(31 * time.Second)
	if resp, _ := h.portalLogin(t, fresh[0]); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("a new recovery code used twice: %d", resp.StatusCode)
	}

	// Remove with a current code: the next login needs the password only.
	h.clock.Advance(31 * time.Second)
	_, body = b.get(h.issuer + "/account")
	resp, body = h.accountPost(t, b, body, "/account/totp/remove", url.Values{"code": {now()}})
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "Two-factor authentication is off.") || !strings.Contains(body, accountEnrolForm) {
		t.Fatalf("remove: %d %.400s", resp.StatusCode, body)
	}
	if h.carolEnrolled(t) {
		t.Fatal("still enrolled after removal")
	}
	if resp, _ := h.portalLogin(t, ""); resp.StatusCode != http.StatusFound {
		t.Errorf("login after removal: %d, want the password alone to be enough", resp.StatusCode)
	}
	// Nothing left to remove.
	if resp, body := h.accountPost(t, b, body, "/account/totp/remove", url.Values{"code": {now()}}); resp.StatusCode != http.StatusConflict {
		t.Errorf("removing twice: %d %.300s", resp.StatusCode, body)
	}

	// Sign out (no id_token_hint: the confirmation page first) ends the
	// session the page runs on.
	resp, page := b.get(h.issuer + "/end_session?client_id=" + account.ClientID)
	m := csrfRE.FindStringSubmatch(page)
	if resp.Request.URL.Path != "/logout" || m == nil {
		t.Fatalf("sign out: %d %s, want the confirmation page", resp.StatusCode, resp.Request.URL)
	}
	if resp, _ := b.postForm(resp.Request.URL.String(), url.Values{"csrf_token": {m[1]}}); resp.StatusCode != http.StatusOK || resp.Request.URL.Path != "/logged-out" {
		t.Errorf("sign out: %d %s", resp.StatusCode, resp.Request.URL)
	}
	if resp, body := b.get(h.issuer + "/account"); !strings.Contains(body, accountSignInButton) {
		t.Errorf("after sign-out: %d %.300s", resp.StatusCode, body)
	}
	// A form posted after the session ended changes nothing.
	if resp, body := h.accountPost(t, b, body, "/account/totp/enrol/start", url.Values{}); resp.StatusCode != http.StatusUnauthorized ||
		!strings.Contains(body, "no longer signed in") {
		t.Errorf("POST without a session: %d %.300s", resp.StatusCode, body)
	}
}

// TestAccountSignInState: the return to /account must carry the state this
// browser was given; anything else is refused and signs no one in.
func TestAccountSignInState(t *testing.T) {
	h := newHarness(t)

	// A forged return in a browser that started nothing.
	b := h.browser()
	resp, body := b.get(h.issuer + "/account?code=forged&state=forged")
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "could not be finished") {
		t.Errorf("forged return without a state cookie: %d %.300s", resp.StatusCode, body)
	}

	// A browser that started a sign-in, returning with another state: the
	// return is refused and ignored, and the real one still works.
	loginPage, loginBody := b.get(h.issuer + "/account/login")
	var state string
	u, _ := url.Parse(h.issuer + "/account")
	for _, ck := range b.c.Jar.Cookies(u) {
		if ck.Name == "gatehouse_account_state" {
			state = ck.Value
		}
	}
	if len(state) != 43 {
		t.Fatalf("no state cookie after /account/login (%q)", state)
	}
	last := "A"
	if strings.HasSuffix(state, "A") {
		last = "B"
	}
	wrong := state[:len(state)-1] + last
	if resp, body := b.get(h.issuer + "/account?code=x&state=" + url.QueryEscape(wrong)); resp.StatusCode != http.StatusBadRequest ||
		!strings.Contains(body, accountSignInButton) {
		t.Errorf("return with the wrong state: %d %.300s", resp.StatusCode, body)
	}
	resp, body = b.submitLogin(loginPage, loginBody, "contoso", "carol", "carol-password")
	wantAccountPage(t, resp, body)
	// Replaying the return (the state cookie is gone) is refused too.
	if resp, _ := b.get(h.issuer + "/account?code=x&state=" + url.QueryEscape(state)); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("replayed return: %d", resp.StatusCode)
	}
	// With a session, /account/login comes straight back (single sign-on).
	resp, body = b.get(h.issuer + "/account/login")
	wantAccountPage(t, resp, body)
}

// TestAccountPolicy: where the tenant requires TOTP, removal is refused
// before the code is checked (the code stays unspent); where it is off,
// nobody enrols.
func TestAccountPolicy(t *testing.T) {
	h := newHarness(t)
	h.setMFA(t, "contoso", directory.MFARequired)
	h.alignTOTP()
	b := h.browser()
	resp, body := b.get(h.issuer + "/account/login")
	resp, body = b.submitLogin(resp, body, "contoso", "carol", "carol-password")
	// Policy requires TOTP: the login enrols carol first, then comes back.
	secret, _, resp := h.enrol(t, b, resp, body)
	if resp.Request.URL.Path != "/account" {
		t.Fatalf("after enrolment at login: %d %s", resp.StatusCode, resp.Request.URL)
	}
	resp, body = b.get(h.issuer + "/account")
	wantAccountPage(t, resp, body)
	if strings.Contains(body, accountRemoveForm) || !strings.Contains(body, "You cannot turn it off: your organization requires it.") ||
		!strings.Contains(body, accountRecoveryForm) {
		t.Errorf("required policy: the page should offer no removal: %.800s", body)
	}
	h.clock.Advance(31 * time.Second)
	c, _ := totp.GenerateCode(secret, h.clock.Now())
	resp, page := h.accountPost(t, b, body, "/account/totp/remove", url.Values{"code": {c}})
	if resp.StatusCode != http.StatusForbidden || !strings.Contains(page, "cannot be turned off") {
		t.Errorf("removal under a required policy: %d %.400s", resp.StatusCode, page)
	}
	if !h.carolEnrolled(t) {
		t.Fatal("removed under a required policy")
	}
	// The refused form did not spend the code: it still signs carol in.
	if resp, _ := h.portalLogin(t, c); resp.StatusCode != http.StatusFound {
		t.Errorf("the code the refused removal carried: %d", resp.StatusCode)
	}

	// Policy off: the page says so and enrolment is refused. (carol keeps
	// her authenticator, and may remove it now: nothing requires it.)
	h.setMFA(t, "contoso", directory.MFAOff)
	_, body = b.get(h.issuer + "/account")
	if !strings.Contains(body, accountRemoveForm) {
		t.Errorf("policy off, enrolled: removal should be offered: %.600s", body)
	}
	withForms := body // the page without TOTP has no form, so no token, to forge a POST with
	h.clock.Advance(31 * time.Second)
	c, _ = totp.GenerateCode(secret, h.clock.Now())
	if resp, page := h.accountPost(t, b, body, "/account/totp/remove", url.Values{"code": {c}}); resp.StatusCode != http.StatusOK {
		t.Fatalf("removal under policy off: %d %.300s", resp.StatusCode, page)
	}
	_, body = b.get(h.issuer + "/account")
	if strings.Contains(body, accountEnrolForm) || !strings.Contains(body, "Your organization has turned two-factor authentication off.") {
		t.Errorf("policy off: %.600s", body)
	}
	resp, page = h.accountPost(t, b, withForms, "/account/totp/enrol/start", url.Values{})
	if resp.StatusCode != http.StatusForbidden || !strings.Contains(page, "turned two-factor authentication off") {
		t.Errorf("enrolment under policy off: %d %.300s", resp.StatusCode, page)
	}
	if h.carolEnrolled(t) {
		t.Error("enrolled under policy off")
	}
}

// TestAccountClientRegistered: the built-in client exists after start,
// and registering it again changes nothing.
func TestAccountClientRegistered(t *testing.T) {
	h := newHarness(t)
	c, err := h.app.directory.Store().ClientByID(t.Context(), account.ClientID)
	if err != nil {
		t.Fatal(err)
	}
	if c.Type != directory.ClientPublic || c.AuthMethod != directory.AuthNone || len(c.RedirectURIs) != 1 ||
		c.RedirectURIs[0] != h.issuer+"/account" || len(c.Scopes) != 0 || len(c.PostLogoutRedirectURIs) != 0 {
		t.Errorf("registered %+v", c)
	}
	_, _, change, err := h.app.directory.PutClient(t.Context(), h.app.directory.Store(), account.Client(h.issuer), "")
	if err != nil || change != directory.Unchanged {
		t.Errorf("registering again: %v %v", change, err)
	}
}

// TestAccountNoRequestMakesTheServerFail throws malformed requests at the
// account routes, with and without a session: never a 5xx.
func TestAccountNoRequestMakesTheServerFail(t *testing.T) {
	h := newHarness(t)
	b := h.browser()
	paths := []string{"/account", "/account/login", "/account/totp/enrol/start", "/account/totp/enrol", "/account/totp/recovery", "/account/totp/remove"}
	bodies := []string{"", "%%%", "code=1&code=2", "csrf_token=x&code=123456&enrol_id=y", strings.Repeat("x", 70<<10)}
	queries := []string{"", "code=x", "state=x", "error=access_denied&state=x", "state=%%"}
	sweep := func() {
		for _, p := range paths {
			for _, q := range queries {
				req, _ := http.NewRequest(http.MethodGet, h.issuer+p+"?"+q, nil)
				resp, err := b.c.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				if resp.StatusCode >= 500 {
					t.Errorf("GET %s?%s: %d", p, q, resp.StatusCode)
				}
				for _, body := range bodies {
					req, _ := http.NewRequest(http.MethodPost, h.issuer+p+"?"+q, strings.NewReader(body))
					req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
					resp, err := b.c.Do(req)
					if err != nil {
						t.Fatal(err)
					}
					resp.Body.Close()
					if resp.StatusCode >= 500 {
						t.Errorf("POST %s?%s (%d bytes): %d", p, q, len(body), resp.StatusCode)
					}
				}
			}
		}
	}
	sweep()
	h.accountSignIn(t, b, "contoso", "carol", "carol-password")
	sweep()
}
