package main

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"golang.org/x/oauth2"

	"github.com/gatehouse-id/gatehouse/claims"
)

// The user lifecycle end to end (docs/users.md): an administrator asks for
// a new password at the next login, and deletes and restores a user; the
// portal's tokens, single sign-on and refresh follow.

// newPasswordPage checks that the login answered with the "choose a new
// password" page (the browser follows the login's redirect to it), and
// returns its address and body.
func (b *browser) newPasswordPage(resp *http.Response, body string) (*url.URL, string) {
	b.t.Helper()
	if resp.StatusCode != http.StatusOK || resp.Request.URL.Path != "/login/new-password" || !strings.Contains(body, `name="new_password"`) {
		b.t.Fatalf("login answered %d at %s, want the new-password page: %.300s", resp.StatusCode, resp.Request.URL.Path, body)
	}
	return resp.Request.URL, body
}

// submitNewPassword fills in the new-password page.
func (b *browser) submitNewPassword(loc *url.URL, page, pw, confirm string) (*http.Response, string) {
	b.t.Helper()
	csrf, id := csrfRE.FindStringSubmatch(page), authReqIDRE.FindStringSubmatch(page)
	if csrf == nil || id == nil {
		b.t.Fatalf("not a new-password page: %.300s", page)
	}
	return b.postForm(loc.ResolveReference(&url.URL{Path: "/login/new-password"}).String(), url.Values{
		"authRequestID": {id[1]}, "csrf_token": {csrf[1]}, "new_password": {pw}, "confirm_password": {confirm},
	})
}

func TestMustChangePasswordEndToEnd(t *testing.T) {
	h := newAdminHarness(t)
	root := h.adminToken(t, "root", "root-admin")
	console := h.console("openid", "offline_access", claims.ScopeAdmin)
	const first, second = "quinn" + passphrase, "quinn lantern orbit pebble"
	made := h.api(t, root, "POST", "/tenants/cust/users", map[string]any{"username": "quinn", "password": first,
		"must_change_password": true})
	made.want(t, http.StatusCreated)
	id := made.str("id")

	// The first login asks for a new password before any code.
	b := h.browser()
	a, resp, body := b.submitPassword(console, "cust", "quinn", first)
	loc, page := b.newPasswordPage(resp, body)
	resp, body = b.submitNewPassword(loc, page, "password1", "password1")
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "common") {
		t.Fatalf("a common new password: %d %.300s", resp.StatusCode, body)
	}
	resp, _ = b.submitNewPassword(loc, page, second, second)
	tok := console.redeem(t, code(t, resp, a), a)
	if got := h.api(t, root, "GET", "/users/"+id, nil); got.body["must_change_password"] != false ||
		got.str("password_strength") == "unknown" {
		t.Errorf("after the change: %s", got)
	}

	// Asked again later: single sign-on does not skip it, and the refresh
	// token issued before is refused.
	h.api(t, root, "PATCH", "/users/"+id, map[string]any{"must_change_password": true}).want(t, http.StatusOK)
	if _, resp, body := b.start(console); toPortal(resp) {
		t.Fatalf("single sign-on skipped the new password: %d %q %.200s", resp.StatusCode, resp.Header.Get("Location"), body)
	}
	if _, err := console.refresh(t.Context(), tok.RefreshToken); err == nil || !strings.Contains(err.Error(), "invalid_grant") {
		t.Errorf("refresh while a new password is asked for: %v, want invalid_grant", err)
	}
	// A silent request gets login_required rather than a token.
	resp3, _ := b.get(console.conf.AuthCodeURL("s", oauth2.SetAuthURLParam("prompt", "none"),
		oauth2.S256ChallengeOption(oauth2.GenerateVerifier())))
	if loc, _ := url.Parse(resp3.Header.Get("Location")); loc == nil || loc.Query().Get("error") != "login_required" {
		t.Errorf("prompt=none while a new password is asked for: %d %q, want login_required", resp3.StatusCode, resp3.Header.Get("Location"))
	}
}

func TestDeletedUserEndToEnd(t *testing.T) {
	h := newAdminHarness(t)
	root := h.adminToken(t, "root", "root-admin")
	console := h.console("openid", "offline_access", claims.ScopeAdmin)
	h.api(t, root, "POST", "/tenants/cust/users", map[string]any{"username": "rosa", "password": "rosa" + passphrase}).
		want(t, http.StatusCreated)
	id := h.user(t, "cust", "rosa").ID
	b := h.browser()
	tok := b.signIn(t, console, "cust", "rosa", "rosa"+passphrase)
	kept := h.browser().signIn(t, console, "cust", "rosa", "rosa"+passphrase) // not used until the restore

	h.api(t, root, "DELETE", "/users/"+id, nil).want(t, http.StatusNoContent)
	if _, err := console.refresh(t.Context(), tok.RefreshToken); err == nil || !strings.Contains(err.Error(), "invalid_grant") {
		t.Errorf("refresh of a deleted user: %v, want invalid_grant", err)
	}
	// Single sign-on ends, and the password no longer opens the account:
	// the login answers as for a wrong password.
	if _, resp, body := b.start(console); toPortal(resp) {
		t.Fatalf("single sign-on of a deleted user: %d %q %.200s", resp.StatusCode, resp.Header.Get("Location"), body)
	}
	_, resp, body := h.browser().submitPassword(console, "cust", "rosa", "rosa"+passphrase)
	_, wrong, wrongBody := h.browser().submitPassword(console, "cust", "rosa", "not the password at all")
	if toPortal(resp) || resp.StatusCode != wrong.StatusCode || !strings.Contains(body, "incorrect") != !strings.Contains(wrongBody, "incorrect") {
		t.Errorf("login of a deleted user: %d %.200s; a wrong password: %d", resp.StatusCode, body, wrong.StatusCode)
	}
	// Userinfo no longer answers for its access token.
	if info, err := h.oidc.UserInfo(t.Context(), oauth2.StaticTokenSource(tok)); err == nil {
		t.Errorf("userinfo of a deleted user answered %+v", info)
	}

	// Restored, the user signs in again; but what the deletion ended stays
	// ended: the session, and a refresh token not tried meanwhile.
	h.api(t, root, "POST", "/users/"+id+"/restore", nil).want(t, http.StatusOK)
	if _, resp, body := b.start(console); toPortal(resp) {
		t.Errorf("the session from before the deletion signs in again: %d %q %.200s", resp.StatusCode, resp.Header.Get("Location"), body)
	}
	if _, err := console.refresh(t.Context(), kept.RefreshToken); err == nil || !strings.Contains(err.Error(), "invalid_grant") {
		t.Errorf("a refresh token from before the deletion, after the restore: %v, want invalid_grant", err)
	}
	fresh := h.browser().signIn(t, console, "cust", "rosa", "rosa"+passphrase)
	if _, err := console.refresh(t.Context(), fresh.RefreshToken); err != nil {
		t.Errorf("refresh after signing in again: %v", err)
	}
}

// toPortal reports whether resp redirects to a portal (localhost), with a
// code or an error: the end of an authorization, not a login page.
func toPortal(resp *http.Response) bool {
	loc, err := url.Parse(resp.Header.Get("Location"))
	return err == nil && loc.Host == "localhost"
}
