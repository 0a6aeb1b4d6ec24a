package main

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	gooidc "github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
)

const partnerCallback = "http://localhost/partner/callback"

// partnerClient is an integrator's application, marked third-party, added
// to testdata/directory.yaml for the consent tests only.
const partnerClient = `  - id: partner-app
    name: Fleet Insights by Partner
    type: public
    auth_method: none
    redirect_uris: [` + partnerCallback + `]
    grant_types: [authorization_code]
    scopes: [profile, email]
    third_party: true
`

// newConsentHarness is newHarness with partnerClient among the clients.
func newConsentHarness(t *testing.T) *harness {
	t.Helper()
	data := string(mustRead(t, "testdata/directory.yaml"))
	const anchor = "  - id: portal-b\n"
	if !strings.Contains(data, anchor) {
		t.Fatal("testdata/directory.yaml has no portal-b to add the partner's client before")
	}
	return newHarnessWith(t, "testdata/directory.yaml", []byte(strings.Replace(data, anchor, partnerClient+anchor, 1)))
}

// consentPage checks that resp is the consent page for the partner, and
// returns its form.
func consentPage(t *testing.T, resp *http.Response, body string) url.Values {
	t.Helper()
	csrf, id := csrfRE.FindStringSubmatch(body), authReqIDRE.FindStringSubmatch(body)
	if resp.StatusCode != http.StatusOK || resp.Request.URL.Path != "/login/consent" || csrf == nil || id == nil {
		t.Fatalf("want the consent page, got %d at %s: %.300s", resp.StatusCode, resp.Request.URL, body)
	}
	if !strings.Contains(body, "<strong>Fleet Insights by Partner</strong>") || !strings.Contains(body, `value="allow"`) || !strings.Contains(body, `value="deny"`) {
		t.Fatalf("consent page lacks the client's name or its buttons: %s", body)
	}
	return url.Values{"authRequestID": {id[1]}, "csrf_token": {csrf[1]}}
}

// answer posts Allow or Deny on the consent page form f.
func (b *browser) answer(h *harness, f url.Values, answer string) (*http.Response, string) {
	b.t.Helper()
	f.Set("answer", answer)
	return b.postForm(h.issuer+"/login/consent", f)
}

// TestThirdPartyConsent follows a third-party application through its
// consents: the first login asks, Deny gives the application access_denied
// and remembers nothing, Allow gives it a code and tokens, the next login
// (single sign-on) does not ask, asking for a new scope asks again for it
// alone, and a first-party portal never asks.
func TestThirdPartyConsent(t *testing.T) {
	h := newConsentHarness(t)
	partner := h.portal("partner-app", "", partnerCallback, "openid", "profile")

	// Deny, in a browser of its own: access_denied at the application.
	denier := h.browser()
	a, resp, body := denier.submitPassword(partner, "contoso", "carol", "carol-password")
	resp, _ = denier.answer(h, consentPage(t, resp, body), "deny")
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || resp.StatusCode != http.StatusFound && resp.StatusCode != http.StatusSeeOther ||
		loc.Host != "localhost" || loc.Query().Get("error") != "access_denied" || loc.Query().Get("state") != a.state || loc.Query().Get("code") != "" {
		t.Fatalf("Deny = %d to %q, want access_denied with the state at the application", resp.StatusCode, resp.Header.Get("Location"))
	}

	// The first login asks (the denial was not remembered); Allow gives
	// a code, and tokens for it.
	b := h.browser()
	a, resp, body = b.submitPassword(partner, "contoso", "carol", "carol-password")
	form := consentPage(t, resp, body)
	for _, want := range []string{"know who you are", "see your name, username and preferred language"} {
		if !strings.Contains(body, want) {
			t.Errorf("consent page does not say the application may %q", want)
		}
	}
	resp, _ = b.answer(h, form, "allow")
	tok := partner.redeem(t, code(t, resp, a), a)
	if _, err := h.oidc.Verifier(&gooidc.Config{ClientID: "partner-app"}).Verify(t.Context(), tok.Extra("id_token").(string)); err != nil {
		t.Fatalf("ID token after Allow: %v", err)
	}
	h.verifyAccessToken(t, tok.AccessToken, "partner-app")

	// The next login, by single sign-on, does not ask.
	a, resp, body = b.start(partner)
	if strings.Contains(body, "csrf_token") {
		t.Fatalf("the second login asked again: %.300s", body)
	}
	partner.redeem(t, code(t, resp, a), a)

	// Asking for more asks again, for what is new alone; prompt=none
	// cannot ask, and gets consent_required.
	more := h.portal("partner-app", "", partnerCallback, "openid", "profile", "email")
	_, resp, _ = b.start(more, oauth2.SetAuthURLParam("prompt", "none"))
	if loc, _ := url.Parse(resp.Header.Get("Location")); loc == nil || loc.Query().Get("error") != "consent_required" {
		t.Errorf("prompt=none with a new scope = %d to %q, want consent_required", resp.StatusCode, resp.Header.Get("Location"))
	}
	a, resp, body = b.start(more)
	form = consentPage(t, resp, body)
	if !strings.Contains(body, "see your email address") || strings.Contains(body, "see your name") || !strings.Contains(body, "it now asks for more") {
		t.Errorf("consent page for a new scope should list email alone, as more: %s", body)
	}
	resp, _ = b.answer(h, form, "allow")
	more.redeem(t, code(t, resp, a), a)
	// And then it does not ask again.
	a, resp, body = b.start(more)
	if strings.Contains(body, "csrf_token") {
		t.Fatalf("asked again after the new scope was allowed: %.300s", body)
	}
	code(t, resp, a)

	// The platform's own portal never asks: neither at a login nor by
	// single sign-on.
	fresh := h.browser()
	pa := h.portalA()
	fresh.signIn(t, pa, "contoso", "carol", "carol-password")
	a, resp, _ = fresh.start(pa)
	code(t, resp, a)
}
