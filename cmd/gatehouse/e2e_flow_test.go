package main

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	gooidc "github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/gatehouse-id/gatehouse/claims"
)

// jwtHeader decodes a compact JWT's header.
func jwtHeader(t *testing.T, tok string) map[string]any {
	t.Helper()
	b, err := base64.RawURLEncoding.DecodeString(strings.Split(tok, ".")[0])
	if err != nil {
		t.Fatal(err)
	}
	var h map[string]any
	if err := json.Unmarshal(b, &h); err != nil {
		t.Fatal(err)
	}
	return h
}

// verifyAccessToken checks an access token the way an offline resource
// server does, with go-oidc against the JWKS, and returns its claims.
func (h *harness) verifyAccessToken(t *testing.T, raw, clientID string) claims.AccessToken {
	t.Helper()
	if typ := jwtHeader(t, raw)["typ"]; typ != "at+jwt" {
		t.Fatalf("access token typ = %v, want at+jwt (RFC 9068)", typ)
	}
	tok, err := h.oidc.Verifier(&gooidc.Config{ClientID: clientID}).Verify(t.Context(), raw)
	if err != nil {
		t.Fatalf("go-oidc rejects the access token: %v", err)
	}
	var at claims.AccessToken
	if err := tok.Claims(&at); err != nil {
		t.Fatal(err)
	}
	return at
}

func TestCodeFlowWithPKCE(t *testing.T) {
	h := newHarness(t)
	b := h.browser()
	pa := h.portalA()
	a, c := b.login(pa, "contoso", "carol", "carol-password")
	tok := pa.redeem(t, c, a)
	rawID, _ := tok.Extra("id_token").(string)
	idt, err := h.oidc.Verifier(&gooidc.Config{ClientID: "portal-a"}).Verify(t.Context(), rawID)
	if err != nil {
		t.Fatalf("go-oidc rejects the ID token: %v", err)
	}
	if idt.Nonce != a.nonce {
		t.Errorf("nonce = %q, want %q", idt.Nonce, a.nonce)
	}
	if err := idt.VerifyAccessToken(tok.AccessToken); err != nil {
		t.Errorf("at_hash: %v", err)
	}
	var id claims.IDToken
	if err := idt.Claims(&id); err != nil {
		t.Fatal(err)
	}
	if id.PreferredUsername != "carol" || id.Email != "carol@contoso.example" || id.SessionID == "" || !slices.Equal(id.AMR, []string{"pwd"}) || id.AuthTime == 0 {
		t.Errorf("ID token claims: %+v", id)
	}
	if id.Tenant == nil || id.Tenant.Slug != "contoso" || id.Tenant.Level != "customer" || len(id.Tenant.Path) != 3 || id.TenantRole != "admin" {
		t.Errorf("tenant claims: %+v role %q", id.Tenant, id.TenantRole)
	}

	at := h.verifyAccessToken(t, tok.AccessToken, "portal-a")
	if at.ClientID != "portal-a" || at.Subject != idt.Subject || at.JWTID == "" || at.AuthTime != id.AuthTime ||
		!slices.Equal(at.AMR, []string{"pwd"}) || at.Scope != "openid profile email offline_access tenant" || at.SessionID != id.SessionID {
		t.Errorf("access token claims: %+v", at)
	}
	if tok.RefreshToken == "" {
		t.Error("no refresh token with offline_access")
	}

	ui, err := h.oidc.UserInfo(t.Context(), oauth2.StaticTokenSource(tok))
	if err != nil {
		t.Fatalf("userinfo: %v", err)
	}
	var info claims.UserInfo
	if err := ui.Claims(&info); err != nil {
		t.Fatal(err)
	}
	if ui.Subject != idt.Subject || info.GivenName != "Carol" || info.Tenant == nil {
		t.Errorf("userinfo: %+v", info)
	}
	// Userinfo by POST too (OIDC Core §5.3.1).
	resp, err := http.PostForm(h.issuer+"/userinfo", url.Values{"access_token": {tok.AccessToken}})
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Errorf("POST userinfo: %v %v", resp.StatusCode, err)
	}
}

