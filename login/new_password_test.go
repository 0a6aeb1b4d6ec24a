package login

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gatehouse-id/gatehouse/directory"
	"github.com/gatehouse-id/gatehouse/session"
)

const (
	newPasswordURL = "/login/new-password?authRequestID=req-1"
	// newPassword is one the default policy accepts.
	newPassword = "tamarind gazebo lantern"

	msgNewPasswordWhy = "Your administrator asks you to choose a new password before you continue"
	msgMismatch       = "The two passwords are not the same. Type the same new password in both fields."
)

// mustChange sets the user's "reset password at next login", as an
// administrator does.
func (h *harness) mustChange(id string) {
	h.t.Helper()
	u, err := h.store.UserByID(h.t.Context(), id)
	if err != nil {
		h.t.Fatal(err)
	}
	u.MustChangePassword = true
	if err := h.store.UpdateUser(h.t.Context(), u); err != nil {
		h.t.Fatal(err)
	}
}

// stored reads the user back from the store.
func (h *harness) stored(id string) directory.User {
	h.t.Helper()
	u, err := h.store.UserByID(h.t.Context(), id)
	if err != nil {
		h.t.Fatal(err)
	}
	return u
}

// openNewPassword opens the new-password page of req-1 and returns its
// body and token.
func (h *harness) openNewPassword() (string, string) {
	h.t.Helper()
	resp, body := h.get(newPasswordURL)
	if resp.StatusCode != http.StatusOK {
		h.t.Fatalf("GET %s = %d\n%s", newPasswordURL, resp.StatusCode, body)
	}
	return body, formToken(h.t, body)
}

// chooseNewPassword posts the new-password form.
func (h *harness) chooseNewPassword(token, pw, confirm string) (*http.Response, string) {
	h.t.Helper()
	return h.postTo("/login/new-password", url.Values{"authRequestID": {"req-1"}, csrfField: {token},
		"new_password": {pw}, "confirm_password": {confirm}})
}

// wantAskedForNewPassword checks that resp sends the browser to the
// new-password page, with nothing issued.
func (h *harness) wantAskedForNewPassword(resp *http.Response, body string) {
	h.t.Helper()
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != newPasswordURL {
		h.t.Fatalf("status %d Location %q, want 303 to %s\n%s", resp.StatusCode, resp.Header.Get("Location"), newPasswordURL, body)
	}
	h.wantNothingIssued(resp)
}

// wantNothingIssued checks that no session was handed out and no request
// completed.
func (h *harness) wantNothingIssued(resp *http.Response) {
	h.t.Helper()
	if h.requests.completions() != 0 || cookieNamed(resp, session.CookieName) != nil {
		h.t.Errorf("a session or a completed request before the new password")
	}
	if evs := h.events("login.succeeded", actionSupportLogin); len(evs) != 0 {
		h.t.Errorf("login audited before the new password: %+v", evs)
	}
}

// wantUnchanged checks that u's password and flag are as they were.
func (h *harness) wantUnchanged(u directory.User) {
	h.t.Helper()
	got := h.stored(u.ID)
	if got.PasswordHash != u.PasswordHash || got.MustChangePassword != u.MustChangePassword {
		h.t.Errorf("%s's password or flag changed", u.Username)
	}
	if evs := h.events(actionPasswordChanged); len(evs) != 0 {
		h.t.Errorf("password change audited: %+v", evs)
	}
}

