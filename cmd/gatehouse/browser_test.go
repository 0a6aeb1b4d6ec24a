package main

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/gatehouse-id/gatehouse/claims"
	"github.com/gatehouse-id/gatehouse/directory"
)

// TestBrowser walks the login experience in a real browser, headless
// Chromium, against demo nodes on httptest: what a person sees, page by
// page, with a screenshot of each (see tab.screenshot for where they land)
// and axe-core's accessibility check of each (tab.checkAccessibility).
// Without Chromium it skips, except under CI=true.
//
// The nodes keep real time (no clock.Advance): the demo portal verifies
// its tokens against the real clock, and the authenticator codes typed in
// are computed for now.
func TestBrowser(t *testing.T) {
	c := startChrome(t)

	// These flows have their own nodes and browser contexts, and run side
	// by side once the chain below has run.
	t.Run("Support", func(t *testing.T) { t.Parallel(); browseSupport(t, c) })
	t.Run("LanguageSwitch", func(t *testing.T) { t.Parallel(); browseLanguageSwitch(t, c) })
	t.Run("Invitation", func(t *testing.T) { t.Parallel(); browseInvitation(t, c) })
	t.Run("OtherPages", func(t *testing.T) { t.Parallel(); browseEveryOtherPage(t, c) })

	// Carol's day, one node and one browser: she signs in and sets up TOTP,
	// opens the second portal without a prompt, and logs out. Each step
	// starts where the one before ended.
	h := newDemoNode(t)
	b := c.newTab(t, "carol")
	prev := "" // the step before, if it passed
	chain := func(name string, f func(t *testing.T)) {
		want := prev
		prev = ""
		t.Run(name, func(t *testing.T) {
			if want == "" && name != "TOTPEnrolment" {
				t.Skip("it starts where the subtest before it ended, which failed or did not run (a -run pattern must match it too)")
			}
			f(t)
			if !t.Failed() {
				prev = name
			}
		})
	}
	chain("TOTPEnrolment", func(t *testing.T) { browseTOTPEnrolment(t, h, b) })
	chain("SingleSignOn", func(t *testing.T) { browseSingleSignOn(t, b) })
	chain("Logout", func(t *testing.T) { browseLogout(t, h, b) })
}

// browseTOTPEnrolment: contoso requires TOTP; carol, not enrolled, signs
// in to the demo web portal, sets up her authenticator from the setup key
// on the page, sees her recovery codes and lands on the portal's claims.
func browseTOTPEnrolment(t *testing.T, h *harness, b *tab) {
	h.setMFA(t, "contoso", directory.MFARequired)

	b.open(t, "demo-start", h.issuer+"/demo/")
	b.click(t, "login", `a[href="/demo/web/login"]`)
	wantPath(t, b, "/login")
	b.signIn(t, "totp-enrolment", "contoso", "carol", "carol-demo-pw")

	b.must(t, `form[action="/login/totp/enrol"]`)
	b.must(t, `img[src^="data:image/png;base64,"]`) // the QR code, drawn by the server
	b.enrol(t)

	wantPath(t, b, "/demo/web/callback")
	b.wantText(t, "h1", "Signed in to the web portal as carol")
	b.wantText(t, "body", `"amr"`, `"otp"`)
}

// enrol sets up an authenticator on the enrolment page the tab shows, from
// the setup key written on it, and continues past the recovery codes.
func (b *tab) enrol(t *testing.T) {
	t.Helper()
	b.typeSetupCode(t)
	b.click(t, "recovery-codes", `form[action="/login/totp/enrol"] button[type="submit"]`)

	b.must(t, `form[action="/login/totp/done"]`)
	if n := eval[int](t, b, `document.querySelectorAll("ul.codes li code").length`); n != 10 {
		t.Errorf("%d recovery codes shown, want 10", n)
	}
	b.click(t, "portal", `form[action="/login/totp/done"] button[type="submit"]`)
}

// typeSetupCode types, into the enrolment page's code field, the code an
// authenticator set up with the page's setup key shows now.
func (b *tab) typeSetupCode(t *testing.T) {
	t.Helper()
	secret := strings.ReplaceAll(b.text(t, "code.secret"), " ", "")
	code, err := totp.GenerateCode(secret, time.Now())
	if err != nil {
		t.Fatalf("setup key %q: %v", secret, err)
	}
	b.typeInto(t, "#code", code)
}

// signIn fills in the login page the tab shows and submits it: the next
// page is looked at as step.
func (b *tab) signIn(t *testing.T, step, tenant, username, pw string) {
	t.Helper()
	b.must(t, `form[action="/login"]`)
	b.typeInto(t, "#tenant", tenant)
	b.typeInto(t, "#username", username)
	b.typeInto(t, "#password", pw)
	b.click(t, step, `form[action="/login"] button[type="submit"]`)
}

