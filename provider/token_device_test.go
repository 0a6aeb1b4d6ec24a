package provider

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"

	"github.com/gatehouse-id/gatehouse/ephemeral"
	"github.com/gatehouse-id/gatehouse/internal/formcsrf"
	"github.com/gatehouse-id/gatehouse/session"
)

// device asks for a device code as client id, and returns the answer.
func (e *env) device(id, secret string, scopes ...string) (device, user string) {
	e.t.Helper()
	form := url.Values{}
	if len(scopes) > 0 {
		form.Set("scope", strings.Join(scopes, " "))
	}
	status, m := e.post(pathDeviceAuthorization, id, secret, form)
	if status != http.StatusOK {
		e.t.Fatalf("device authorization for %s: %d %v", id, status, m)
	}
	return m["device_code"].(string), m["user_code"].(string)
}

// poll polls the token endpoint with deviceCode as client id.
func (e *env) poll(id, secret, deviceCode string) (int, map[string]any) {
	e.t.Helper()
	return e.post(pathToken, id, secret, url.Values{"grant_type": {string(oidc.GrantTypeDeviceCode)}, "device_code": {deviceCode}})
}

// wantError polls and expects the OAuth error code.
func (e *env) wantError(id, deviceCode, code string) map[string]any {
	e.t.Helper()
	status, m := e.poll(id, "", deviceCode)
	if status != http.StatusBadRequest || m["error"] != code {
		e.t.Fatalf("poll: %d %v, want 400 %s", status, m, code)
	}
	return m
}

// login signs jill in (as the login pages would: a session, the request
// completed for it) for the device whose user code is userCode, and
// returns the request id and the session's cookie value.
func (e *env) login(userCode string, amr []string) (string, string, session.Session) {
	e.t.Helper()
	ctx := e.t.Context()
	next, err := e.p.StartDeviceLogin(ctx, userCode, testBrowser)
	if err != nil {
		e.t.Fatalf("start device login: %v", err)
	}
	u, _ := url.Parse(next)
	id := u.Query().Get("authRequestID")
	if u.Path != "/login" || id == "" {
		e.t.Fatalf("device login starts at %q, want the login page", next)
	}
	token, sess, err := e.sessions.Create(ctx, e.jill.ID, e.acme.ID, amr, ACRMFA, nil, time.Time{})
	if err != nil {
		e.t.Fatal(err)
	}
	if err := e.p.CompleteLogin(ctx, id, sess); err != nil && err != ErrConsentRequired {
		e.t.Fatalf("complete login: %v", err)
	}
	return id, token, sess
}

// callback visits the login's callback with the session cookie token and
// returns where it sends the browser.
func (e *env) callback(id, token string) string {
	e.t.Helper()
	status, loc := e.callbackRaw(id, token)
	if status != http.StatusSeeOther {
		e.t.Fatalf("callback: %d, want 303", status)
	}
	return loc
}

// testBrowser is the CSRF cookie of the browser the tests confirm device
// codes in (StartDeviceLogin) and visit the callback from.
var testBrowser = base64.RawURLEncoding.EncodeToString(bytes.Repeat([]byte("b"), 32))

func (e *env) callbackRaw(id, token string) (int, string) {
	e.t.Helper()
	return e.callbackFrom(id, token, testBrowser)
}

// callbackFrom visits the callback from the browser whose CSRF cookie is
// browser ("" none).
func (e *env) callbackFrom(id, token, browser string) (int, string) {
	e.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, e.srv.URL+pathAuthorize+"/callback?id="+url.QueryEscape(id), nil)
	if token != "" {
		req.AddCookie(&http.Cookie{Name: session.CookieName, Value: token})
	}
	if browser != "" {
		req.AddCookie(&http.Cookie{Name: formcsrf.CookieName, Value: browser})
	}
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode, resp.Header.Get("Location")
}

// approve signs jill in with password and TOTP for userCode's device.
func (e *env) approve(userCode string) session.Session {
	e.t.Helper()
	id, token, sess := e.login(userCode, []string{"pwd", "otp", "mfa"})
	if got := e.callback(id, token); got != "/device/done?result=approved" {
		e.t.Fatalf("callback sends the browser to %q, want the approved page", got)
	}
	return sess
}

