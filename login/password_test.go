package login

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/gatehouse-id/gatehouse/session"
)

func TestFormRenders(t *testing.T) {
	h := newHarness(t, options{})
	resp, body := h.get("/login?authRequestID=req-1")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d, want 200\n%s", resp.StatusCode, body)
	}
	checkSecurityHeaders(t, resp)
	if ct := resp.Header.Get("Content-Type"); ct != "text/html; charset=utf-8" {
		t.Errorf("Content-Type = %q", ct)
	}
	for _, want := range []string{
		`Gatehouse`, `Things Manager`,
		`<label for="tenant">`, `<label for="username">`, `<label for="password">`,
		`autocomplete="username"`, `autocomplete="current-password"`,
		`name="authRequestID" value="req-1"`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("form lacks %q", want)
		}
	}
	m := csrfFieldRE.FindStringSubmatch(body)
	if m == nil || len(m[1]) < 40 {
		t.Fatalf("no CSRF token in form")
	}
	ck := cookieNamed(resp, csrfCookieName)
	if ck == nil || !ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode {
		t.Fatalf("CSRF cookie = %+v, want HttpOnly SameSite=Lax", ck)
	}
	// A second visit keeps the cookie (and so forms in other tabs), and a
	// token bound to another request differs.
	resp2, body2 := h.get("/login?authRequestID=req-1")
	if cookieNamed(resp2, csrfCookieName) != nil {
		t.Errorf("second visit replaced the CSRF cookie")
	}
	if m2 := csrfFieldRE.FindStringSubmatch(body2); m2 == nil || m2[1] != m[1] {
		t.Errorf("same cookie and request gave another token")
	}
	if other := h.openForm("req-hint"); other == m[1] {
		t.Errorf("token is not bound to the authorization request")
	}
}

func TestFormPrefill(t *testing.T) {
	for _, tc := range []struct {
		name, id, tenantCookie string
		wantTenant, wantUser   string
	}{
		{name: "no hint", id: "req-1"},
		{name: "tenant/username hint", id: "req-hint", wantTenant: "globex", wantUser: "Hank"},
		{name: "username hint", id: "req-userhint", wantUser: "hank"},
		{name: "remembered tenant", id: "req-userhint", tenantCookie: "acme", wantTenant: "acme", wantUser: "hank"},
		{name: "hint beats remembered tenant", id: "req-hint", tenantCookie: "acme", wantTenant: "globex", wantUser: "Hank"},
		{name: "invalid remembered tenant ignored", id: "req-1", tenantCookie: "-bad-"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, options{})
			if tc.tenantCookie != "" {
				u, _ := url.Parse(h.srv.URL)
				h.client.Jar.SetCookies(u, []*http.Cookie{{Name: tenantCookieName, Value: tc.tenantCookie}})
			}
			_, body := h.get("/login?authRequestID=" + tc.id)
			if want := `name="tenant" type="text" value="` + tc.wantTenant + `"`; !strings.Contains(body, want) {
				t.Errorf("form lacks %s", want)
			}
			if want := `name="username" type="text" value="` + tc.wantUser + `"`; !strings.Contains(body, want) {
				t.Errorf("form lacks %s", want)
			}
		})
	}
}

func TestDoneRequestRedirects(t *testing.T) {
	h := newHarness(t, options{})
	resp, _ := h.get("/login?authRequestID=req-done")
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("status %d, want 302", resp.StatusCode)
	}
	if loc := resp.Header.Get("Location"); loc != "/authorize/callback?id=req-done" {
		t.Errorf("Location = %q", loc)
	}
	checkSecurityHeaders(t, resp)
}

func TestUnknownRequest(t *testing.T) {
	for _, path := range []string{
		"/login?authRequestID=nope",
		"/login",
		"/login?authRequestID=" + strings.Repeat("x", 600),
	} {
		h := newHarness(t, options{})
		resp, body := h.get(path)
		if resp.StatusCode != http.StatusBadRequest {
			t.Errorf("GET %.40s: status %d, want 400", path, resp.StatusCode)
		}
		if !strings.Contains(body, "Go back to the application and sign in again.") {
			t.Errorf("GET %.40s: page does not say what to do:\n%s", path, body)
		}
		if strings.Contains(body, `name="password"`) {
			t.Errorf("GET %.40s: shows the form", path)
		}
		checkSecurityHeaders(t, resp)
	}
}

