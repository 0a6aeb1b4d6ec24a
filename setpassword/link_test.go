package setpassword

import (
	"errors"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-id/gatehouse/directory"
	"github.com/gatehouse-id/gatehouse/onetime"
)

// TestInvitationPage: GET /invitation answers each state of a link with
// its own page and a 4xx status, never a 500, and shows the form only for
// a live link.
func TestInvitationPage(t *testing.T) {
	for _, tc := range []struct {
		name   string
		secret func(h *harness) string
		status int
		want   []string
	}{
		{"live", func(h *harness) string { return h.invite("").Secret }, http.StatusOK, []string{
			"<h1>Choose your password</h1>", "Welcome to <strong>Acme IoT</strong>.", "as <strong>pat</strong>",
			"This link works until 15 March 2026 at 09:00 UTC.", "At least 8 characters, not a common password",
			`action="/invitation"`, `autocomplete="new-password"`, `name="csrf_token"`,
		}},
		{"expired", func(h *harness) string {
			s := h.invite("").Secret
			h.clock.Advance(directory.DefaultInvitationLifetime + time.Minute)
			return s
		}, http.StatusGone, []string{"This invitation has expired.", "Ask your administrator to send you a new one."}},
		{"used", func(h *harness) string {
			s := h.invite("").Secret
			if _, _, err := h.dir.UseLink(h.t.Context(), onetime.PurposeInvitation, s, goodPassword); err != nil {
				h.t.Fatal(err)
			}
			return s
		}, http.StatusGone, []string{"This invitation was already used", "Sign in with the password you chose"}},
		{"replaced", func(h *harness) string {
			s := h.invite("").Secret
			h.invite("")
			return s
		}, http.StatusGone, []string{"This invitation was already used, or it was withdrawn (a newer one replaced it"}},
		{"unknown", func(h *harness) string { s, _ := onetime.New(); return s }, http.StatusNotFound,
			[]string{"This invitation link is not valid.", "Check that you copied the whole link"}},
		{"cut off", func(h *harness) string { return h.invite("").Secret[:20] }, http.StatusNotFound,
			[]string{"This invitation link is not valid."}},
		{"none", func(h *harness) string { return "" }, http.StatusNotFound, []string{"This invitation link is not valid."}},
		{"disabled", func(h *harness) string {
			s := h.invite("").Secret
			off := false
			if _, _, err := h.dir.UpdateUserFor(h.t.Context(), h.admin, h.pat.ID, directory.UserUpdate{Enabled: &off}); err != nil {
				h.t.Fatal(err)
			}
			return s
		}, http.StatusGone, []string{"This invitation was already used, or it was withdrawn"}}, // disabling kills it
		{"reset link", func(h *harness) string { return h.resetLink().Secret }, http.StatusNotFound,
			[]string{"This invitation link is not valid."}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, limits{})
			secret := tc.secret(h)
			resp, body := h.get(InvitationPath + "?token=" + url.QueryEscape(secret))
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d, want %d\n%s", resp.StatusCode, tc.status, body)
			}
			wantIn(t, body, tc.want...)
			if hasForm := strings.Contains(body, "<form"); hasForm != (tc.status == http.StatusOK) {
				t.Errorf("form shown: %v", hasForm)
			}
			if secret != "" && tc.status == http.StatusOK && !strings.Contains(body, `name="token" value="`+secret+`"`) {
				t.Errorf("the form does not carry the link")
			}
		})
	}
}

// TestAcceptInvitationRefused: a form that does not set a password
// changes nothing, and the link still works.
func TestAcceptInvitationRefused(t *testing.T) {
	for _, tc := range []struct {
		name        string
		pw, confirm string
		want        string
	}{
		{"mismatch", goodPassword, betterPassword, "The two passwords are not the same."},
		{"empty", "", "", "Enter a password."},
		{"common", commonPassword, commonPassword, "The password is one of the most common passwords"},
		{"username", "pat", "pat", "The password "},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, limits{})
			l := h.invite("")
			resp, body := h.choose(InvitationPath, l.Secret, tc.pw, tc.confirm)
			if resp.StatusCode != http.StatusBadRequest {
				t.Fatalf("status %d, want 400\n%s", resp.StatusCode, body)
			}
			wantIn(t, body, tc.want, `name="token" value="`+l.Secret+`"`)
			if u := h.user(h.pat.ID); u.PasswordHash != "" {
				t.Errorf("a password was set")
			}
			if _, err := h.dir.OpenLink(t.Context(), onetime.PurposeInvitation, l.Secret); err != nil {
				t.Errorf("the link no longer works: %v", err)
			}
			if ev := h.eventsOf("user.invitation_accepted"); len(ev) != 0 {
				t.Errorf("events: %+v", ev)
			}
		})
	}
}