// browseSingleSignOn: from the web portal's claims page, the link to the
// other portal signs carol in there without a prompt.
func browseSingleSignOn(t *testing.T, b *tab) {
	resp := b.click(t, "spa-portal", `a[href="/demo/spa/login"]`)
	wantPath(t, b, "/demo/spa/callback")
	if resp.Status != http.StatusOK {
		t.Errorf("the single-page portal's callback answered %d", resp.Status)
	}
	b.wantText(t, "h1", "Signed in to the spa portal as carol")
}

// browseLogout: the claims page's logout link ends the session at
// Gatehouse (RP-initiated logout) and returns to the demo start page,
// which says so; the other portal signed in in that session is told over
// the back channel and shows its session ended; the portal then asks for
// the password again.
//
// The demo's logout link names the start page as post_logout_redirect_uri,
// so the browser goes there straight from Gatehouse; Gatehouse's own
// "You have signed out" page, for a logout without one, is the end of the
// Support flow.
func browseLogout(t *testing.T, h *harness, b *tab) {
	href := b.attr(t, `a[href*="/end_session"]`, "href")
	if u, err := url.Parse(href); err != nil || u.Query().Get("id_token_hint") == "" {
		t.Errorf("the logout link %q has no id_token_hint", href)
	}
	b.click(t, "logged-out", `a[href*="/end_session"]`)
	wantPath(t, b, "/demo/")
	b.wantText(t, `[role="status"]`, "You are logged out of Gatehouse")

	// The web portal, where carol signed in in the same session, is told
	// over the back channel (back-channel logout) and ends its own.
	for i := 0; ; i++ {
		if _, err := h.app.logout.DeliverOnce(t.Context()); err != nil {
			t.Fatal(err)
		}
		b.open(t, "web-portal-session", h.issuer+"/demo/web/session")
		if strings.Contains(b.text(t, "body"), "Signed out: Gatehouse told this portal") {
			break
		}
		if i == 20 {
			t.Fatalf("the web portal was not told of the logout: %.400s", b.text(t, "body"))
		}
		time.Sleep(100 * time.Millisecond)
	}

	b.open(t, "login-again", h.issuer+"/demo/web/login")
	wantPath(t, b, "/login")
	b.must(t, "#password")
}

// browseSupport: bob, of the provider acme-iot's support desk, signs in at
// contoso as bob$carol with his own password; the support page names whom
// he acts as and takes a reason; the portal shows carol's claims; every
// Gatehouse page then wears the support banner (the account page here);
// the account page's "Sign out" ends the support session on Gatehouse's
// signed-out page.
func browseSupport(t *testing.T, c *chrome) {
	h := newDemoNode(t)
	b := c.newTab(t, "support")
	b.open(t, "login", h.issuer+"/demo/web/login")
	b.signIn(t, "support", "contoso", "bob$carol", "bob-demo-pw")

	wantPath(t, b, "/login/support")
	b.wantText(t, "main", "Sign in for support", "act as carol", "Contoso BV")
	b.typeInto(t, "#reason", "INC-4711")
	b.click(t, "portal", `form[action="/login/support"] button[type="submit"]`)
	wantPath(t, b, "/demo/web/callback")
	b.wantText(t, "h1", "Signed in to the web portal as carol")
	b.wantText(t, "body", `"act"`, `"preferred_username": "bob"`)

	b.open(t, "account", h.issuer+"/account")
	wantPath(t, b, "/account")
	b.must(t, `.support-banner[role="status"]`)
	b.wantText(t, ".support-banner", "Acting as carol", "support: bob (acme-iot)", "This support session ends at")
	b.wantText(t, "#support-session", "is acting as this account")

	b.click(t, "sign-out", `a[href^="/end_session"]`)
	wantPath(t, b, "/logout") // no id_token_hint: the confirmation first
	b.wantText(t, "h1", "Sign out of Gatehouse?")
	b.click(t, "signed-out", `form[action^="/logout"] button[type="submit"]`)
	wantPath(t, b, "/logged-out")
	b.wantText(t, "h1", "You have signed out")
	if b.has(t, ".support-banner") {
		t.Error("the signed-out page still shows the support banner")
	}
}

