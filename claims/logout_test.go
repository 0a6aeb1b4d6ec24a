package claims_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-id/gatehouse/claims"
	"github.com/gatehouse-id/gatehouse/claims/claimstest"
)

func logoutToken(c *clock) claims.LogoutToken {
	return claims.LogoutToken{
		Subject: "u-carol", SessionID: "sid-1", Audience: []string{"inventory-api"}, JWTID: "jti-1",
		IssuedAt: c.Now().Unix(), Expiry: c.Now().Add(2 * time.Minute).Unix(),
	}
}

func TestVerifyLogoutToken(t *testing.T) {
	for _, tc := range []struct {
		name  string
		token func(t *testing.T, iss *claimstest.Issuer, c *clock) string
		want  error
	}{
		{"good", func(t *testing.T, iss *claimstest.Issuer, c *clock) string { return iss.LogoutToken(t, logoutToken(c)) }, nil},
		{"sid only", func(t *testing.T, iss *claimstest.Issuer, c *clock) string {
			lt := logoutToken(c)
			lt.Subject = ""
			return iss.LogoutToken(t, lt)
		}, nil},
		{"neither sub nor sid", func(t *testing.T, iss *claimstest.Issuer, c *clock) string {
			lt := logoutToken(c)
			lt.Subject, lt.SessionID = "", ""
			return iss.LogoutToken(t, lt)
		}, claims.ErrMissingClaim},
		{"no events", func(t *testing.T, iss *claimstest.Issuer, c *clock) string {
			lt := logoutToken(c)
			lt.Events = map[string]json.RawMessage{"http://schemas.openid.net/event/other": json.RawMessage(`{}`)}
			return iss.LogoutToken(t, lt)
		}, claims.ErrMissingClaim},
		{"event not an object", func(t *testing.T, iss *claimstest.Issuer, c *clock) string {
			lt := logoutToken(c)
			lt.Events = map[string]json.RawMessage{claims.EventBackchannelLogout: json.RawMessage(`"yes"`)}
			return iss.LogoutToken(t, lt)
		}, claims.ErrMalformed},
		{"a nonce", func(t *testing.T, iss *claimstest.Issuer, c *clock) string {
			lt := logoutToken(c)
			lt.Issuer, lt.Events = iss.URL, claims.NewLogoutEvents()
			m := asMap(t, lt)
			m["nonce"] = "n-1"
			return iss.Sign(t, m, "logout+jwt")
		}, claims.ErrMalformed},
		{"no jti", func(t *testing.T, iss *claimstest.Issuer, c *clock) string {
			lt := logoutToken(c)
			lt.JWTID = ""
			return iss.LogoutToken(t, lt)
		}, claims.ErrMissingClaim},
		{"an ID token's typ", func(t *testing.T, iss *claimstest.Issuer, c *clock) string {
			lt := logoutToken(c)
			lt.Issuer, lt.Events = iss.URL, claims.NewLogoutEvents()
			return iss.Sign(t, lt, "JWT")
		}, claims.ErrInvalidType},
		{"an access token", func(t *testing.T, iss *claimstest.Issuer, c *clock) string {
			return iss.AccessToken(t, machineToken(c))
		}, claims.ErrInvalidType},
		{"another audience", func(t *testing.T, iss *claimstest.Issuer, c *clock) string {
			lt := logoutToken(c)
			lt.Audience = []string{"webshop"}
			return iss.LogoutToken(t, lt)
		}, claims.ErrInvalidAudience},
		{"another issuer", func(t *testing.T, iss *claimstest.Issuer, c *clock) string {
			lt := logoutToken(c)
			lt.Issuer = "https://evil.example"
			return iss.LogoutToken(t, lt)
		}, claims.ErrInvalidIssuer},
		{"expired", func(t *testing.T, iss *claimstest.Issuer, c *clock) string {
			lt := logoutToken(c)
			lt.Expiry = c.Now().Add(-time.Hour).Unix()
			return iss.LogoutToken(t, lt)
		}, claims.ErrExpired},
		{"no iat", func(t *testing.T, iss *claimstest.Issuer, c *clock) string {
			lt := logoutToken(c)
			lt.IssuedAt = 0
			return iss.LogoutToken(t, lt)
		}, claims.ErrMissingClaim},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newClock()
			iss, v := setup(t, c)
			lt, err := v.VerifyLogoutToken(t.Context(), tc.token(t, iss, c))
			if tc.want != nil {
				if !errors.Is(err, tc.want) || lt != nil {
					t.Fatalf("VerifyLogoutToken = %+v, %v; want error %v", lt, err, tc.want)
				}
				return
			}
			if err != nil {
				t.Fatalf("VerifyLogoutToken: %v", err)
			}
			if lt.SessionID != "sid-1" || lt.JWTID != "jti-1" {
				t.Fatalf("verified claims = %+v", lt)
			}
		})
	}
}

// TestLogoutHandler: a good token ends the session and gets 200, anything
// else 400 and ends nothing; every answer is no-store; a failing end is a
// 503, which Gatehouse retries.
func TestLogoutHandler(t *testing.T) {
	c := newClock()
	iss, v := setup(t, c)
	var ended []string
	fail := false
	h := v.LogoutHandler(func(_ context.Context, lt *claims.LogoutToken) error {
		if fail {
			return errors.New("session store down")
		}
		ended = append(ended, lt.SessionID)
		return nil
	})
	post := func(form url.Values) *httptest.ResponseRecorder {
		r := httptest.NewRequest(http.MethodPost, "/backchannel-logout", strings.NewReader(form.Encode()))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Header().Get("Cache-Control") != "no-store" {
			t.Errorf("Cache-Control = %q", w.Header().Get("Cache-Control"))
		}
		return w
	}
	good := iss.LogoutToken(t, logoutToken(c))
	if w := post(url.Values{"logout_token": {good}}); w.Code != http.StatusOK {
		t.Errorf("good token: %d %s", w.Code, w.Body)
	}
	expired := logoutToken(c)
	expired.SessionID, expired.Expiry = "sid-2", c.Now().Add(-time.Hour).Unix()
	for name, form := range map[string]url.Values{
		"no token": {},
		"two":      {"logout_token": {good, good}},
		"garbage":  {"logout_token": {"not.a.token"}},
		"expired":  {"logout_token": {iss.LogoutToken(t, expired)}},
		"ID token": {"logout_token": {iss.IDToken(t, claims.IDToken{Subject: "u", Audience: []string{"inventory-api"}, Expiry: c.Now().Add(time.Hour).Unix(), IssuedAt: c.Now().Unix()})}},
	} {
		w := post(form)
		var body map[string]string
		_ = json.Unmarshal(w.Body.Bytes(), &body)
		if w.Code != http.StatusBadRequest || body["error"] != "invalid_request" {
			t.Errorf("%s: %d %s", name, w.Code, w.Body)
		}
	}
	if len(ended) != 1 || ended[0] != "sid-1" {
		t.Errorf("ended %v, want only sid-1", ended)
	}
	fail = true
	if w := post(url.Values{"logout_token": {good}}); w.Code != http.StatusServiceUnavailable {
		t.Errorf("end failing: %d", w.Code)
	}
	r := httptest.NewRequest(http.MethodGet, "/backchannel-logout?logout_token="+good, nil)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if w.Code != http.StatusMethodNotAllowed {
		t.Errorf("GET: %d", w.Code)
	}
}
