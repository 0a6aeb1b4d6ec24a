package claims_test

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/gatehouse-id/gatehouse/claims"
	"github.com/gatehouse-id/gatehouse/claims/claimstest"
)

// clock is a settable clock, safe for concurrent use.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// setup returns an issuer and a verifier of its tokens for audience
// "inventory-api", on clock c.
func setup(t *testing.T, c *clock) (*claimstest.Issuer, *claims.Verifier) {
	t.Helper()
	iss := claimstest.NewIssuer(t)
	cfg := iss.Config("inventory-api")
	cfg.Now = c.Now
	v, err := claims.NewVerifier(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return iss, v
}

// machineToken is an access token as Gatehouse issues one to a machine
// client, at c's time.
func machineToken(c *clock) claims.AccessToken {
	now := c.Now()
	return claims.AccessToken{
		Subject: "inventory-api", Audience: []string{"inventory-api"}, ClientID: "inventory-api",
		Expiry: now.Add(5 * time.Minute).Unix(), IssuedAt: now.Unix(), JWTID: "jti-1", Scope: "permissions",
		Access: claims.Access{
			Tenant:      &claims.Tenant{ID: "t-contoso", Slug: "contoso", Level: claims.LevelCustomer, Path: []string{"t-sys", "t-acme", "t-contoso"}},
			GlobalRoles: []string{"readers"}, Permissions: []string{"inventory:read"}, Roles: []string{"readers"},
		},
	}
}

// asMap returns v's JSON as a map, to add or drop claims the types lack.
func asMap(t *testing.T, v any) map[string]any {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

// kidOf returns the kid in raw's header.
func kidOf(t *testing.T, raw string) string {
	t.Helper()
	jws, err := jose.ParseSignedCompact(raw, []jose.SignatureAlgorithm{jose.ES256, jose.RS256, jose.EdDSA})
	if err != nil {
		t.Fatal(err)
	}
	return jws.Signatures[0].Header.KeyID
}

func TestVerifyAccessToken(t *testing.T) {
	leeway := claims.DefaultLeeway
	for _, tc := range []struct {
		name string
		// token returns the raw token, made with iss at c's time.
		token func(t *testing.T, iss *claimstest.Issuer, c *clock) string
		want  error
	}{
		{"good", func(t *testing.T, iss *claimstest.Issuer, c *clock) string {
			return iss.AccessToken(t, machineToken(c))
		}, nil},
		{"typ application/at+jwt, any case", func(t *testing.T, iss *claimstest.Issuer, c *clock) string {
			return iss.Sign(t, withIssuer(iss, machineToken(c)), "Application/AT+JWT")
		}, nil},
		{"one of several audiences", func(t *testing.T, iss *claimstest.Issuer, c *clock) string {
			at := machineToken(c)
			at.Audience = []string{"someone-else", "inventory-api"}
			return iss.AccessToken(t, at)
		}, nil},
		{"wrong issuer", func(t *testing.T, iss *claimstest.Issuer, c *clock) string {
			at := machineToken(c)
			at.Issuer = "https://id.example.com"
			return iss.AccessToken(t, at)
		}, claims.ErrInvalidIssuer},
		{"issuer with a trailing slash", func(t *testing.T, iss *claimstest.Issuer, c *clock) string {
			at := machineToken(c)
			at.Issuer = iss.URL + "/"
			return iss.AccessToken(t, at)
		}, claims.ErrInvalidIssuer},
		{"wrong audience", func(t *testing.T, iss *claimstest.Issuer, c *clock) string {
			at := machineToken(c)
			at.Audience = []string{"billing-api"}
			return iss.AccessToken(t, at)
		}, claims.ErrInvalidAudience},
		{"no audience", func(t *testing.T, iss *claimstest.Issuer, c *clock) string {
			at := machineToken(c)
			at.Audience = nil
			return iss.AccessToken(t, at)
		}, claims.ErrInvalidAudience},
		{"expired beyond the leeway", func(t *testing.T, iss *claimstest.Issuer, c *clock) string {
			at := machineToken(c)
			at.IssuedAt, at.Expiry = c.Now().Add(-time.Hour).Unix(), c.Now().Add(-leeway).Unix()
			return iss.AccessToken(t, at)
		}, claims.ErrExpired},
		{"expired within the leeway", func(t *testing.T, iss *claimstest.Issuer, c *clock) string {
			at := machineToken(c)
			at.IssuedAt, at.Expiry = c.Now().Add(-time.Hour).Unix(), c.Now().Add(-leeway+time.Second).Unix()
			return iss.AccessToken(t, at)
		}, nil},
		{"not before, in the future", func(t *testing.T, iss *claimstest.Issuer, c *clock) string {
			m := asMap(t, withIssuer(iss, machineToken(c)))
			m["nbf"] = c.Now().Add(leeway + time.Second).Unix()
			return iss.Sign(t, m, "at+jwt")
		}, claims.ErrNotYetValid},
		{"not before, within the leeway", func(t *testing.T, iss *claimstest.Issuer, c *clock) string {
			m := asMap(t, withIssuer(iss, machineToken(c)))
			m["nbf"] = c.Now().Add(leeway - time.Second).Unix()
			return iss.Sign(t, m, "at+jwt")
		}, nil},
		{"issued in the future", func(t *testing.T, iss *claimstest.Issuer, c *clock) string {
			at := machineToken(c)
			at.IssuedAt = c.Now().Add(leeway + time.Second).Unix()
			return iss.AccessToken(t, at)
		}, claims.ErrNotYetValid},
		{"no exp", func(t *testing.T, iss *claimstest.Issuer, c *clock) string {
			at := machineToken(c)
			at.Expiry = 0
			return iss.AccessToken(t, at)
		}, claims.ErrMissingClaim},
		{"no jti", func(t *testing.T, iss *claimstest.Issuer, c *clock) string {
			at := machineToken(c)
			at.JWTID = ""
			return iss.AccessToken(t, at)
		}, claims.ErrMissingClaim},
		{"no client_id", func(t *testing.T, iss *claimstest.Issuer, c *clock) string {
			at := machineToken(c)
			at.ClientID = ""
			return iss.AccessToken(t, at)
		}, claims.ErrMissingClaim},
		{"an ID token", func(t *testing.T, iss *claimstest.Issuer, c *clock) string {
			return iss.IDToken(t, claims.IDToken{
				Subject: "u-carol", Audience: []string{"inventory-api"}, Expiry: c.Now().Add(time.Hour).Unix(), IssuedAt: c.Now().Unix(),
			})
		}, claims.ErrInvalidType},
		{"no typ", func(t *testing.T, iss *claimstest.Issuer, c *clock) string {
			return iss.Sign(t, withIssuer(iss, machineToken(c)), "")
		}, claims.ErrInvalidType},
		{"alg none", func(t *testing.T, iss *claimstest.Issuer, c *clock) string {
			kid := kidOf(t, iss.AccessToken(t, machineToken(c)))
			header, _ := json.Marshal(map[string]string{"alg": "none", "typ": "at+jwt", "kid": kid})
			payload, _ := json.Marshal(withIssuer(iss, machineToken(c)))
			return b64(header) + "." + b64(payload) + "."
		}, claims.ErrInvalidAlgorithm},
		{"HS256 keyed with the published public key", func(t *testing.T, iss *claimstest.Issuer, c *clock) string {
			// The algorithm confusion attack: an attacker signs with HMAC,
			// using the issuer's public JWK (which anyone can fetch) as the
			// secret, hoping the verifier uses that key for HMAC.
			resp, err := http.Get(iss.URL + "/keys")
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var set struct{ Keys []json.RawMessage }
			if err := json.NewDecoder(resp.Body).Decode(&set); err != nil {
				t.Fatal(err)
			}
			var jwk struct{ Kid string }
			_ = json.Unmarshal(set.Keys[0], &jwk)
			signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.HS256, Key: jose.JSONWebKey{Key: []byte(set.Keys[0]), KeyID: jwk.Kid}},
				(&jose.SignerOptions{}).WithType("at+jwt"))
			if err != nil {
				t.Fatal(err)
			}
			payload, _ := json.Marshal(withIssuer(iss, machineToken(c)))
			jws, err := signer.Sign(payload)
			if err != nil {
				t.Fatal(err)
			}
			raw, _ := jws.CompactSerialize()
			return raw
		}, claims.ErrInvalidAlgorithm},
		{"signed by a key the issuer never published", func(t *testing.T, iss *claimstest.Issuer, c *clock) string {
			return claimstest.NewIssuer(t).AccessToken(t, withIssuer(iss, machineToken(c)))
		}, claims.ErrUnknownKey},
		{"claims changed after signing", func(t *testing.T, iss *claimstest.Issuer, c *clock) string {
			parts := strings.Split(iss.AccessToken(t, machineToken(c)), ".")
			at := withIssuer(iss, machineToken(c))
			at.Permissions = []string{"inventory:admin"}
			payload, _ := json.Marshal(at)
			return parts[0] + "." + b64(payload) + "." + parts[2]
		}, claims.ErrInvalidSignature},
		{"JWS JSON serialization", func(t *testing.T, iss *claimstest.Issuer, c *clock) string {
			parts := strings.Split(iss.AccessToken(t, machineToken(c)), ".")
			return `{"protected":"` + parts[0] + `","payload":"` + parts[1] + `","signature":"` + parts[2] + `"}`
		}, claims.ErrMalformed},
		{"not a JWS", func(t *testing.T, iss *claimstest.Issuer, c *clock) string { return "not-a-token" }, claims.ErrMalformed},
		{"payload not JSON", func(t *testing.T, iss *claimstest.Issuer, c *clock) string {
			return iss.Sign(t, "just a string", "at+jwt")
		}, claims.ErrMalformed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newClock()
			iss, v := setup(t, c)
			at, err := v.VerifyAccessToken(t.Context(), tc.token(t, iss, c))
			if tc.want != nil {
				if !errors.Is(err, tc.want) || at != nil {
					t.Fatalf("VerifyAccessToken = %v, %v; want error %v", at, err, tc.want)
				}
				return
			}
			if err != nil {
				t.Fatalf("VerifyAccessToken: %v", err)
			}
			if at.Subject != "inventory-api" || !at.HasPermission("inventory", "read") || at.TenantID() != "t-contoso" {
				t.Fatalf("verified claims = %+v", at)
			}
		})
	}
}