// TestInvalidCredentialsLookAlike is the no-enumeration rule: an unknown
// tenant, an unknown user and a wrong password give the same status and the
// same page, byte for byte.
func TestInvalidCredentialsLookAlike(t *testing.T) {
	const csrfCookie = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" // 43 base64url characters
	bodies := map[string]string{}
	for _, tc := range []struct {
		name  string
		world world
	}{
		{"unknown tenant", noTenants},
		{"unknown user", tenantNoUsers},
		{"wrong password", jillOtherPassword},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, options{world: tc.world})
			u, _ := url.Parse(h.srv.URL)
			h.client.Jar.SetCookies(u, []*http.Cookie{{Name: csrfCookieName, Value: csrfCookie}})
			resp, body := h.login("acme", "jill", goodPassword)
			if resp.StatusCode != http.StatusUnauthorized {
				t.Fatalf("status %d, want 401\n%s", resp.StatusCode, body)
			}
			if !strings.Contains(body, "The tenant, username or password is not correct.") {
				t.Errorf("page lacks the generic message:\n%s", body)
			}
			if len(resp.Cookies()) != 0 {
				t.Errorf("sets cookies: %v", resp.Cookies())
			}
			if h.requests.completions() != 0 {
				t.Errorf("request completed")
			}
			bodies[tc.name] = body
		})
	}
	if len(bodies) == 3 && (bodies["unknown tenant"] != bodies["unknown user"] || bodies["unknown user"] != bodies["wrong password"]) {
		t.Errorf("pages differ:\nunknown tenant:\n%s\nunknown user:\n%s\nwrong password:\n%s",
			bodies["unknown tenant"], bodies["unknown user"], bodies["wrong password"])
	}
}

func TestDisabledUser(t *testing.T) {
	h := newHarness(t, options{})
	resp, body := h.login("acme", "bob", goodPassword)
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("status %d, want 403", resp.StatusCode)
	}
	if !strings.Contains(body, "This account is disabled. Contact your administrator.") {
		t.Errorf("page lacks the disabled message:\n%s", body)
	}
	if cookieNamed(resp, session.CookieName) != nil || h.requests.completions() != 0 {
		t.Errorf("disabled user got a session or completed the request")
	}
	// With a wrong password a disabled user looks like everyone else.
	resp, _ = h.login("acme", "bob", "wrong password")
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("disabled user with wrong password: status %d, want 401", resp.StatusCode)
	}
}

func TestLoginSucceeds(t *testing.T) {
	for _, tc := range []struct {
		name, tenant, username string
	}{
		{"separate fields", "acme", "jill"},
		{"case and spaces", " ACME ", " Jill "},
		{"tenant/username in username field", "", "acme/jill"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, options{})
			resp, body := h.login(tc.tenant, tc.username, goodPassword)
			if resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("status %d, want 303\n%s", resp.StatusCode, body)
			}
			if loc := resp.Header.Get("Location"); loc != "/authorize/callback?id=req-1" {
				t.Errorf("Location = %q", loc)
			}
			checkSecurityHeaders(t, resp)
			ck := cookieNamed(resp, session.CookieName)
			if ck == nil {
				t.Fatal("no session cookie")
			}
			if !ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode || ck.MaxAge <= 0 {
				t.Errorf("session cookie = %+v, want HttpOnly, SameSite=Lax, with Max-Age", ck)
			}
			sess, err := h.sessions.Lookup(t.Context(), ck.Value)
			if err != nil {
				t.Fatalf("session from cookie: %v", err)
			}
			completed, ok := h.requests.session("req-1")
			if !ok {
				t.Fatal("request not completed")
			}
			if completed.ID != sess.ID || sess.UserID != h.jill.ID || sess.TenantID != h.tenant.ID {
				t.Errorf("completed with %+v, cookie session %+v", completed, sess)
			}
			if !slices.Equal(completed.AMR, []string{"pwd"}) {
				t.Errorf("AMR = %v, want [pwd]", completed.AMR)
			}
			if tck := cookieNamed(resp, tenantCookieName); tck == nil || tck.Value != "acme" {
				t.Errorf("tenant cookie = %+v, want acme", tck)
			}
		})
	}
}

