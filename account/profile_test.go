package account

import (
	"bytes"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/gatehouse-id/gatehouse/audit"
	"github.com/gatehouse-id/gatehouse/directory"
)

const savedText = "Your profile is saved."

// savedTextNL is savedText in Dutch: jill's page speaks Dutch once her
// preferred language is nl (profileForm).
const savedTextNL = "Uw profiel is opgeslagen."

// profileForm is a filled profile form of the page the browser sees now.
func (h *harness) profileForm() url.Values {
	h.t.Helper()
	return url.Values{"csrf_token": {h.token()}, "display_name": {"Jill Smith"}, "given_name": {"Jill"},
		"family_name": {"Smith"}, "phone": {"+31 20 123 4567"}, "job_title": {"Engineer"},
		"office_location": {"Amsterdam 3.14"}, "preferred_language": {"nl"}}
}

// storedJill is jill as the directory's store holds her now.
func (h *harness) storedJill() directory.User {
	h.t.Helper()
	u, err := h.store.UserByID(h.t.Context(), h.jill.ID)
	if err != nil {
		h.t.Fatal(err)
	}
	return u
}

// profileEvents returns acme's user.profile_changed events.
func (h *harness) profileEvents() []audit.Event { return h.eventsOf("user.profile_changed") }

// checkProfileUnchanged asserts that jill's profile is as newHarness made
// it and that no change was audited.
func (h *harness) checkProfileUnchanged() {
	h.t.Helper()
	if u := h.storedJill(); u.DisplayName != "" || u.Phone != "" || u.PreferredLanguage != "" || u.JobTitle != "" {
		h.t.Errorf("the profile was changed: %+v", u)
	}
	if n := len(h.profileEvents()); n != 0 {
		h.t.Errorf("%d profile changes audited", n)
	}
}

func TestProfileChange(t *testing.T) {
	h := newHarness(t)
	h.signIn()
	resp, body := h.get("/account")
	for _, want := range []string{"<h2>Profile</h2>", `action="/account/profile"`, "Your administrator changes your email address.",
		`autocomplete="given-name"`, `autocomplete="organization-title"`, `<option value="" selected>(not set)</option>`} {
		if !strings.Contains(body, want) {
			t.Errorf("the page (%d) lacks %q", resp.StatusCode, want)
		}
	}
	resp, body = h.post("/account/profile", h.profileForm())
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, savedTextNL) || !strings.Contains(body, `<html lang="nl">`) ||
		!strings.Contains(body, `value="Jill Smith"`) || !strings.Contains(body, `<option value="nl" selected>Nederlands</option>`) {
		t.Fatalf("profile change: %d %.3000s", resp.StatusCode, body)
	}
	u := h.storedJill()
	if u.DisplayName != "Jill Smith" || u.GivenName != "Jill" || u.FamilyName != "Smith" || u.Phone != "+31 20 123 4567" ||
		u.JobTitle != "Engineer" || u.OfficeLocation != "Amsterdam 3.14" || u.PreferredLanguage != "nl" || u.Username != "jill" {
		t.Errorf("stored: %+v", u)
	}
	events := h.profileEvents()
	if len(events) != 1 {
		t.Fatalf("%d profile changes audited, want 1", len(events))
	}
	checkEvent(t, events[0], audit.Event{Time: h.clock.Now(), Action: "user.profile_changed", TenantID: h.acme.ID,
		Actor: h.jill.ID, ActorName: "jill", Target: h.jill.ID, TargetName: "jill",
		Details: map[string]string{"display_name": " → Jill Smith", "given_name": " → Jill", "family_name": " → Smith",
			"phone": " → +31 20 123 4567", "job_title": " → Engineer", "office_location": " → Amsterdam 3.14",
			"preferred_language": " → nl", "address": "127.0.0.1"}})

	// The same form again changes nothing, and records nothing.
	resp, body = h.post("/account/profile", h.profileForm())
	if resp.StatusCode != http.StatusOK || strings.Contains(body, savedTextNL) || !strings.Contains(body, "Uw profiel is ongewijzigd") {
		t.Errorf("unchanged form: %d %.3000s", resp.StatusCode, body)
	}
	if n := len(h.profileEvents()); n != 1 {
		t.Errorf("%d profile changes audited after an unchanged form, want 1", n)
	}

	// One field: one detail, besides the address.
	form := h.profileForm()
	form.Set("job_title", "Lead engineer")
	if resp, body := h.post("/account/profile", form); resp.StatusCode != http.StatusOK || !strings.Contains(body, savedTextNL) {
		t.Fatalf("second change: %d %.600s", resp.StatusCode, body)
	}
	events = h.profileEvents()
	if len(events) != 2 {
		t.Fatalf("%d profile changes audited, want 2", len(events))
	}
	var second audit.Event
	for _, e := range events {
		if _, ok := e.Details["display_name"]; !ok {
			second = e
		}
	}
	if d := second.Details; len(d) != 2 || d["job_title"] != "Engineer → Lead engineer" {
		t.Errorf("second change's details: %v", d)
	}
}

