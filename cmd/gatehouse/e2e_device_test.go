package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"html"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	gooidc "github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/gatehouse-id/gatehouse/audit"
	"github.com/gatehouse-id/gatehouse/directory"
)

// testDevicePollInterval is the nodes' device poll interval in tests
// (production: 5 s), so that a device flow takes seconds, not tens.
const testDevicePollInterval = 2 * time.Second

// deviceClientYAML registers "cli", a public client that signs people in
// with the device authorization grant, as a command-line tool would (and
// with the code flow too, so that the tests can compare the two).
const deviceClientYAML = `  - id: cli
    name: Field CLI
    type: public
    auth_method: none
    redirect_uris: [http://localhost/cli/callback]
    grant_types: [urn:ietf:params:oauth:grant-type:device_code, authorization_code, refresh_token]
    scopes: [profile, offline_access, tenant]
`

// deviceDirectory writes testdata/directory.yaml with the device client
// added, and returns its path.
func deviceDirectory(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "directory.yaml")
	data := append(mustRead(t, "testdata/directory.yaml"), deviceClientYAML...)
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// cli is the device: x/oauth2's device flow, the endpoints from
// discovery (go-oidc).
func (h *harness) cli(scopes ...string) *oauth2.Config {
	ep := h.oidc.Endpoint()
	ep.AuthStyle = oauth2.AuthStyleInParams
	return &oauth2.Config{ClientID: "cli", Endpoint: ep, Scopes: scopes}
}

// polled is what the device's polling ended with.
type polled struct {
	tok *oauth2.Token
	err error
}

// startDevice asks for codes and starts polling in the background, as a
// device does while its person signs in.
func startDevice(t *testing.T, conf *oauth2.Config) (*oauth2.DeviceAuthResponse, <-chan polled) {
	t.Helper()
	da, err := conf.DeviceAuth(t.Context())
	if err != nil {
		t.Fatalf("device authorization: %v", err)
	}
	ch := make(chan polled, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		tok, err := conf.DeviceAccessToken(ctx, da)
		ch <- polled{tok, err}
	}()
	return da, ch
}

var userCodeRE = regexp.MustCompile(`name="user_code"[^>]*value="([^"]*)"`)

// enterCode walks the person from the device page to the confirmation:
// the page (pre-filled when u is verification_uri_complete), the code
// posted. It returns the confirmation page.
func (b *browser) enterCode(u, typed string) (*http.Response, string) {
	b.t.Helper()
	resp, body := b.get(u)
	csrf := csrfRE.FindStringSubmatch(body)
	if resp.StatusCode != http.StatusOK || csrf == nil {
		b.t.Fatalf("device page: %d %.300s", resp.StatusCode, body)
	}
	if typed == "" {
		m := userCodeRE.FindStringSubmatch(body)
		if m == nil || m[1] == "" {
			b.t.Fatalf("the device page is not pre-filled: %.400s", body)
		}
		typed = m[1]
	}
	page, _ := url.Parse(u)
	page.RawQuery = ""
	return b.postForm(page.String(), url.Values{"csrf_token": {csrf[1]}, "user_code": {typed}})
}

// confirm answers the confirmation page the browser is on.
func (b *browser) confirm(page *http.Response, body, answer string) (*http.Response, string) {
	b.t.Helper()
	csrf, code := csrfRE.FindStringSubmatch(body), userCodeRE.FindStringSubmatch(body)
	if csrf == nil || code == nil || !strings.Contains(body, `action="/device/confirm"`) {
		b.t.Fatalf("not the confirmation page (%d): %.400s", page.StatusCode, body)
	}
	u := *page.Request.URL
	u.Path, u.RawQuery = "/device/confirm", ""
	return b.postForm(u.String(), url.Values{"csrf_token": {csrf[1]}, "user_code": {code[1]}, "answer": {answer}})
}

