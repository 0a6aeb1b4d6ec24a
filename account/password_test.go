package account

import (
	"bytes"
	"errors"
	"log/slog"
	"maps"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-id/gatehouse/audit"
	"github.com/gatehouse-id/gatehouse/directory"
	"github.com/gatehouse-id/gatehouse/throttle"
)

const (
	jillPassword = "correct horse battery" // newHarness's
	newPassword  = "plum tractor velvet ocean 42"
	changedText  = "Your password is changed."
)

// passwordForm is the password form of the page the browser sees now.
func (h *harness) passwordForm(current, pw, confirm string) url.Values {
	h.t.Helper()
	return url.Values{"csrf_token": {h.token()}, "current_password": {current}, "new_password": {pw}, "confirm_password": {confirm}}
}

// passwordIs reports whether pw is jill's password now, through the
// directory as the login checks it.
func (h *harness) passwordIs(pw string) bool {
	h.t.Helper()
	_, _, err := h.dir.Authenticate(h.t.Context(), "acme", "jill", pw)
	if err != nil && !errors.Is(err, directory.ErrInvalidCredentials) {
		h.t.Fatal(err)
	}
	return err == nil
}

// eventsOf returns acme's events of action, newest first.
func (h *harness) eventsOf(action string) []audit.Event {
	h.t.Helper()
	all, err := h.store.ListEvents(h.t.Context(), []string{h.acme.ID}, time.Time{}, 0)
	if err != nil {
		h.t.Fatal(err)
	}
	var got []audit.Event
	for _, e := range all {
		if e.Action == action {
			got = append(got, e)
		}
	}
	return got
}

// passwordEvents returns acme's user.password_changed events.
func (h *harness) passwordEvents() []audit.Event { return h.eventsOf("user.password_changed") }

// checkUnchanged asserts that jill's password is still the first one and
// that no change was audited.
func (h *harness) checkUnchanged() {
	h.t.Helper()
	if !h.passwordIs(jillPassword) || h.passwordIs(newPassword) {
		h.t.Error("the password was changed")
	}
	if n := len(h.passwordEvents()); n != 0 {
		h.t.Errorf("%d password changes audited", n)
	}
}

func TestPasswordChange(t *testing.T) {
	var logs lockedBuffer
	h := newHarness(t, func(c *Config) {
		c.Logger = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	})
	h.signIn()
	resp, body := h.get("/account")
	for _, want := range []string{`action="/account/password"`, `autocomplete="current-password"`, `autocomplete="new-password"`,
		`name="confirm_password"`, `autocomplete="username"`} {
		if !strings.Contains(body, want) {
			t.Errorf("the page (%d) lacks %q", resp.StatusCode, want)
		}
	}
	resp, body = h.post("/account/password", h.passwordForm(jillPassword, newPassword, newPassword))
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, changedText) {
		t.Fatalf("password change: %d %.600s", resp.StatusCode, body)
	}
	if h.passwordIs(jillPassword) || !h.passwordIs(newPassword) {
		t.Error("the new password is not the one that works")
	}
	events := h.passwordEvents()
	if len(events) != 1 {
		t.Fatalf("%d password changes audited, want 1", len(events))
	}
	checkEvent(t, events[0], audit.Event{Time: h.clock.Now(), Action: "user.password_changed", TenantID: h.acme.ID,
		Actor: h.jill.ID, ActorName: "jill", Target: h.jill.ID, TargetName: "jill",
		Details: map[string]string{"reason": "account_page", "address": "127.0.0.1"}})
	for v := range maps.Values(events[0].Details) {
		if strings.Contains(v, "horse") || strings.Contains(v, "tractor") {
			t.Errorf("audit event holds a password: %+v", events[0])
		}
	}
	if log := logs.String(); strings.Contains(log, "horse") || strings.Contains(log, "tractor") {
		t.Errorf("a password was logged:\n%s", log)
	}
	// Changed once: the old password no longer changes it.
	resp, _ = h.post("/account/password", h.passwordForm(jillPassword, "another fine passphrase 7", "another fine passphrase 7"))
	if resp.StatusCode != http.StatusUnauthorized || !h.passwordIs(newPassword) {
		t.Errorf("the old password changed it again: %d", resp.StatusCode)
	}
}

