package main

import (
	"testing"

	"golang.org/x/oauth2"

	"github.com/gatehouse-id/gatehouse/demo"
	"github.com/gatehouse-id/gatehouse/directory"
)

// browseEveryOtherPage visits, and so checks for accessibility (tab.page),
// every page the flows of TestBrowser do not pass, in the states people
// meet them in, errors included: the login's error and tenant choice, the
// TOTP code page and a wrong code, the forced new password and a mismatch,
// "forgot password" and its answer, a link that is not valid, the error
// page, the consent page of a third-party application, the device pages
// (a wrong code, the confirmation, the result), and the account page's
// sign-in, TOTP enrolment and recovery codes.
func browseEveryOtherPage(t *testing.T, c *chrome) {
	h := newDemoNode(t)
	demoLogin := h.issuer + "/demo/web/login"

	// The login page with its error: a wrong password.
	b := c.newTab(t, "pages")
	b.open(t, "login", demoLogin)
	b.signIn(t, "login-error", "contoso", "carol", "not-the-password")
	b.must(t, `[role="alert"]`)

	// The tenant choice: bob, an external user of contoso and fabrikam.
	b.typeInto(t, "#tenant", "acme-iot")
	b.typeInto(t, "#username", "bob")
	b.typeInto(t, "#password", "bob-demo-pw")
	b.click(t, "tenant-choice", `form[action="/login"] button[type="submit"]`)
	if n := eval[int](t, b, `document.querySelectorAll('input[name="tenant_id"]').length`); n != 3 {
		t.Errorf("bob is offered %d tenants, want 3 (his home, contoso, fabrikam)", n)
	}
	// His account page, with its "Switch tenant" section.
	eval[bool](t, b, `document.querySelector('input[name="tenant_id"]').checked = true`)
	b.click(t, "tenant-chosen", `form[action="/login/tenant"] button[type="submit"]`)
	b.open(t, "account-switch", h.issuer+"/account")
	b.must(t, `form[action="/account/tenant"] fieldset legend`)

	// The TOTP code page, and a wrong code: carol enrols in one browser,
	// then signs in in another.
	h.setMFA(t, "contoso", directory.MFARequired)
	first := c.newTab(t, "pages-enrol")
	first.open(t, "login", demoLogin)
	first.signIn(t, "enrolment", "contoso", "carol", "carol-demo-pw")
	first.enrol(t)
	second := c.newTab(t, "pages-totp")
	second.open(t, "login", demoLogin)
	second.signIn(t, "totp", "contoso", "carol", "carol-demo-pw")
	second.must(t, `form[action="/login/totp"]`)
	second.typeInto(t, "#code", "000000")
	second.click(t, "totp-wrong", `form[action="/login/totp"] button[type="submit"]`)
	second.must(t, `[role="alert"]`)

	// The forced new password, and a mismatch.
	h.setMFA(t, "contoso", directory.MFAOptional)
	dave := h.user(t, "contoso", "dave")
	dave.MustChangePassword = true // an administrator's "reset at next login"
	if err := h.app.directory.Store().UpdateUser(t.Context(), dave); err != nil {
		t.Fatal(err)
	}
	d := c.newTab(t, "pages-new-password")
	d.open(t, "login", demoLogin)
	d.signIn(t, "new-password", "contoso", "dave", "dave-demo-pw")
	d.must(t, `form[action="/login/new-password"]`)
	d.typeInto(t, "#new-password", "tulip canal bicycle 1887")
	d.typeInto(t, "#confirm-password", "tulip canal bicycle 1888")
	d.click(t, "new-password-mismatch", `form[action="/login/new-password"] button[type="submit"]`)
	d.must(t, `[role="alert"]`)

	// Forgot password, its answer; a link that is not valid; the error page.
	f := c.newTab(t, "pages-links")
	f.open(t, "login", demoLogin)
	f.click(t, "forgot", `a[href^="/password/forgot"]`)
	f.typeInto(t, "#tenant", "contoso")
	f.typeInto(t, "#username", "erin")
	f.click(t, "reset-sent", `form[action="/password/forgot"] button[type="submit"]`)
	f.open(t, "link-not-valid", h.issuer+"/invitation?token=not-a-real-token")
	f.open(t, "error", h.issuer+"/login?authRequestID=no-such-request")

	// The consent page: the web portal made a third-party application.
	web, err := h.app.directory.Store().ClientByID(t.Context(), "demo-web")
	if err != nil {
		t.Fatal(err)
	}
	web.ThirdParty = true
	if err := h.app.directory.Store().UpdateClient(t.Context(), web); err != nil {
		t.Fatal(err)
	}
	g := c.newTab(t, "pages-consent")
	g.open(t, "login", demoLogin)
	g.signIn(t, "consent", "contoso-rotterdam", "erin", "erin-demo-pw")
	wantPath(t, g, "/login/consent")
	g.click(t, "consent-allowed", `form[action="/login/consent"] button[value="allow"]`)
	wantPath(t, g, "/demo/web/callback")

	// The device pages: a wrong code, then the demo command-line tool's
	// code from its link, confirmed as not ours: denied.
	conf := &oauth2.Config{ClientID: demo.CLIClientID, Endpoint: h.oidc.Endpoint(), Scopes: []string{"openid"}}
	conf.Endpoint.AuthStyle = oauth2.AuthStyleInParams
	da, err := conf.DeviceAuth(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	dv := c.newTab(t, "pages-device")
	dv.open(t, "device", h.issuer+"/device")
	dv.typeInto(t, "#user_code", "BCDF-GHJK")
	dv.click(t, "device-wrong-code", `form[action="/device"] button[type="submit"]`)
	dv.must(t, `[role="alert"]`)
	dv.open(t, "device-link", da.VerificationURIComplete)
	dv.click(t, "device-confirm", `form[action="/device"] button[type="submit"]`)
	dv.must(t, `form[action="/device/confirm"]`)
	dv.click(t, "device-denied", `form[action="/device/confirm"] button[value="deny"]`)
	wantPath(t, dv, "/device/done")

	// The account page: its sign-in page, then TOTP enrolment and the
	// recovery codes it shows (fabrikam's TOTP is optional).
	a := c.newTab(t, "pages-account")
	a.open(t, "account-signin", h.issuer+"/account")
	a.click(t, "account-login", `a[href="/account/login"]`)
	a.signIn(t, "account", "fabrikam", "frank", "frank-demo-pw")
	wantPath(t, a, "/account")
	a.click(t, "account-enrol", `form[action="/account/totp/enrol/start"] button[type="submit"]`)
	a.typeSetupCode(t)
	a.click(t, "account-recovery-codes", `form[action="/account/totp/enrol"] button[type="submit"]`)
	if n := eval[int](t, a, `document.querySelectorAll("ul.codes li code").length`); n != 10 {
		t.Errorf("%d recovery codes shown, want 10", n)
	}

	// The logout confirmation: the account page's sign-out link has no
	// id_token_hint, so Gatehouse asks first.
	a.open(t, "account-again", h.issuer+"/account")
	a.click(t, "logout-confirm", `a[href^="/end_session"]`)
	wantPath(t, a, "/logout")
	a.click(t, "logged-out", `form[action^="/logout"] button[type="submit"]`)
	wantPath(t, a, "/logged-out")
}