// TestProfileKeepsAnUnofferedLanguage: a stored tag the select does not
// offer is shown selected, so that saving the form keeps it.
func TestProfileKeepsAnUnofferedLanguage(t *testing.T) {
	h := newHarness(t)
	if _, _, err := h.dir.UpdateOwnProfile(t.Context(), h.jill.ID, directory.OwnProfile{PreferredLanguage: "de-CH"}); err != nil {
		t.Fatal(err)
	}
	h.signIn()
	_, body := h.get("/account")
	if !strings.Contains(body, `<option value="de-CH" selected>de-CH</option>`) || strings.Contains(body, `<option value="" selected>`) {
		t.Errorf("the stored language is not selected: %.3000s", body)
	}
}

func TestProfileChangeRefused(t *testing.T) {
	for _, tc := range []struct {
		name, field, value, want string
	}{
		{"bad phone", "phone", "call me maybe", `<p class="field-error" id="phone-error">Phone must be at most 32 digits`},
		{"bad language", "preferred_language", "not a language!", `<p class="field-error" id="preferred-language-error">Preferred language must be a language tag`},
		{"name on two lines", "display_name", "Jill\nSmith", `<p class="field-error" id="display-name-error">Display name must be at most`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t)
			h.signIn()
			form := h.profileForm()
			form.Set(tc.field, tc.value)
			resp, body := h.post("/account/profile", form)
			if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, tc.want) || strings.Contains(body, savedText) {
				t.Errorf("%d, want 400 with %q: %.3000s", resp.StatusCode, tc.want, body)
			}
			// What was typed is kept.
			if !strings.Contains(body, `value="Jill Smith"`) && tc.field != "display_name" || !strings.Contains(body, `value="Engineer"`) {
				t.Errorf("the values typed are not kept: %.3000s", body)
			}
			h.checkProfileUnchanged()
		})
	}
}

// TestProfileChangeNeedsItsForm: without the session's CSRF token or in a
// support session the form is refused and nothing changes.
func TestProfileChangeNeedsItsForm(t *testing.T) {
	t.Run("CSRF token missing", func(t *testing.T) {
		h := newHarness(t)
		h.signIn()
		form := h.profileForm()
		form.Del("csrf_token")
		if resp, body := h.post("/account/profile", form); resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "This form expired") {
			t.Errorf("%d %.600s", resp.StatusCode, body)
		}
		h.checkProfileUnchanged()
	})
	t.Run("cross-origin", func(t *testing.T) {
		h := newHarness(t)
		h.signIn()
		h.postCrossSite("/account/profile", h.profileForm())
		h.checkProfileUnchanged()
	})
	t.Run("support session", func(t *testing.T) {
		h := newHarness(t)
		sess := h.signInSupportAsJill()
		resp, body := h.get("/account")
		if resp.StatusCode != http.StatusOK || strings.Contains(body, `action="/account/profile"`) ||
			!strings.Contains(body, "Support cannot change this account's profile.") {
			t.Errorf("support session's page: %d %.3000s", resp.StatusCode, body)
		}
		token := csrf{key: bytes.Repeat([]byte{3}, 32)}.token(sess.ID)
		resp, body = h.post("/account/profile", url.Values{"csrf_token": {token}, "display_name": {"Sue was here"}, "phone": {"112"}})
		if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "Support cannot change this account") ||
			strings.Contains(body, `action="/account/profile"`) {
			t.Errorf("profile form in a support session: %d %.600s", resp.StatusCode, body)
		}
		h.checkProfileUnchanged()
	})
}
