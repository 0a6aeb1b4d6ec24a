package login

import (
	"net/http"
	"testing"
)

// TestLoginsAudited: a successful login and a refused password are in the
// tenant's audit log; a failure names its user only when that user exists
// (a password typed as the username never reaches the log); a tenant that
// does not exist has no log to write to.
func TestLoginsAudited(t *testing.T) {
	h := newHarness(t, options{})
	attempt := func(tenant, username, pw string, status int) {
		t.Helper()
		if resp, body := h.login(tenant, username, pw); resp.StatusCode != status {
			t.Fatalf("%s/%s: %d, want %d\n%s", tenant, username, resp.StatusCode, status, body)
		}
	}
	attempt("acme", "jill", "wrong password", http.StatusUnauthorized)
	attempt("acme", "correct horse battery", "x", http.StatusUnauthorized) // a password in the username field
	attempt("acme", "bob", goodPassword, http.StatusForbidden)             // disabled
	attempt("nowhere", "jill", "x", http.StatusUnauthorized)
	attempt("acme", "jill", goodPassword, http.StatusSeeOther)

	evs := h.events()
	if len(evs) != 4 {
		t.Fatalf("%d events, want 4: %+v", len(evs), evs)
	}
	// Newest first.
	ok, disabled, typo, wrong := evs[0], evs[1], evs[2], evs[3]
	if ok.Action != "login.succeeded" || ok.Actor != h.jill.ID || ok.ActorName != "jill" || ok.TenantID != "t-acme" ||
		ok.Details["client_id"] != "things-manager" || ok.Details["session_id"] == "" || ok.Details["amr"] != "pwd" || ok.Details["address"] == "" {
		t.Errorf("success: %+v", ok)
	}
	if wrong.Action != "login.failed" || wrong.Actor != "anonymous" || wrong.Target != h.jill.ID || wrong.TargetName != "jill" ||
		wrong.Details["reason"] != "invalid_credentials" || wrong.TenantID != "t-acme" {
		t.Errorf("wrong password: %+v", wrong)
	}
	if typo.Action != "login.failed" || typo.Target != "" || typo.TargetName != "" || typo.ActorName != "" {
		t.Errorf("unknown user: %+v", typo)
	}
	for k, v := range typo.Details {
		if v == "correct horse battery" {
			t.Errorf("detail %s holds what was typed as the username", k)
		}
	}
	if disabled.Details["reason"] != "user_disabled" || disabled.TargetName != "bob" {
		t.Errorf("disabled: %+v", disabled)
	}
}