// TestNewPasswordRequired is the whole step: a user who must change its
// password proves it and is asked for a new one instead of completing; a
// mismatch and what the policy refuses show the page again and change
// nothing; a new password is set, clears the flag, is audited without
// itself, and the login completes.
func TestNewPasswordRequired(t *testing.T) {
	h := newHarness(t, options{})
	h.mustChange(h.jill.ID)
	before := h.stored(h.jill.ID)

	resp, body := h.login("acme", "jill", goodPassword)
	h.wantAskedForNewPassword(resp, body)

	resp, body = h.get(newPasswordURL)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s = %d\n%s", newPasswordURL, resp.StatusCode, body)
	}
	checkSecurityHeaders(t, resp)
	for _, want := range []string{
		"<h1>Choose a new password</h1>", msgNewPasswordWhy, "<strong>Things Manager</strong>", "<strong>jill</strong>",
		`method="post" action="/login/new-password"`, `name="authRequestID" value="req-1"`,
		`<label for="new-password">`, `<label for="confirm-password">`,
		`name="new_password" type="password"`, `name="confirm_password" type="password"`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	if n := strings.Count(body, `autocomplete="new-password"`); n != 2 {
		t.Errorf(`autocomplete="new-password" appears %d times, want 2`, n)
	}
	token := formToken(t, body)

	for _, tc := range []struct {
		name, pw, confirm, msg string
	}{
		{"mismatch", newPassword, newPassword + "!", msgMismatch},
		{"too short", "short1", "short1", "The new password must be at least 8 characters."},
		{"common", "qwertyuiop", "qwertyuiop", "The new password is one of the most common passwords; choose another."},
		{"the current one", goodPassword, goodPassword, "The new password is your current password: choose a new one."},
		{"empty", "", "", "Enter a new password."},
		{"second field empty", newPassword, "", "Type the new password again."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := h.chooseNewPassword(token, tc.pw, tc.confirm)
			if resp.StatusCode != http.StatusBadRequest {
				t.Errorf("status %d, want 400", resp.StatusCode)
			}
			if !strings.Contains(body, tc.msg) {
				t.Errorf("page lacks %q:\n%s", tc.msg, body)
			}
			if !strings.Contains(body, `action="/login/new-password"`) || strings.Count(body, `autocomplete="new-password"`) != 2 {
				t.Errorf("refusal is not the new-password page:\n%s", body)
			}
			if strings.Contains(body, "Something went wrong") {
				t.Errorf("refusal has no words of its own:\n%s", body)
			}
			for _, typed := range []string{tc.pw, tc.confirm} {
				if typed != "" && strings.Contains(body, typed) {
					t.Errorf("page echoes the typed password %q", typed)
				}
			}
			h.wantUnchanged(before)
			h.wantNothingIssued(resp)
		})
	}

	resp, _ = h.chooseNewPassword(token, newPassword, newPassword)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != callbackURL {
		t.Fatalf("status %d Location %q, want 303 to %s", resp.StatusCode, resp.Header.Get("Location"), callbackURL)
	}
	_, sess := h.sessionOf(resp)
	if completed, ok := h.requests.session("req-1"); !ok || completed.ID != sess.ID || sess.UserID != h.jill.ID || sess.TenantID != "t-acme" {
		t.Errorf("completed with %+v, session %+v", completed, sess)
	}
	if !slices.Equal(sess.AMR, []string{"pwd"}) || sess.ACR != acrPassword {
		t.Errorf("AMR %v ACR %q, want [pwd] pwd", sess.AMR, sess.ACR)
	}
	after := h.stored(h.jill.ID)
	if after.MustChangePassword || after.PasswordHash == before.PasswordHash {
		t.Errorf("after the change: MustChangePassword %v, hash changed %v", after.MustChangePassword, after.PasswordHash != before.PasswordHash)
	}
	if _, _, err := h.dir.Authenticate(t.Context(), "acme", "jill", newPassword); err != nil {
		t.Errorf("new password: %v", err)
	}
	if _, _, err := h.dir.Authenticate(t.Context(), "acme", "jill", goodPassword); !errors.Is(err, directory.ErrInvalidCredentials) {
		t.Errorf("old password: %v, want ErrInvalidCredentials", err)
	}

	// Audited once, by jill, before the login (newest first).
	evs := h.events(actionPasswordChanged, "login.succeeded")
	if len(evs) != 2 || evs[0].Action != "login.succeeded" || evs[1].Action != actionPasswordChanged {
		t.Fatalf("events = %+v", evs)
	}
	e := evs[1]
	if e.TenantID != "t-acme" || e.Actor != h.jill.ID || e.ActorName != "jill" || e.Target != h.jill.ID || e.TargetName != "jill" ||
		e.Details["reason"] != "required_at_login" || e.Details["address"] == "" || e.Details["client_id"] != "things-manager" {
		t.Errorf("password change event = %+v", e)
	}
	for _, ev := range h.events() {
		for k, v := range ev.Details {
			for _, pw := range []string{newPassword, goodPassword, "qwertyuiop", "short1"} {
				if strings.Contains(v, pw) {
					t.Errorf("%s detail %s holds a password", ev.Action, k)
				}
			}
		}
	}

	// The next login is an ordinary one.
	h.requests.add(Request{ID: "req-1", ClientID: "things-manager", ClientName: "Things Manager"})
	if resp, body := h.login("acme", "jill", newPassword); resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != callbackURL {
		t.Errorf("next login: %d %q, want 303 to the callback\n%s", resp.StatusCode, resp.Header.Get("Location"), body)
	}
}

