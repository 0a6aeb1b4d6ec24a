package main

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	gooidc "github.com/coreos/go-oidc/v3/oidc"
	"github.com/pquerna/otp/totp"
	"golang.org/x/oauth2"

	"github.com/gatehouse-id/gatehouse/audit"
	"github.com/gatehouse-id/gatehouse/claims"
	"github.com/gatehouse-id/gatehouse/directory"
)

// The support end-to-end tests run against testdata/support.yaml (its
// header draws the tenant tree): jill, a support engineer of the provider
// acme, acts as john of its customer contoso.

const supportToolSecret = "support-tool-secret-0123456789abcdefgh"

func newSupportHarness(t *testing.T) *harness {
	t.Helper()
	return newHarnessWith(t, "testdata/support.yaml", mustRead(t, "testdata/support.yaml"))
}

func (h *harness) supportPortal() *portal {
	return h.portal("portal-a", portalASecret, "http://localhost/a/callback", "openid", "profile", "offline_access", "tenant", "roles")
}

func (h *harness) supportTool() *portal {
	return h.portal("support-tool", supportToolSecret, "http://localhost/tool/callback", "openid", "profile", "tenant", "roles")
}

// setSupport sets tenant slug's support policy.
func (h *harness) setSupport(t *testing.T, slug string, p directory.SupportPolicy) {
	t.Helper()
	h.changeSettings(t, slug, func(s *directory.TenantSettings) { s.Support = p })
}

// consent gives the support consent of the user with id, for every user
// of its tenant if forTenant (as an administrator may).
func (h *harness) consent(t *testing.T, id string, forTenant bool) {
	t.Helper()
	if _, err := h.app.directory.EnableSupport(t.Context(), directory.SupportCaller{UserID: id}, forTenant, h.clock.Now()); err != nil {
		t.Fatal(err)
	}
}

