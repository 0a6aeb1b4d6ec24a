package admin

import (
	"net/http"
	"slices"
	"strings"
	"testing"
)

// TestUserLifecycleAPI: delete, the deleted filter, restore, purge, and the
// answers to what a deleted user refuses, each audited just when it
// changed something.
func TestUserLifecycleAPI(t *testing.T) {
	w := newUsersWorld(t)
	rita, pete := w.users["acme/rita"], w.users["acme/pete"]

	w.step(t, apiStep{name: "delete oneself", who: "acme/ada", method: "DELETE", path: "/users/" + w.users["acme/ada"],
		status: http.StatusUnprocessableEntity, field: "id"})
	w.step(t, apiStep{name: "purge=maybe", who: "acme/ada", method: "DELETE", path: "/users/" + rita + "?purge=maybe",
		status: http.StatusBadRequest, field: "purge"})
	w.step(t, apiStep{name: "a user deletes", who: "acme/rita", method: "DELETE", path: "/users/" + pete,
		status: http.StatusForbidden})
	w.step(t, apiStep{name: "another tenant's administrator", who: "contoso/cara", method: "DELETE", path: "/users/" + rita,
		status: http.StatusNotFound})

	w.step(t, apiStep{name: "delete rita", who: "acme/ada", method: "DELETE", path: "/users/" + rita, status: http.StatusNoContent})
	if e := w.lastEvent(t); e.Action != "user.deleted" || e.Target != rita || e.Details["purge_at"] == "" {
		t.Errorf("event %+v", e)
	}
	body := w.step(t, apiStep{name: "read rita", who: "acme/ada", method: "GET", path: "/users/" + rita, status: http.StatusOK})
	if body["deleted_at"] == nil || body["purge_at"] == nil {
		t.Errorf("a deleted user shows no deleted_at or purge_at: %v", body)
	}
	for query, want := range map[string][]string{
		"":                {"ada", "erin", "frank", "olga", "pete"},
		"deleted=include": {"ada", "erin", "frank", "olga", "pete", "rita"},
		"deleted=only":    {"rita"},
	} {
		status, body := w.do(t, "acme/ada", "GET", "/tenants/acme/users?"+query, "")
		if status != http.StatusOK || !slices.Equal(usernames(body), want) {
			t.Errorf("list %q: %d %v, want %v", query, status, usernames(body), want)
		}
	}
	w.step(t, apiStep{name: "deleted=yes", who: "acme/ada", method: "GET", path: "/tenants/acme/users?deleted=yes",
		status: http.StatusBadRequest, field: "deleted"})

	body = w.step(t, apiStep{name: "change a deleted user", who: "acme/ada", method: "PATCH", path: "/users/" + rita,
		body: `{"display_name":"Rita"}`, status: http.StatusConflict})
	if !strings.HasSuffix(body["type"].(string), "/user-deleted") {
		t.Errorf("problem %v, want user-deleted", body)
	}
	body = w.step(t, apiStep{name: "take a deleted user's username", who: "acme/ada", method: "POST", path: "/tenants/acme/users",
		body: `{"username":"rita"}`, status: http.StatusConflict, field: "username"})
	if !strings.Contains(body["detail"].(string), "deleted") {
		t.Errorf("problem %v does not say the username is a deleted user's", body)
	}

	body = w.step(t, apiStep{name: "restore rita", who: "acme/ada", method: "POST", path: "/users/" + rita + "/restore", status: http.StatusOK})
	if body["deleted_at"] != nil || w.lastEvent(t).Action != "user.restored" {
		t.Errorf("restored: %v, event %+v", body, w.lastEvent(t))
	}
	body = w.step(t, apiStep{name: "restore again", who: "acme/ada", method: "POST", path: "/users/" + rita + "/restore",
		status: http.StatusConflict})
	if !strings.HasSuffix(body["type"].(string), "/user-not-deleted") {
		t.Errorf("problem %v, want user-not-deleted", body)
	}

	// Delete now: olga owns pete, so users:create is enough.
	w.step(t, apiStep{name: "purge pete", who: "acme/olga", method: "DELETE", path: "/users/" + pete + "?purge=true", status: http.StatusNoContent})
	if e := w.lastEvent(t); e.Action != "user.purged" || e.Target != pete {
		t.Errorf("event %+v", e)
	}
	w.step(t, apiStep{name: "read pete", who: "acme/ada", method: "GET", path: "/users/" + pete, status: http.StatusNotFound})
}

