package setpassword

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-id/gatehouse/directory"
)

func TestForgotForm(t *testing.T) {
	h := newHarness(t, limits{})
	resp, body := h.get(ForgotPath + "?tenant=acme&username=jill&authRequestID=req-1")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d", resp.StatusCode)
	}
	wantIn(t, body, `name="tenant" type="text" value="acme"`, `name="username" type="text" value="jill"`,
		`name="authRequestID" value="req-1"`, `href="/login?authRequestID=req-1">Back to sign in`,
		`autocomplete="organization"`, `autocomplete="username"`)

	_, body = h.get(ForgotPath)
	resp, body = h.post(ForgotPath, url.Values{"tenant": {""}, "username": {"jill"}, "csrf_token": {h.csrfOf(body)}})
	if resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("no tenant: status %d", resp.StatusCode)
	}
	wantIn(t, body, "Enter your tenant.")
	if len(h.queue.sent()) != 0 {
		t.Errorf("mail sent")
	}
}

// TestForgotRevealsNothing: one page and one status for every account,
// and a mail only for the one that can have a link.
func TestForgotRevealsNothing(t *testing.T) {
	h := newHarness(t, limits{})
	off := false
	gone, err := h.dir.CreateUser(t.Context(), directory.NewUser{TenantSlug: "acme", Username: "gone", Password: goodPassword,
		Email: "gone@acme.example", TenantRole: directory.TenantRoleUser})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := h.dir.UpdateUserFor(t.Context(), h.admin, gone.ID, directory.UserUpdate{Enabled: &off}); err != nil {
		t.Fatal(err)
	}
	var first string
	for _, who := range [][2]string{
		{"acme", "jill"}, {"acme", "nobody"}, {"nowhere", "jill"}, {"acme", "noel"}, {"acme", "pat"}, {"acme", "gone"},
		{"", "acme/nobody"}, {"ACME", " Jill "},
	} {
		resp, body := h.forgot(who[0], who[1])
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%v: status %d\n%s", who, resp.StatusCode, body)
		}
		if first == "" {
			first = body
			wantIn(t, body, "If an account with that name has an email address, we have sent it a link to choose a new password.",
				"The link works for 60 minutes.")
		} else if body != first {
			t.Errorf("%v: another page:\n%s", who, body)
		}
	}
	// jill was asked for twice: the second link replaced the first, and
	// each was mailed to her alone.
	sent := h.queue.sent()
	if len(sent) != 2 {
		t.Fatalf("%d mails, want 2", len(sent))
	}
	for _, m := range sent {
		if m.To.Email != "jill@acme.example" || m.To.Name != "Jill Smith" || !strings.Contains(m.Text, testIssuer+ResetPath+"?token=") {
			t.Errorf("mail to %v: %s", m.To, m.Subject)
		}
	}
	// Anyone may ask: the request is not the person's act, and names the
	// address it came from.
	if ev := h.eventsOf(actionResetRequested); len(ev) != 2 || ev[0].Actor != "anonymous" || ev[0].Target != h.jill.ID ||
		ev[0].Details["address"] != "127.0.0.1" {
		t.Errorf("events: %+v", ev)
	}
}

// TestForgotThrottled: every request counts against the account and the
// address, whether or not the account exists; past the limit, the form
// says when to try again, the same for both.
func TestForgotThrottled(t *testing.T) {
	t.Run("account", func(t *testing.T) {
		h := newHarness(t, limits{account: 2})
		for _, username := range []string{"jill", "nobody"} {
			for i := range 3 {
				resp, body := h.forgot("acme", username)
				want := http.StatusOK
				if i == 2 {
					want = http.StatusTooManyRequests
				}
				if resp.StatusCode != want {
					t.Fatalf("%s, request %d: status %d, want %d\n%s", username, i+1, resp.StatusCode, want, body)
				}
				if want == http.StatusTooManyRequests {
					wantIn(t, body, "Too many requests. Try again in 15 minutes.")
				}
			}
		}
		if n := len(h.queue.sent()); n != 2 {
			t.Errorf("%d mails, want 2", n)
		}
		// Another account from the same address is not blocked.
		if resp, _ := h.forgot("acme", "noel"); resp.StatusCode != http.StatusOK {
			t.Errorf("another account: status %d", resp.StatusCode)
		}
		h.clock.Advance(16 * time.Minute)
		if resp, _ := h.forgot("acme", "jill"); resp.StatusCode != http.StatusOK {
			t.Errorf("after the window: status %d", resp.StatusCode)
		}
	})
	t.Run("address", func(t *testing.T) {
		h := newHarness(t, limits{address: 3})
		for i, username := range []string{"jill", "nobody", "noel", "pat"} {
			resp, _ := h.forgot("acme", username)
			if want := map[bool]int{true: http.StatusTooManyRequests, false: http.StatusOK}[i == 3]; resp.StatusCode != want {
				t.Fatalf("request %d: status %d, want %d", i+1, resp.StatusCode, want)
			}
		}
	})
}