func withIssuer(iss *claimstest.Issuer, at claims.AccessToken) claims.AccessToken {
	at.Issuer = iss.URL
	return at
}

func TestVerifyAccessTokenAlgorithms(t *testing.T) {
	c := newClock()
	iss, v := setup(t, c)
	for _, alg := range []string{"RS256", "ES256", "EdDSA"} { // the default allow-list
		iss.Rotate(t, alg)
		c.Advance(claims.DefaultRefreshMinInterval) // let the verifier learn the new key
		if _, err := v.VerifyAccessToken(t.Context(), iss.AccessToken(t, machineToken(c))); err != nil {
			t.Errorf("%s: %v", alg, err)
		}
	}

	// A verifier that allows ES256 only refuses an RS256 token before it
	// looks for the key.
	cfg := iss.Config("inventory-api")
	cfg.Now, cfg.Algorithms = c.Now, []string{"ES256"}
	es, err := claims.NewVerifier(cfg)
	if err != nil {
		t.Fatal(err)
	}
	iss.Rotate(t, "RS256")
	before := iss.JWKSRequests()
	if _, err := es.VerifyAccessToken(t.Context(), iss.AccessToken(t, machineToken(c))); !errors.Is(err, claims.ErrInvalidAlgorithm) {
		t.Fatalf("RS256 token, ES256 verifier: error = %v, want ErrInvalidAlgorithm", err)
	}
	if iss.JWKSRequests() != before {
		t.Fatal("a refused algorithm caused a JWKS fetch")
	}
}