// withdrawConsent withdraws the support consent of the user with id, and
// reports whether one was open.
func (h *harness) withdrawConsent(t *testing.T, id string) bool {
	t.Helper()
	open, err := h.app.directory.DisableSupport(t.Context(), directory.SupportCaller{UserID: id}, false, h.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	return open
}

// events returns tenant slug's audit events whose action starts with
// "support.", oldest first.
func (h *harness) supportEvents(t *testing.T, slug string) []audit.Event {
	t.Helper()
	evs, err := h.app.db.ListEvents(t.Context(), []string{mustTenantID(t, h, slug)}, time.Time{}, 0)
	if err != nil {
		t.Fatal(err)
	}
	var out []audit.Event
	for _, e := range slices.Backward(evs) {
		if strings.HasPrefix(e.Action, "support.") {
			out = append(out, e)
		}
	}
	return out
}

// supportLogin runs a support login in the browser up to the support page,
// gives reason there, and returns what follows: the redirect to the portal
// (or the TOTP page).
func (b *browser) supportLogin(p *portal, tenant, username, pw, reason string, extra ...oauth2.AuthCodeOption) (authorization, *http.Response, string) {
	b.t.Helper()
	a, resp, body := b.submitPassword(p, tenant, username, pw, extra...)
	if resp.StatusCode != http.StatusOK || resp.Request.URL.Path != "/login/support" {
		b.t.Fatalf("support login: want the support page, got %d at %s: %.400s", resp.StatusCode, resp.Request.URL.Path, body)
	}
	resp, body = b.postOn(resp, body, "/login/support", url.Values{"reason": {reason}})
	return a, resp, body
}

// wantAct checks that act names jill of acme.
func wantAct(t *testing.T, what string, act *claims.Actor, jill directory.User) {
	t.Helper()
	if act == nil || act.Subject != jill.ID || act.PreferredUsername != "jill" || act.Tenant == nil || act.Tenant.Slug != "acme" || act.Tenant.ID != jill.TenantID {
		t.Errorf("%s: act = %+v, want jill of acme", what, act)
	}
}

func TestSupportLoginEndToEnd(t *testing.T) {
	h := newSupportHarness(t)
	jill, john := h.user(t, "acme", "jill"), h.user(t, "contoso", "john")
	b := h.browser()
	pa := h.supportPortal()
	a, resp, _ := b.supportLogin(pa, "contoso", "jill$john", "jill-password", "INC-4711")
	tok := pa.redeem(t, code(t, resp, a), a)
	loginAt := h.clock.Now()

	// The ID token, verified by go-oidc: John's, with Jill as the actor.
	idt, err := h.oidc.Verifier(&gooidc.Config{ClientID: "portal-a"}).Verify(t.Context(), tok.Extra("id_token").(string))
	if err != nil {
		t.Fatalf("go-oidc rejects the support ID token: %v", err)
	}
	var id claims.IDToken
	if err := idt.Claims(&id); err != nil {
		t.Fatal(err)
	}
	if id.Subject != john.ID || id.PreferredUsername != "john" || id.Tenant == nil || id.Tenant.Slug != "contoso" {
		t.Errorf("ID token speaks for %q (%s) in %+v, want john in contoso", id.Subject, id.PreferredUsername, id.Tenant)
	}
	wantAct(t, "ID token", id.Act, jill)
	if !slices.Equal(id.AMR, []string{"pwd"}) {
		t.Errorf("amr = %v, want jill's [pwd]", id.AMR)
	}
	// No token outlives the support session (one hour by default).
	if end := loginAt.Add(time.Hour + time.Minute).Unix(); id.Expiry > end {
		t.Errorf("ID token expires at %d, after the support session's end %d", id.Expiry, end)
	}

	at := h.verifyAccessToken(t, tok.AccessToken, "portal-a")
	if at.Subject != john.ID {
		t.Errorf("access token sub = %q, want john", at.Subject)
	}
	wantAct(t, "access token", at.Act, jill)
	if !at.IsSupport() || !slices.Contains(at.GlobalRoles, "readers") {
		t.Errorf("access token: support %v, roles %v: want john's roles", at.IsSupport(), at.GlobalRoles)
	}

	ui, err := h.oidc.UserInfo(t.Context(), oauth2.StaticTokenSource(tok))
	if err != nil {
		t.Fatal(err)
	}
	var info claims.UserInfo
	if err := ui.Claims(&info); err != nil {
		t.Fatal(err)
	}
	wantAct(t, "userinfo", info.Act, jill)

	res := h.postClient(t, "/oauth/introspect", "portal-a", portalASecret, url.Values{"token": {tok.AccessToken}})
	res.want(t, http.StatusOK, "")
	if act, _ := res.body["act"].(map[string]any); act == nil || act["sub"] != jill.ID || res.body["sub"] != john.ID {
		t.Errorf("introspection: %v", res.body)
	}

	// Refresh keeps act.
	refreshed, err := pa.refresh(t.Context(), tok.RefreshToken)
	if err != nil {
		t.Fatalf("refresh in a support session: %v", err)
	}
	wantAct(t, "refreshed access token", h.verifyAccessToken(t, refreshed.AccessToken, "portal-a").Act, jill)

	// Every page shows the banner while the support session lives.
	_, page, _ := b.start(pa, oauth2.SetAuthURLParam("prompt", "login"))
	if page.StatusCode != http.StatusOK {
		t.Fatalf("login page: %d", page.StatusCode)
	}
	if _, body := b.get(h.issuer + "/account"); !strings.Contains(body, "Acting as john") || !strings.Contains(body, "support: jill (acme)") {
		t.Errorf("the account page shows no support banner: %.600s", body)
	}

	// The audit log of contoso has the login and both tokens, as jill$john.
	evs := h.supportEvents(t, "contoso")
	var actions []string
	for _, e := range evs {
		actions = append(actions, e.Action)
		if e.Actor != jill.ID || e.ActorName != "jill$john" || e.Target != john.ID || e.TargetName != "john" ||
			e.Details["reason"] != "INC-4711" || e.Details["actor_tenant"] != "acme" || e.Details["address"] == "" {
			t.Errorf("audit event %s: %+v", e.Action, e)
		}
	}
	if !slices.Equal(actions, []string{"support.login", "support.token_issued", "support.token_issued"}) {
		t.Errorf("audit actions = %v", actions)
	}
	if len(evs) == 3 && (evs[1].Details["grant_type"] != "authorization_code" || evs[2].Details["grant_type"] != "refresh_token" ||
		evs[0].Details["allowed_by"] != "permission" || evs[0].Details["session_id"] != id.SessionID) {
		t.Errorf("audit details: %v / %v / %v", evs[0].Details, evs[1].Details, evs[2].Details)
	}

	// John's own login carries no act.
	own := h.browser().signIn(t, pa, "contoso", "john", "john-password")
	if jwtHasClaim(t, own.AccessToken, "act") || jwtHasClaim(t, own.Extra("id_token").(string), "act") {
		t.Error("john's own tokens carry act")
	}
	if !jwtHasClaim(t, tok.AccessToken, "act") || !jwtHasClaim(t, tok.Extra("id_token").(string), "act") {
		t.Error("jwtHasClaim does not see act where it is")
	}
}

// jwtHasClaim reports whether the compact JWT's payload has claim name.
func jwtHasClaim(t *testing.T, tok, name string) bool {
	t.Helper()
	return strings.Contains(string(jwtPayload(t, tok)), `"`+name+`":`)
}

func TestSupportAdministratorAndSubtree(t *testing.T) {
	h := newSupportHarness(t)
	pa := h.supportPortal()
	tokenSub := func(b *browser, tenant, username, pw string) string {
		t.Helper()
		a, resp, _ := b.supportLogin(pa, tenant, username, pw, "")
		tok := pa.redeem(t, code(t, resp, a), a)
		return h.verifyAccessToken(t, tok.AccessToken, "portal-a").Subject
	}
	// "jill$" acts as an administrator of the tenant: carol.
	if sub := tokenSub(h.browser(), "contoso", "jill$", "jill-password"); sub != h.user(t, "contoso", "carol").ID {
		t.Errorf("jill$ acts as %q, want carol", sub)
	}
	// Below the customer too, and from the system tenant.
	if sub := tokenSub(h.browser(), "contoso-lab", "jill$lars", "jill-password"); sub != h.user(t, "contoso-lab", "lars").ID {
		t.Errorf("jill$lars acts as %q", sub)
	}
	if sub := tokenSub(h.browser(), "initech", "sam$ian", "sam-password"); sub != h.user(t, "initech", "ian").ID {
		t.Errorf("sam$ian acts as %q", sub)
	}

	// Outside the subtree there is no jill above the tenant: the answer is
	// the one every wrong password gets.
	for _, tc := range []struct{ tenant, username string }{
		{"initech", "jill$ian"}, // a sibling provider's customer
		{"acme", "jill$ada"},    // jill's own tenant
		{"root", "jill$sam"},    // the system tenant
	} {
		b := h.browser()
		_, resp, body := b.submitPassword(pa, tc.tenant, tc.username, "jill-password")
		if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(body, "The tenant, username or password is not correct.") {
			t.Errorf("%s at %s: %d %.300s", tc.username, tc.tenant, resp.StatusCode, body)
		}
	}
}

func TestSupportRefusals(t *testing.T) {
	h := newSupportHarness(t)
	pa := h.supportPortal()
	refused := func(username, refusal string) {
		t.Helper()
		// A refusal about the support user itself is recorded in its own
		// tenant, naming nobody in the tenant tried.
		logged, name := "contoso", username
		if directory.SupportRefusal(refusal).ActorSide() {
			logged, name = "acme", strings.SplitAfter(username, "$")[0]
		}
		before := len(h.supportEvents(t, logged))
		b := h.browser()
		_, resp, body := b.submitPassword(pa, "contoso", username, strings.Split(username, "$")[0]+"-password")
		if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "You cannot sign in as this user for support.") {
			t.Errorf("%s: %d %.300s", username, resp.StatusCode, body)
		}
		evs := h.supportEvents(t, logged)
		if len(evs) != before+1 || evs[len(evs)-1].Action != "support.login_refused" || evs[len(evs)-1].Details["refusal"] != refusal ||
			evs[len(evs)-1].ActorName != name {
			t.Errorf("%s: audit %+v, want one support.login_refused %s", username, evs[before:], refusal)
		}
	}
	refused("pete$john", "no_permission") // support:read without change
	refused("jill$dave", "user_disabled")
	refused("jill$nina", "user_pending")
	refused("jill$nobody", "unknown_user")

	// Consent: with the policy set to consent, the permission is not
	// enough; john's consent lets support in until it ends or he revokes it.
	h.setSupport(t, "contoso", directory.SupportPolicy{Mode: directory.SupportByConsent})
	refused("jill$john", "no_consent")
	john := h.user(t, "contoso", "john")
	h.consent(t, john.ID, false)
	a, resp, _ := h.browser().supportLogin(pa, "contoso", "jill$john", "jill-password", "")
	if _, err := pa.exchange(t.Context(), code(t, resp, a), a); err != nil {
		t.Fatalf("allowed by consent: %v", err)
	}
	if evs := h.supportEvents(t, "contoso"); evs[len(evs)-2].Details["allowed_by"] != "consent" {
		t.Errorf("login allowed_by = %q, want consent", evs[len(evs)-2].Details["allowed_by"])
	}
	h.clock.Advance(25 * time.Hour) // past the 24-hour window
	refused("jill$john", "no_consent")
	h.consent(t, john.ID, false)
	h.withdrawConsent(t, john.ID)
	refused("jill$john", "no_consent")
	// A tenant administrator's consent covers every user.
	carol := h.user(t, "contoso", "carol")
	h.consent(t, carol.ID, true)
	a, resp, _ = h.browser().supportLogin(pa, "contoso", "jill$john", "jill-password", "")
	code(t, resp, a)
}