// TestPasswordChangeRefused: each refusal says why on the page and changes
// nothing.
func TestPasswordChangeRefused(t *testing.T) {
	for _, tc := range []struct {
		name                 string
		current, pw, confirm string
		status               int
		want                 string
	}{
		{"wrong current password", "not my password", newPassword, newPassword, http.StatusUnauthorized, "Your current password is not right. Nothing was changed."},
		{"no current password", "", newPassword, newPassword, http.StatusBadRequest, "Enter your current password."},
		{"no new password", jillPassword, "", newPassword, http.StatusBadRequest, "Enter a new password."},
		{"no confirmation", jillPassword, newPassword, "", http.StatusBadRequest, "Type the new password again."},
		{"too long", jillPassword, strings.Repeat("x", 1025), strings.Repeat("x", 1025), http.StatusBadRequest, "This is too long."},
		{"mismatch", jillPassword, newPassword, newPassword + "!", http.StatusBadRequest, "The two new passwords are not the same."},
		{"too short", jillPassword, "short", "short", http.StatusBadRequest, "The new password must be at least"},
		{"the current one", jillPassword, jillPassword, jillPassword, http.StatusBadRequest, "The new password is your current password: choose a new one. Nothing was changed."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t)
			h.signIn()
			resp, body := h.post("/account/password", h.passwordForm(tc.current, tc.pw, tc.confirm))
			if resp.StatusCode != tc.status || !strings.Contains(body, tc.want) || strings.Contains(body, changedText) {
				t.Errorf("%d, want %d with %q: %.2000s", resp.StatusCode, tc.status, tc.want, body)
			}
			h.checkUnchanged()
		})
	}
}

// TestWrongCurrentPasswordsCountPerAddress: a wrong current password
// spends the address's budget, shared with the login pages and the TOTP
// forms; a mismatch does not.
func TestWrongCurrentPasswordsCountPerAddress(t *testing.T) {
	h := newHarness(t, func(c *Config) {
		c.AddressLimiter = throttle.New(c.Pending, "address", throttle.Policy{Limit: 2, Window: 15 * time.Minute})
	})
	h.enrol()
	h.signIn()
	for range 3 { // not counted
		if resp, _ := h.post("/account/password", h.passwordForm(jillPassword, newPassword, "something else")); resp.StatusCode != http.StatusBadRequest {
			t.Fatalf("mismatch: %d", resp.StatusCode)
		}
	}
	for range 2 {
		if resp, _ := h.post("/account/password", h.passwordForm("not my password", newPassword, newPassword)); resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("wrong current password: %d", resp.StatusCode)
		}
	}
	resp, body := h.post("/account/password", h.passwordForm(jillPassword, newPassword, newPassword))
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" || !strings.Contains(body, "Too many attempts. Try again in 15 minutes.") {
		t.Fatalf("after the address's budget: %d Retry-After %q %.2000s", resp.StatusCode, resp.Header.Get("Retry-After"), body)
	}
	h.checkUnchanged()
	// The TOTP forms share the budget.
	if resp, _ := h.post("/account/totp/remove", url.Values{"csrf_token": {h.token()}, "code": {"000000"}}); resp.StatusCode != http.StatusTooManyRequests {
		t.Errorf("a TOTP form after the budget: %d", resp.StatusCode)
	}
}

// TestPasswordChangeNeedsItsForm: without the session's CSRF token, from
// another site, or in a support session, the form is refused before the
// current password is looked at.
func TestPasswordChangeNeedsItsForm(t *testing.T) {
	t.Run("CSRF token missing", func(t *testing.T) {
		h := newHarness(t)
		h.signIn()
		form := h.passwordForm(jillPassword, newPassword, newPassword)
		form.Del("csrf_token")
		if resp, body := h.post("/account/password", form); resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "This form expired") {
			t.Errorf("%d %.600s", resp.StatusCode, body)
		}
		h.checkUnchanged()
	})
	t.Run("cross-origin", func(t *testing.T) {
		h := newHarness(t)
		h.signIn()
		h.postCrossSite("/account/password", h.passwordForm(jillPassword, newPassword, newPassword))
		h.checkUnchanged()
	})
	t.Run("support session", func(t *testing.T) {
		h := newHarness(t)
		sess := h.signInSupportAsJill()
		resp, body := h.get("/account")
		if resp.StatusCode != http.StatusOK || strings.Contains(body, `action="/account/password"`) ||
			!strings.Contains(body, "Support cannot change this account's password.") {
			t.Errorf("support session's page: %d %.3000s", resp.StatusCode, body)
		}
		// Forged with the token the session's page would have had, and
		// the right current password: refused all the same.
		token := csrf{key: bytes.Repeat([]byte{3}, 32)}.token(sess.ID)
		resp, body = h.post("/account/password", url.Values{"csrf_token": {token}, "current_password": {jillPassword},
			"new_password": {newPassword}, "confirm_password": {newPassword}})
		if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "Support cannot change this account") {
			t.Errorf("password form in a support session: %d %.600s", resp.StatusCode, body)
		}
		h.checkUnchanged()
	})
}
