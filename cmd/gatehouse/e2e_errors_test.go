package main

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"
)

// result is a decoded JSON answer of an OAuth endpoint.
type result struct {
	status int
	header http.Header
	body   map[string]any
}

func (r result) want(t *testing.T, status int, oauthErr string) {
	t.Helper()
	if r.status != status {
		t.Errorf("status = %d, want %d (body %v)", r.status, status, r.body)
	}
	if got, _ := r.body["error"].(string); got != oauthErr {
		t.Errorf("error = %q, want %q (body %v)", got, oauthErr, r.body)
	}
}

func (h *harness) do(t *testing.T, req *http.Request) result {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	r := result{status: resp.StatusCode, header: resp.Header}
	_ = json.Unmarshal(b, &r.body)
	if resp.StatusCode >= 500 {
		t.Errorf("%s %s answered %d: %s", req.Method, req.URL.Path, resp.StatusCode, b)
	}
	return r
}

func (h *harness) post(t *testing.T, path string, form url.Values) result {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, h.issuer+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return h.do(t, req)
}

// postClient posts as a client authenticating with client_secret_basic.
func (h *harness) postClient(t *testing.T, path, id, secret string, form url.Values) result {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, h.issuer+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(url.QueryEscape(id), url.QueryEscape(secret))
	return h.do(t, req)
}

func (h *harness) tokenRequest(t *testing.T, id, secret string, form url.Values) result {
	t.Helper()
	return h.postClient(t, "/oauth/token", id, secret, form)
}

func wantOAuthError(t *testing.T, err error, code string) {
	t.Helper()
	var re *oauth2.RetrieveError
	if !errors.As(err, &re) {
		t.Fatalf("want OAuth error %q, got %v", code, err)
	}
	if re.ErrorCode != code {
		t.Errorf("error = %q, want %q (%s)", re.ErrorCode, code, re.ErrorDescription)
	}
}

func TestTokenEndpointBadInput(t *testing.T) {
	h := newHarness(t)
	ccForm := url.Values{"grant_type": {"client_credentials"}}
	for _, tc := range []struct {
		name       string
		send       func() result
		status     int
		oauthError string
	}{
		{"unknown client", func() result { return h.tokenRequest(t, "nobody", machineSecret, ccForm) }, 401, "invalid_client"},
		{"wrong secret", func() result { return h.tokenRequest(t, "machine", machineSecret+"x", ccForm) }, 401, "invalid_client"},
		{"empty secret", func() result { return h.tokenRequest(t, "machine", "", ccForm) }, 401, "invalid_client"},
		{"secret in body for a basic client", func() result {
			return h.post(t, "/oauth/token", url.Values{"grant_type": {"client_credentials"}, "client_id": {"machine"}, "client_secret": {machineSecret}})
		}, 401, "invalid_client"},
		{"basic for a post client", func() result {
			return h.tokenRequest(t, "portal-post", postSecret, url.Values{"grant_type": {"authorization_code"}, "code": {"x"}, "redirect_uri": {"http://localhost/post/callback"}})
		}, 401, "invalid_client"},
		{"two methods at once", func() result {
			return h.tokenRequest(t, "machine", machineSecret, url.Values{"grant_type": {"client_credentials"}, "client_id": {"machine"}, "client_secret": {machineSecret}})
		}, 400, "invalid_request"},
		{"public client with a secret", func() result { return h.tokenRequest(t, "portal-b", "whatever", ccForm) }, 401, "invalid_client"},
		{"grant not registered", func() result {
			return h.tokenRequest(t, "portal-a", portalASecret, ccForm)
		}, 400, "unauthorized_client"},
		{"unsupported grant", func() result {
			return h.tokenRequest(t, "machine", machineSecret, url.Values{"grant_type": {"password"}, "username": {"carol"}, "password": {"x"}})
		}, 400, "unsupported_grant_type"},
		{"jwt-bearer not offered", func() result {
			return h.post(t, "/oauth/token", url.Values{"grant_type": {"urn:ietf:params:oauth:grant-type:jwt-bearer"}, "assertion": {"x.y.z"}})
		}, 400, "unsupported_grant_type"},
		{"missing grant type", func() result { return h.tokenRequest(t, "machine", machineSecret, url.Values{}) }, 400, "invalid_request"},
		{"repeated parameter", func() result {
			return h.tokenRequest(t, "machine", machineSecret, url.Values{"grant_type": {"client_credentials", "client_credentials"}})
		}, 400, "invalid_request"},
		{"unknown code", func() result {
			return h.tokenRequest(t, "portal-a", portalASecret, url.Values{"grant_type": {"authorization_code"}, "code": {"nope"}, "redirect_uri": {"http://localhost/a/callback"}})
		}, 400, "invalid_grant"},
		{"unknown refresh token", func() result {
			return h.tokenRequest(t, "portal-a", portalASecret, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {"nope"}})
		}, 400, "invalid_grant"},
		{"malformed basic header", func() result {
			req, _ := http.NewRequest(http.MethodPost, h.issuer+"/oauth/token", strings.NewReader("grant_type=client_credentials"))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("Authorization", "Basic !!!")
			return h.do(t, req)
		}, 400, "invalid_request"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := tc.send()
			res.want(t, tc.status, tc.oauthError)
			if tc.status == 401 && !strings.HasPrefix(res.header.Get("WWW-Authenticate"), "Basic") {
				t.Errorf("401 without a Basic challenge")
			}
		})
	}
}