// TestNewPasswordAfterTOTP: a user with an authenticator gives its code
// first; the new password comes after it, and the login completes with
// TOTP.
func TestNewPasswordAfterTOTP(t *testing.T) {
	h := newHarness(t, options{})
	secret := h.enrolTOTP(h.jill, "acme")
	h.mustChange(h.jill.ID)

	resp, body := h.login("acme", "jill", goodPassword)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/login/totp?authRequestID=req-1" {
		t.Fatalf("POST /login = %d %q, want 303 to the TOTP page\n%s", resp.StatusCode, resp.Header.Get("Location"), body)
	}
	// The new-password page is not open before the code.
	if resp, body := h.get(newPasswordURL); resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, msgRequestExpired) {
		t.Errorf("GET %s before the code: %d, want 400 expired", newPasswordURL, resp.StatusCode)
	}
	_, body = h.get("/login/totp?authRequestID=req-1")
	resp, body = h.postTo("/login/totp", url.Values{"authRequestID": {"req-1"}, csrfField: {formToken(t, body)}, "code": {nextCode(t, secret)}})
	h.wantAskedForNewPassword(resp, body)

	_, token := h.openNewPassword()
	resp, body = h.chooseNewPassword(token, newPassword, newPassword)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != callbackURL {
		t.Fatalf("status %d Location %q, want 303 to %s\n%s", resp.StatusCode, resp.Header.Get("Location"), callbackURL, body)
	}
	if _, sess := h.sessionOf(resp); !slices.Equal(sess.AMR, amrTOTP) || sess.ACR != acrMFA {
		t.Errorf("AMR %v ACR %q, want %v %q", sess.AMR, sess.ACR, amrTOTP, acrMFA)
	}
	if h.stored(h.jill.ID).MustChangePassword {
		t.Error("MustChangePassword still set")
	}
	if evs := h.events("login.succeeded"); len(evs) != 1 || evs[0].Details["amr"] != "pwd otp mfa" {
		t.Errorf("events = %+v", evs)
	}
}

// TestNewPasswordNeedsItsPendingLogin: the form is refused, as every
// expired login form is, without a pending login of this browser at the
// new-password stage; nothing is changed.
func TestNewPasswordNeedsItsPendingLogin(t *testing.T) {
	for _, tc := range []struct {
		name string
		// setup brings h to the point of the POST and returns the token
		// to post with, and the browser to post from.
		setup func(t *testing.T, h *harness) (*harness, string)
		// status and msg are the answer; with get, GET /login/new-password
		// from that browser gets the same status.
		status int
		msg    string
		get    bool
	}{
		{"no pending login", func(t *testing.T, h *harness) (*harness, string) {
			return h, h.openForm("req-1")
		}, http.StatusBadRequest, msgRequestExpired, true},
		{"another browser", func(t *testing.T, h *harness) (*harness, string) {
			h.wantAskedForNewPassword(h.login("acme", "jill", goodPassword))
			other := h.otherBrowser()
			return other, other.openForm("req-1")
		}, http.StatusBadRequest, msgRequestExpired, true},
		{"the TOTP stage", func(t *testing.T, h *harness) (*harness, string) {
			h.enrolTOTP(h.jill, "acme")
			if resp, _ := h.login("acme", "jill", goodPassword); resp.Header.Get("Location") != "/login/totp?authRequestID=req-1" {
				t.Fatalf("POST /login: %d %q", resp.StatusCode, resp.Header.Get("Location"))
			}
			_, body := h.get("/login/totp?authRequestID=req-1")
			return h, formToken(t, body)
		}, http.StatusBadRequest, msgRequestExpired, true},
		{"no CSRF token", func(t *testing.T, h *harness) (*harness, string) {
			h.wantAskedForNewPassword(h.login("acme", "jill", goodPassword))
			return h, ""
		}, http.StatusForbidden, "Your sign-in form expired.", false},
		{"another request's token", func(t *testing.T, h *harness) (*harness, string) {
			h.wantAskedForNewPassword(h.login("acme", "jill", goodPassword))
			return h, h.openForm("req-hint")
		}, http.StatusForbidden, "Your sign-in form expired.", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, options{})
			h.mustChange(h.jill.ID)
			before := h.stored(h.jill.ID)
			b, token := tc.setup(t, h)
			resp, body := b.chooseNewPassword(token, newPassword, newPassword)
			if resp.StatusCode != tc.status || !strings.Contains(body, tc.msg) {
				t.Errorf("POST: %d, want %d with %q\n%s", resp.StatusCode, tc.status, tc.msg, body)
			}
			if strings.Contains(body, "<form") {
				t.Errorf("refusal offers a form:\n%s", body)
			}
			if tc.get {
				if resp, _ := b.get(newPasswordURL); resp.StatusCode != tc.status {
					t.Errorf("GET: %d, want %d", resp.StatusCode, tc.status)
				}
			}
			h.wantUnchanged(before)
			h.wantNothingIssued(resp)
		})
	}
}