func TestVerifyIDToken(t *testing.T) {
	idToken := func(c *clock) claims.IDToken {
		return claims.IDToken{
			Subject: "u-carol", Audience: []string{"inventory-api"}, Expiry: c.Now().Add(time.Hour).Unix(),
			IssuedAt: c.Now().Unix(), AZP: "inventory-api", Nonce: "n-1",
			Access: claims.Access{TenantRole: claims.TenantRoleAdmin},
		}
	}
	for _, tc := range []struct {
		name  string
		token func(t *testing.T, iss *claimstest.Issuer, c *clock) string
		want  error
	}{
		{"good", func(t *testing.T, iss *claimstest.Issuer, c *clock) string { return iss.IDToken(t, idToken(c)) }, nil},
		{"no typ", func(t *testing.T, iss *claimstest.Issuer, c *clock) string {
			idt := idToken(c)
			idt.Issuer = iss.URL
			return iss.Sign(t, idt, "")
		}, nil},
		{"an access token", func(t *testing.T, iss *claimstest.Issuer, c *clock) string {
			return iss.AccessToken(t, machineToken(c))
		}, claims.ErrInvalidType},
		{"a logout token", func(t *testing.T, iss *claimstest.Issuer, c *clock) string {
			idt := idToken(c)
			idt.Issuer = iss.URL
			return iss.Sign(t, idt, "logout+jwt")
		}, claims.ErrInvalidType},
		{"azp another client", func(t *testing.T, iss *claimstest.Issuer, c *clock) string {
			idt := idToken(c)
			idt.Audience, idt.AZP = []string{"inventory-api", "webshop"}, "webshop"
			return iss.IDToken(t, idt)
		}, claims.ErrInvalidAudience},
		{"no sub", func(t *testing.T, iss *claimstest.Issuer, c *clock) string {
			idt := idToken(c)
			idt.Subject = ""
			return iss.IDToken(t, idt)
		}, claims.ErrMissingClaim},
		{"expired", func(t *testing.T, iss *claimstest.Issuer, c *clock) string {
			idt := idToken(c)
			idt.Expiry = c.Now().Add(-time.Hour).Unix()
			return iss.IDToken(t, idt)
		}, claims.ErrExpired},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newClock()
			iss, v := setup(t, c)
			idt, err := v.VerifyIDToken(t.Context(), tc.token(t, iss, c))
			if tc.want != nil {
				if !errors.Is(err, tc.want) || idt != nil {
					t.Fatalf("VerifyIDToken = %v, %v; want error %v", idt, err, tc.want)
				}
				return
			}
			if err != nil {
				t.Fatalf("VerifyIDToken: %v", err)
			}
			if idt.Subject != "u-carol" || idt.Nonce != "n-1" || !idt.IsAdmin() {
				t.Fatalf("verified claims = %+v", idt)
			}
		})
	}
}

