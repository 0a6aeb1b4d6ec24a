package main

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"golang.org/x/oauth2"

	"github.com/gatehouse-id/gatehouse/demo"
)

// TestTenantSwitch: Bob, an external user of Acme linked to Contoso and
// Fabrikam, signs in to the web portal in Contoso, switches to Fabrikam on
// the account page without a password, and single sign-on then gives the
// portal tokens for Fabrikam; the tokens issued before keep Contoso (and
// refresh there) until the person signs out, which ends the refresh
// tokens of both.
func TestTenantSwitch(t *testing.T) {
	h := newDemoHarness(t)
	web := h.portal(demo.WebClientID, demo.WebClientSecret, "http://localhost/demo/web/callback",
		"openid", "profile", "email", "offline_access", "tenant", "roles", "permissions")
	b := h.browser()
	a, resp, body := b.submitPassword(web, "acme-iot", "bob", "bob-demo-pw")
	resp, _ = b.chooseTenant(resp, body, "contoso")
	before := web.redeem(t, code(t, resp, a), a)
	if got := tenantSlug(t, before.AccessToken); got != "contoso" {
		t.Fatalf("signed in to %q, want contoso", got)
	}

	resp, body = b.get(h.issuer + "/account")
	fabrikam := mustTenantID(t, h, "fabrikam")
	if resp.Request.URL.Path != "/account" || !strings.Contains(body, "Switch tenant") || !strings.Contains(body, `value="`+fabrikam+`"`) {
		t.Fatalf("the account page offers no switch to fabrikam: %d %s %.600s", resp.StatusCode, resp.Request.URL, body)
	}
	// Another site's form changes nothing.
	if resp, _ := b.postForm(h.issuer+"/account/tenant", url.Values{"tenant_id": {fabrikam}}); resp.StatusCode != http.StatusForbidden {
		t.Errorf("switch without the CSRF token: %d", resp.StatusCode)
	}
	resp, body = h.accountPost(t, b, body, "/account/tenant", url.Values{"tenant_id": {fabrikam}})
	if resp.StatusCode != http.StatusOK || resp.Request.URL.Path != "/account" || !strings.Contains(body, "Fabrikam") ||
		!strings.Contains(body, `value="`+mustTenantID(t, h, "contoso")+`"`) {
		t.Fatalf("after the switch: %d %s %.600s", resp.StatusCode, resp.Request.URL, body)
	}

	// Single sign-on, no password: tokens for fabrikam.
	a, resp, body = b.start(web)
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("no single sign-on after the switch: %d %.300s", resp.StatusCode, body)
	}
	after := web.redeem(t, code(t, resp, a), a)
	if got := tenantSlug(t, after.AccessToken); got != "fabrikam" {
		t.Errorf("after the switch the portal got tokens for %q, want fabrikam", got)
	}
	// What was issued before keeps its tenant until it expires: the
	// access token still says contoso, and is still accepted.
	if got := tenantSlug(t, before.AccessToken); got != "contoso" {
		t.Errorf("the token issued before the switch acts in %q", got)
	}
	if _, err := h.oidc.UserInfo(t.Context(), oauth2.StaticTokenSource(before)); err != nil {
		t.Errorf("userinfo refuses the access token issued before the switch: %v", err)
	}
	refreshed, err := web.refresh(t.Context(), before.RefreshToken)
	if err != nil {
		t.Fatalf("refresh of a token issued before the switch: %v", err)
	}
	if got := tenantSlug(t, refreshed.AccessToken); got != "contoso" {
		t.Errorf("a refresh of a token issued before the switch acts in %q, want contoso", got)
	}

	// Signing out (with the new ID token as hint) ends the refresh tokens
	// born before the switch too.
	q := url.Values{"id_token_hint": {after.Extra("id_token").(string)}}
	if resp, _ := b.get(h.issuer + "/end_session?" + q.Encode()); resp.Request.URL.Path != "/logged-out" {
		t.Fatalf("logout: %d %s", resp.StatusCode, resp.Request.URL)
	}
	for name, rt := range map[string]string{"before the switch": refreshed.RefreshToken, "after": after.RefreshToken} {
		_, err := web.refresh(t.Context(), rt)
		wantOAuthError(t, err, "invalid_grant")
		if err == nil {
			t.Errorf("the refresh token issued %s still works after logout", name)
		}
	}
}

// tenantSlug is the slug of an access token's tenant claim.
func tenantSlug(t *testing.T, accessToken string) string {
	t.Helper()
	var c struct {
		Tenant struct {
			Slug string `json:"slug"`
		} `json:"tenant"`
	}
	if err := json.Unmarshal(jwtPayload(t, accessToken), &c); err != nil {
		t.Fatal(err)
	}
	return c.Tenant.Slug
}