func TestLoginReplacesPreviousSession(t *testing.T) {
	h := newHarness(t, options{})
	first, _ := h.login("acme", "jill", goodPassword)
	old := cookieNamed(first, session.CookieName)
	h.requests.add(Request{ID: "req-1", ClientID: "things-manager"})
	second, _ := h.login("acme", "jill", goodPassword)
	if second.StatusCode != http.StatusSeeOther {
		t.Fatalf("second login: status %d", second.StatusCode)
	}
	if _, err := h.sessions.Lookup(t.Context(), old.Value); err == nil {
		t.Errorf("the replaced session is still live")
	}
}

func TestRememberedTenantAfterLogin(t *testing.T) {
	h := newHarness(t, options{})
	if resp, _ := h.login("acme", "jill", goodPassword); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("login: status %d", resp.StatusCode)
	}
	_, body := h.get("/login?authRequestID=req-userhint")
	if !strings.Contains(body, `name="tenant" type="text" value="acme"`) {
		t.Errorf("tenant not remembered")
	}
}

func TestSecureCookies(t *testing.T) {
	h := newHarness(t, options{secure: true})
	// The jar would not send Secure cookies over http, so read them off the
	// responses.
	resp, body := h.get("/login?authRequestID=req-1")
	if ck := cookieNamed(resp, csrfCookieName); ck == nil || !ck.Secure {
		t.Errorf("CSRF cookie not Secure: %+v", ck)
	}
	ck := cookieNamed(resp, csrfCookieName)
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, h.srv.URL+"/login", strings.NewReader(url.Values{
		"authRequestID": {"req-1"}, csrfField: {csrfFieldRE.FindStringSubmatch(body)[1]},
		"tenant": {"acme"}, "username": {"jill"}, "password": {goodPassword},
	}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.AddCookie(&http.Cookie{Name: ck.Name, Value: ck.Value})
	resp, _ = h.do(req)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("status %d, want 303", resp.StatusCode)
	}
	for _, name := range []string{session.CookieName, tenantCookieName} {
		if c := cookieNamed(resp, name); c == nil || !c.Secure || !c.HttpOnly {
			t.Errorf("%s cookie = %+v, want Secure HttpOnly", name, c)
		}
	}
}

func TestFieldErrors(t *testing.T) {
	for _, tc := range []struct {
		name, tenant, username, pw, want string
	}{
		{"no tenant", "", "jill", goodPassword, "Enter your tenant."},
		{"no username", "acme", "", goodPassword, "Enter your username."},
		{"no password", "acme", "jill", "", "Enter your password."},
		{"long username", "acme", strings.Repeat("j", maxUsernameLen+1), goodPassword, "This is too long."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, options{})
			resp, body := h.login(tc.tenant, tc.username, tc.pw)
			if resp.StatusCode != http.StatusBadRequest {
				t.Errorf("status %d, want 400", resp.StatusCode)
			}
			if !strings.Contains(body, tc.want) {
				t.Errorf("page lacks %q", tc.want)
			}
			if !strings.Contains(body, `aria-invalid="true"`) {
				t.Errorf("no input is marked invalid")
			}
			if h.auth.calls.Load() != 0 {
				t.Errorf("Authenticate called for an incomplete form")
			}
		})
	}
}

func TestPasswordNeverEchoed(t *testing.T) {
	h := newHarness(t, options{})
	_, body := h.login("acme", "jill", "s3cret-guess")
	if strings.Contains(body, "s3cret-guess") {
		t.Errorf("page contains the typed password")
	}
}

func TestLoggedOut(t *testing.T) {
	h := newHarness(t, options{})
	resp, body := h.get("/logged-out")
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "You have signed out") {
		t.Errorf("status %d\n%s", resp.StatusCode, body)
	}
	checkSecurityHeaders(t, resp)
}

func TestStaticStyleSheet(t *testing.T) {
	h := newHarness(t, options{})
	_, page := h.get("/login?authRequestID=req-1")
	href := strings.ReplaceAll(strings.Split(strings.SplitN(page, `rel="stylesheet" href="`, 2)[1], `"`)[0], "&amp;", "&")
	resp, _ := h.get(href)
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/css") {
		t.Errorf("GET %s: status %d, Content-Type %q", href, resp.StatusCode, resp.Header.Get("Content-Type"))
	}
}