func TestCodeExchangeBadInput(t *testing.T) {
	h := newHarness(t)
	pa := h.portalA()
	b := h.browser()
	b.login(pa, "contoso", "carol", "carol-password") // a session, so later codes come without the form
	fresh := func() (authorization, string) {
		a, resp, _ := b.start(pa)
		return a, code(t, resp, a)
	}
	exchange := func(c, verifier, redirect string) result {
		form := url.Values{"grant_type": {"authorization_code"}, "code": {c}, "redirect_uri": {redirect}}
		if verifier != "" {
			form.Set("code_verifier", verifier)
		}
		return h.tokenRequest(t, "portal-a", portalASecret, form)
	}
	const redirect = "http://localhost/a/callback"

	t.Run("missing verifier", func(t *testing.T) {
		_, c := fresh()
		exchange(c, "", redirect).want(t, 400, "invalid_grant")
	})
	t.Run("wrong verifier", func(t *testing.T) {
		_, c := fresh()
		exchange(c, oauth2.GenerateVerifier(), redirect).want(t, 400, "invalid_grant")
	})
	t.Run("other redirect_uri", func(t *testing.T) {
		a, c := fresh()
		exchange(c, a.verifier, "http://localhost/a/other").want(t, 400, "invalid_grant")
	})
	t.Run("another client's code", func(t *testing.T) {
		a, c := fresh()
		h.post(t, "/oauth/token", url.Values{"grant_type": {"authorization_code"}, "code": {c}, "redirect_uri": {redirect},
			"client_id": {"portal-post"}, "client_secret": {postSecret}, "code_verifier": {a.verifier}}).want(t, 400, "invalid_grant")
	})
	t.Run("expired code", func(t *testing.T) {
		a, c := fresh()
		h.clock.Advance(2 * time.Minute)
		exchange(c, a.verifier, redirect).want(t, 400, "invalid_grant")
	})
	t.Run("reused code revokes what it issued", func(t *testing.T) {
		a, c := fresh()
		first := exchange(c, a.verifier, redirect)
		first.want(t, 200, "")
		exchange(c, a.verifier, redirect).want(t, 400, "invalid_grant")
		// RFC 6749 §4.1.2: the tokens of the first redemption are revoked.
		h.tokenRequest(t, "portal-a", portalASecret, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {first.body["refresh_token"].(string)}}).
			want(t, 400, "invalid_grant")
		intro := h.postClient(t, "/oauth/introspect", "portal-a", portalASecret, url.Values{"token": {first.body["access_token"].(string)}})
		if intro.body["active"] != false {
			t.Errorf("access token of a replayed code still active: %v", intro.body)
		}
	})
}