// TestNewPasswordSingleUse: once the new password has completed the
// login, the same form cannot set another.
func TestNewPasswordSingleUse(t *testing.T) {
	h := newHarness(t, options{})
	h.mustChange(h.jill.ID)
	h.wantAskedForNewPassword(h.login("acme", "jill", goodPassword))
	_, token := h.openNewPassword()
	if resp, _ := h.chooseNewPassword(token, newPassword, newPassword); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("POST: %d, want 303", resp.StatusCode)
	}
	changed := h.stored(h.jill.ID)
	// The request done, the form only sends the browser on.
	if resp, _ := h.chooseNewPassword(token, "another tamarind gazebo", "another tamarind gazebo"); resp.StatusCode != http.StatusSeeOther ||
		resp.Header.Get("Location") != callbackURL || cookieNamed(resp, session.CookieName) != nil {
		t.Errorf("second POST: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	// Were the request open again, the pending login is spent.
	h.requests.add(Request{ID: "req-1", ClientID: "things-manager", ClientName: "Things Manager"})
	if resp, body := h.chooseNewPassword(token, "another tamarind gazebo", "another tamarind gazebo"); resp.StatusCode != http.StatusBadRequest ||
		!strings.Contains(body, msgRequestExpired) {
		t.Errorf("POST after the pending login was used: %d\n%s", resp.StatusCode, body)
	}
	if got := h.stored(h.jill.ID); got.PasswordHash != changed.PasswordHash {
		t.Error("a second password was set")
	}
	if evs := h.events(actionPasswordChanged); len(evs) != 1 || h.requests.completions() != 1 {
		t.Errorf("%d password changes audited, %d completions; want 1 and 1", len(evs), h.requests.completions())
	}
}

// TestNewPasswordExpires: the step lives as long as every pending login,
// and a refused password does not give it more time.
func TestNewPasswordExpires(t *testing.T) {
	for _, tc := range []struct {
		name string
		// waits are the minutes before the refused password and before the
		// good one.
		refusedAt, goodAt time.Duration
		want              int
	}{
		{"within its lifetime", 6 * time.Minute, 3 * time.Minute, http.StatusSeeOther},
		{"past its lifetime", 6 * time.Minute, 5 * time.Minute, http.StatusBadRequest},
		{"expired before a try", 11 * time.Minute, 0, http.StatusBadRequest},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var offset atomic.Int64
			h := newHarness(t, options{ephemeralNow: func() time.Time { return time.Now().Add(time.Duration(offset.Load())) }})
			h.mustChange(h.jill.ID)
			before := h.stored(h.jill.ID)
			h.wantAskedForNewPassword(h.login("acme", "jill", goodPassword))
			_, token := h.openNewPassword()

			offset.Add(int64(tc.refusedAt))
			if resp, body := h.chooseNewPassword(token, "short1", "short1"); tc.refusedAt < pendingTTL && resp.StatusCode != http.StatusBadRequest {
				t.Fatalf("refused password: %d\n%s", resp.StatusCode, body)
			}
			offset.Add(int64(tc.goodAt))
			resp, body := h.chooseNewPassword(token, newPassword, newPassword)
			if resp.StatusCode != tc.want {
				t.Fatalf("good password: %d, want %d\n%s", resp.StatusCode, tc.want, body)
			}
			if tc.want != http.StatusSeeOther {
				if !strings.Contains(body, msgRequestExpired) {
					t.Errorf("page lacks %q:\n%s", msgRequestExpired, body)
				}
				h.wantUnchanged(before)
				h.wantNothingIssued(resp)
			}
		})
	}
}

