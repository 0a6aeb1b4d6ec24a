package admin

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-id/gatehouse/directory"
)

// liveWhenMailed makes w's mailer check that each link it is asked to
// send works already: read outside the request's transaction, it does
// only once that transaction has committed.
func liveWhenMailed(t *testing.T, w *apiWorld) {
	w.mail.check = func(l directory.MailLink) {
		if _, err := w.dir.OpenLink(t.Context(), l.Purpose, l.Secret); err != nil {
			t.Errorf("the %s link of %s was mailed before it was committed: %v", l.Purpose, l.User.Username, err)
		}
	}
}

// TestInvitationsAPI: inviting on create, sending an invitation again,
// and what is refused, each mailed once committed and only then.
func TestInvitationsAPI(t *testing.T) {
	w := newUsersWorld(t)
	liveWhenMailed(t, w)
	answers := []map[string]any{}

	status, body := w.doHeader(t, "acme/ada", "POST", "/tenants/acme/users",
		`{"username":"nora","email":"nora@example.com","invite":true,"client_id":"portal"}`,
		http.Header{"Accept-Language": {"de-AT, en;q=0.5"}})
	if status != http.StatusCreated || body["pending"] != true || body["username"] != "nora" {
		t.Fatalf("create with invite: %d %v", status, body)
	}
	answers = append(answers, body)
	nora, _ := body["id"].(string)
	inv, _ := body["invitation"].(map[string]any)
	expires, err := time.Parse(time.RFC3339Nano, fmt.Sprint(inv["expires_at"]))
	if err != nil || inv["client_id"] != "portal" || time.Until(expires) < 13*24*time.Hour || time.Until(expires) > 15*24*time.Hour {
		t.Errorf("invitation %v", inv)
	}
	mails := w.mail.mails()
	if len(mails) != 1 {
		t.Fatalf("mails %+v, want the one invitation", mails)
	}
	if m := mails[0]; !m.invitation || m.link.User.ID != nora || m.link.ClientID != "portal" || m.inviter != "ada" ||
		!slices.Equal(m.langs, []string{"de-AT, en;q=0.5"}) || m.link.User.Email != "nora@example.com" {
		t.Errorf("mail %+v", m)
	}
	if es := w.eventsSince(t, 0); len(es) < 2 || es[len(es)-2].Action != "user.created" || es[len(es)-1].Action != "user.invited" {
		t.Errorf("events %+v, want user.created then user.invited", es)
	}
	if e := w.lastEvent(t); e.Target != nora || e.Details["portal_client_id"] != "portal" || e.Details["resent"] != "false" ||
		e.Details["expires_at"] != expires.UTC().Format(time.RFC3339) {
		t.Errorf("user.invited %+v", e)
	}
	first := mails[0].link.Secret

	// Sending it again kills the first link.
	body = w.step(t, apiStep{name: "send again", who: "acme/ada", method: "POST", path: "/users/" + nora + "/invitation",
		status: http.StatusAccepted})
	answers = append(answers, body)
	if body["expires_at"] == nil || body["client_id"] != nil {
		t.Errorf("resent: %v", body)
	}
	if e := w.lastEvent(t); e.Action != "user.invited" || e.Details["resent"] != "true" || e.Details["portal_client_id"] != "" {
		t.Errorf("resent event %+v", e)
	}
	mails = w.mail.mails()
	if len(mails) != 2 || !mails[1].invitation || mails[1].link.User.ID != nora || mails[1].link.Secret == first {
		t.Fatalf("mails %+v, want a second, new invitation", mails)
	}
	if _, err := w.dir.OpenLink(t.Context(), mails[0].link.Purpose, first); err == nil {
		t.Error("the first invitation still works after it was sent again")
	}
	body = w.step(t, apiStep{name: "send again, to a portal", who: "acme/ada", method: "POST", path: "/users/" + nora + "/invitation",
		body: `{"client_id":"portal"}`, status: http.StatusAccepted})
	answers = append(answers, body)
	if body["client_id"] != "portal" || w.lastEvent(t).Details["portal_client_id"] != "portal" {
		t.Errorf("resent to a portal: %v, %+v", body, w.lastEvent(t))
	}

	// olga (users:create) invites the users she creates, and owns.
	body = w.step(t, apiStep{name: "olga invites", who: "acme/olga", method: "POST", path: "/tenants/acme/users",
		body: `{"username":"otto","email":"otto@example.com","invite":true}`, status: http.StatusCreated})
	answers = append(answers, body)
	if m := w.mail.mails(); len(m) != 4 || m[3].link.User.ID != body["id"] || m[3].inviter != "olga" || m[3].langs != nil {
		t.Errorf("olga's invitation: %+v", m[len(m)-1])
	}

	sent := len(w.mail.mails())
	for _, st := range []apiStep{
		{name: "invite with a password", who: "acme/ada", method: "POST", path: "/tenants/acme/users",
			body:   `{"username":"paul","email":"paul@example.com","invite":true,"password":"violet tractor harbour 81"}`,
			status: http.StatusUnprocessableEntity, field: "password"},
		{name: "invite without an email", who: "acme/ada", method: "POST", path: "/tenants/acme/users",
			body: `{"username":"paul","invite":true}`, status: http.StatusUnprocessableEntity, field: "email"},
		{name: "invite disabled", who: "acme/ada", method: "POST", path: "/tenants/acme/users",
			body:   `{"username":"paul","email":"paul@example.com","invite":true,"enabled":false}`,
			status: http.StatusUnprocessableEntity, field: "enabled"},
		{name: "invite to an unknown portal", who: "acme/ada", method: "POST", path: "/tenants/acme/users",
			body:   `{"username":"paul","email":"paul@example.com","invite":true,"client_id":"nope"}`,
			status: http.StatusUnprocessableEntity, field: "client_id"},
		{name: "a portal without invite", who: "acme/ada", method: "POST", path: "/tenants/acme/users",
			body:   `{"username":"paul","email":"paul@example.com","client_id":"portal"}`,
			status: http.StatusUnprocessableEntity, field: "client_id"},
		{name: "send again to an unknown portal", who: "acme/ada", method: "POST", path: "/users/" + nora + "/invitation",
			body: `{"client_id":"nope"}`, status: http.StatusUnprocessableEntity, field: "client_id"},
		{name: "send again with an unknown field", who: "acme/ada", method: "POST", path: "/users/" + nora + "/invitation",
			body: `{"link":"mine"}`, status: http.StatusBadRequest, field: "link"},
		{name: "invite a user who has a password", who: "acme/ada", method: "POST", path: "/users/" + w.users["acme/rita"] + "/invitation",
			status: http.StatusConflict},
		{name: "a plain user invites", who: "acme/rita", method: "POST", path: "/users/" + nora + "/invitation",
			status: http.StatusForbidden},
		{name: "olga invites a user she does not own", who: "acme/olga", method: "POST", path: "/users/" + nora + "/invitation",
			status: http.StatusForbidden},
		{name: "another tenant's administrator", who: "contoso/cara", method: "POST", path: "/users/" + nora + "/invitation",
			status: http.StatusNotFound},
		{name: "no such user", who: "acme/ada", method: "POST", path: "/users/nobody/invitation", status: http.StatusNotFound},
	} {
		body := w.step(t, st)
		if st.status == http.StatusConflict && !strings.HasSuffix(fmt.Sprint(body["type"]), "/user-has-password") ||
			st.status == http.StatusConflict && !strings.Contains(fmt.Sprint(body["detail"]), "password-reset") {
			t.Errorf("%s: %v, want user-has-password pointing at the reset link", st.name, body)
		}
	}
	if _, err := w.dir.Store().UserByUsername(t.Context(), mustTenantID(t, w.dir, "acme"), "paul"); !errors.Is(err, directory.ErrNotFound) {
		t.Errorf("a refused invitation created its user: %v", err)
	}

	// Pending users only, enabled, not deleted.
	nina := w.invite(t, "nina")
	w.step(t, apiStep{name: "disable nina", who: "acme/ada", method: "PATCH", path: "/users/" + nina,
		body: `{"enabled":false}`, status: http.StatusOK})
	body = w.step(t, apiStep{name: "invite nina, disabled", who: "acme/ada", method: "POST", path: "/users/" + nina + "/invitation",
		status: http.StatusConflict})
	if !strings.HasSuffix(fmt.Sprint(body["type"]), "/user-disabled") {
		t.Errorf("invite a disabled user: %v", body)
	}
	w.step(t, apiStep{name: "delete nina", who: "acme/ada", method: "DELETE", path: "/users/" + nina, status: http.StatusNoContent})
	body = w.step(t, apiStep{name: "invite nina, deleted", who: "acme/ada", method: "POST", path: "/users/" + nina + "/invitation",
		status: http.StatusConflict})
	if !strings.HasSuffix(fmt.Sprint(body["type"]), "/user-deleted") {
		t.Errorf("invite a deleted user: %v", body)
	}
	if n := len(w.mail.mails()); n != sent+1 { // nina's first
		t.Errorf("%d mails after the refusals, want %d", n, sent+1)
	}
	w.noSecretIn(t, answers)
}