// TestRefusedPasswordsAreThrottled: the policy's refusals count against
// the address, and a blocked address is told when to try again, even
// with a good password.
func TestRefusedPasswordsAreThrottled(t *testing.T) {
	h := newHarness(t, limits{address: 2})
	l := h.invite("")
	for range 2 {
		if resp, body := h.choose(InvitationPath, l.Secret, commonPassword, commonPassword); resp.StatusCode != http.StatusBadRequest {
			t.Fatalf("status %d\n%s", resp.StatusCode, body)
		}
	}
	// A mismatch is not counted: it costs nothing and tells nothing.
	resp, body := h.choose(InvitationPath, l.Secret, goodPassword, betterPassword)
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("status %d, Retry-After %q, want 429\n%s", resp.StatusCode, resp.Header.Get("Retry-After"), body)
	}
	wantIn(t, body, "Too many attempts. Try again in 15 minutes.")
	if resp, _ := h.choose(InvitationPath, l.Secret, goodPassword, goodPassword); resp.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("good password while blocked: status %d", resp.StatusCode)
	}
	h.clock.Advance(16 * time.Minute)
	if resp, body := h.choose(InvitationPath, l.Secret, goodPassword, goodPassword); resp.StatusCode != http.StatusOK {
		t.Fatalf("after the window: status %d\n%s", resp.StatusCode, body)
	}
}

// TestAcceptInvitation: the password is set, the event recorded with the
// portal, and the person goes on to the portal's login page if it has
// one, or to the done page.
func TestAcceptInvitation(t *testing.T) {
	for _, tc := range []struct {
		name     string
		clientID string
		mfa      bool
	}{
		{"no portal", "", false},
		{"portal with a login page", "portal", false},
		{"portal without one", "plain", false},
		{"tenant requires two-factor", "", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, limits{})
			if tc.mfa {
				acme := h.acme
				acme.Settings.MFA = directory.MFARequired
				if err := h.store.UpdateTenant(t.Context(), acme); err != nil {
					t.Fatal(err)
				}
			}
			l := h.invite(tc.clientID)
			resp, body := h.choose(InvitationPath, l.Secret, goodPassword, goodPassword)
			if tc.clientID == "portal" {
				// The done page, whose button goes on to the portal's login.
				if resp.StatusCode != http.StatusOK {
					t.Fatalf("status %d, want 200\n%s", resp.StatusCode, body)
				}
				m := regexp.MustCompile(`<a class="button" href="([^"]+)">Continue to ([^<]+)</a>`).FindStringSubmatch(body)
				if m == nil {
					t.Fatalf("no button to the portal:\n%s", body)
				}
				next, err := url.Parse(html.UnescapeString(m[1]))
				if err != nil {
					t.Fatal(err)
				}
				q := next.Query()
				if next.Host != "portal.example" || next.Path != "/login" || q.Get("lang") != "en" ||
					q.Get("iss") != testIssuer || q.Get("login_hint") != "acme/pat" || len(q) != 3 {
					t.Errorf("the button goes to %s", next)
				}
				wantIn(t, body, "Its estimated strength: <strong>")
			} else {
				if resp.StatusCode != http.StatusOK {
					t.Fatalf("status %d, want 200\n%s", resp.StatusCode, body)
				}
				wantIn(t, body, "<h1>Your password is set</h1>", "<strong>pat</strong> at <strong>Acme IoT</strong>",
					"Its estimated strength: <strong>", `href="/account"`)
				if strings.Contains(body, "two-factor") != tc.mfa {
					t.Errorf("two-factor note shown: %v, want %v", !tc.mfa, tc.mfa)
				}
				if strings.Contains(body, "signed out") {
					t.Errorf("an invitation says sessions were signed out")
				}
			}
			if _, _, err := h.dir.Authenticate(t.Context(), "acme", "pat", goodPassword); err != nil {
				t.Errorf("the new password does not work: %v", err)
			}
			if u := h.user(h.pat.ID); !u.EmailVerified {
				t.Errorf("address not verified")
			}
			ev := h.eventsOf("user.invitation_accepted")
			if len(ev) != 1 || ev[0].Actor != h.pat.ID || ev[0].Target != h.pat.ID || ev[0].ActorName != "pat" ||
				ev[0].Details["client_id"] != tc.clientID {
				t.Errorf("events: %+v", ev)
			}
			if len(h.queue.sent()) != 0 {
				t.Errorf("an invitation mailed %d messages", len(h.queue.sent()))
			}
			// The link is spent: the page says so.
			resp, body = h.get(InvitationPath + "?token=" + url.QueryEscape(l.Secret))
			if resp.StatusCode != http.StatusGone {
				t.Errorf("second visit: status %d\n%s", resp.StatusCode, body)
			}
		})
	}
}

