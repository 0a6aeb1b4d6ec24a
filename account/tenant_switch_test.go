package account

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/gatehouse-id/gatehouse/directory"
	"github.com/gatehouse-id/gatehouse/session"
)

// linkJill links jill (home acme) to a new customer tenant slug, whose TOTP
// policy is mfa, and returns it.
func (h *harness) linkJill(slug, name string, mfa directory.MFAPolicy) directory.Tenant {
	h.t.Helper()
	ctx := h.t.Context()
	tn, err := h.dir.CreateTenant(ctx, slug, name, directory.LevelCustomer, "prov")
	if err != nil {
		h.t.Fatal(err)
	}
	if err := h.dir.EnsureTenantDefaults(ctx); err != nil {
		h.t.Fatal(err)
	}
	if tn, err = h.store.TenantByID(ctx, tn.ID); err != nil {
		h.t.Fatal(err)
	}
	s := tn.Settings
	s.MFA = mfa
	if _, err := h.dir.PutTenantSettings(ctx, h.store, slug, s); err != nil {
		h.t.Fatal(err)
	}
	if _, _, err := h.dir.PutLink(ctx, h.store, "acme", "jill", slug, directory.Assignment{TenantRole: directory.TenantRoleUser}); err != nil {
		h.t.Fatal(err)
	}
	return tn
}

func (h *harness) liveSession() (session.Session, error) {
	u, _ := url.Parse(h.srv.URL)
	for _, c := range h.client.Jar.Cookies(u) {
		if c.Name == session.CookieName {
			return h.sessions.Lookup(h.t.Context(), c.Value)
		}
	}
	return session.Session{}, session.ErrNotFound
}

// TestTenantSwitch: jill, linked to globex, sees it in "Switch tenant";
// choosing it re-issues the session there (new sid and cookie, same
// authentication and end), audited; the old session is gone. A tenant
// not offered, a missing CSRF token, a tenant that requires TOTP the
// session did not use, and a support session change nothing.
func TestTenantSwitch(t *testing.T) {
	h := newHarness(t)
	globex := h.linkJill("globex", "Globex", directory.MFAOptional)
	strict := h.linkJill("strict", "Strict Corp", directory.MFARequired)
	orig := h.signIn()

	_, body := h.get("/account")
	for _, want := range []string{"Switch tenant", `action="/account/tenant"`, `value="` + globex.ID + `"`, "Strict Corp"} {
		if !strings.Contains(body, want) {
			t.Errorf("account page lacks %q", want)
		}
	}
	unchanged := func(when string) {
		t.Helper()
		if s, err := h.liveSession(); err != nil || s.ID != orig.ID || s.TenantID != h.acme.ID {
			t.Errorf("%s: session %+v, %v; want the original", when, s, err)
		}
	}
	tok := h.token()
	if resp, _ := h.post("/account/tenant", url.Values{"tenant_id": {globex.ID}}); resp.StatusCode != http.StatusForbidden {
		t.Errorf("without CSRF token: %d", resp.StatusCode)
	}
	if resp, _ := h.post("/account/tenant", url.Values{"tenant_id": {h.acme.ID}, "csrf_token": {tok}}); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("to the tenant it acts in: %d", resp.StatusCode)
	}
	if resp, _ := h.post("/account/tenant", url.Values{"tenant_id": {"no-such-tenant"}, "csrf_token": {tok}}); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("to a tenant not offered: %d", resp.StatusCode)
	}
	resp, body := h.post("/account/tenant", url.Values{"tenant_id": {strict.ID}, "csrf_token": {tok}})
	if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "requires two-factor authentication") {
		t.Errorf("to a tenant that requires TOTP: %d %.300s", resp.StatusCode, body)
	}
	unchanged("refused switches")
	if n := len(h.eventsOf(actionTenantSwitched)); n != 0 {
		t.Fatalf("%d switches audited before any", n)
	}

	resp, _ = h.post("/account/tenant", url.Values{"tenant_id": {globex.ID}, "csrf_token": {tok}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != Path {
		t.Fatalf("switch: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	s, err := h.liveSession()
	if err != nil || s.ID == orig.ID || s.TenantID != globex.ID || s.UserID != h.jill.ID ||
		!s.AuthTime.Equal(orig.AuthTime) || !s.ExpiresAt.Equal(orig.ExpiresAt) {
		t.Fatalf("after the switch: %+v, %v (was %+v)", s, err, orig)
	}
	_, body = h.get("/account")
	if !strings.Contains(body, "Globex") || !strings.Contains(body, `value="`+h.acme.ID+`"`) {
		t.Errorf("the page after the switch does not act in globex or offer acme back: %.600s", body)
	}
	ev := h.eventsOf(actionTenantSwitched)
	if len(ev) != 1 || ev[0].TenantID != h.acme.ID || ev[0].Details["to_tenant_id"] != globex.ID || ev[0].Actor != h.jill.ID || ev[0].Details["from_tenant_id"] != h.acme.ID ||
		ev[0].Details["old_sid"] != orig.ID || ev[0].Details["sid"] != s.ID {
		t.Errorf("audit: %+v", ev)
	}
	// The old session's CSRF token died with it.
	if resp, _ := h.post("/account/tenant", url.Values{"tenant_id": {h.acme.ID}, "csrf_token": {tok}}); resp.StatusCode != http.StatusForbidden {
		t.Errorf("the old session's token: %d", resp.StatusCode)
	}

	// A support session offers no switch and refuses one.
	sup := h.signInSupportAsJill()
	if _, body := h.get("/account"); strings.Contains(body, "Switch tenant") {
		t.Error("a support session is offered a tenant switch")
	}
	if resp, _ := h.post("/account/tenant", url.Values{"tenant_id": {globex.ID}, "csrf_token": {tok}}); resp.StatusCode != http.StatusForbidden {
		t.Errorf("switch in a support session: %d", resp.StatusCode)
	}
	if s, err := h.liveSession(); err != nil || s.ID != sup.ID {
		t.Errorf("the support session changed: %+v, %v", s, err)
	}
}