// TestResetLinksAPI: a reset link for a user with a password, mailed
// once committed; none for a pending, disabled or address-less one.
func TestResetLinksAPI(t *testing.T) {
	w := newUsersWorld(t)
	liveWhenMailed(t, w)
	rita := w.users["acme/rita"]
	nora := w.invite(t, "nora")
	sent := len(w.mail.mails())

	for _, st := range []apiStep{
		{name: "no email address", who: "acme/ada", method: "POST", path: "/users/" + rita + "/password-reset",
			status: http.StatusUnprocessableEntity, field: "email"},
		{name: "a pending user", who: "acme/ada", method: "POST", path: "/users/" + nora + "/password-reset",
			status: http.StatusConflict},
		{name: "a plain user", who: "acme/rita", method: "POST", path: "/users/" + w.users["acme/pete"] + "/password-reset",
			status: http.StatusForbidden},
		{name: "another tenant's administrator", who: "contoso/cara", method: "POST", path: "/users/" + rita + "/password-reset",
			status: http.StatusNotFound},
	} {
		body := w.step(t, st)
		if st.status == http.StatusConflict && (!strings.HasSuffix(fmt.Sprint(body["type"]), "/user-pending") ||
			!strings.Contains(fmt.Sprint(body["detail"]), "/invitation")) {
			t.Errorf("%s: %v, want user-pending pointing at the invitation", st.name, body)
		}
	}
	if n := len(w.mail.mails()); n != sent {
		t.Fatalf("%d mails after the refusals, want %d", n, sent)
	}

	w.step(t, apiStep{name: "give rita an address", who: "acme/ada", method: "PATCH", path: "/users/" + rita,
		body: `{"email":"rita@example.com"}`, status: http.StatusOK})
	body := w.step(t, apiStep{name: "reset rita", who: "acme/ada", method: "POST", path: "/users/" + rita + "/password-reset",
		status: http.StatusAccepted})
	if len(body) != 1 || body["expires_at"] == nil {
		t.Errorf("answer %v, want expires_at alone", body)
	}
	if e := w.lastEvent(t); e.Action != "user.password_reset_sent" || e.Target != rita || e.Details["expires_at"] == "" {
		t.Errorf("event %+v", e)
	}
	mails := w.mail.mails()
	if len(mails) != sent+1 || mails[sent].invitation || mails[sent].link.User.ID != rita || mails[sent].link.User.Email != "rita@example.com" {
		t.Fatalf("mails %+v, want rita's reset link", mails[sent:])
	}

	w.step(t, apiStep{name: "disable rita", who: "acme/ada", method: "PATCH", path: "/users/" + rita,
		body: `{"enabled":false}`, status: http.StatusOK})
	body = w.step(t, apiStep{name: "reset rita, disabled", who: "acme/ada", method: "POST", path: "/users/" + rita + "/password-reset",
		status: http.StatusConflict})
	if !strings.HasSuffix(fmt.Sprint(body["type"]), "/user-disabled") || len(w.mail.mails()) != sent+1 {
		t.Errorf("reset a disabled user: %v", body)
	}
	w.noSecretIn(t, []map[string]any{body})
}

