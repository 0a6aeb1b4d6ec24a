package provider

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/gatehouse-id/gatehouse/directory"
)

const (
	machineSecret = "meter-secret-0123456789abcdefghijklmnop"
	postSecret    = "poster-secret-0123456789abcdefghijklmno"
)

// withMachineClients registers the machine clients of the direct-path
// tests: one of the acme tenant with roles (HTTP Basic), one sending its
// secret in the body, one whose secret is valid but whose grant is not.
func withMachineClients(t *testing.T, e *env) {
	t.Helper()
	for _, c := range []struct {
		c      directory.Client
		secret string
	}{
		{directory.Client{ID: "meter", Name: "Meter fleet", Type: directory.ClientConfidential, AuthMethod: directory.AuthSecretBasic,
			TenantID: e.acme.ID, GrantTypes: []string{directory.GrantClientCredentials},
			Scopes: []string{"tenant", "roles", "permissions", "telemetry"}, DefaultScopes: []string{"tenant"}}, machineSecret},
		{directory.Client{ID: "poster", Name: "Form poster", Type: directory.ClientConfidential, AuthMethod: directory.AuthSecretPost,
			GrantTypes: []string{directory.GrantClientCredentials}, Scopes: []string{"telemetry"}}, postSecret},
	} {
		if _, _, _, err := e.dir.PutClient(t.Context(), e.dir.Store(), c.c, c.secret); err != nil {
			t.Fatalf("client %s: %v", c.c.ID, err)
		}
	}
}

// tokenRequest is one request to the token endpoint of the parity table.
type tokenRequest struct {
	name string
	// basic is "id:secret" for HTTP Basic (form-encoded parts), "" for none.
	basic string
	// authorization, if set, is the Authorization header as sent.
	authorization string
	form          url.Values
	// direct: the direct path serves it (else it falls back, untouched).
	direct bool
}

func clientCredentialsRequests() []tokenRequest {
	cc := func(kv ...string) url.Values {
		v := url.Values{"grant_type": {"client_credentials"}}
		for i := 0; i+1 < len(kv); i += 2 {
			v.Add(kv[i], kv[i+1])
		}
		return v
	}
	return []tokenRequest{
		{name: "basic", basic: "meter:" + machineSecret, form: cc(), direct: true},
		{name: "basic with scopes", basic: "meter:" + machineSecret, form: cc("scope", "roles telemetry"), direct: true},
		{name: "scope not the client's", basic: "meter:" + machineSecret, form: cc("scope", "roles admin"), direct: true},
		{name: "openid scope", basic: "meter:" + machineSecret, form: cc("scope", "openid"), direct: true},
		{name: "secret in the body", form: cc("client_id", "poster", "client_secret", postSecret), direct: true},
		{name: "empty scope", basic: "meter:" + machineSecret, form: cc("scope", "")},
		{name: "wrong secret", basic: "meter:not-the-secret", form: cc()},
		{name: "unknown client", basic: "nobody:" + machineSecret, form: cc()},
		{name: "no credentials", form: cc()},
		{name: "secret in the body of a Basic client", form: cc("client_id", "meter", "client_secret", machineSecret)},
		{name: "Basic for a body client", basic: "poster:" + postSecret, form: cc()},
		{name: "both ways", basic: "meter:" + machineSecret, form: cc("client_id", "meter", "client_secret", machineSecret)},
		{name: "grant not registered", basic: "gateway:" + testSecret, form: cc()},
		{name: "public client", form: cc("client_id", "tool")},
		{name: "client assertion", form: cc("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
			"client_assertion", "e30.e30.sig", "client_id", "meter")},
		{name: "malformed Basic", authorization: "Basic not-base64!", form: cc()},
		{name: "Basic with a bad escape", authorization: "Basic " + base64.StdEncoding.EncodeToString([]byte("meter:%zz")), form: cc()},
		{name: "another grant", basic: "meter:" + machineSecret, form: url.Values{"grant_type": {"refresh_token"}, "refresh_token": {"x"}}},
	}
}