// TestCSRF: a form without the token of this browser and page is refused
// before anything else.
func TestCSRF(t *testing.T) {
	h := newHarness(t, limits{})
	l := h.invite("")
	_, forgotPage := h.get(ForgotPath)
	forgotToken := h.csrfOf(forgotPage)
	for _, tc := range []struct {
		name, token string
	}{{"none", ""}, {"garbage", "!!"}, {"another page's", forgotToken}} {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := h.post(InvitationPath, url.Values{"token": {l.Secret}, "csrf_token": {tc.token},
				"new_password": {goodPassword}, "confirm_password": {goodPassword}})
			if resp.StatusCode != http.StatusForbidden {
				t.Fatalf("status %d, want 403\n%s", resp.StatusCode, body)
			}
			wantIn(t, body, "Form expired")
		})
	}
	// A token from another browser (another cookie) is refused too.
	other := newHarness(t, limits{})
	_, page := other.get(InvitationPath + "?token=" + url.QueryEscape(other.invite("").Secret))
	resp, _ := h.post(InvitationPath, url.Values{"token": {l.Secret}, "csrf_token": {h.csrfOf(page)},
		"new_password": {goodPassword}, "confirm_password": {goodPassword}})
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("another browser's token: status %d", resp.StatusCode)
	}
	if u := h.user(h.pat.ID); u.PasswordHash != "" {
		t.Errorf("a password was set")
	}
}

// TestReset: a reset link sets a new password, ends every session,
// mails the notice, and cannot be used twice.
func TestReset(t *testing.T) {
	h := newHarness(t, limits{})
	l := h.resetLink()
	h.clock.Advance(time.Minute)
	resp, body := h.get(ResetPath + "?token=" + url.QueryEscape(l.Secret))
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d\n%s", resp.StatusCode, body)
	}
	wantIn(t, body, "<h1>Choose a new password</h1>", "for <strong>jill</strong> at <strong>Acme IoT</strong>",
		`action="/password/reset"`, "This link works until 1 March 2026 at 10:00 UTC.")
	formToken := h.csrfOf(body)

	// The current password is refused, and the link stays.
	resp, body = h.choose(ResetPath, l.Secret, jillPassword, jillPassword)
	if resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("current password: status %d\n%s", resp.StatusCode, body)
	}
	wantIn(t, body, "is your current password")

	resp, body = h.choose(ResetPath, l.Secret, betterPassword, betterPassword)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d\n%s", resp.StatusCode, body)
	}
	wantIn(t, body, "<h1>Your password is changed</h1>", "Every session of this account was signed out", `href="/account"`)
	if _, _, err := h.dir.Authenticate(t.Context(), "acme", "jill", betterPassword); err != nil {
		t.Errorf("the new password does not work: %v", err)
	}
	if _, _, err := h.dir.Authenticate(t.Context(), "acme", "jill", jillPassword); !errors.Is(err, directory.ErrInvalidCredentials) {
		t.Errorf("the old password: %v", err)
	}
	if u := h.user(h.jill.ID); !u.RevokedBefore.Equal(h.clock.Now()) {
		t.Errorf("RevokedBefore %v, want %v: sessions not ended", u.RevokedBefore, h.clock.Now())
	}
	if got := *h.signedOut; len(got) != 1 || got[0] != h.jill.ID {
		t.Errorf("back-channel logout told of %v, want jill", got)
	}
	if ev := h.eventsOf("user.password_reset"); len(ev) != 1 || ev[0].Actor != h.jill.ID || len(ev[0].Details) != 0 {
		t.Errorf("events: %+v", ev)
	}
	sent := h.queue.sent()
	if len(sent) != 1 || sent[0].To.Email != "jill@acme.example" || sent[0].Subject != "Your Gatehouse password was changed" {
		t.Fatalf("mails: %+v", sent)
	}

	// A second use is the "used" page. The form's CSRF token is the
	// browser's for the page, so the one from the first visit still fits.
	resp, body = h.post(ResetPath, url.Values{"token": {l.Secret}, "csrf_token": {formToken},
		"new_password": {goodPassword}, "confirm_password": {goodPassword}})
	if resp.StatusCode != http.StatusGone {
		t.Fatalf("second use: status %d\n%s", resp.StatusCode, body)
	}
	wantIn(t, body, "This password reset link was already used")
	if _, _, err := h.dir.Authenticate(t.Context(), "acme", "jill", betterPassword); err != nil {
		t.Errorf("the second use changed the password: %v", err)
	}
}

// TestResetNotifyFailure: the password is changed even when the notice
// cannot be queued; the log says so.
func TestResetNotifyFailure(t *testing.T) {
	h := newHarness(t, limits{})
	l := h.resetLink()
	h.queue.err = errors.New("queue full")
	resp, body := h.choose(ResetPath, l.Secret, betterPassword, betterPassword)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("a notice that cannot be queued fails the reset: status %d\n%s", resp.StatusCode, body)
	}
	if !strings.Contains(h.logs.String(), "password changed notice not queued") {
		t.Errorf("the failure is not logged")
	}
}
