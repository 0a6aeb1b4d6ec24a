package login

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

const consentPageURL = "/login/consent?authRequestID=req-1"

// consentLogin makes req-1 a third-party application's, asking for openid
// and email, and signs jill in: the login ends at the consent page, with
// a session and nothing completed.
func (h *harness) consentLogin() *http.Response {
	h.t.Helper()
	h.requests.needConsent("req-1", Consent{ClientName: "Partner app", Scopes: []string{"openid", "email"}})
	resp, body := h.login("acme", "jill", goodPassword)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != consentPageURL {
		h.t.Fatalf("login = %d to %q, want 303 to the consent page\n%s", resp.StatusCode, resp.Header.Get("Location"), body)
	}
	if h.requests.completions() != 0 {
		h.t.Fatal("the request was completed before consent")
	}
	return resp
}

// openConsent opens the consent page of req-1 and returns its body and
// token.
func (h *harness) openConsent() (string, string) {
	h.t.Helper()
	resp, body := h.get(consentPageURL)
	if resp.StatusCode != http.StatusOK {
		h.t.Fatalf("GET %s = %d\n%s", consentPageURL, resp.StatusCode, body)
	}
	return body, formToken(h.t, body)
}

func (h *harness) answerConsent(token, answer string) (*http.Response, string) {
	h.t.Helper()
	return h.postTo(consentPath, url.Values{"authRequestID": {"req-1"}, csrfField: {token}, "answer": {answer}})
}

func TestConsentPage(t *testing.T) {
	h := newHarness(t, options{})
	h.sessionOf(h.consentLogin()) // the session exists, the request waits
	// The login form of a request that waits for consent sends the
	// browser on to the consent page (as after single sign-on).
	resp, _ := h.get("/login?authRequestID=req-1")
	if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != consentPageURL {
		t.Errorf("GET /login of a request awaiting consent = %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	body, _ := h.openConsent()
	for _, want := range []string{
		"<strong>Partner app</strong> is not part of this platform.",
		"Signed in as <strong>jill</strong>.",
		"<li>know who you are (your account's identifier)</li>",
		"<li>see your email address</li>",
		`value="allow"`, `value="deny"`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("consent page lacks %q", want)
		}
	}
	// Another browser, without the session the request waits for, gets
	// nothing to consent to.
	if resp, _ := h.otherBrowser().get(consentPageURL); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("consent page in another browser = %d, want 400", resp.StatusCode)
	}
}

func TestConsentAnswers(t *testing.T) {
	for _, tc := range []struct {
		answer    string
		completed int
		denied    bool
		action    string
	}{
		{"allow", 1, false, actionConsentGranted},
		{"deny", 0, true, actionConsentDenied},
	} {
		t.Run(tc.answer, func(t *testing.T) {
			h := newHarness(t, options{})
			h.consentLogin()
			_, token := h.openConsent()
			resp, body := h.answerConsent(token, tc.answer)
			if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/authorize/callback?id=req-1" {
				t.Fatalf("answer = %d to %q, want 303 to the callback\n%s", resp.StatusCode, resp.Header.Get("Location"), body)
			}
			if got := h.requests.completions(); got != tc.completed {
				t.Errorf("%d completions, want %d", got, tc.completed)
			}
			if got := h.requests.isDenied("req-1"); got != tc.denied {
				t.Errorf("denied = %v, want %v", got, tc.denied)
			}
			events := h.events(actionConsentGranted, actionConsentDenied)
			if len(events) != 1 || events[0].Action != tc.action || events[0].Target != h.jill.ID ||
				events[0].Details["client_id"] != "things-manager" || events[0].Details["scopes"] != "openid email" {
				t.Errorf("audit = %+v, want one %s of jill for openid email", events, tc.action)
			}
			// Answered once: a denied request waits for nothing more, an
			// allowed one only goes on to the callback.
			want := http.StatusSeeOther
			if tc.denied {
				want = http.StatusBadRequest
			}
			if resp, _ := h.answerConsent(token, "allow"); resp.StatusCode != want {
				t.Errorf("a second answer = %d, want %d", resp.StatusCode, want)
			}
			if got := h.requests.completions(); got != tc.completed {
				t.Errorf("%d completions after a second answer, want %d", got, tc.completed)
			}
		})
	}
}

func TestConsentRefusals(t *testing.T) {
	h := newHarness(t, options{})
	h.consentLogin()
	_, token := h.openConsent()
	for _, tc := range []struct {
		name   string
		form   url.Values
		status int
	}{
		{"no answer", url.Values{"authRequestID": {"req-1"}, csrfField: {token}}, http.StatusBadRequest},
		{"another answer", url.Values{"authRequestID": {"req-1"}, csrfField: {token}, "answer": {"maybe"}}, http.StatusBadRequest},
		{"no CSRF token", url.Values{"authRequestID": {"req-1"}, "answer": {"allow"}}, http.StatusForbidden},
		{"unknown request", url.Values{"authRequestID": {"nope"}, csrfField: {token}, "answer": {"allow"}}, http.StatusForbidden},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if resp, body := h.postTo(consentPath, tc.form); resp.StatusCode != tc.status {
				t.Errorf("status %d, want %d\n%s", resp.StatusCode, tc.status, body)
			}
		})
	}
	// Another browser with a CSRF pair of its own but not the session.
	o := h.otherBrowser()
	if resp, _ := o.get(consentPageURL); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("consent page in another browser = %d", resp.StatusCode)
	}
	if h.requests.completions() != 0 || h.requests.isDenied("req-1") || len(h.events(actionConsentGranted, actionConsentDenied)) != 0 {
		t.Error("a refused answer changed something")
	}
}