func (q tokenRequest) httpRequest(t *testing.T, base string) *http.Request {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, base+pathToken, strings.NewReader(q.form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if q.basic != "" {
		id, secret, _ := strings.Cut(q.basic, ":")
		req.SetBasicAuth(url.QueryEscape(id), url.QueryEscape(secret))
	}
	if q.authorization != "" {
		req.Header.Set("Authorization", q.authorization)
	}
	return req
}

// TestDirectClientCredentialsDecides: the direct path serves exactly the
// well-formed, authenticated client-credentials requests, and leaves every
// other one untouched (nothing written) for the library.
func TestDirectClientCredentialsDecides(t *testing.T) {
	e := newEnv(t)
	withMachineClients(t, e)
	for _, q := range clientCredentialsRequests() {
		t.Run(q.name, func(t *testing.T) {
			req := q.httpRequest(t, e.srv.URL)
			if err := req.ParseForm(); err != nil { // as the middleware does before
				t.Fatal(err)
			}
			rec := httptest.NewRecorder()
			served := e.p.srv.directClientCredentials(rec, req)
			if served != q.direct {
				t.Fatalf("served = %v, want %v (status %d, %s)", served, q.direct, rec.Code, rec.Body)
			}
			if !served && (rec.Body.Len() > 0 || len(rec.Header()) > 0) {
				t.Errorf("fell back after writing: %d %v %s", rec.Code, rec.Header(), rec.Body)
			}
		})
	}
}

// answer is what a client sees of a token response, with the access
// token's payload decoded and its jti (random per token) left out.
type answer struct {
	Status  int
	Headers map[string]string
	Body    map[string]any
	Claims  map[string]any
}

func readAnswer(t *testing.T, resp *http.Response) answer {
	t.Helper()
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	a := answer{Status: resp.StatusCode, Headers: map[string]string{}}
	for _, h := range []string{"Content-Type", "Cache-Control", "Pragma", "Www-Authenticate"} {
		a.Headers[h] = resp.Header.Get(h)
	}
	if err := json.Unmarshal(b, &a.Body); err != nil {
		t.Fatalf("not JSON: %d %s", resp.StatusCode, b)
	}
	if tok, ok := a.Body["access_token"].(string); ok {
		parts := strings.Split(tok, ".")
		payload, err := base64.RawURLEncoding.DecodeString(parts[1])
		if err != nil || json.Unmarshal(payload, &a.Claims) != nil {
			t.Fatalf("access token payload: %v", err)
		}
		delete(a.Claims, "jti")
		delete(a.Body, "access_token")
	}
	return a
}

// TestDirectClientCredentialsParity sends every request of the table with
// the direct path on and with it off: status, headers, body and the access
// token's claims are the same, whichever path answered.
func TestDirectClientCredentialsParity(t *testing.T) {
	e := newEnv(t)
	withMachineClients(t, e)
	for _, q := range clientCredentialsRequests() {
		t.Run(q.name, func(t *testing.T) {
			var got [2]answer
			for i, libraryOnly := range []bool{false, true} {
				e.p.srv.libraryOnly = libraryOnly
				resp, err := http.DefaultClient.Do(q.httpRequest(t, e.srv.URL))
				if err != nil {
					t.Fatal(err)
				}
				got[i] = readAnswer(t, resp)
			}
			e.p.srv.libraryOnly = false
			direct, library := mustJSON(t, got[0]), mustJSON(t, got[1])
			if direct != library {
				t.Errorf("direct path:\n%s\nlibrary:\n%s", direct, library)
			}
			if q.direct && got[0].Status == http.StatusOK && !slices.Contains([]string{"meter", "poster"}, got[0].Claims["client_id"].(string)) {
				t.Errorf("token for %v", got[0].Claims["client_id"])
			}
		})
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