func TestSupportWrongPasswordRevealsNothing(t *testing.T) {
	h := newSupportHarness(t)
	pa := h.supportPortal()
	attempt := func(tenant, username string) (int, string) {
		t.Helper()
		b := h.browser()
		_, resp, body := b.submitPassword(pa, tenant, username, "not-the-password")
		// The form's tokens, the "Forgot password?" link, which echoes
		// the request and what was typed (URL-encoded), and the language
		// switch's links, which echo the request, differ by nature.
		body = langLinkRE.ReplaceAllString(body, "")
		body = csrfRE.ReplaceAllString(authReqIDRE.ReplaceAllString(forgotLinkRE.ReplaceAllString(body, ""), ""), "")
		return resp.StatusCode, strings.ReplaceAll(body, username, "USER")
	}
	status, want := attempt("contoso", "jill$john")
	if status != http.StatusUnauthorized {
		t.Fatalf("wrong password for jill$john: %d", status)
	}
	for _, u := range []struct{ tenant, username string }{
		{"contoso", "jill$nobody"}, {"contoso", "nobody$john"}, {"contoso", "carol"}, {"contoso", "jill$"},
	} {
		if st, body := attempt(u.tenant, u.username); st != status || body != want {
			t.Errorf("%s: %d, and the page differs from a wrong password for jill$john", u.username, st)
		}
	}
	if evs := h.supportEvents(t, "contoso"); len(evs) != 0 {
		t.Errorf("wrong passwords were audited: %+v", evs)
	}
	// The failures count against "jill" as a support user, whoever the
	// target: jill$john and jill$nobody share one budget of 10.
	for range 7 {
		attempt("contoso", "jill$nobody")
	}
	if st, _ := attempt("contoso", "jill$john"); st != http.StatusTooManyRequests {
		t.Errorf("the 11th wrong support password for jill: %d, want 429", st)
	}
	if _, resp, _ := h.browser().submitPassword(pa, "contoso", "jill$dave", "jill-password"); resp.StatusCode != http.StatusTooManyRequests {
		t.Errorf("jill throttled as a support user, right password: %d, want 429", resp.StatusCode)
	}
	// John's own login is not throttled by it.
	if _, c := h.browser().login(pa, "contoso", "john", "john-password"); c == "" {
		t.Error("john cannot log in")
	}
}