func claimsOf(t *testing.T, jwt string) map[string]any {
	t.Helper()
	parts := strings.Split(jwt, ".")
	if len(parts) != 3 {
		t.Fatalf("not a JWT: %q", jwt)
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestDeviceAuthorizationResponse(t *testing.T) {
	e := newEnv(t)
	status, m := e.post(pathDeviceAuthorization, "tool", "", url.Values{"scope": {"openid profile"}})
	if status != http.StatusOK {
		t.Fatalf("%d %v", status, m)
	}
	user, _ := m["user_code"].(string)
	if !regexp.MustCompile(`^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$`).MatchString(user) {
		t.Errorf("user_code %q, want XXXX-XXXX of consonants", user)
	}
	if dc, _ := m["device_code"].(string); len(dc) < 43 {
		t.Errorf("device_code %q is short", dc)
	}
	if m["verification_uri"] != e.srv.URL+"/device" || m["verification_uri_complete"] != e.srv.URL+"/device?user_code="+user {
		t.Errorf("verification URIs: %v, %v", m["verification_uri"], m["verification_uri_complete"])
	}
	if m["expires_in"] != 600.0 || m["interval"] != 5.0 {
		t.Errorf("expires_in %v, interval %v; want 600 and 5", m["expires_in"], m["interval"])
	}
	// The person's page sees the request, whatever the case and dashes.
	r, err := e.p.DeviceRequest(t.Context(), " "+strings.ToLower(strings.ReplaceAll(user, "-", " "))+" ")
	if err != nil || r.ClientName != "Field tool" || r.UserCode != user || !slices.Equal(r.Scopes, []string{"openid", "profile"}) {
		t.Errorf("DeviceRequest = %+v, %v", r, err)
	}
	// Discovery advertises the endpoint and the grant.
	resp, err := http.Get(e.srv.URL + "/.well-known/openid-configuration")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var d oidc.DiscoveryConfiguration
	if err := json.NewDecoder(resp.Body).Decode(&d); err != nil {
		t.Fatal(err)
	}
	if d.DeviceAuthorizationEndpoint != e.srv.URL+"/device_authorization" || !slices.Contains(d.GrantTypesSupported, oidc.GrantTypeDeviceCode) {
		t.Errorf("discovery: endpoint %q, grants %v", d.DeviceAuthorizationEndpoint, d.GrantTypesSupported)
	}
}

// TestDeviceAuthorizationRefused: the device authorization endpoint's own
// refusals (RFC 8628 §3.2: RFC 6749 §5.2's errors).
func TestDeviceAuthorizationRefused(t *testing.T) {
	e := newEnv(t)
	for _, tc := range []struct {
		name, id, secret, scope string
		status                  int
		code                    string
	}{
		{"client without the grant", "portal", "", "", http.StatusBadRequest, "unauthorized_client"},
		{"unknown client", "nobody", "", "", http.StatusUnauthorized, "invalid_client"},
		{"confidential client without its secret", "gateway", "", "", http.StatusUnauthorized, "invalid_client"},
		{"confidential client, wrong secret", "gateway", "wrong-secret-0123456789abcdefghijklmnop", "", http.StatusUnauthorized, "invalid_client"},
		{"scope not allowed", "tool", "", "openid email", http.StatusBadRequest, "invalid_scope"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			form := url.Values{}
			if tc.scope != "" {
				form.Set("scope", tc.scope)
			}
			if tc.id == "gateway" && tc.secret == "" {
				form.Set("client_id", "gateway") // no secret at all
			}
			status, m := e.post(pathDeviceAuthorization, tc.id, tc.secret, form)
			if status != tc.status || m["error"] != tc.code {
				t.Errorf("%d %v, want %d %s", status, m, tc.status, tc.code)
			}
		})
	}
	// A confidential client with its secret is welcome.
	if dc, _ := e.device("gateway", testSecret); dc == "" {
		t.Error("no device code for the gateway")
	}
	// GET is not the device authorization request (§3.1: POST).
	status, m := e.do(mustRequest(t, http.MethodGet, e.srv.URL+pathDeviceAuthorization+"?client_id=tool"))
	if status != http.StatusMethodNotAllowed || m["error"] != "invalid_request" {
		t.Errorf("GET: %d %v", status, m)
	}
}

func mustRequest(t *testing.T, method, u string) *http.Request {
	t.Helper()
	req, err := http.NewRequest(method, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	return req
}

// TestDevicePollErrors produces every error of RFC 8628 §3.5.
func TestDevicePollErrors(t *testing.T) {
	t.Run("authorization_pending and slow_down", func(t *testing.T) {
		e := newEnv(t)
		dc, _ := e.device("tool", "")
		e.wantError("tool", dc, "authorization_pending")
		// At once again: too soon. The interval grows by 5 s, from now.
		if m := e.wantError("tool", dc, "slow_down"); !strings.Contains(m["error_description"].(string), "10 seconds") {
			t.Errorf("slow_down says %q, want the new interval of 10 seconds", m["error_description"])
		}
		e.clock.Advance(5 * time.Second) // the old interval is not enough any more
		if m := e.wantError("tool", dc, "slow_down"); !strings.Contains(m["error_description"].(string), "15 seconds") {
			t.Errorf("slow_down says %q, want 15 seconds", m["error_description"])
		}
		e.clock.Advance(15 * time.Second)
		e.wantError("tool", dc, "authorization_pending")
		e.clock.Advance(15 * time.Second)
		e.wantError("tool", dc, "authorization_pending")
	})
	t.Run("access_denied on the device page", func(t *testing.T) {
		e := newEnv(t)
		dc, user := e.device("tool", "")
		if err := e.p.DenyDevice(t.Context(), user); err != nil {
			t.Fatal(err)
		}
		e.wantError("tool", dc, "access_denied")
		if _, err := e.p.DeviceRequest(t.Context(), user); err != ErrDeviceCodeNotFound {
			t.Errorf("a denied code can be entered again: %v", err)
		}
		if err := e.p.DenyDevice(t.Context(), user); err != ErrDeviceCodeNotFound {
			t.Errorf("denied twice: %v", err)
		}
	})
	t.Run("access_denied at the consent page", func(t *testing.T) {
		e := newEnv(t)
		dc, user := e.device("partner", "", "profile")
		id, token, sess := e.login(user, []string{"pwd"})
		if err := e.p.AnswerConsent(t.Context(), id, sess, false); err != nil {
			t.Fatal(err)
		}
		if got := e.callback(id, token); got != "/device/done?result=denied" {
			t.Errorf("callback sends the browser to %q", got)
		}
		e.wantError("partner", dc, "access_denied")
		if ev := e.audited(actionDeviceDenied); len(ev) != 1 || ev[0].Actor != e.jill.ID || ev[0].TenantID != e.acme.ID {
			t.Errorf("denial audited as %+v", ev)
		}
	})
	t.Run("expired_token", func(t *testing.T) {
		e := newEnv(t)
		dc, user := e.device("tool", "")
		e.clock.Advance(10 * time.Minute)
		e.wantError("tool", dc, "expired_token")
		if _, err := e.p.DeviceRequest(t.Context(), user); err != ErrDeviceCodeNotFound {
			t.Errorf("an expired code can be entered: %v", err)
		}
		// Still expired_token, not an unknown code, long after.
		e.clock.Advance(9 * time.Minute)
		e.wantError("tool", dc, "expired_token")
	})
	t.Run("expired after approval", func(t *testing.T) {
		e := newEnv(t)
		dc, user := e.device("tool", "")
		e.approve(user)
		e.clock.Advance(10 * time.Minute)
		e.wantError("tool", dc, "expired_token")
	})
	t.Run("invalid_grant", func(t *testing.T) {
		e := newEnv(t)
		dc, user := e.device("tool", "")
		e.wantError("other-tool", dc, "invalid_grant") // another client's code
		e.wantError("tool", "no-such-device-code", "invalid_grant")
		e.approve(user)
		if status, m := e.poll("tool", "", dc); status != http.StatusOK {
			t.Fatalf("approved: %d %v", status, m)
		}
		e.clock.Advance(5 * time.Second)
		e.wantError("tool", dc, "invalid_grant") // used
	})
	t.Run("unauthorized_client", func(t *testing.T) {
		e := newEnv(t)
		dc, _ := e.device("tool", "")
		e.wantError("portal", dc, "unauthorized_client")
	})
}

// TestDeviceTokens: the tokens of an approved device say what a browser
// login's say: who, in which tenant, how they signed in, in which
// session; a refresh token with offline_access; and they are issued once.
func TestDeviceTokens(t *testing.T) {
	e := newEnv(t)
	dc, user := e.device("tool", "", "openid", "profile", "offline_access", "tenant")
	e.wantError("tool", dc, "authorization_pending")
	sess := e.approve(user)
	e.clock.Advance(5 * time.Second)
	status, m := e.poll("tool", "", dc)
	if status != http.StatusOK {
		t.Fatalf("poll after approval: %d %v", status, m)
	}
	if m["token_type"] != "Bearer" || m["refresh_token"] == nil || m["scope"] != "openid profile offline_access tenant" {
		t.Errorf("token response %v", m)
	}
	id := claimsOf(t, m["id_token"].(string))
	at := claimsOf(t, m["access_token"].(string))
	for name, c := range map[string]map[string]any{"ID token": id, "access token": at} {
		if c["sub"] != e.jill.ID || c["sid"] != sess.ID || c["acr"] != ACRMFA || c["auth_time"] != float64(sess.AuthTime.Unix()) {
			t.Errorf("%s: %v", name, c)
		}
		if amr, _ := c["amr"].([]any); len(amr) != 3 || amr[1] != "otp" {
			t.Errorf("%s: amr %v", name, c["amr"])
		}
		if tn, _ := c["tenant"].(map[string]any); tn["slug"] != "acme" {
			t.Errorf("%s: tenant %v", name, c["tenant"])
		}
	}
	if aud, _ := id["aud"].([]any); len(aud) != 1 || aud[0] != "tool" || at["client_id"] != "tool" || id["preferred_username"] != "jill" {
		t.Errorf("aud %v, client_id %v, preferred_username %v", id["aud"], at["client_id"], id["preferred_username"])
	}
	ev := e.audited(actionDeviceApproved)
	if len(ev) != 1 || ev[0].Actor != e.jill.ID || ev[0].TenantID != e.acme.ID || ev[0].Details["client_id"] != "tool" ||
		ev[0].Details["amr"] != "pwd otp mfa" {
		t.Errorf("approval audited as %+v", ev)
	}
	// The refresh token works as a browser login's.
	status, m = e.post(pathToken, "tool", "", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {m["refresh_token"].(string)}})
	if status != http.StatusOK || m["access_token"] == nil {
		t.Errorf("refresh: %d %v", status, m)
	}
}

// TestDeviceConfidentialClient: a confidential client polls with its
// secret, as at the token endpoint; without it, it is not heard.
func TestDeviceConfidentialClient(t *testing.T) {
	e := newEnv(t)
	dc, user := e.device("gateway", testSecret, "openid")
	status, m := e.poll("gateway", "", dc) // client_id alone
	if status != http.StatusUnauthorized || m["error"] != "invalid_client" {
		t.Errorf("poll without the secret: %d %v", status, m)
	}
	if status, m := e.poll("gateway", testSecret, dc); status != http.StatusBadRequest || m["error"] != "authorization_pending" {
		t.Errorf("poll with the secret: %d %v", status, m)
	}
	e.approve(user)
	e.clock.Advance(5 * time.Second)
	if status, m := e.poll("gateway", testSecret, dc); status != http.StatusOK || m["id_token"] == nil {
		t.Errorf("poll after approval: %d %v", status, m)
	}
	// The device authorization answer is not cached (RFC 8628 §3.2 is a
	// token-like answer).
	req := mustRequest(t, http.MethodPost, e.srv.URL+pathDeviceAuthorization)
	req.SetBasicAuth("gateway", testSecret)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("device authorization: %d, Cache-Control %q", resp.StatusCode, resp.Header.Get("Cache-Control"))
	}
}