func TestAuthorizeBadInput(t *testing.T) {
	h := newHarness(t)
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	authorize := func(q url.Values) *http.Response {
		resp, err := noFollow.Get(h.issuer + "/authorize?" + q.Encode())
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode >= 500 {
			t.Errorf("authorize answered %d", resp.StatusCode)
		}
		return resp
	}
	base := func() url.Values {
		return url.Values{"client_id": {"portal-a"}, "response_type": {"code"}, "scope": {"openid"}, "state": {"s"},
			"redirect_uri": {"http://localhost/a/callback"}, "code_challenge_method": {"S256"},
			"code_challenge": {oauth2.S256ChallengeFromVerifier(oauth2.GenerateVerifier())}}
	}
	for _, tc := range []struct {
		name   string
		change func(url.Values)
	}{
		{"unregistered redirect_uri", func(q url.Values) { q.Set("redirect_uri", "https://evil.example/cb") }},
		{"redirect_uri with extra path", func(q url.Values) { q.Set("redirect_uri", "http://localhost/a/callback/x") }},
		{"unknown client", func(q url.Values) { q.Set("client_id", "nobody") }},
		{"repeated parameter", func(q url.Values) { q.Add("redirect_uri", "http://localhost/a/callback") }},
	} {
		t.Run(tc.name+" is never redirected to", func(t *testing.T) {
			q := base()
			tc.change(q)
			resp := authorize(q)
			if loc := resp.Header.Get("Location"); loc != "" {
				t.Errorf("redirected to %q", loc)
			}
			if resp.StatusCode != http.StatusBadRequest {
				t.Errorf("status = %d, want 400", resp.StatusCode)
			}
		})
	}
	for _, tc := range []struct {
		name   string
		change func(url.Values)
		want   string
	}{
		{"no PKCE", func(q url.Values) { q.Del("code_challenge"); q.Del("code_challenge_method") }, "invalid_request"},
		{"plain PKCE", func(q url.Values) { q.Set("code_challenge_method", "plain") }, "invalid_request"},
		{"malformed challenge", func(q url.Values) { q.Set("code_challenge", "short") }, "invalid_request"},
		{"implicit flow", func(q url.Values) { q.Set("response_type", "token") }, "unsupported_response_type"},
		{"fragment response mode", func(q url.Values) { q.Set("response_mode", "fragment") }, "invalid_request"},
		{"missing scope", func(q url.Values) { q.Del("scope") }, "invalid_request"},
		{"prompt none with login", func(q url.Values) { q.Set("prompt", "none login") }, "invalid_request"},
	} {
		t.Run(tc.name+" is reported to the portal", func(t *testing.T) {
			q := base()
			tc.change(q)
			resp := authorize(q)
			loc, err := url.Parse(resp.Header.Get("Location"))
			if err != nil || loc.Host != "localhost" {
				t.Fatalf("status %d, Location %q: want a redirect to the portal", resp.StatusCode, resp.Header.Get("Location"))
			}
			if got := loc.Query().Get("error"); got != tc.want || loc.Query().Get("state") != "s" {
				t.Errorf("error = %q state = %q, want %q and s", got, loc.Query().Get("state"), tc.want)
			}
		})
	}
}

// TestNoRequestMakesTheServerFail throws malformed requests at every
// endpoint: each must get a 4xx (or a 2xx/3xx), never a 5xx or a panic.
func TestNoRequestMakesTheServerFail(t *testing.T) {
	h := newHarness(t)
	paths := []string{"/authorize", "/authorize/callback", "/oauth/token", "/oauth/introspect", "/userinfo", "/revoke",
		"/end_session", "/keys", "/.well-known/openid-configuration", "/login", "/login/tenant", "/logged-out"}
	bodies := []string{"", "%%%", "a=1&a=2", "grant_type=authorization_code&code=%00", strings.Repeat("x", 70<<10),
		"grant_type=refresh_token&refresh_token=" + strings.Repeat("A", 5000), "token=a.b.c", "id=" + strings.Repeat("%", 10), "authRequestID=x&tenant_id=y&csrf_token=z"}
	queries := []string{"", "id=x", "id_token_hint=a.b.c", "client_id=portal-a&response_type=code", "authRequestID=../../etc"}
	for _, p := range paths {
		for _, q := range queries {
			req, _ := http.NewRequest(http.MethodGet, h.issuer+p+"?"+q, nil)
			h.do(t, req)
			for _, body := range bodies {
				req, _ := http.NewRequest(http.MethodPost, h.issuer+p+"?"+q, strings.NewReader(body))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				req.Header.Set("Authorization", "Bearer "+body[:min(len(body), 100)])
				h.do(t, req)
			}
		}
	}
}