func TestSupportSessionLimits(t *testing.T) {
	h := newSupportHarness(t)
	pa := h.supportPortal()
	b := h.browser()
	a, resp, _ := b.supportLogin(pa, "contoso", "jill$john", "jill-password", "")
	tok := pa.redeem(t, code(t, resp, a), a)

	// A support session cannot start another impersonation.
	_, resp, body := b.submitPassword(pa, "contoso", "jill$carol", "jill-password", oauth2.SetAuthURLParam("prompt", "login"))
	if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "in a support session already") {
		t.Errorf("support login from a support session: %d %.300s", resp.StatusCode, body)
	}
	if evs := h.supportEvents(t, "contoso"); evs[len(evs)-1].Details["refusal"] != "from_support_session" {
		t.Errorf("not audited: %+v", evs[len(evs)-1])
	}

	// Nor change john's TOTP or consent on the account page.
	if resp, _ := b.postForm(h.issuer+"/account/support/enable", url.Values{"scope": {"self"}}); resp.StatusCode != http.StatusForbidden {
		t.Errorf("support enabling john's consent: %d, want 403", resp.StatusCode)
	}
	if resp, _ := b.postForm(h.issuer+"/account/totp/enrol/start", url.Values{}); resp.StatusCode != http.StatusForbidden {
		t.Errorf("support enrolling john's TOTP: %d, want 403", resp.StatusCode)
	}

	// Refresh works within the hour and never beyond it: five minutes
	// before the end, the new access token lives five minutes, not ten.
	h.clock.Advance(55 * time.Minute)
	next, err := pa.refresh(t.Context(), tok.RefreshToken)
	if err != nil {
		t.Fatalf("refresh within the support session: %v", err)
	}
	if left := time.Until(next.Expiry); left > 5*time.Minute+30*time.Second {
		t.Errorf("a refreshed token lives %v more, past the support session's end", left)
	}
	// The refreshed ID token is the support session's too (act), and
	// capped the same way.
	var id claims.IDToken
	if err := json.Unmarshal(jwtPayload(t, next.Extra("id_token").(string)), &id); err != nil || id.Act == nil ||
		time.Unix(id.Expiry, 0).After(h.clock.Now().Add(5*time.Minute+30*time.Second)) {
		t.Errorf("refreshed ID token: act %+v, expires %v (%v)", id.Act, time.Unix(id.Expiry, 0), err)
	}
	h.clock.Advance(6 * time.Minute)
	_, err = pa.refresh(t.Context(), next.RefreshToken)
	wantOAuthError(t, err, "invalid_grant")
	// And the session itself has ended: the next portal asks again.
	_, page, _ := b.start(pa)
	if page.StatusCode != http.StatusOK || page.Request.URL.Path != "/login" {
		t.Errorf("after the support session's end: %d at %s, want the login page", page.StatusCode, page.Request.URL.Path)
	}
}

