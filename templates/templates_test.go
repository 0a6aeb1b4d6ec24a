package templates

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
)

func render(t *testing.T, p Page) string {
	t.Helper()
	s, err := New()
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	var b bytes.Buffer
	if err := s.Execute(&b, p); err != nil {
		t.Fatalf("Execute: %v", err)
	}
	return b.String()
}

func TestLoginPage(t *testing.T) {
	got := render(t, LoginPage{
		ClientName: "Things Manager", AuthRequestID: "req-1", CSRFToken: "tok-1",
		Tenant: "acme", Username: "jill",
	})
	for _, want := range []string{
		`<html lang="en">`,
		`<meta name="viewport"`,
		`Gatehouse`,
		`<strong>Things Manager</strong>`,
		`<label for="tenant">`, `id="tenant"`,
		`<label for="username">`, `id="username"`,
		`<label for="password">`, `id="password"`,
		`autocomplete="username"`,
		`autocomplete="current-password"`,
		`name="authRequestID" value="req-1"`,
		`name="csrf_token" value="tok-1"`,
		`value="acme"`, `value="jill"`,
		`method="post" action="/login"`,
		`<link rel="stylesheet" href="/static/gatehouse.css?v=`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("login page lacks %q", want)
		}
	}
	for _, bad := range []string{`<script`, ` style=`, `role="alert"`} {
		if strings.Contains(got, bad) {
			t.Errorf("login page contains %q", bad)
		}
	}
	if n := strings.Count(got, "autofocus"); n != 1 {
		t.Errorf("autofocus appears %d times, want once", n)
	}
}

// TestLoginPageErrorsAreDescribed checks that every error a person can see
// is tied to the inputs it concerns, so that a screen reader reads it on
// focus.
func TestLoginPageErrorsAreDescribed(t *testing.T) {
	got := render(t, LoginPage{
		Error: MsgInvalidCredentials, TenantError: MsgTenantRequired,
		UsernameError: MsgUsernameRequired, PasswordError: MsgPasswordRequired,
	})
	for _, want := range []string{
		`id="form-error" role="alert"`,
		`The tenant, username or password is not correct.`,
		`id="tenant-error">Enter your tenant.`,
		`aria-describedby="tenant-hint tenant-error form-error"`,
		`aria-describedby="username-error form-error"`,
		`aria-describedby="password-error form-error"`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("login page lacks %q", want)
		}
	}
	if n := strings.Count(got, `aria-invalid="true"`); n != 3 {
		t.Errorf("aria-invalid appears %d times, want 3", n)
	}
	// Every id that aria-describedby names exists.
	ids := map[string]bool{}
	for _, m := range regexp.MustCompile(` id="([^"]+)"`).FindAllStringSubmatch(got, -1) {
		ids[m[1]] = true
	}
	for _, m := range regexp.MustCompile(`aria-describedby="([^"]+)"`).FindAllStringSubmatch(got, -1) {
		for _, id := range strings.Fields(m[1]) {
			if !ids[id] {
				t.Errorf("aria-describedby names missing id %q", id)
			}
		}
	}
}