// TestDeviceFlowWithTOTP: a device signs carol in through x/oauth2's
// device flow while she, in a browser, follows the device's link, checks
// which application asks, signs in with her password and (required by her
// tenant) TOTP, and is told to return to the device; the device's tokens
// carry the same claims as a browser login's.
func TestDeviceFlowWithTOTP(t *testing.T) {
	path := deviceDirectory(t)
	h := newHarnessWith(t, path, mustRead(t, path))
	h.setMFA(t, "contoso", directory.MFARequired)
	h.alignTOTP()
	conf := h.cli("openid", "profile", "offline_access", "tenant")
	da, result := startDevice(t, conf)
	if da.VerificationURI != h.issuer+"/device" || !strings.HasPrefix(da.VerificationURIComplete, h.issuer+"/device?user_code=") {
		t.Errorf("verification URIs %q, %q", da.VerificationURI, da.VerificationURIComplete)
	}

	b := h.browser()
	resp, body := b.enterCode(da.VerificationURIComplete, "")
	// §5.4: the person sees who asks and the code, and confirms, even
	// though the code came with the link.
	if !strings.Contains(body, "<strong>Field CLI</strong>") || !strings.Contains(body, da.UserCode) {
		t.Fatalf("confirmation page lacks the client or the code: %.500s", body)
	}
	resp, body = b.confirm(resp, body, "allow")
	resp, body = b.submitLogin(resp, body, "contoso", "carol", "carol-password")
	_, _, resp = h.enrol(t, b, resp, body)
	if resp.Request.URL.Path != "/device/done" || resp.Request.URL.Query().Get("result") != "approved" {
		t.Fatalf("the login ends at %s, want the device page's approval", resp.Request.URL)
	}

	r := <-result
	if r.err != nil {
		t.Fatalf("the device got no tokens: %v", r.err)
	}
	at := h.verifyAccessToken(t, r.tok.AccessToken, "cli")
	carol := h.user(t, "contoso", "carol")
	if at.Subject != carol.ID || !slices.Equal(at.AMR, []string{"pwd", "otp", "mfa"}) || at.ACR != "mfa" || at.ClientID != "cli" ||
		at.Access.Tenant == nil || at.Access.Tenant.Slug != "contoso" || at.SessionID == "" {
		t.Errorf("access token %+v", at)
	}
	raw, _ := r.tok.Extra("id_token").(string)
	idt, err := h.oidc.Verifier(&gooidc.Config{ClientID: "cli"}).Verify(t.Context(), raw)
	if err != nil {
		t.Fatalf("go-oidc rejects the ID token: %v", err)
	}
	var id struct {
		AMR      []string `json:"amr"`
		Username string   `json:"preferred_username"`
		SID      string   `json:"sid"`
	}
	if err := idt.Claims(&id); err != nil || idt.Subject != carol.ID || id.Username != "carol" || id.SID != at.SessionID ||
		!slices.Equal(id.AMR, at.AMR) {
		t.Errorf("ID token %+v (%v)", id, err)
	}
	// The refresh token works as a browser login's.
	if r.tok.RefreshToken == "" {
		t.Fatal("no refresh token with offline_access")
	}
	fresh, err := conf.TokenSource(t.Context(), &oauth2.Token{RefreshToken: r.tok.RefreshToken}).Token()
	if err != nil {
		t.Fatalf("refresh: %v", err)
	}
	// The approval is audited in carol's tenant, as her login is.
	events, _, err := h.app.db.QueryEvents(t.Context(), audit.Query{TenantIDs: []string{carol.TenantID}, Action: "device.approved"})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(events, func(e audit.Event) bool {
		return e.Action == "device.approved" && e.Actor == carol.ID && e.Details["client_id"] == "cli"
	}) {
		t.Error("the approval is not in the audit log")
	}
	// The same client's code flow in the same browser (single sign-on:
	// the session the device's login started) gets the same claims.
	cliPortal := h.portal("cli", "", "http://localhost/cli/callback", conf.Scopes...)
	a, resp, _ := b.start(cliPortal)
	browserTok := cliPortal.redeem(t, code(t, resp, a), a)
	sameClaims(t, "access token", r.tok.AccessToken, browserTok.AccessToken)
	sameClaims(t, "ID token", raw, browserTok.Extra("id_token").(string))

	// The device's refresh token belongs to the session that approved it:
	// a logout there ends it, as a portal's.
	if resp, _ := b.get(h.issuer + "/end_session?id_token_hint=" + url.QueryEscape(raw)); resp.Request.URL.Path != "/logged-out" {
		t.Fatalf("logout ends at %s", resp.Request.URL)
	}
	if _, err := conf.TokenSource(t.Context(), &oauth2.Token{RefreshToken: fresh.RefreshToken}).Token(); err == nil {
		t.Error("the device refreshes after the approving session ended")
	}
}