func TestSupportRevokedConsentEndsAccess(t *testing.T) {
	h := newSupportHarness(t)
	pa := h.supportPortal()
	h.setSupport(t, "contoso", directory.SupportPolicy{Mode: directory.SupportByConsent, RequireReason: true})
	john := h.user(t, "contoso", "john")
	consent := func() {
		t.Helper()
		h.consent(t, john.ID, false)
	}
	revoke := func() {
		t.Helper()
		if !h.withdrawConsent(t, john.ID) {
			t.Fatal("revoke: no consent was open")
		}
	}
	lastRefusal := func() string {
		t.Helper()
		evs := h.supportEvents(t, "contoso")
		if e := evs[len(evs)-1]; e.Action == "support.token_refused" {
			return e.Details["refusal"]
		}
		return ""
	}
	consent()

	// The policy requires a reason: the support page insists on one.
	b := h.browser()
	a, resp, body := b.supportLogin(pa, "contoso", "jill$john", "jill-password", "")
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "Enter the reason for this support session") {
		t.Fatalf("no reason under a policy that requires one: %d %.300s", resp.StatusCode, body)
	}
	resp, _ = b.postOn(resp, body, "/login/support", url.Values{"reason": {"INC-1"}})
	c := code(t, resp, a)

	// The consent goes between the login and the code exchange: the token
	// endpoint decides again and refuses, audited.
	revoke()
	_, err := pa.exchange(t.Context(), c, a)
	wantOAuthError(t, err, "invalid_grant")
	if r := lastRefusal(); r != "no_consent" {
		t.Errorf("refused code exchange audited as %q, want no_consent", r)
	}
	// And single sign-on no longer reuses the support session.
	if _, page, _ := b.start(pa); page.Request.URL.Path != "/login" {
		t.Errorf("SSO reused a support session whose consent is gone: %s", page.Request.URL.Path)
	}

	// The same for a refresh.
	consent()
	a, resp, body = h.browser().supportLogin(pa, "contoso", "jill$john", "jill-password", "INC-2")
	tok := pa.redeem(t, code(t, resp, a), a)
	revoke()
	_, err = pa.refresh(t.Context(), tok.RefreshToken)
	wantOAuthError(t, err, "invalid_grant")
	if r := lastRefusal(); r != "no_consent" {
		t.Errorf("refused refresh audited as %q, want no_consent", r)
	}
	// The family is gone for good, even once consent is back.
	consent()
	_, err = pa.refresh(t.Context(), tok.RefreshToken)
	wantOAuthError(t, err, "invalid_grant")
}

func TestSupportNeedsJillsTOTP(t *testing.T) {
	h := newSupportHarness(t)
	pa := h.supportPortal()
	h.setMFA(t, "contoso", directory.MFARequired)
	h.alignTOTP()
	b := h.browser()
	// Jill has no authenticator; contoso requires TOTP: jill enrols hers.
	_, resp, body := b.supportLogin(pa, "contoso", "jill$john", "jill-password", "INC-2")
	secret, _, resp := h.enrol(t, b, resp, body)
	if resp.StatusCode != http.StatusFound && resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("after enrolment: %d", resp.StatusCode)
	}
	jill := h.user(t, "acme", "jill")
	if on, err := h.app.mfa.Enrolled(t.Context(), jill.ID); err != nil || !on {
		t.Errorf("jill's own authenticator is not enrolled: %v %v", on, err)
	}
	if on, _ := h.app.mfa.Enrolled(t.Context(), h.user(t, "contoso", "john").ID); on {
		t.Error("john got an authenticator from jill's support login")
	}
	// The next support login asks for jill's code, and amr says so.
	h.clock.Advance(31 * time.Second)
	b2 := h.browser()
	a, resp, body := b2.supportLogin(pa, "contoso", "jill$john", "jill-password", "INC-3")
	if resp.Request.URL.Path != "/login/totp" {
		t.Fatalf("want jill's TOTP page, got %d at %s", resp.StatusCode, resp.Request.URL.Path)
	}
	c, err := totp.GenerateCode(secret, h.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	resp, _ = b2.postOn(resp, body, "/login/totp", url.Values{"code": {c}})
	tok := pa.redeem(t, code(t, resp, a), a)
	if at := h.verifyAccessToken(t, tok.AccessToken, "portal-a"); !slices.Equal(at.AMR, []string{"pwd", "otp", "mfa"}) || at.Act == nil {
		t.Errorf("amr = %v act = %v", at.AMR, at.Act)
	}
}