func TestSingleSignOnToSecondPortal(t *testing.T) {
	h := newHarness(t)
	b := h.browser()
	pa, pb := h.portalA(), h.portalB()
	first := b.signIn(t, pa, "contoso", "carol", "carol-password")
	// Portal B: no login page, straight back with a code.
	a2, resp, body := b.start(pb)
	if strings.Contains(body, "csrf_token") {
		t.Fatal("second portal showed the login page: no single sign-on")
	}
	second := pb.redeem(t, code(t, resp, a2), a2)
	idA, _ := h.oidc.Verifier(&gooidc.Config{ClientID: "portal-a"}).Verify(t.Context(), first.Extra("id_token").(string))
	idB, err := h.oidc.Verifier(&gooidc.Config{ClientID: "portal-b"}).Verify(t.Context(), second.Extra("id_token").(string))
	if err != nil {
		t.Fatal(err)
	}
	if idA.Subject != idB.Subject {
		t.Errorf("SSO gave another subject: %s vs %s", idA.Subject, idB.Subject)
	}
	// Portal B did not ask for email or tenant: its tokens do not carry them.
	var cb claims.IDToken
	_ = idB.Claims(&cb)
	if cb.Email != "" || cb.Tenant != nil {
		t.Errorf("portal B received claims it did not ask for: %+v", cb)
	}
}

func TestRefreshRotationAndReuseDetection(t *testing.T) {
	h := newHarness(t)
	b := h.browser()
	pa := h.portalA()
	tok := b.signIn(t, pa, "contoso", "carol", "carol-password")
	first := tok.RefreshToken
	refreshed, err := pa.refresh(t.Context(), first)
	if err != nil {
		t.Fatalf("refresh: %v", err)
	}
	if refreshed.RefreshToken == "" || refreshed.RefreshToken == first {
		t.Fatal("refresh token not rotated")
	}
	if _, err := h.oidc.Verifier(&gooidc.Config{ClientID: "portal-a"}).Verify(t.Context(), refreshed.Extra("id_token").(string)); err != nil {
		t.Errorf("ID token after refresh: %v", err)
	}
	h.verifyAccessToken(t, refreshed.AccessToken, "portal-a")

	// The old token again: refused, and the whole family goes with it.
	_, err = pa.refresh(t.Context(), first)
	wantOAuthError(t, err, "invalid_grant")
	_, err = pa.refresh(t.Context(), refreshed.RefreshToken)
	wantOAuthError(t, err, "invalid_grant")
}

func TestRefreshMayNarrowScopesOnly(t *testing.T) {
	h := newHarness(t)
	pa := h.portalA()
	tok := h.browser().signIn(t, pa, "contoso", "carol", "carol-password")
	res := h.tokenRequest(t, "portal-a", portalASecret, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tok.RefreshToken}, "scope": {"openid admin"}})
	res.want(t, http.StatusBadRequest, "invalid_scope")
	res = h.tokenRequest(t, "portal-a", portalASecret, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tok.RefreshToken}, "scope": {"openid"}})
	res.want(t, http.StatusOK, "")
	at := h.verifyAccessToken(t, res.body["access_token"].(string), "portal-a")
	if at.Scope != "openid" {
		t.Errorf("narrowed scope = %q", at.Scope)
	}
}