func TestUnknownKidRefetchesOncePerInterval(t *testing.T) {
	c := newClock()
	iss, v := setup(t, c)
	stranger := claimstest.NewIssuer(t)
	forged := stranger.AccessToken(t, withIssuer(iss, machineToken(c)))

	if _, err := v.VerifyAccessToken(t.Context(), iss.AccessToken(t, machineToken(c))); err != nil {
		t.Fatal(err)
	}
	wantRequests(t, iss, 1)

	c.Advance(claims.DefaultRefreshMinInterval)
	for range 10 {
		if _, err := v.VerifyAccessToken(t.Context(), forged); !errors.Is(err, claims.ErrUnknownKey) {
			t.Fatalf("error = %v, want ErrUnknownKey", err)
		}
	}
	wantRequests(t, iss, 2)

	c.Advance(claims.DefaultRefreshMinInterval)
	if _, err := v.VerifyAccessToken(t.Context(), forged); !errors.Is(err, claims.ErrUnknownKey) {
		t.Fatalf("error = %v, want ErrUnknownKey", err)
	}
	wantRequests(t, iss, 3)
}

func TestKeyRotationIsPickedUp(t *testing.T) {
	c := newClock()
	iss, v := setup(t, c)
	old := iss.AccessToken(t, machineToken(c))
	if _, err := v.VerifyAccessToken(t.Context(), old); err != nil {
		t.Fatal(err)
	}

	iss.Rotate(t, "EdDSA")
	c.Advance(claims.DefaultRefreshMinInterval)
	rotated := iss.AccessToken(t, machineToken(c))
	if _, err := v.VerifyAccessToken(t.Context(), rotated); err != nil {
		t.Fatalf("token signed by the new key: %v", err)
	}
	if _, err := v.VerifyAccessToken(t.Context(), old); err != nil {
		t.Fatalf("token signed by the old, still published key: %v", err)
	}
	wantRequests(t, iss, 2)
}