// TestNewPasswordThrottled: the policy's refusals count against the
// address like wrong passwords; once it is blocked nothing is checked or
// changed. A mismatch, which never reaches the policy, does not count.
func TestNewPasswordThrottled(t *testing.T) {
	h := newHarness(t, options{addressLimit: 2})
	h.mustChange(h.jill.ID)
	before := h.stored(h.jill.ID)
	h.wantAskedForNewPassword(h.login("acme", "jill", goodPassword))
	_, token := h.openNewPassword()
	for range 3 {
		if resp, _ := h.chooseNewPassword(token, newPassword, "something else"); resp.StatusCode != http.StatusBadRequest {
			t.Fatalf("mismatch: %d, want 400", resp.StatusCode)
		}
	}
	for _, pw := range []string{"qwertyuiop", "short1"} {
		if resp, _ := h.chooseNewPassword(token, pw, pw); resp.StatusCode != http.StatusBadRequest {
			t.Fatalf("%s: %d, want 400", pw, resp.StatusCode)
		}
	}
	resp, body := h.chooseNewPassword(token, newPassword, newPassword)
	if resp.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("status %d, want 429\n%s", resp.StatusCode, body)
	}
	if !strings.Contains(body, "Too many attempts. Try again in 15 minutes.") || !strings.Contains(body, `action="/login/new-password"`) {
		t.Errorf("page lacks the throttle message or the form:\n%s", body)
	}
	if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err != nil || s <= 0 || s > 15*60 {
		t.Errorf("Retry-After = %q", resp.Header.Get("Retry-After"))
	}
	h.wantUnchanged(before)
	h.wantNothingIssued(resp)
}

// TestNewPasswordNotAskedWithoutFlag: a user without the flag never sees
// the page, and the supported person's flag does not stop a support login.
func TestNewPasswordNotAskedWithoutFlag(t *testing.T) {
	t.Run("ordinary login", func(t *testing.T) {
		h := newHarness(t, options{})
		resp, body := h.login("acme", "jill", goodPassword)
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != callbackURL {
			t.Fatalf("POST /login = %d %q, want 303 to the callback\n%s", resp.StatusCode, resp.Header.Get("Location"), body)
		}
		if resp, _ := h.get(newPasswordURL); resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != callbackURL {
			t.Errorf("GET %s once done: %d %q", newPasswordURL, resp.StatusCode, resp.Header.Get("Location"))
		}
		if len(h.events(actionPasswordChanged)) != 0 {
			t.Error("a password change was audited")
		}
	})
	t.Run("support login for a person who must change", func(t *testing.T) {
		h := newHarness(t, options{})
		p := h.supportWorld()
		h.mustChange(h.jill.ID)
		resp, _ := h.supportLogin("sue$jill", suePassword, "INC-4711")
		h.checkSupportSession(resp, p.sue, h.jill, "INC-4711", []string{"pwd"})
		if !h.stored(h.jill.ID).MustChangePassword {
			t.Error("jill's flag was cleared by sue's support login")
		}
	})
}

// TestSupportLoginNewPassword: in "sue$jill", sue typed her password, so
// she is the one who must change it; the support session starts after.
func TestSupportLoginNewPassword(t *testing.T) {
	h := newHarness(t, options{})
	p := h.supportWorld()
	h.mustChange(p.sue.ID)
	jill := h.stored(h.jill.ID)

	resp, body := h.supportLogin("sue$jill", suePassword, "INC-4711")
	h.wantAskedForNewPassword(resp, body)
	body, token := h.openNewPassword()
	if !strings.Contains(body, "<strong>sue</strong>") || strings.Contains(body, "<strong>jill</strong>") {
		t.Errorf("the page is not sue's:\n%s", body)
	}
	resp, _ = h.chooseNewPassword(token, newPassword, newPassword)
	h.checkSupportSession(resp, p.sue, h.jill, "INC-4711", []string{"pwd"})
	if h.stored(p.sue.ID).MustChangePassword {
		t.Error("sue's flag still set")
	}
	if got := h.stored(h.jill.ID); got.PasswordHash != jill.PasswordHash {
		t.Error("jill's password changed")
	}
	evs := h.events(actionPasswordChanged)
	if len(evs) != 1 || evs[0].Actor != p.sue.ID || evs[0].Target != p.sue.ID || evs[0].TenantID != "t-prov" {
		t.Errorf("events = %+v", evs)
	}
}

// TestNewPasswordUserDisabledMeanwhile: a user disabled while the page is
// open sets no password.
func TestNewPasswordUserDisabledMeanwhile(t *testing.T) {
	h := newHarness(t, options{})
	h.mustChange(h.jill.ID)
	h.wantAskedForNewPassword(h.login("acme", "jill", goodPassword))
	_, token := h.openNewPassword()
	u := h.stored(h.jill.ID)
	u.Disabled = true
	if err := h.store.UpdateUser(t.Context(), u); err != nil {
		t.Fatal(err)
	}
	resp, body := h.chooseNewPassword(token, newPassword, newPassword)
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("status %d, want 403\n%s", resp.StatusCode, body)
	}
	h.wantUnchanged(u)
	h.wantNothingIssued(resp)
}
