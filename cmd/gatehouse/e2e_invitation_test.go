package main

import (
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-id/gatehouse/audit"
	"github.com/gatehouse-id/gatehouse/claims"
	"github.com/gatehouse-id/gatehouse/directory"
	"github.com/gatehouse-id/gatehouse/mail"
)

// newDemoNode starts a node in demo mode (the demo directory, the demo
// portals, the outbox) with an administration console registered next to
// them.
func newDemoNode(t *testing.T) *harness {
	t.Helper()
	h, _ := startNode(t, &clock{}, "testdata/demo-console.yaml", mustRead(t, "testdata/demo-console.yaml"),
		func(c *config) { c.Demo = true })
	return h
}

// outboxLink returns the link in the newest mail to address, and the mail,
// waiting for it to arrive: mails are queued, and a reset request's after
// its answer.
func (h *harness) outboxLink(t *testing.T, address string) (string, mail.Message) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		for _, e := range h.app.mail.outbox.Messages() {
			if e.Message.To.Email == address {
				link := regexp.MustCompile(`https?://\S+`).FindString(e.Message.Text)
				if link == "" {
					t.Fatalf("no link in the mail to %s: %q", address, e.Message.Subject)
				}
				return link, e.Message
			}
		}
	}
	t.Fatalf("no mail to %s in the outbox after 10s", address)
	return "", mail.Message{}
}