// TestDeviceApprovalBoundToTheBrowser: the callback of a device's login
// approves only for the browser whose session completed it, once.
func TestDeviceApprovalBoundToTheBrowser(t *testing.T) {
	e := newEnv(t)
	dc, user := e.device("tool", "")
	id, token, _ := e.login(user, []string{"pwd"})
	if got := e.callback(id, ""); got != "/device/done?result=failed" {
		t.Errorf("callback without the session: %q", got)
	}
	e.wantError("tool", dc, "authorization_pending")
	if got := e.callback(id, token); got != "/device/done?result=approved" {
		t.Errorf("callback with the session: %q", got)
	}
	// The request is gone: the callback knows it no more.
	if status, got := e.callbackRaw(id, token); status != http.StatusBadRequest {
		t.Errorf("callback again: %d %q", status, got)
	}
	// A second person who typed the same code before the approval
	// cannot answer it any more.
	if _, err := e.p.StartDeviceLogin(t.Context(), user, testBrowser); err != ErrDeviceCodeNotFound {
		t.Errorf("start a login for an answered code: %v", err)
	}
}

// TestDeviceLoginLinkPassedOn: whoever holds a device code confirms it in
// their own browser and sends the login's link to someone else; that
// person's sign-in, in another browser, approves nothing (RFC 8628 §5.4:
// they never saw the code or the warning). The browser that confirmed
// the code still can.
func TestDeviceLoginLinkPassedOn(t *testing.T) {
	e := newEnv(t)
	dc, user := e.device("tool", "")
	if _, err := e.p.StartDeviceLogin(t.Context(), user, ""); err == nil || err == ErrDeviceCodeNotFound {
		t.Errorf("a device login started without a browser: %v", err)
	}
	id, token, _ := e.login(user, []string{"pwd"}) // started in testBrowser
	other := base64.RawURLEncoding.EncodeToString(bytes.Repeat([]byte("o"), 32))
	for _, browser := range []string{other, ""} {
		if status, got := e.callbackFrom(id, token, browser); status != http.StatusSeeOther || got != "/device/done?result=failed" {
			t.Errorf("callback from browser %q: %d %q, want the failed page", browser, status, got)
		}
	}
	e.wantError("tool", dc, "authorization_pending")
	if ev := e.audited(actionDeviceApproved); len(ev) != 0 {
		t.Errorf("approval audited: %+v", ev)
	}
	if got := e.callback(id, token); got != "/device/done?result=approved" {
		t.Errorf("callback from the browser that confirmed: %q", got)
	}
}