// exchange asks for a token for requestedSubject with subjectToken.
func (h *harness) supportExchange(t *testing.T, subjectToken, requestedSubject, reason string) result {
	t.Helper()
	form := url.Values{
		"grant_type":         {"urn:ietf:params:oauth:grant-type:token-exchange"},
		"subject_token":      {subjectToken},
		"subject_token_type": {"urn:ietf:params:oauth:token-type:access_token"},
		"requested_subject":  {requestedSubject},
	}
	if reason != "" {
		form.Set("reason", reason)
	}
	return h.tokenRequest(t, "support-tool", supportToolSecret, form)
}

func TestSupportTokenExchange(t *testing.T) {
	h := newSupportHarness(t)
	jill, john := h.user(t, "acme", "jill"), h.user(t, "contoso", "john")
	tool := h.supportTool()
	jillTok := h.browser().signIn(t, tool, "acme", "jill", "jill-password")

	res := h.supportExchange(t, jillTok.AccessToken, "contoso/john", "INC-9")
	res.want(t, http.StatusOK, "")
	if res.body["issued_token_type"] != "urn:ietf:params:oauth:token-type:access_token" || res.body["token_type"] != "Bearer" || res.body["refresh_token"] != nil {
		t.Errorf("exchange answer: %v", res.body)
	}
	raw, _ := res.body["access_token"].(string)
	at := h.verifyAccessToken(t, raw, "support-tool")
	if at.Subject != john.ID || at.Tenant == nil || at.Tenant.Slug != "contoso" {
		t.Errorf("exchanged token speaks for %q in %+v", at.Subject, at.Tenant)
	}
	wantAct(t, "exchanged token", at.Act, jill)
	if exp := time.Unix(at.Expiry, 0); exp.After(h.clock.Now().Add(time.Hour + time.Minute)) {
		t.Errorf("exchanged token expires %v", exp)
	}
	evs := h.supportEvents(t, "contoso")
	if len(evs) != 1 || evs[0].Action != "support.exchange" || evs[0].ActorName != "jill$john" || evs[0].Details["reason"] != "INC-9" ||
		evs[0].Details["client_id"] != "support-tool" {
		t.Errorf("audit: %+v", evs)
	}
	// "contoso/" acts as an administrator.
	res = h.supportExchange(t, jillTok.AccessToken, "contoso/", "")
	res.want(t, http.StatusOK, "")
	if admin, _ := res.body["access_token"].(string); h.verifyAccessToken(t, admin, "support-tool").Subject != h.user(t, "contoso", "carol").ID {
		t.Error("contoso/ does not act as carol")
	}

	// Refusals.
	forged := raw[:len(raw)-4] + "AAAA"
	parts := strings.Split(jillTok.AccessToken, ".")
	tampered := parts[0] + "." + strings.TrimRight(parts[1], "=") + "x." + parts[2]
	portal := h.supportPortal()
	portalTok := h.browser().signIn(t, portal, "acme", "jill", "jill-password")
	for _, tc := range []struct {
		name, token, subject, reason string
		status                       int
		err                          string
	}{
		{"forged signature", forged, "contoso/john", "", 400, "invalid_request"},
		{"tampered payload", tampered, "contoso/john", "", 400, "invalid_request"},
		{"another client's token", portalTok.AccessToken, "contoso/john", "", 400, "invalid_request"},
		{"a support token as actor", raw, "contoso/carol", "", 400, "invalid_grant"},
		{"no requested_subject", jillTok.AccessToken, "", "", 400, "invalid_request"},
		{"requested_subject without tenant", jillTok.AccessToken, "john", "", 400, "invalid_request"},
		{"outside the subtree", jillTok.AccessToken, "initech/ian", "", 400, "invalid_grant"},
		{"own tenant", jillTok.AccessToken, "acme/ada", "", 400, "invalid_grant"},
		{"system tenant", jillTok.AccessToken, "root/sam", "", 400, "invalid_grant"},
		{"disabled user", jillTok.AccessToken, "contoso/dave", "", 400, "invalid_grant"},
		{"unknown tenant", jillTok.AccessToken, "nowhere/john", "", 400, "invalid_grant"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h.supportExchange(t, tc.token, tc.subject, tc.reason).want(t, tc.status, tc.err)
		})
	}
	// A token exchange cannot be asked with an actor_token.
	h.tokenRequest(t, "support-tool", supportToolSecret, url.Values{
		"grant_type": {"urn:ietf:params:oauth:grant-type:token-exchange"}, "subject_token": {jillTok.AccessToken},
		"subject_token_type": {"urn:ietf:params:oauth:token-type:access_token"}, "requested_subject": {"contoso/john"},
		"actor_token": {jillTok.AccessToken}, "actor_token_type": {"urn:ietf:params:oauth:token-type:access_token"},
	}).want(t, http.StatusBadRequest, "invalid_request")
	// Nor by a client not registered for it.
	h.tokenRequest(t, "portal-a", portalASecret, url.Values{
		"grant_type": {"urn:ietf:params:oauth:grant-type:token-exchange"}, "subject_token": {portalTok.AccessToken},
		"subject_token_type": {"urn:ietf:params:oauth:token-type:access_token"}, "requested_subject": {"contoso/john"},
	}).want(t, http.StatusBadRequest, "unauthorized_client")

	// A reason where the policy wants one.
	h.setSupport(t, "contoso", directory.SupportPolicy{RequireReason: true})
	h.supportExchange(t, jillTok.AccessToken, "contoso/john", "").want(t, http.StatusBadRequest, "invalid_request")
	h.supportExchange(t, jillTok.AccessToken, "contoso/john", "INC-10").want(t, http.StatusOK, "")

	// An expired actor token: the clock moves past its ten minutes.
	h.clock.Advance(11 * time.Minute)
	h.supportExchange(t, jillTok.AccessToken, "contoso/john", "INC-11").want(t, http.StatusBadRequest, "invalid_request")
}