// waitForMail waits until the queue has handed every mail to the outbox.
func (h *harness) waitForMail(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for h.app.mail.queue.Pending() > 0 {
		if time.Now().After(deadline) {
			t.Fatal("mail still queued after 10s")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// choosePassword fills in the set-password page the browser is on.
func (b *browser) choosePassword(page *http.Response, body, pw string) (*http.Response, string) {
	b.t.Helper()
	csrf, token := csrfRE.FindStringSubmatch(body), regexp.MustCompile(`name="token" value="([^"]+)"`).FindStringSubmatch(body)
	if csrf == nil || token == nil {
		b.t.Fatalf("not a set-password page (status %d): %.400s", page.StatusCode, body)
	}
	u := *page.Request.URL
	u.RawQuery = ""
	return b.postForm(u.String(), url.Values{"csrf_token": {csrf[1]}, "token": {token[1]}, "new_password": {pw}, "confirm_password": {pw}})
}

// TestInvitationEndToEnd follows seed 003's invitation the way a person
// meets it in the demo: an administrator of contoso (whose policy requires
// TOTP) invites Nina through the API to the web portal; the mail waits in
// the outbox; Nina opens the link, chooses a password and is sent on to
// the portal, which starts a login with her name filled in; she signs in,
// enrols TOTP, and lands in the portal signed in. The link then works no
// more, the mail's delivery is audited in contoso's log, and an invitation
// left for 15 days has expired.
func TestInvitationEndToEnd(t *testing.T) {
	h := newDemoNode(t)
	// carol, contoso's administrator in the demo, signs in to the console
	// before TOTP is required of her: the demo has enrolled nobody.
	h.setMFA(t, "contoso", directory.MFAOptional)
	admin := h.browser().signIn(t, h.console("openid", claims.ScopeAdmin), "contoso", "carol", "carol-demo-pw").AccessToken
	// No alignTOTP: the demo portal checks its tokens' times against the
	// real clock, and the code window's edge is within TOTP's skew.
	h.setMFA(t, "contoso", directory.MFARequired)

	res := h.api(t, admin, http.MethodPost, "/tenants/contoso/users", map[string]any{
		"username": "nina", "email": "nina.jansen@contoso.example.com", "given_name": "Nina", "family_name": "Jansen",
		"preferred_language": "nl", "invite": true, "client_id": "demo-web",
		"service_roles": map[string][]string{"things-manager": {"read-only"}}})
	res.want(t, http.StatusCreated)
	if res.body["pending"] != true {
		t.Errorf("an invited user is not pending: %v", res)
	}
	h.waitForMail(t)
	link, msg := h.outboxLink(t, "nina.jansen@contoso.example.com")
	if msg.Language != "nl" || !strings.Contains(msg.Text, "Contoso") {
		t.Errorf("invitation mail in %q: %q", msg.Language, msg.Subject)
	}

	// The link: choose a password, then on to the web portal's login. The
	// pages speak nina's preferred language, Dutch, as her mail does.
	b := h.browser()
	page, body := b.get(link)
	if page.StatusCode != http.StatusOK || page.Header.Get("Referrer-Policy") != "no-referrer" {
		t.Fatalf("invitation page: %d, Referrer-Policy %q", page.StatusCode, page.Header.Get("Referrer-Policy"))
	}
	const pw = "tulip canal bicycle 1887"
	resp, body := b.choosePassword(page, body, pw)
	cont := regexp.MustCompile(`<a class="button" href="([^"]+)">Verder naar Demo web portal</a>`).FindStringSubmatch(body)
	if resp.StatusCode != http.StatusOK || cont == nil || !strings.Contains(body, "geschatte sterkte") || !strings.Contains(body, `<html lang="nl">`) {
		t.Fatalf("after the password, want the done page with a button to the portal; got %d: %.600s", resp.StatusCode, body)
	}
	resp, body = b.get(html.UnescapeString(cont[1]))
	if resp.Request.URL.Path != "/login" || !strings.Contains(body, `value="nina"`) {
		t.Fatalf("after the password, want the login page filled in for nina; got %d at %s: %.400s",
			resp.StatusCode, resp.Request.URL, body)
	}
	// Sign in: TOTP enrolment first, as contoso requires, then the portal.
	resp, body = b.submitLogin(resp, body, "contoso", "nina", pw)
	_, _, resp = h.enrol(t, b, resp, body)
	if resp.StatusCode != http.StatusOK || resp.Request.URL.Path != "/demo/web/callback" {
		t.Fatalf("after enrolment: %d at %s, want the web portal's callback", resp.StatusCode, resp.Request.URL)
	}
	// Signed in: the other demo portal needs no login (single sign-on).
	if resp, body := b.get(h.issuer + "/demo/spa/login"); !strings.Contains(body, "Signed in to the spa portal as nina") {
		t.Fatalf("not signed in at the demo portals: %d %.400s", resp.StatusCode, body)
	}

	// Used: the link says so, and changes nothing.
	if page, body := b.get(link); page.StatusCode != http.StatusGone || !strings.Contains(body, "already used") {
		t.Errorf("the link used again: %d %.300s", page.StatusCode, body)
	}
	u := h.user(t, "contoso", "nina")
	if !u.EmailVerified || u.PasswordHash == "" {
		t.Errorf("nina after accepting: email verified %v, password set %v", u.EmailVerified, u.PasswordHash != "")
	}
	events, _, err := h.app.db.QueryEvents(t.Context(), audit.Query{TenantIDs: []string{u.TenantID}})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, e := range events {
		if e.Target != u.ID && e.Actor != u.ID {
			continue
		}
		seen[e.Action] = true
		for k, v := range e.Details {
			if strings.Contains(link, v) && len(v) > 20 {
				t.Errorf("event %s holds the link in %s", e.Action, k)
			}
		}
	}
	for _, want := range []string{"user.created", "user.invited", "mail.sent", "user.invitation_accepted", "login.succeeded"} {
		if !seen[want] {
			t.Errorf("no %s event for nina (%v)", want, seen)
		}
	}

	// Day 15: an invitation sent today has expired.
	res = h.api(t, admin, http.MethodPost, "/tenants/contoso/users", map[string]any{
		"username": "otto", "email": "otto@contoso.example.com", "invite": true})
	res.want(t, http.StatusCreated)
	h.waitForMail(t)
	late, _ := h.outboxLink(t, "otto@contoso.example.com")
	h.clock.Advance(15 * 24 * time.Hour)
	if page, body := h.browser().get(late); page.StatusCode != http.StatusGone || !strings.Contains(body, "expired") {
		t.Errorf("an invitation on day 15: %d %.300s", page.StatusCode, body)
	}
}

// forgotLinkRE finds the login page's "Forgot password?" link.
var forgotLinkRE = regexp.MustCompile(`href="(/password/forgot\?[^"]+)"`)

// langLinkRE matches a link of the language switch.
var langLinkRE = regexp.MustCompile(`href="([^"]*(?:\?|&amp;)lang=[a-z]+)"`)

// TestPasswordResetEndToEnd: a person who forgot its password follows
// "Forgot password?" from a portal's login page; the answer is the same
// for an account that does not exist, and only the real one gets a mail;
// the link sets a new password once, the old password stops working, a
// notice of the change follows, and asking too often is throttled.
func TestPasswordResetEndToEnd(t *testing.T) {
	h := newDemoNode(t)
	b := h.browser()
	_, body := b.get(h.issuer + "/demo/web/login")
	m := forgotLinkRE.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no Forgot password? link on the login page: %.400s", body)
	}
	forgot := h.issuer + html.UnescapeString(m[1])
	ask := func(tenant, username string) (int, string) {
		page, body := b.get(forgot)
		csrf := csrfRE.FindStringSubmatch(body)
		if csrf == nil {
			t.Fatalf("no form at %s: %d", forgot, page.StatusCode)
		}
		resp, body := b.postForm(h.issuer+"/password/forgot", url.Values{"csrf_token": {csrf[1]},
			"authRequestID": {authReqIDRE.FindStringSubmatch(body)[1]}, "tenant": {tenant}, "username": {username}})
		return resp.StatusCode, body
	}
	realStatus, realPage := ask("contoso", "carol")
	fakeStatus, fakePage := ask("contoso", "nobody")
	if realStatus != http.StatusOK || fakeStatus != realStatus || strings.ReplaceAll(fakePage, "nobody", "carol") != realPage {
		t.Errorf("forgot for carol and for nobody differ: %d and %d", realStatus, fakeStatus)
	}
	h.waitForMail(t)
	link, _ := h.outboxLink(t, "carol.bakker@contoso.example.com")
	if n := len(h.app.mail.outbox.Messages()); n != 1 {
		t.Errorf("%d mails after two requests, want 1 (only the real account)", n)
	}

	page, body := b.get(link)
	const pw = "harbour kettle meadow 77"
	if resp, body := b.choosePassword(page, body, pw); resp.StatusCode != http.StatusOK || !strings.Contains(body, "signed out") {
		t.Fatalf("choosing the new password: %d %.400s", resp.StatusCode, body)
	}
	if resp, _ := b.get(link); resp.StatusCode != http.StatusGone {
		t.Errorf("the reset link used twice: %d, want 410", resp.StatusCode)
	}
	if _, _, err := h.app.directory.Authenticate(t.Context(), "contoso", "carol", "carol-demo-pw"); err == nil {
		t.Error("the old password still works")
	}
	loginPage, body := b.get(h.issuer + "/demo/web/login")
	resp, body := b.submitLogin(loginPage, body, "contoso", "carol", pw)
	if !strings.Contains(body, "Signed in to the web portal as carol") {
		t.Errorf("login with the new password: %d %.300s", resp.StatusCode, body)
	}
	h.waitForMail(t)
	if n := len(h.app.mail.outbox.Messages()); n != 2 {
		t.Errorf("%d mails, want the link and the notice of the change", n)
	}

	// Five links an hour per account; the sixth request is throttled, for
	// an unknown account as for a real one.
	for range 4 {
		ask("contoso", "carol")
	}
	if status, _ := ask("contoso", "carol"); status != http.StatusTooManyRequests {
		t.Errorf("the sixth request in an hour: %d, want 429", status)
	}
	for range 5 {
		ask("contoso", "nobody")
	}
	if status, _ := ask("contoso", "nobody"); status != http.StatusTooManyRequests {
		t.Errorf("the sixth request for an unknown account: %d, want 429", status)
	}
}