// sameClaims compares two JWTs' claims but for those that differ by
// nature from one token to the next.
func sameClaims(t *testing.T, what, device, browser string) {
	t.Helper()
	payload := func(tok string) map[string]any {
		b, err := base64.RawURLEncoding.DecodeString(strings.Split(tok, ".")[1])
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatal(err)
		}
		for _, k := range []string{"iat", "exp", "nbf", "jti", "at_hash", "nonce"} {
			delete(m, k)
		}
		return m
	}
	if d, b := payload(device), payload(browser); !reflect.DeepEqual(d, b) {
		t.Errorf("%s: the device's claims\n%v\ndiffer from a browser login's\n%v", what, d, b)
	}
}

// TestDeviceFlowDenied: the person who did not start the device's
// request (a code sent by someone else) denies it on the confirmation
// page; the device's poll ends with access_denied, and the code is spent.
func TestDeviceFlowDenied(t *testing.T) {
	path := deviceDirectory(t)
	h := newHarnessWith(t, path, mustRead(t, path))
	da, result := startDevice(t, h.cli("openid"))
	b := h.browser()
	// Typed by hand, in lower case with a space instead of the dash.
	resp, body := b.enterCode(h.issuer+"/device", strings.ToLower(strings.ReplaceAll(da.UserCode, "-", " ")))
	resp, body = b.confirm(resp, body, "deny")
	if resp.Request.URL.Path != "/device/done" || !strings.Contains(body, "was not given access") {
		t.Errorf("after deny: %s %.300s", resp.Request.URL, body)
	}
	r := <-result
	var re *oauth2.RetrieveError
	if !errors.As(r.err, &re) || re.ErrorCode != "access_denied" {
		t.Errorf("the device's poll ended with %v, want access_denied", r.err)
	}
	// The code is spent: entered again, it is not valid.
	resp, body = b.enterCode(h.issuer+"/device", da.UserCode)
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(html.UnescapeString(body), "That code is not valid") {
		t.Errorf("a denied code entered again: %d %.300s", resp.StatusCode, body)
	}
}