func TestConcurrentVerification(t *testing.T) {
	c := newClock()
	iss, v := setup(t, c)
	good := iss.AccessToken(t, machineToken(c))
	forged := claimstest.NewIssuer(t).AccessToken(t, withIssuer(iss, machineToken(c)))

	var wg sync.WaitGroup
	errs := make(chan error, 200)
	for i := range 100 {
		wg.Go(func() {
			raw, want := good, error(nil)
			if i%4 == 0 {
				raw, want = forged, claims.ErrUnknownKey
			}
			at, err := v.VerifyAccessToken(t.Context(), raw)
			switch {
			case want == nil && (err != nil || at.Subject != "inventory-api"):
				errs <- err
			case want != nil && !errors.Is(err, want):
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("concurrent verification: %v", err)
	}
	wantRequests(t, iss, 1)
}

func TestNewVerifierRefuses(t *testing.T) {
	good := claims.Config{Issuer: "https://id.example.com", Audiences: []string{"inventory-api"}}
	for _, tc := range []struct {
		name   string
		change func(*claims.Config)
		want   string
	}{
		{"alg none", func(c *claims.Config) { c.Algorithms = []string{"ES256", "none"} }, `"none" refused`},
		{"HS256", func(c *claims.Config) { c.Algorithms = []string{"HS256"} }, `"HS256" refused`},
		{"hs512", func(c *claims.Config) { c.Algorithms = []string{"hs512"} }, `"hs512" refused`},
		{"unknown alg", func(c *claims.Config) { c.Algorithms = []string{"ES257"} }, "unknown"},
		{"no audience", func(c *claims.Config) { c.Audiences = nil }, "Audiences or AcceptAudience"},
		{"empty audience", func(c *claims.Config) { c.Audiences = []string{""} }, "empty audience"},
		{"relative issuer", func(c *claims.Config) { c.Issuer = "id.example.com" }, "absolute"},
		{"issuer with query", func(c *claims.Config) { c.Issuer = "https://id.example.com?x=1" }, "absolute"},
		{"negative leeway", func(c *claims.Config) { c.Leeway = -time.Second }, "leeway"},
		{"long leeway", func(c *claims.Config) { c.Leeway = time.Hour }, "leeway"},
		{"relative JWKS URL", func(c *claims.Config) { c.JWKSURL = "/keys" }, "JWKS URL"},
		{"negative refresh interval", func(c *claims.Config) { c.RefreshMinInterval = -time.Second }, "refresh"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := good
			tc.change(&cfg)
			_, err := claims.NewVerifier(cfg)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("NewVerifier error = %v, want one containing %q", err, tc.want)
			}
		})
	}
	if _, err := claims.NewVerifier(good); err != nil {
		t.Fatalf("good config: %v", err)
	}
}

func TestAcceptAudience(t *testing.T) {
	c := newClock()
	iss := claimstest.NewIssuer(t)
	cfg := iss.Config()
	cfg.Now = c.Now
	cfg.AcceptAudience = func(aud string) bool { return strings.HasPrefix(aud, "fleet-") }
	v, err := claims.NewVerifier(cfg)
	if err != nil {
		t.Fatal(err)
	}
	for aud, want := range map[string]error{"fleet-7": nil, "billing": claims.ErrInvalidAudience} {
		at := machineToken(c)
		at.Audience = []string{aud}
		if _, err := v.VerifyAccessToken(t.Context(), iss.AccessToken(t, at)); !errors.Is(err, want) {
			t.Errorf("aud %q: error = %v, want %v", aud, err, want)
		}
	}
}

func wantRequests(t *testing.T, iss *claimstest.Issuer, n int) {
	t.Helper()
	if got := iss.JWKSRequests(); got != n {
		t.Fatalf("JWKS fetched %d times, want %d", got, n)
	}
}