// TestSupportAcrossNodes: the support login starts on node 1 and is given
// its reason on node 2; the code is redeemed on node 1, refreshed on node
// 2 (the support family's actor and cap stored in PostgreSQL), exchanged on
// node 1; a consent withdrawn through node 2's directory ends the refresh
// on node 1.
func TestSupportAcrossNodes(t *testing.T) {
	c := newClusterWith(t, "testdata/support.yaml")
	jill := c.user(t, "acme", "jill")
	c.setSupport(t, "contoso", directory.SupportPolicy{Mode: directory.SupportByConsent})
	john := c.user(t, "contoso", "john")
	c.consent(t, john.ID, false)
	pa := c.supportPortal()
	b := c.browser()

	c.use(0)
	a, resp, body := b.submitPassword(pa, "contoso", "jill$john", "jill-password")
	if resp.Request.URL.Path != "/login/support" {
		t.Fatalf("support login on node 1: %d at %s", resp.StatusCode, resp.Request.URL.Path)
	}
	c.use(1)
	resp, _ = b.postOn(resp, body, "/login/support", url.Values{"reason": {"INC-7"}})
	cd := code(t, resp, a)

	c.use(0)
	tok, err := pa.exchange(t.Context(), cd, a)
	if err != nil {
		t.Fatalf("support code from node 2 redeemed on node 1: %v", err)
	}
	wantAct(t, "access token", c.verifyAccessToken(t, tok.AccessToken, "portal-a").Act, jill)

	c.use(1)
	next, err := pa.refresh(t.Context(), tok.RefreshToken)
	if err != nil {
		t.Fatalf("support refresh on node 2: %v", err)
	}
	wantAct(t, "refreshed on node 2", c.verifyAccessToken(t, next.AccessToken, "portal-a").Act, jill)

	c.use(0)
	jillTok := c.browser().signIn(t, c.supportTool(), "acme", "jill", "jill-password")
	c.supportExchange(t, jillTok.AccessToken, "contoso/john", "").want(t, http.StatusOK, "")

	c.withdrawConsent(t, john.ID)
	_, err = pa.refresh(t.Context(), next.RefreshToken)
	wantOAuthError(t, err, "invalid_grant")
	if evs := c.supportEvents(t, "contoso"); len(evs) != 5 || evs[4].Action != "support.token_refused" {
		var got []string
		for _, e := range evs {
			got = append(got, e.Action)
		}
		t.Errorf("audit across nodes: %v", got)
	}
}

// TestSupportThrottleNotResetByNamesake: failures at jill$… count against
// "jill" as a support user; another provider's jill succeeding does not
// give them a fresh budget.
func TestSupportThrottleNotResetByNamesake(t *testing.T) {
	h := newSupportHarness(t)
	pa := h.supportPortal()
	wrong := func() int {
		t.Helper()
		_, resp, _ := h.browser().submitPassword(pa, "contoso", "jill$john", "guess")
		return resp.StatusCode
	}
	for range 9 {
		if st := wrong(); st != http.StatusUnauthorized {
			t.Fatalf("wrong guess: %d", st)
		}
	}
	// beta's jill signs in as support at her own customer.
	a, resp, _ := h.browser().supportLogin(pa, "initech", "jill$ian", "beta-jill-password", "")
	code(t, resp, a)
	wrong() // the tenth failure
	if st := wrong(); st != http.StatusTooManyRequests {
		t.Errorf("the eleventh guess after a namesake's success: %d, want 429", st)
	}
}

