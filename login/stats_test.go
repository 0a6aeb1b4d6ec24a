package login

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/gatehouse-id/gatehouse/directory"
	"github.com/gatehouse-id/gatehouse/session"
)

// statsOf returns the login statistics of the user with id as stored.
func (h *harness) statsOf(id string) directory.User {
	h.t.Helper()
	u, err := h.store.UserByID(h.t.Context(), id)
	if err != nil {
		h.t.Fatal(err)
	}
	return u
}

// wantNoLogins fails if the user with id has a login recorded.
func (h *harness) wantNoLogins(what, id string) {
	h.t.Helper()
	if u := h.statsOf(id); u.LoginCount != 0 || !u.LastLoginAt.IsZero() || u.LastLoginAddress != "" || !u.LastSeenAt.IsZero() {
		h.t.Errorf("%s: login statistics %d, %v, %q, %v; want none", what, u.LoginCount, u.LastLoginAt, u.LastLoginAddress, u.LastSeenAt)
	}
}

// wantLogins fails unless the user with id has n logins, the last one
// between from and to, from the test client's address.
func (h *harness) wantLogins(what, id string, n int, from, to time.Time) {
	h.t.Helper()
	u := h.statsOf(id)
	if u.LoginCount != n || u.LastLoginAt.Before(from) || u.LastLoginAt.After(to) || !u.LastSeenAt.Equal(u.LastLoginAt) ||
		u.LastLoginAddress != "127.0.0.1" {
		h.t.Errorf("%s: login statistics %d, %v, %q, %v; want %d, between %v and %v, from 127.0.0.1, last seen then",
			what, u.LoginCount, u.LastLoginAt, u.LastLoginAddress, u.LastSeenAt, n, from, to)
	}
}

// TestLoginStatistics: a successful login counts in the user's
// statistics, with its time and address; a refused one does not.
func TestLoginStatistics(t *testing.T) {
	h := newHarness(t, options{})
	bob := h.bobID()
	h.wantNoLogins("jill before", h.jill.ID)

	if resp, _ := h.login("acme", "jill", "wrong password"); resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("wrong password: status %d", resp.StatusCode)
	}
	h.wantNoLogins("jill after a wrong password", h.jill.ID)
	if resp, _ := h.login("acme", "bob", goodPassword); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("disabled bob: status %d", resp.StatusCode)
	}
	h.wantNoLogins("disabled bob", bob)

	before := time.Now()
	if resp, body := h.login("acme", "jill", goodPassword); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("login: status %d\n%s", resp.StatusCode, body)
	}
	h.wantLogins("jill after a login", h.jill.ID, 1, before, time.Now())

	h.requests.add(Request{ID: "req-1", ClientID: "things-manager"})
	before = time.Now()
	if resp, body := h.login("acme", "jill", goodPassword); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("second login: status %d\n%s", resp.StatusCode, body)
	}
	h.wantLogins("jill after a second login", h.jill.ID, 2, before, time.Now())
}

// TestLoginStatisticsAfterTenantChoice: a login that goes through the
// tenant choice counts once, when it completes.
func TestLoginStatisticsAfterTenantChoice(t *testing.T) {
	h := newHarness(t, options{world: jillLinked})
	before := time.Now()
	token := h.openChoice()
	h.wantNoLogins("before the choice", h.jill.ID)
	if resp, body := h.chooseTenant(token, "t-globex"); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("POST /login/tenant = %d\n%s", resp.StatusCode, body)
	}
	h.wantLogins("after the choice", h.jill.ID, 1, before, time.Now())
}

// TestSupportLoginStatistics: a support login changes the statistics of
// neither the supported user (it is sue who signed in, not jill) nor the
// support user (who did not sign in to its own account).
func TestSupportLoginStatistics(t *testing.T) {
	h := newHarness(t, options{})
	p := h.supportWorld()
	resp, body := h.supportLogin("Sue$Jill", suePassword, "INC-4711")
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != callbackURL {
		t.Fatalf("support login = %d %q\n%s", resp.StatusCode, resp.Header.Get("Location"), body)
	}
	if cookieNamed(resp, session.CookieName) == nil {
		t.Fatal("no support session")
	}
	h.wantNoLogins("supported jill", h.jill.ID)
	h.wantNoLogins("support user sue", p.sue.ID)
}

// failingLogins is a Tenants that cannot record logins.
type failingLogins struct{ Tenants }

func (failingLogins) RecordLogin(context.Context, string, time.Time, string) error {
	return errors.New("the statistics are unavailable")
}

// TestLoginStatisticsFailure: a login whose statistics cannot be recorded
// still succeeds.
func TestLoginStatisticsFailure(t *testing.T) {
	h := newHarness(t, options{tenants: func(t Tenants) Tenants { return failingLogins{t} }})
	resp, body := h.login("acme", "jill", goodPassword)
	if resp.StatusCode != http.StatusSeeOther || cookieNamed(resp, session.CookieName) == nil {
		t.Fatalf("login = %d, cookies %v\n%s", resp.StatusCode, resp.Cookies(), body)
	}
	if _, ok := h.requests.session("req-1"); !ok {
		t.Fatal("request not completed")
	}
	h.wantNoLogins("jill", h.jill.ID)
}