// browseLanguageSwitch: on the login page, the Dutch link of the language
// menu shows the page in Dutch.
//
// The contract (the language switch is built on another branch): every
// page has <nav class="languages"> with <a hreflang="nl" lang="nl"> links
// that keep the page's query; following one sets a cookie and renders the
// page with <html lang="nl">. Until that branch is merged this subtest
// FAILS, on purpose: it is the switch's acceptance test, not skipped.
func browseLanguageSwitch(t *testing.T, c *chrome) {
	h := newDemoNode(t)
	b := c.newTab(t, "language")
	b.open(t, "login", h.issuer+"/demo/web/login")
	wantPath(t, b, "/login")
	query := eval[string](t, b, `location.search`)

	const link = `nav.languages a[hreflang="nl"]`
	if !b.has(t, link) {
		t.Fatalf("the login page has no %s: the language switch is not merged yet (it is built on another branch)", link)
	}
	if lang := b.attr(t, link, "lang"); lang != "nl" {
		t.Errorf("the Dutch link has lang=%q, want nl", lang)
	}
	if raw := b.attr(t, link, "href"); !keepsQuery(mustParseQuery(t, raw[strings.Index(raw, "?")+1:]), query) {
		t.Errorf("the Dutch link %q drops the page's query %q", raw, query)
	}
	b.click(t, "login-nl", link)
	wantPath(t, b, "/login")
	if lang := b.attr(t, "html", "lang"); lang != "nl" {
		t.Errorf("after choosing Dutch: <html lang=%q>, want nl", lang)
	}
	if got := eval[string](t, b, `location.search`); !keepsQuery(mustParseQuery(t, got), query) {
		t.Errorf("after choosing Dutch the query is %q, want what %q has (the login goes on)", got, query)
	}
	b.must(t, `form[action="/login"]`)

	// The choice is kept: the page again, at its address before the
	// switch, and it is still Dutch.
	b.open(t, "login-nl-again", h.issuer+"/login"+query)
	if lang := b.attr(t, "html", "lang"); lang != "nl" {
		t.Errorf("reloaded after choosing Dutch: <html lang=%q>, want nl", lang)
	}
}

// keepsQuery reports whether q has every parameter of the query string
// orig ("?a=1&b=2"), whatever else it adds.
func keepsQuery(q url.Values, orig string) bool {
	o, err := url.ParseQuery(strings.TrimPrefix(orig, "?"))
	if err != nil {
		return false
	}
	for k, vs := range o {
		if !slices.Equal(q[k], vs) {
			return false
		}
	}
	return true
}

func mustParseQuery(t *testing.T, s string) url.Values {
	t.Helper()
	q, err := url.ParseQuery(strings.TrimPrefix(s, "?"))
	if err != nil {
		t.Fatalf("query %q: %v", s, err)
	}
	return q
}

// browseInvitation: an administrator of contoso (whose policy requires
// TOTP) invites nina through the administration API; the mail waits in the
// demo outbox; nina opens its link, chooses a password, continues to the
// web portal, signs in, sets up TOTP and lands on the claims page.
//
// Nina prefers Dutch: the checks here look at the pages' structure, not
// their English words, so that they hold when the pages speak Dutch.
func browseInvitation(t *testing.T, c *chrome) {
	h := newDemoNode(t)
	// carol signs in to the console before TOTP is required of her: the
	// demo has enrolled nobody.
	h.setMFA(t, "contoso", directory.MFAOptional)
	admin := h.browser().signIn(t, h.console("openid", claims.ScopeAdmin), "contoso", "carol", "carol-demo-pw").AccessToken
	h.setMFA(t, "contoso", directory.MFARequired)
	res := h.api(t, admin, http.MethodPost, "/tenants/contoso/users", map[string]any{
		"username": "nina", "email": "nina.jansen@contoso.example.com", "given_name": "Nina", "family_name": "Jansen",
		"preferred_language": "nl", "invite": true, "client_id": "demo-web"})
	res.want(t, http.StatusCreated)
	h.waitForMail(t)
	link, _ := h.outboxLink(t, "nina.jansen@contoso.example.com")

	b := c.newTab(t, "invitation")
	b.open(t, "outbox", h.issuer+"/demo/outbox")
	b.click(t, "choose-password", `a.button[href=`+mustJSON(link)+`]`)
	b.must(t, `form[action="/invitation"]`)
	const pw = "tulip canal bicycle 1887"
	b.typeInto(t, "#new-password", pw)
	b.typeInto(t, "#confirm-password", pw)
	b.click(t, "password-set", `form[action="/invitation"] button[type="submit"]`)

	b.must(t, `a.button[href*="/demo/web/login"]`)
	b.click(t, "login", `a.button[href*="/demo/web/login"]`)
	wantPath(t, b, "/login")
	if got := eval[string](t, b, `document.querySelector("#username").value`); got != "nina" {
		t.Errorf("the login page after the invitation is filled in for %q, want nina", got)
	}
	b.signIn(t, "totp-enrolment", "contoso", "nina", pw)
	b.must(t, `form[action="/login/totp/enrol"]`)
	b.enrol(t)

	wantPath(t, b, "/demo/web/callback")
	b.wantText(t, "h1", "as nina")
}

// wantPath fails the test unless the tab shows a page at path.
func wantPath(t *testing.T, b *tab, path string) {
	t.Helper()
	if got := b.path(t); got != path {
		t.Fatalf("%s: at %s, want %s: %.600s", b.flow, b.location(t), path, b.text(t, "body"))
	}
}