// TestDeviceApprovedThenLoggedOut: the person approves a device and signs
// out before the device polls; the device gets no tokens (the logout
// revoked the session's refresh tokens, and one issued now would outlive
// it).
func TestDeviceApprovedThenLoggedOut(t *testing.T) {
	e := newEnv(t)
	dc, user := e.device("tool", "", "openid", "offline_access")
	id, token, _ := e.login(user, []string{"pwd"})
	if got := e.callback(id, token); got != "/device/done?result=approved" {
		t.Fatalf("callback: %q", got)
	}
	if _, err := e.p.store.TerminateSessionFromRequest(session.WithToken(t.Context(), token), &op.EndSessionRequest{}); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(5 * time.Second)
	e.wantError("tool", dc, "access_denied")
}

// TestDeviceApprovalNotAudited: an approval that cannot be audited is not
// given; once the audit works again, the same login approves.
func TestDeviceApprovalNotAudited(t *testing.T) {
	e := newEnv(t)
	dc, user := e.device("tool", "")
	id, token, _ := e.login(user, []string{"pwd"})
	e.setFailAudit(true)
	if got := e.callback(id, token); got != "/device/done?result=unavailable" {
		t.Errorf("callback with the audit down: %q", got)
	}
	e.wantError("tool", dc, "authorization_pending")
	e.setFailAudit(false)
	if got := e.callback(id, token); got != "/device/done?result=approved" {
		t.Errorf("callback with the audit back: %q", got)
	}
	e.clock.Advance(5 * time.Second)
	if status, m := e.poll("tool", "", dc); status != http.StatusOK {
		t.Errorf("poll: %d %v", status, m)
	}
}