func TestClientCredentials(t *testing.T) {
	h := newHarness(t)
	cc := clientcredentials.Config{ClientID: "machine", ClientSecret: machineSecret, TokenURL: h.oidc.Endpoint().TokenURL, Scopes: []string{"devices.read"}}
	tok, err := cc.Token(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	at := h.verifyAccessToken(t, tok.AccessToken, "machine")
	if at.Subject != "machine" || at.ClientID != "machine" || at.Scope != "devices.read" || at.AuthTime != 0 || at.Tenant == nil || at.Tenant.Slug != "contoso" {
		t.Errorf("machine token claims: %+v", at)
	}
	if _, ok := tok.Extra("id_token").(string); ok {
		t.Error("client credentials returned an ID token")
	}
	cc.Scopes = []string{"devices.admin"}
	_, err = cc.Token(t.Context())
	wantOAuthError(t, err, "invalid_scope")
}

func TestIntrospectionAndRevocation(t *testing.T) {
	h := newHarness(t)
	pa := h.portalA()
	tok := h.browser().signIn(t, pa, "contoso", "carol", "carol-password")
	intro := func(token string) map[string]any {
		res := h.postClient(t, "/oauth/introspect", "portal-a", portalASecret, url.Values{"token": {token}})
		res.want(t, http.StatusOK, "")
		return res.body
	}
	got := intro(tok.AccessToken)
	if got["active"] != true || got["client_id"] != "portal-a" || got["username"] != "carol" || got["scope"] == nil || got["token_type"] != "Bearer" {
		t.Errorf("introspection of a live access token: %v", got)
	}
	if got := intro(tok.RefreshToken); got["active"] != true || got["token_type"] != "refresh_token" {
		t.Errorf("introspection of a live refresh token: %v", got)
	}
	if got := intro("not-a-token"); got["active"] != false || len(got) != 1 {
		t.Errorf("introspection of garbage: %v", got)
	}
	// A public client cannot introspect.
	res := h.post(t, "/oauth/introspect", url.Values{"token": {tok.AccessToken}, "client_id": {"portal-b"}})
	res.want(t, http.StatusBadRequest, "invalid_client")

	// Revoke the access token: introspection and userinfo stop accepting it.
	h.postClient(t, "/revoke", "portal-a", portalASecret, url.Values{"token": {tok.AccessToken}, "token_type_hint": {"access_token"}}).want(t, http.StatusOK, "")
	if got := intro(tok.AccessToken); got["active"] != false {
		t.Errorf("revoked access token still active: %v", got)
	}
	if _, err := h.oidc.UserInfo(t.Context(), oauth2.StaticTokenSource(tok)); err == nil {
		t.Error("userinfo accepted a revoked access token")
	}
	// Revoke the refresh token: it no longer refreshes.
	h.postClient(t, "/revoke", "portal-a", portalASecret, url.Values{"token": {tok.RefreshToken}}).want(t, http.StatusOK, "")
	_, err := pa.refresh(t.Context(), tok.RefreshToken)
	wantOAuthError(t, err, "invalid_grant")
	// Unknown tokens: 200, nothing said (RFC 7009 §2.2).
	h.postClient(t, "/revoke", "portal-a", portalASecret, url.Values{"token": {"nonsense"}}).want(t, http.StatusOK, "")
}

func TestLogoutEndsSessionAndRefusesRefresh(t *testing.T) {
	h := newHarness(t)
	b := h.browser()
	pa := h.portalA()
	tok := b.signIn(t, pa, "contoso", "carol", "carol-password")
	q := url.Values{"id_token_hint": {tok.Extra("id_token").(string)}, "post_logout_redirect_uri": {"http://localhost/a/"}, "state": {"bye"}}
	resp, _ := b.get(h.issuer + "/end_session?" + q.Encode())
	if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusFound || loc != "http://localhost/a/?state=bye" {
		t.Fatalf("logout answered %d, Location %q", resp.StatusCode, loc)
	}
	_, err := pa.refresh(t.Context(), tok.RefreshToken)
	wantOAuthError(t, err, "invalid_grant")
	// No single sign-on any more: the login page again.
	if _, _, body := b.start(pa); !strings.Contains(body, "csrf_token") {
		t.Error("after logout the next authorization did not ask to log in")
	}
	// An unregistered post_logout_redirect_uri is never redirected to.
	q.Set("post_logout_redirect_uri", "https://evil.example/")
	resp, _ = b.get(h.issuer + "/end_session?" + q.Encode())
	if strings.Contains(resp.Header.Get("Location"), "evil.example") {
		t.Error("redirected to an unregistered post_logout_redirect_uri")
	}
}

func TestPromptAndMaxAge(t *testing.T) {
	h := newHarness(t)
	b := h.browser()
	pa := h.portalA()
	// prompt=none without a session: login_required at the portal.
	_, resp, _ := b.start(pa, oauth2.SetAuthURLParam("prompt", "none"))
	if loc, _ := url.Parse(resp.Header.Get("Location")); loc == nil || loc.Query().Get("error") != "login_required" {
		t.Fatalf("prompt=none without session: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	b.login(pa, "contoso", "carol", "carol-password")
	// prompt=none with a session: a code, silently.
	a, resp, _ := b.start(pa, oauth2.SetAuthURLParam("prompt", "none"))
	code(t, resp, a)
	// prompt=login and max_age=0 force the login page despite the session.
	for _, p := range []oauth2.AuthCodeOption{oauth2.SetAuthURLParam("prompt", "login"), oauth2.SetAuthURLParam("max_age", "0")} {
		if _, _, body := b.start(pa, p); !strings.Contains(body, "csrf_token") {
			t.Error("forced re-authentication did not show the login page")
		}
	}
	// login_hint naming someone else: the login page, pre-filled.
	if _, _, body := b.start(pa, oauth2.SetAuthURLParam("login_hint", "contoso/erin")); !strings.Contains(body, `value="erin"`) {
		t.Error("login_hint for another user did not show a pre-filled login page")
	}
}

func TestDisabledUserCannotLogIn(t *testing.T) {
	h := newHarness(t)
	b := h.browser()
	_, resp, body := b.submitPassword(h.portalA(), "contoso", "dave", "dave-password")
	if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "disabled") {
		t.Errorf("disabled user: %d", resp.StatusCode)
	}
}

// TestDiscoveryAdvertisesWhatIsServed: discovery lists Gatehouse's grants,
// response types and modes, PKCE method, client authentication, ACR
// values, signing algorithms and scopes, not the library's defaults
// (docs/oauth.md).
func TestDiscoveryAdvertisesWhatIsServed(t *testing.T) {
	h := newHarness(t)
	d := discoveryOf(t, h)
	for key, want := range map[string][]string{
		"grant_types_supported": {"authorization_code", "refresh_token", "client_credentials",
			"urn:ietf:params:oauth:grant-type:token-exchange", "urn:ietf:params:oauth:grant-type:device_code"},
		"response_types_supported":                                 {"code"},
		"response_modes_supported":                                 {"query", "form_post"},
		"code_challenge_methods_supported":                         {"S256"},
		"token_endpoint_auth_methods_supported":                    {"client_secret_basic", "client_secret_post", "private_key_jwt", "none"},
		"revocation_endpoint_auth_methods_supported":               {"client_secret_basic", "client_secret_post", "private_key_jwt", "none"},
		"introspection_endpoint_auth_methods_supported":            {"client_secret_basic", "client_secret_post", "private_key_jwt"},
		"token_endpoint_auth_signing_alg_values_supported":         {"RS256", "PS256", "ES256", "ES384", "EdDSA"},
		"revocation_endpoint_auth_signing_alg_values_supported":    {"RS256", "PS256", "ES256", "ES384", "EdDSA"},
		"introspection_endpoint_auth_signing_alg_values_supported": {"RS256", "PS256", "ES256", "ES384", "EdDSA"},
		"acr_values_supported":                                     {"pwd", "mfa"},
		"id_token_signing_alg_values_supported":                    {"RS256"},
		"scopes_supported": {"openid", "profile", "email", "offline_access", "tenant", "roles", "permissions",
			claims.ScopeAdmin},
	} {
		if got := strs(d[key]); !sameSet(got, want) {
			t.Errorf("%s = %v, want %v", key, got, want)
		}
	}
	if got := d["device_authorization_endpoint"]; got != h.issuer+"/device_authorization" {
		t.Errorf("device_authorization_endpoint = %v", got)
	}
}

// TestLogoutWithoutHintAsksFirst: RP-Initiated Logout 1.0 §6. end_session
// without an id_token_hint shows the confirmation page and ends nothing;
// a POST without the page's CSRF token ends nothing either; the confirmed
// POST ends the session as end_session does, and goes to the registered
// post_logout_redirect_uri. (With a hint there is no page:
// TestLogoutEndsSessionAndRefusesRefresh.)
func TestLogoutWithoutHintAsksFirst(t *testing.T) {
	h := newHarness(t)
	b := h.browser()
	pa := h.portalA()
	tok := b.signIn(t, pa, "contoso", "carol", "carol-password")
	stillSignedIn := func(when string) {
		t.Helper()
		next, err := pa.refresh(t.Context(), tok.RefreshToken) // rotated: keep the new one
		if err != nil {
			t.Fatalf("%s: the session's refresh token no longer works: %v", when, err)
		}
		tok = next
		if _, resp, _ := b.start(pa); resp.StatusCode != http.StatusFound {
			t.Errorf("%s: no single sign-on any more (%d)", when, resp.StatusCode)
		}
	}

	q := url.Values{"client_id": {"portal-a"}, "post_logout_redirect_uri": {"http://localhost/a/"}, "state": {"bye"}}
	resp, body := b.get(h.issuer + "/end_session?" + q.Encode())
	if resp.StatusCode != http.StatusOK || resp.Request.URL.Path != "/logout" || !strings.Contains(body, "Sign out of Gatehouse?") {
		t.Fatalf("end_session without a hint: %d %s %.300s", resp.StatusCode, resp.Request.URL, body)
	}
	if got := resp.Request.URL.Query(); got.Encode() != q.Encode() {
		t.Errorf("the confirmation page got %v, want the request's %v", got, q)
	}
	stillSignedIn("confirmation shown")
	m := csrfRE.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("the confirmation page has no CSRF token: %.500s", body)
	}
	confirm := h.issuer + "/logout?" + q.Encode()

	// Another site's form (no token), or a token of another page.
	for _, form := range []url.Values{{}, {"csrf_token": {"x" + m[1]}}} {
		if resp, body := b.postForm(confirm, form); resp.StatusCode != http.StatusForbidden {
			t.Errorf("POST without the token: %d %.300s", resp.StatusCode, body)
		}
	}
	// The same token from another browser (its own CSRF cookie) is refused.
	if resp, _ := h.browser().postForm(confirm, url.Values{"csrf_token": {m[1]}}); resp.StatusCode != http.StatusForbidden {
		t.Errorf("the token from another browser: %d", resp.StatusCode)
	}
	stillSignedIn("refused confirmations")

	resp, _ = b.postForm(confirm, url.Values{"csrf_token": {m[1]}})
	if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusFound || loc != "http://localhost/a/?state=bye" {
		t.Fatalf("confirmed logout answered %d, Location %q", resp.StatusCode, loc)
	}
	_, err := pa.refresh(t.Context(), tok.RefreshToken)
	wantOAuthError(t, err, "invalid_grant")
	if _, _, body := b.start(pa); !strings.Contains(body, "csrf_token") {
		t.Error("after the confirmed logout the next authorization did not ask to log in")
	}

	// Without a session there is nothing to confirm: the signed-out page.
	if resp, _ := b.get(h.issuer + "/end_session"); resp.Request.URL.Path != "/logged-out" {
		t.Errorf("end_session without a session: %d %s", resp.StatusCode, resp.Request.URL)
	}
	// A request the library refuses is refused at once, with no page.
	b.signIn(t, pa, "contoso", "carol", "carol-password")
	q.Set("post_logout_redirect_uri", "https://evil.example/")
	resp, _ = b.get(h.issuer + "/end_session?" + q.Encode())
	if resp.StatusCode != http.StatusBadRequest || resp.Request.URL.Path != "/end_session" {
		t.Errorf("unregistered post_logout_redirect_uri: %d %s", resp.StatusCode, resp.Request.URL)
	}
	// A confirmation page reached with it anyway ends the session but never
	// redirects there.
	resp, body = b.get(h.issuer + "/logout?" + q.Encode())
	m = csrfRE.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("confirmation page: %d %.300s", resp.StatusCode, body)
	}
	resp, _ = b.postForm(h.issuer+"/logout?"+q.Encode(), url.Values{"csrf_token": {m[1]}})
	if strings.Contains(resp.Header.Get("Location"), "evil.example") || resp.Request.URL.Host == "evil.example" {
		t.Error("redirected to an unregistered post_logout_redirect_uri")
	}
}

// TestCodeAfterLogoutRefused: a code issued in a session that is logged out
// before the portal redeems it gives no tokens: the logout revoked the
// session's refresh tokens, and none may be born after it.
func TestCodeAfterLogoutRefused(t *testing.T) {
	h := newHarness(t)
	b := h.browser()
	pa := h.portalA()
	a, c := b.login(pa, "contoso", "carol", "carol-password")

	q := url.Values{"client_id": {"portal-a"}, "post_logout_redirect_uri": {"http://localhost/a/"}}
	_, body := b.get(h.issuer + "/end_session?" + q.Encode())
	m := csrfRE.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no logout confirmation page: %.300s", body)
	}
	if resp, _ := b.postForm(h.issuer+"/logout?"+q.Encode(), url.Values{"csrf_token": {m[1]}}); resp.StatusCode != http.StatusFound {
		t.Fatalf("confirmed logout: %d", resp.StatusCode)
	}
	_, err := pa.exchange(t.Context(), c, a)
	wantOAuthError(t, err, "invalid_grant")
}