// TestSupportExchangeTimeBoxedBySignIn: token exchange lives off the
// support user's sign-in as a support session does: a token refreshed by
// single sign-on hours later does not do.
func TestSupportExchangeTimeBoxedBySignIn(t *testing.T) {
	h := newSupportHarness(t)
	tool := h.supportTool()
	b := h.browser()
	b.signIn(t, tool, "acme", "jill", "jill-password")
	h.clock.Advance(61 * time.Minute)
	a, resp, _ := b.start(tool) // single sign-on answers at once
	fresh, err := tool.exchange(t.Context(), code(t, resp, a), a)
	if err != nil {
		t.Fatalf("single sign-on an hour later: %v", err)
	}
	res := h.supportExchange(t, fresh.AccessToken, "contoso/john", "")
	res.want(t, http.StatusBadRequest, "invalid_grant")
	if d, _ := res.body["error_description"].(string); !strings.Contains(d, "sign in again") {
		t.Errorf("description %q", d)
	}
}

// TestSupportExchangeRefusalsStayOutOfOtherTenants: a person without the
// support permission naming another provider's customer writes nothing
// into that customer's log (its own tenant's log says what it tried); a
// support token presented again is recorded as its support user's act.
func TestSupportExchangeRefusalsStayOutOfOtherTenants(t *testing.T) {
	h := newSupportHarness(t)
	tool := h.supportTool()
	ianTok := h.browser().signIn(t, tool, "initech", "ian", "ian-password")
	h.supportExchange(t, ianTok.AccessToken, "contoso/john", "").want(t, http.StatusBadRequest, "invalid_grant")
	if evs := h.supportEvents(t, "contoso"); len(evs) != 0 {
		t.Errorf("contoso's log got %+v from a stranger", evs)
	}
	if evs := h.supportEvents(t, "initech"); len(evs) != 1 || evs[0].Details["refusal"] != "no_permission" ||
		evs[0].Details["tenant"] != "contoso" || evs[0].Target != "" || evs[0].ActorName != "ian$" {
		t.Errorf("initech's log: %+v", evs)
	}

	jill, john := h.user(t, "acme", "jill"), h.user(t, "contoso", "john")
	jillTok := h.browser().signIn(t, tool, "acme", "jill", "jill-password")
	res := h.supportExchange(t, jillTok.AccessToken, "contoso/john", "")
	res.want(t, http.StatusOK, "")
	asJohn, _ := res.body["access_token"].(string)
	h.supportExchange(t, asJohn, "contoso/carol", "").want(t, http.StatusBadRequest, "invalid_grant")
	evs := h.supportEvents(t, "contoso")
	if e := evs[len(evs)-1]; e.Action != "support.exchange_refused" || e.Details["refusal"] != "from_support_session" ||
		e.Actor != jill.ID || e.Target != john.ID {
		t.Errorf("nested exchange audited as %+v", e)
	}
}

// TestSupportTokensEndWithSupport: once the consent goes, the support
// session's tokens are refused at userinfo and inactive at introspection,
// and so is its refresh token; TOTP becoming required of the support user
// ends a password-only support family.
func TestSupportTokensEndWithSupport(t *testing.T) {
	h := newSupportHarness(t)
	pa := h.supportPortal()
	h.setSupport(t, "contoso", directory.SupportPolicy{Mode: directory.SupportByConsent})
	john := h.user(t, "contoso", "john")
	h.consent(t, john.ID, false)
	a, resp, _ := h.browser().supportLogin(pa, "contoso", "jill$john", "jill-password", "")
	tok := pa.redeem(t, code(t, resp, a), a)
	introspect := func(token string) result {
		return h.postClient(t, "/oauth/introspect", "portal-a", portalASecret, url.Values{"token": {token}})
	}
	if res := introspect(tok.RefreshToken); res.body["active"] != true || res.body["act"] == nil {
		t.Errorf("support refresh token introspected: %v", res.body)
	}
	h.withdrawConsent(t, john.ID)
	if _, err := h.oidc.UserInfo(t.Context(), oauth2.StaticTokenSource(tok)); err == nil {
		t.Error("userinfo answers for a support token after the consent went")
	}
	for _, tk := range []string{tok.AccessToken, tok.RefreshToken} {
		if res := introspect(tk); res.body["active"] != false {
			t.Errorf("introspection after the consent went: %v", res.body)
		}
	}

	// TOTP becomes required of jill: her password-only support family ends.
	h.consent(t, john.ID, false)
	a, resp, _ = h.browser().supportLogin(pa, "contoso", "jill$john", "jill-password", "")
	tok = pa.redeem(t, code(t, resp, a), a)
	h.setMFA(t, "acme", directory.MFARequired)
	_, err := pa.refresh(t.Context(), tok.RefreshToken)
	wantOAuthError(t, err, "invalid_grant")
}