func TestForgotCSRF(t *testing.T) {
	h := newHarness(t, limits{})
	for name, form := range map[string]url.Values{
		"no token":    {"tenant": {"acme"}, "username": {"jill"}},
		"wrong token": {"tenant": {"acme"}, "username": {"jill"}, "csrf_token": {"AAAA"}},
	} {
		h.get(ForgotPath) // the browser has its cookie
		resp, body := h.post(ForgotPath, form)
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("%s: status %d\n%s", name, resp.StatusCode, body)
		}
	}
	if len(h.queue.sent()) != 0 || len(h.eventsOf(actionResetRequested)) != 0 {
		t.Errorf("a refused form made a link")
	}
}

var linkRE = regexp.MustCompile(regexp.QuoteMeta(testIssuer+ResetPath) + `\?token=([A-Za-z0-9_-]+)`)

// TestForgotToReset follows a person from the form to the mail to the
// new password, and checks that neither link nor password was logged.
func TestForgotToReset(t *testing.T) {
	h := newHarness(t, limits{})
	h.forgot("acme", "jill")
	sent := h.queue.sent()
	if len(sent) != 1 {
		t.Fatalf("%d mails", len(sent))
	}
	m := linkRE.FindStringSubmatch(sent[0].Text)
	if m == nil {
		t.Fatalf("no link in the mail:\n%s", sent[0].Text)
	}
	secret := m[1]
	h.secrets = append(h.secrets, secret)
	resp, body := h.choose(ResetPath, secret, betterPassword, betterPassword)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d\n%s", resp.StatusCode, body)
	}
	if _, _, err := h.dir.Authenticate(t.Context(), "acme", "jill", betterPassword); err != nil {
		t.Errorf("the new password does not work: %v", err)
	}
	if len(h.queue.sent()) != 2 {
		t.Errorf("no password changed notice")
	}
	log := h.logs.String()
	for _, line := range []string{"password reset link sent", "password set from a mailed link"} {
		if !strings.Contains(log, line) {
			t.Errorf("log lacks %q", line)
		}
	}
	if strings.Contains(log, secret[:16]) {
		t.Errorf("the log holds part of the link's secret")
	}
}

// TestForgotWorksAfterTheAnswer: the request's work (the link, the mail)
// runs after its answer, so that the answer's timing is the same for every
// account; with maxResetsInFlight requests already running, a request does
// its work before answering rather than not at all.
func TestForgotWorksAfterTheAnswer(t *testing.T) {
	h := newHarness(t, limits{})
	for range maxResetsInFlight {
		h.handler.inFlight <- struct{}{}
	}
	_, body := h.get(ForgotPath)
	resp, _ := h.post(ForgotPath, url.Values{"tenant": {"acme"}, "username": {"jill"}, "csrf_token": {h.csrfOf(body)}})
	if resp.StatusCode != http.StatusOK || len(h.queue.sent()) != 1 {
		t.Fatalf("with every slot taken: %d, %d mails before the answer; want 200 and 1", resp.StatusCode, len(h.queue.sent()))
	}
	for range maxResetsInFlight {
		<-h.handler.inFlight
	}
	if resp, _ := h.forgot("acme", "jill"); resp.StatusCode != http.StatusOK || len(h.queue.sent()) != 2 {
		t.Errorf("after the answer: %d, %d mails; want 200 and 2", resp.StatusCode, len(h.queue.sent()))
	}
}
