package admin

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/gatehouse-id/gatehouse/audit"
	"github.com/gatehouse-id/gatehouse/directory"
)

// Invitations and password reset links (directory/links.go). A route
// makes the link and records its event in the change's transaction, and
// mails it once that has committed (Handler.afterCommit): a link that was
// rolled back, or made by a run PostgreSQL threw away, is never mailed.
// If the mail cannot be queued, the link and its event stay committed and
// the answer is a 503 saying so: sending again makes a new link and kills
// the one nobody received.
//
// The link itself (its secret) is in the mail only: never in an answer,
// an event or a log line. An answer says when it expires, and an
// administrator who wants the person to have it sends it again.

// linkView is a mailed link as the API shows it: when it stops working
// and the portal it leads to, never the link.
type linkView struct {
	ExpiresAt time.Time `json:"expires_at"`
	// ClientID is the portal the person continues to once the password
	// is set; empty for none (the account page).
	ClientID string `json:"client_id,omitempty"`
}

func viewLink(l directory.MailLink) linkView {
	return linkView{ExpiresAt: l.ExpiresAt, ClientID: l.ClientID}
}

// invitedUser answers a create with "invite": the user, and its
// invitation beside it: the invitation is not part of the user, and no
// other answer carries it.
type invitedUser struct {
	userView
	Invitation linkView `json:"invitation"`
}

// createInvited creates the pending user nu and invites it, in one
// transaction (directory.Directory.InviteUserFor): a user that could not
// be invited (no email address) is not created either.
func (h *Handler) createInvited(w http.ResponseWriter, r *http.Request, c directory.Caller, nu directory.NewUser, clientID string) error {
	if nu.Disabled {
		return fieldProblem(http.StatusUnprocessableEntity, "enabled", "an invited user is enabled: a disabled one could not use the invitation")
	}
	u, l, err := h.dir.InviteUserFor(r.Context(), c, nu, clientID)
	if err != nil {
		return renamed(err, userField)
	}
	if err := h.recordCreated(r, c, u); err != nil {
		return err
	}
	if err := h.invite(r, c, l); err != nil {
		return err
	}
	v, err := h.viewUserOf(r.Context(), u)
	if err != nil {
		return err
	}
	w.Header().Set("Location", Prefix+"/users/"+u.ID)
	writeJSON(w, http.StatusCreated, invitedUser{userView: v, Invitation: viewLink(l)})
	return nil
}

// sendInvitation serves POST /users/{id}/invitation: a new invitation
// for a pending user, which kills the earlier ones. 202: the mail is
// queued, not delivered.
func (h *Handler) sendInvitation(w http.ResponseWriter, r *http.Request, c directory.Caller) error {
	var in struct {
		ClientID string `json:"client_id"`
	}
	if r.ContentLength != 0 { // the body is optional
		if err := decode(w, r, &in); err != nil {
			return err
		}
	}
	u, err := h.dir.ManagedUserFor(r.Context(), c, r.PathValue("id"))
	if err != nil {
		return err
	}
	// The directory refuses these too, as a conflict in words; the API
	// tells them apart for a client to switch on.
	switch {
	case u.PasswordHash != "":
		return problem(http.StatusConflict, "user-has-password", "User has a password",
			"user "+u.Username+" has set a password: send a password reset link instead (POST "+Prefix+"/users/"+u.ID+"/password-reset)")
	case u.Disabled:
		return errLinkDisabled(u)
	}
	l, err := h.dir.InviteFor(r.Context(), c, u.ID, in.ClientID)
	if err != nil {
		return err
	}
	if err := h.invite(r, c, l); err != nil {
		return err
	}
	writeJSON(w, http.StatusAccepted, viewLink(l))
	return nil
}

// sendResetLink serves POST /users/{id}/password-reset: a new reset link
// for a user with a password, which kills the earlier ones.
func (h *Handler) sendResetLink(w http.ResponseWriter, r *http.Request, c directory.Caller) error {
	u, err := h.dir.ManagedUserFor(r.Context(), c, r.PathValue("id"))
	if err != nil {
		return err
	}
	switch {
	case u.PasswordHash == "":
		return problem(http.StatusConflict, "user-pending", "User has no password yet",
			"user "+u.Username+" has not set a password yet: send an invitation instead (POST "+Prefix+"/users/"+u.ID+"/invitation)")
	case u.Disabled:
		return errLinkDisabled(u)
	}
	l, err := h.dir.ResetLinkFor(r.Context(), c, u.ID)
	if err != nil {
		return err
	}
	if err := h.record(r, c, audit.Event{Action: "user.password_reset_sent", TenantID: l.Tenant.ID, Target: l.User.ID,
		TargetName: l.User.Username, Details: map[string]string{"expires_at": l.ExpiresAt.Format(time.RFC3339)}}); err != nil {
		return err
	}
	if err := h.afterCommit(h.mailing(r, l, "password reset link", "password-reset", func() error {
		return h.mailer.SendReset(l, r.Header.Values("Accept-Language")...)
	})); err != nil {
		return err
	}
	writeJSON(w, http.StatusAccepted, linkView{ExpiresAt: l.ExpiresAt})
	return nil
}

func errLinkDisabled(u directory.User) *Problem {
	return problem(http.StatusConflict, "user-disabled", "User disabled",
		"user "+u.Username+" is disabled: enable it before sending it a link")
}

// invite records the invitation l and queues its mail for the commit.
// The portal is "portal_client_id" in the event: "client_id" is the
// client the caller's token was issued to (record).
func (h *Handler) invite(r *http.Request, c directory.Caller, l directory.MailLink) error {
	d := map[string]string{"expires_at": l.ExpiresAt.Format(time.RFC3339), "resent": boolString(l.Revoked > 0)}
	if l.ClientID != "" {
		d["portal_client_id"] = l.ClientID
	}
	if err := h.record(r, c, audit.Event{Action: "user.invited", TenantID: l.Tenant.ID, Target: l.User.ID,
		TargetName: l.User.Username, Details: d}); err != nil {
		return err
	}
	// A machine client is nobody to name in a mail.
	inviter := ""
	if c.UserID != "" {
		inviter = c.Name
	}
	return h.afterCommit(h.mailing(r, l, "invitation", "invitation", func() error {
		return h.mailer.SendInvitation(l, inviter, r.Header.Values("Accept-Language")...)
	}))
}

// mailing is send, to run after the commit, answering a failure with the
// 503 that says what was stored (the link called what) and how to send it
// again (POST /users/{id}/again). The failure is logged without the link.
func (h *Handler) mailing(r *http.Request, l directory.MailLink, what, again string, send func() error) func() error {
	return func() error {
		err := send()
		if err == nil {
			return nil
		}
		msg := err.Error()
		if l.Secret != "" {
			// The mailer's error is not ours to trust with the link.
			msg = strings.ReplaceAll(msg, l.Secret, "[redacted]")
		}
		h.log.ErrorContext(r.Context(), "admin API: a link's mail could not be queued", "purpose", string(l.Purpose),
			"user_id", l.User.ID, "tenant_id", l.Tenant.ID, "err", msg)
		return problem(http.StatusServiceUnavailable, "mail-not-queued", "Mail not queued",
			fmt.Sprintf("the %s for user %s (id %s) was stored, but its mail could not be queued: send it again (POST %s/users/%s/%s)",
				what, l.User.Username, l.User.ID, Prefix, l.User.ID, again))
	}
}
