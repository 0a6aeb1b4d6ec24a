package claims_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-id/gatehouse/claims"
	"github.com/gatehouse-id/gatehouse/claims/claimstest"
)

func TestMiddleware(t *testing.T) {
	c := newClock()
	iss, v := setup(t, c)
	good := iss.AccessToken(t, machineToken(c))
	noPerm := machineToken(c)
	noPerm.Permissions = []string{"alarms:read"}
	expired := machineToken(c)
	expired.IssuedAt, expired.Expiry = c.Now().Add(-time.Hour).Unix(), c.Now().Add(-time.Hour+time.Minute).Unix()
	forged := claimstest.NewIssuer(t).AccessToken(t, withIssuer(iss, machineToken(c)))

	var seen *claims.AccessToken
	h := v.Middleware(claims.Require(
		func(at *claims.AccessToken) bool { return at.HasPermission("inventory", "read") },
		http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			seen, _ = claims.FromContext(r.Context())
			_, _ = io.WriteString(w, "devices")
		})))

	for _, tc := range []struct {
		name          string
		authorization []string
		wantStatus    int
		wantChallenge string
	}{
		{"no Authorization", nil, 401, `Bearer`},
		{"Basic credentials", []string{"Basic ZGVtbzpzZWNyZXQ="}, 401, `Bearer`},
		{"Bearer without a token", []string{"Bearer "}, 401, `Bearer`},
		{"two Authorization headers", []string{"Bearer " + good, "Bearer " + good}, 400,
			`Bearer error="invalid_request", error_description="Send one Authorization header"`},
		{"garbage", []string{"Bearer abc.def.ghi"}, 401,
			`Bearer error="invalid_token", error_description="The access token is invalid"`},
		{"unknown key", []string{"Bearer " + forged}, 401,
			`Bearer error="invalid_token", error_description="The access token is invalid"`},
		{"expired", []string{"Bearer " + iss.AccessToken(t, expired)}, 401,
			`Bearer error="invalid_token", error_description="The access token expired"`},
		{"lacks the permission", []string{"Bearer " + iss.AccessToken(t, noPerm)}, 403,
			`Bearer error="insufficient_scope", error_description="The access token does not grant this"`},
		{"good", []string{"Bearer " + good}, 200, ""},
		{"good, scheme in lower case", []string{"bearer " + good}, 200, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			seen = nil
			r := httptest.NewRequest("GET", "/devices", nil)
			for _, a := range tc.authorization {
				r.Header.Add("Authorization", a)
			}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if w.Code != tc.wantStatus {
				t.Fatalf("status = %d, want %d (body %q)", w.Code, tc.wantStatus, w.Body)
			}
			if got := w.Header().Get("WWW-Authenticate"); got != tc.wantChallenge {
				t.Fatalf("WWW-Authenticate = %q, want %q", got, tc.wantChallenge)
			}
			if tc.wantStatus != 200 {
				if seen != nil {
					t.Fatal("the handler ran")
				}
				if body := w.Body.String(); strings.Contains(body, "claims:") || strings.Contains(body, "kid") {
					t.Fatalf("body %q tells why the token failed", body)
				}
				return
			}
			if seen == nil || seen.Subject != "inventory-api" || seen.TenantID() != "t-contoso" {
				t.Fatalf("token in context = %+v", seen)
			}
		})
	}
}

func TestMiddlewareKeySetDown(t *testing.T) {
	c := newClock()
	iss := claimstest.NewIssuer(t)
	down := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "down", http.StatusBadGateway)
	}))
	defer down.Close()
	cfg := iss.Config("inventory-api")
	cfg.Now, cfg.JWKSURL = c.Now, down.URL+"/keys"
	v, err := claims.NewVerifier(cfg)
	if err != nil {
		t.Fatal(err)
	}
	h := v.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { t.Error("the handler ran") }))
	r := httptest.NewRequest("GET", "/devices", nil)
	r.Header.Set("Authorization", "Bearer "+iss.AccessToken(t, machineToken(c)))
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if w.Code != http.StatusServiceUnavailable || w.Header().Get("WWW-Authenticate") != "" {
		t.Fatalf("status %d, WWW-Authenticate %q; want 503 and no challenge", w.Code, w.Header().Get("WWW-Authenticate"))
	}
}

func TestRequireWithoutMiddleware(t *testing.T) {
	h := claims.Require(func(*claims.AccessToken) bool { return true },
		http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { t.Error("the handler ran") }))
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("GET", "/", nil))
	if w.Code != http.StatusUnauthorized {
		t.Fatalf("status = %d, want 401", w.Code)
	}
}

func TestContext(t *testing.T) {
	if _, ok := claims.FromContext(t.Context()); ok {
		t.Fatal("FromContext found a token in an empty context")
	}
	if _, ok := claims.FromContext(claims.NewContext(t.Context(), nil)); ok {
		t.Fatal("FromContext reported a nil token")
	}
	at := &claims.AccessToken{Subject: "s"}
	if got, ok := claims.FromContext(claims.NewContext(t.Context(), at)); !ok || got != at {
		t.Fatalf("FromContext = %v, %v", got, ok)
	}
}