// TestUserPasswordsAPI: the policy's refusals name the password, the
// strength and must-change show, and asking for a change is audited as
// such.
func TestUserPasswordsAPI(t *testing.T) {
	w := newUsersWorld(t)
	for _, pw := range []string{"short", "password1", "acme-quinn-2024"} {
		body := w.step(t, apiStep{name: "password " + pw, who: "acme/ada", method: "POST", path: "/tenants/acme/users",
			body: `{"username":"quinn","password":"` + pw + `"}`, status: http.StatusUnprocessableEntity, field: "password"})
		if !strings.Contains(body["detail"].(string), "password") {
			t.Errorf("%s: %v", pw, body)
		}
	}
	body := w.step(t, apiStep{name: "create quinn", who: "acme/ada", method: "POST", path: "/tenants/acme/users",
		body: `{"username":"quinn","password":"violet tractor harbour 81","must_change_password":true}`, status: http.StatusCreated})
	if body["password_strength"] != "very strong" && body["password_strength"] != "strong" || body["must_change_password"] != true {
		t.Errorf("quinn: strength %v, must change %v", body["password_strength"], body["must_change_password"])
	}
	body = w.step(t, apiStep{name: "create ursula", who: "acme/ada", method: "POST", path: "/tenants/acme/users",
		body: `{"username":"ursula"}`, status: http.StatusCreated})
	if body["password_strength"] != "unknown" || body["must_change_password"] != false || body["pending"] != true {
		t.Errorf("ursula, without a password: strength %v, must change %v", body["password_strength"], body["must_change_password"])
	}
	w.step(t, apiStep{name: "require a change", who: "acme/ada", method: "PATCH", path: "/users/" + w.users["acme/rita"],
		body: `{"must_change_password":true}`, status: http.StatusOK})
	if e := w.lastEvent(t); e.Action != "user.password_reset_required" || e.Details["change_at_next_login"] != "false → true" {
		t.Errorf("event %+v", e)
	}
}

// TestQuotaAPI: the quota is set by the parent, shows in the settings, and
// a create past it is a 409 naming the tenant and the limit.
func TestQuotaAPI(t *testing.T) {
	w := newUsersWorld(t)
	w.step(t, apiStep{name: "contoso's own administrator", who: "contoso/cara", method: "PUT", path: "/tenants/contoso",
		body: `{"name":"Contoso","settings":{"max_users":100}}`, status: http.StatusForbidden})
	w.step(t, apiStep{name: "a negative quota", who: "acme/ada", method: "PUT", path: "/tenants/contoso",
		body: `{"name":"Contoso","settings":{"max_users":-1}}`, status: http.StatusUnprocessableEntity, field: "settings.max_users"})
	body := w.step(t, apiStep{name: "quota 2", who: "acme/ada", method: "PUT", path: "/tenants/contoso",
		body: `{"name":"Contoso","settings":{"max_users":2}}`, status: http.StatusOK})
	if s := body["settings"].(map[string]any); s["max_users"] != float64(2) {
		t.Errorf("settings %v", s)
	}
	w.step(t, apiStep{name: "the second user", who: "contoso/cara", method: "POST", path: "/tenants/contoso/users",
		body: `{"username":"dan"}`, status: http.StatusCreated})
	body = w.step(t, apiStep{name: "the third user", who: "contoso/cara", method: "POST", path: "/tenants/contoso/users",
		body: `{"username":"eve"}`, status: http.StatusConflict})
	if !strings.HasSuffix(body["type"].(string), "/quota-exceeded") || !strings.Contains(body["detail"].(string), "contoso") ||
		!strings.Contains(body["detail"].(string), "2") {
		t.Errorf("problem %v, want quota-exceeded naming contoso and 2", body)
	}
}