// TestDeviceGrantTakenOnce: of many polls racing for an approved grant,
// one takes it.
func TestDeviceGrantTakenOnce(t *testing.T) {
	e := newEnv(t)
	dc, user := e.device("tool", "")
	e.approve(user)
	var wg sync.WaitGroup
	var mu sync.Mutex
	taken := 0
	for range 8 {
		wg.Go(func() {
			if _, err := e.p.store.devices.take(t.Context(), deviceKey(dc)); err == nil {
				mu.Lock()
				taken++
				mu.Unlock()
			} else if err != ephemeral.ErrNotFound {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if taken != 1 {
		t.Errorf("taken %d times", taken)
	}
	e.wantError("tool", dc, "invalid_grant")
}

func TestNormalizeUserCode(t *testing.T) {
	for in, want := range map[string]string{
		"BCDF-GHJK": "BCDFGHJK", "bcdf ghjk": "BCDFGHJK", " b-c-d-f-g-h-j-k ": "BCDFGHJK",
		"BCDF-GHJ": "", "BCDF-GHJKL": "", "ABCD-EFGH": "", "BCDF-GHJ1": "", "BCDF-GHJÉ": "", "": "",
		strings.Repeat("B", 100): "",
	} {
		if got := NormalizeUserCode(in); got != want {
			t.Errorf("NormalizeUserCode(%q) = %q, want %q", in, got, want)
		}
	}
}
