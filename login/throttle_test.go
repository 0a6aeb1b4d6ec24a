package login

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-id/gatehouse/totppage"
)

func TestAccountThrottle(t *testing.T) {
	for _, tc := range []struct {
		name, tenant, username string
	}{
		{"existing account", "acme", "jill"},
		{"unknown account", "acme", "nobody"},
		{"unknown tenant", "nowhere", "jill"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, options{accountLimit: 3})
			for i := range 3 {
				if resp, _ := h.login(tc.tenant, tc.username, "wrong password"); resp.StatusCode != http.StatusUnauthorized {
					t.Fatalf("attempt %d: status %d, want 401", i+1, resp.StatusCode)
				}
			}
			// Blocked now, even with the right password, which is not
			// checked at all. The key is the normalized account.
			calls := h.auth.calls.Load()
			resp, body := h.login(strings.ToUpper(tc.tenant), " "+tc.username, goodPassword)
			if resp.StatusCode != http.StatusTooManyRequests {
				t.Fatalf("status %d, want 429\n%s", resp.StatusCode, body)
			}
			if h.auth.calls.Load() != calls {
				t.Errorf("Authenticate called while blocked")
			}
			if !strings.Contains(body, "Too many attempts. Try again in 15 minutes.") {
				t.Errorf("page lacks the throttle message:\n%s", body)
			}
			if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err != nil || s <= 0 || s > 15*60 {
				t.Errorf("Retry-After = %q", resp.Header.Get("Retry-After"))
			}
			if h.requests.completions() != 0 {
				t.Errorf("request completed while blocked")
			}
			// Another account from the same address is not blocked.
			if resp, _ := h.login("acme", "someone-else", "wrong password"); resp.StatusCode != http.StatusUnauthorized {
				t.Errorf("other account: status %d, want 401", resp.StatusCode)
			}
		})
	}
}

func TestAddressThrottle(t *testing.T) {
	h := newHarness(t, options{addressLimit: 2})
	for _, user := range []string{"a", "b"} {
		if resp, _ := h.login("acme", user, "wrong password"); resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("user %s: status %d, want 401", user, resp.StatusCode)
		}
	}
	resp, _ := h.login("acme", "jill", goodPassword)
	if resp.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("status %d, want 429", resp.StatusCode)
	}
	if h.auth.calls.Load() != 2 {
		t.Errorf("Authenticate called %d times, want 2", h.auth.calls.Load())
	}
}

// TestSuccessResetsAccount: a person who mistypes and then gets it right
// starts again from zero.
func TestSuccessResetsAccount(t *testing.T) {
	h := newHarness(t, options{accountLimit: 3})
	for range 2 {
		h.login("acme", "jill", "wrong password")
	}
	if resp, _ := h.login("acme", "jill", goodPassword); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("login: status %d, want 303", resp.StatusCode)
	}
	h.requests.add(Request{ID: "req-1", ClientID: "things-manager"})
	for i := range 2 {
		if resp, _ := h.login("acme", "jill", "wrong password"); resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("attempt %d after success: status %d, want 401", i+1, resp.StatusCode)
		}
	}
}

func TestMinutes(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int
	}{
		{"1s", 1}, {"59s", 1}, {"1m", 1}, {"1m1s", 2}, {"14m59s", 15}, {"15m", 15},
	} {
		d, _ := time.ParseDuration(tc.in)
		if got := totppage.LockMinutes(d); got != tc.want {
			t.Errorf("LockMinutes(%s) = %d, want %d", tc.in, got, tc.want)
		}
	}
}