// TestLinkMailFailure: when the mail cannot be queued the answer is a
// 503 that says so, and the user, the link and their events stay; the
// log has the mailer's error without the link.
func TestLinkMailFailure(t *testing.T) {
	st, d := newTree(t)
	w := newWorld(d)
	w.addUsers(t, directory.NewUser{TenantSlug: "acme", Username: "ada", TenantRole: directory.TenantRoleAdmin},
		directory.NewUser{TenantSlug: "acme", Username: "rita", TenantRole: directory.TenantRoleUser, Email: "rita@example.com"})
	mailer := &fakeMailer{}
	var secrets []string
	mailer.check = func(l directory.MailLink) {
		// A careless mailer puts the link in its error.
		secrets = append(secrets, l.Secret)
		mailer.fail = fmt.Errorf("the queue refused https://id.example/invite/%s", l.Secret)
	}
	var logs bytes.Buffer
	w.serve(t, st, Config{Mailer: mailer, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	w.mail = mailer
	acme := mustTenantID(t, d, "acme")

	status, body := w.do(t, "acme/ada", "POST", "/tenants/acme/users", `{"username":"nora","email":"nora@example.com","invite":true}`)
	u, err := d.Store().UserByUsername(t.Context(), acme, "nora")
	if err != nil {
		t.Fatalf("the user of an invitation whose mail failed: %v", err)
	}
	if status != http.StatusServiceUnavailable || !strings.HasSuffix(fmt.Sprint(body["type"]), "/mail-not-queued") ||
		!strings.Contains(fmt.Sprint(body["detail"]), "/users/"+u.ID+"/invitation") {
		t.Errorf("create with invite, the mail failing: %d %v", status, body)
	}
	status, body = w.do(t, "acme/ada", "POST", "/users/"+w.users["acme/rita"]+"/password-reset", "")
	if status != http.StatusServiceUnavailable || !strings.Contains(fmt.Sprint(body["detail"]), "password-reset") {
		t.Errorf("reset, the mail failing: %d %v", status, body)
	}
	for target, want := range map[string][]string{u.ID: {"user.created", "user.invited"}, w.users["acme/rita"]: {"user.password_reset_sent"}} {
		var got []string
		for _, e := range w.storedEvents(t, acme, target) {
			got = append(got, e.Action)
		}
		if slices.Sort(got); !slices.Equal(got, want) {
			t.Errorf("stored events of %s: %v, want %v", target, got, want)
		}
	}
	if len(secrets) != 2 || strings.Count(logs.String(), "could not be queued") != 2 {
		t.Errorf("%d mails tried, log:\n%s", len(secrets), logs.String())
	}
	for _, s := range secrets {
		if s == "" || strings.Contains(logs.String(), s) {
			t.Errorf("the link %q is in the log:\n%s", s, logs.String())
		}
	}
}

// invite creates the pending user username in acme with an invitation,
// as ada, and returns its id.
func (w *apiWorld) invite(t *testing.T, username string) string {
	t.Helper()
	body := w.step(t, apiStep{name: "invite " + username, who: "acme/ada", method: "POST", path: "/tenants/acme/users",
		body: `{"username":"` + username + `","email":"` + username + `@example.com","invite":true}`, status: http.StatusCreated})
	id, _ := body["id"].(string)
	return id
}

// noSecretIn checks that no link mailed so far is in an event or in
// answers.
func (w *apiWorld) noSecretIn(t *testing.T, answers []map[string]any) {
	t.Helper()
	raw, err := json.Marshal(answers)
	if err != nil {
		t.Fatal(err)
	}
	events, err := json.Marshal(w.eventsSince(t, 0))
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range w.mail.mails() {
		if m.link.Secret == "" {
			t.Fatalf("a mail without its link: %+v", m)
		}
		if bytes.Contains(events, []byte(m.link.Secret)) {
			t.Errorf("the link mailed to %s is in an event", m.link.User.Username)
		}
		if bytes.Contains(raw, []byte(m.link.Secret)) {
			t.Errorf("the link mailed to %s is in an answer", m.link.User.Username)
		}
	}
}