func TestMessagesHaveWords(t *testing.T) {
	const fallbackForm, fallbackField, fallbackError = "Something went wrong. Please try again.", "Check this field.", "Something went wrong on our side"
	form := map[Message]string{
		MsgInvalidCredentials: "The tenant, username or password is not correct.",
		MsgAccountDisabled:    "This account is disabled. Contact your administrator.",
		MsgTooManyAttempts:    "Too many attempts. Try again in 5 minutes.",
	}
	for m, want := range form {
		got := render(t, LoginPage{Error: m, RetryMinutes: 5})
		if !strings.Contains(got, want) || strings.Contains(got, fallbackForm) {
			t.Errorf("form error %q: page lacks %q", m, want)
		}
	}
	if got := render(t, LoginPage{Error: MsgTooManyAttempts, RetryMinutes: 1}); !strings.Contains(got, "Try again in 1 minute.") {
		t.Errorf("one minute is not singular")
	}
	for _, m := range []Message{MsgTenantRequired, MsgUsernameRequired, MsgPasswordRequired, MsgTooLong} {
		if got := render(t, LoginPage{TenantError: m}); strings.Contains(got, fallbackField) {
			t.Errorf("field error %q has no words", m)
		}
	}
	errs := map[Message]string{
		MsgRequestExpired: "Go back to <strong>Portal</strong> and sign in again.",
		MsgFormExpired:    "Your sign-in form expired.",
		MsgBadRequest:     "could not understand",
		MsgFormTooLarge:   "too large",
		MsgUnavailable:    "briefly unavailable",
		MsgInternal:       fallbackError,
	}
	for m, want := range errs {
		got := render(t, ErrorPage{Message: m, ClientName: "Portal"})
		if !strings.Contains(got, want) {
			t.Errorf("error %q: page lacks %q", m, want)
		}
		if m != MsgInternal && strings.Contains(got, fallbackError) {
			t.Errorf("error %q has no words of its own", m)
		}
	}
	if got := render(t, ErrorPage{Message: MsgRequestExpired}); !strings.Contains(got, "Go back to the application and sign in again.") {
		t.Errorf("error page without client name: %s", got)
	}
}

func TestEscaping(t *testing.T) {
	got := render(t, LoginPage{ClientName: `<script>alert(1)</script>`, Username: `"><img src=x>`})
	if strings.Contains(got, "<script>alert") || strings.Contains(got, `"><img`) {
		t.Errorf("unescaped input in page:\n%s", got)
	}
}

func TestLoggedOutPage(t *testing.T) {
	if got := render(t, LoggedOutPage{}); !strings.Contains(got, "You have signed out") {
		t.Errorf("logged-out page: %s", got)
	}
}

// TestLogoutConfirmPage: the question, a POST form to the page's own
// address with the CSRF token, and a way out that ends nothing.
func TestLogoutConfirmPage(t *testing.T) {
	got := render(t, LogoutConfirmPage{Action: "/logout?client_id=things&state=a%26b", CSRFToken: "tok-1"})
	for _, want := range []string{"Sign out of Gatehouse?", `<form method="post" action="/logout?client_id=things&amp;state=a%26b"`,
		`name="csrf_token" value="tok-1"`, `<button type="submit" class="button" autofocus>Sign out</button>`,
		`<a href="/account">Cancel and stay signed in</a>`} {
		if !strings.Contains(got, want) {
			t.Errorf("confirmation page lacks %q:\n%s", want, got)
		}
	}
}

func TestStatic(t *testing.T) {
	page := render(t, LoggedOutPage{})
	href := regexp.MustCompile(`href="([^"]+\.css[^"]*)"`).FindStringSubmatch(page)
	if href == nil {
		t.Fatal("no style sheet link")
	}
	// Served without a mux, so that no path cleaning stands in front of
	// Static.
	h := Static()
	for _, tc := range []struct {
		name, path string
		status     int
	}{
		{"linked style sheet", strings.ReplaceAll(href[1], "&amp;", "&"), http.StatusOK},
		{"directory listing", "/static/", http.StatusNotFound},
		{"missing file", "/static/nope.css", http.StatusNotFound},
		{"template source", "/static/../html/login.html", http.StatusNotFound},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest("GET", tc.path, nil))
			if rec.Code != tc.status {
				t.Fatalf("GET %s = %d, want %d", tc.path, rec.Code, tc.status)
			}
			if tc.status != http.StatusOK {
				if cc := rec.Header().Get("Cache-Control"); strings.Contains(cc, "immutable") {
					t.Errorf("error response is cacheable: %q", cc)
				}
				return
			}
			if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/css") {
				t.Errorf("Content-Type = %q", ct)
			}
			if !strings.Contains(rec.Body.String(), ":focus-visible") {
				t.Errorf("style sheet has no visible focus rule")
			}
		})
	}
}