// TestDevicePageRefusals: the device page's bad input, each with a page
// that says what to do and nothing changed.
func TestDevicePageRefusals(t *testing.T) {
	path := deviceDirectory(t)
	h := newHarnessWith(t, path, mustRead(t, path))
	b := h.browser()
	for _, tc := range []struct {
		typed  string
		status int
		says   string
	}{
		{"", http.StatusBadRequest, "Enter the code your device shows."},
		{"BCDF-GHJK", http.StatusBadRequest, "That code is not valid"},
		{"not a code at all", http.StatusBadRequest, "That code is not valid"},
	} {
		resp, body := b.get(h.issuer + "/device")
		csrf := csrfRE.FindStringSubmatch(body)[1]
		resp, body = b.postForm(h.issuer+"/device", url.Values{"csrf_token": {csrf}, "user_code": {tc.typed}})
		if resp.StatusCode != tc.status || !strings.Contains(html.UnescapeString(body), tc.says) {
			t.Errorf("code %q: %d, want %d saying %q: %.300s", tc.typed, resp.StatusCode, tc.status, tc.says, body)
		}
	}
	// A form without its CSRF token changes nothing.
	resp, body := b.postForm(h.issuer+"/device", url.Values{"user_code": {"BCDF-GHJK"}})
	if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "expired") {
		t.Errorf("no CSRF token: %d %.300s", resp.StatusCode, body)
	}
	resp, body = b.get(h.issuer + "/device")
	csrf := csrfRE.FindStringSubmatch(body)[1]
	resp, body = b.postForm(h.issuer+"/device/confirm", url.Values{"csrf_token": {csrf}, "user_code": {"BCDF-GHJK"}, "answer": {"maybe"}})
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("answer maybe: %d %.300s", resp.StatusCode, body)
	}
	// Guessing is throttled per address: after 20 wrong codes, even a
	// right one gets no answer.
	da, _ := startDevice(t, h.cli())
	for i := range 20 {
		resp, _ = b.postForm(h.issuer+"/device", url.Values{"csrf_token": {csrf}, "user_code": {"ZZZZ-ZZZ" + string("BCDFGHJKLMNPQRSTVWXZ"[i])}})
	}
	if resp.StatusCode != http.StatusTooManyRequests {
		t.Errorf("the 20th wrong code: %d", resp.StatusCode)
	}
	resp, body = b.postForm(h.issuer+"/device", url.Values{"csrf_token": {csrf}, "user_code": {da.UserCode}})
	if resp.StatusCode != http.StatusTooManyRequests || strings.Contains(body, "Field CLI") || resp.Header.Get("Retry-After") == "" {
		t.Errorf("a right code from a blocked address: %d %.300s", resp.StatusCode, body)
	}
}

// TestDeviceCodeSingleUseAcrossNodes: a device code approved on one node
// is redeemed once: two devices (or an attacker with a copy of the code)
// polling both nodes at once get one set of tokens between them, and
// later polls on either node get invalid_grant.
func TestDeviceCodeSingleUseAcrossNodes(t *testing.T) {
	c := newClusterWith(t, deviceDirectory(t))
	conf := c.cli("openid", "profile")
	c.use(0)
	da, err := conf.DeviceAuth(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	c.use(1)
	b := c.browser()
	resp, body := b.enterCode(da.VerificationURIComplete, "")
	resp, body = b.confirm(resp, body, "allow")
	c.use(0)
	resp, _ = b.submitLogin(resp, body, "contoso", "carol", "carol-password")
	if resp.Request.URL.Path != "/device/done" {
		t.Fatalf("the login ends at %s", resp.Request.URL)
	}
	// Both nodes, at once, straight to the token endpoint.
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		statuses []int
	)
	for n := range 2 {
		wg.Go(func() {
			status, _ := pollDevice(t, c.nodes[n].URL, da.DeviceCode)
			mu.Lock()
			statuses = append(statuses, status)
			mu.Unlock()
		})
	}
	wg.Wait()
	if slices.Sort(statuses); statuses[0] != http.StatusOK || statuses[1] == http.StatusOK {
		t.Fatalf("two nodes racing answer %v, want one token response", statuses)
	}
	// Later, on either node: the code is spent.
	c.clock.Advance(time.Minute)
	for n := range 2 {
		if status, code := pollDevice(t, c.nodes[n].URL, da.DeviceCode); status != http.StatusBadRequest || code != "invalid_grant" {
			t.Errorf("node %d after redemption: %d %s, want invalid_grant", n+1, status, code)
		}
	}
}

// pollDevice polls node's token endpoint for the cli's deviceCode: the
// status and the OAuth error code.
func pollDevice(t *testing.T, node, deviceCode string) (int, string) {
	resp, err := http.PostForm(node+"/oauth/token", url.Values{"client_id": {"cli"},
		"grant_type": {"urn:ietf:params:oauth:grant-type:device_code"}, "device_code": {deviceCode}})
	if err != nil {
		t.Error(err)
		return 0, ""
	}
	defer resp.Body.Close()
	var e struct {
		Error string `json:"error"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&e)
	return resp.StatusCode, e.Error
}
