package setpassword

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/gatehouse-id/gatehouse/directory"
	"github.com/gatehouse-id/gatehouse/mail"
)

// Paths of the pages a mailed link opens. The link's secret is the token
// query parameter.
const (
	InvitationPath = "/invitation"
	ResetPath      = "/password/reset"
	ForgotPath     = "/password/forgot"
)

// Queue takes a rendered mail for delivery and returns at once;
// *mail.Queue implements it.
type Queue interface{ Enqueue(mail.Message) error }

// Mailer renders and queues the mails of links: the invitation, the
// password reset link, and the notice that a password was changed. Both
// the admin API (which invites and sends reset links) and this package's
// pages send through it, so that every mail of a link has the same URL
// and the same recipient.
type Mailer struct {
	issuer string
	tmpl   *mail.Templates
	queue  Queue
	// now is the clock a reset link's remaining time is measured on: the
	// directory's, which made the link. Tests set it.
	now func() time.Time
}

// NewMailer returns a Mailer whose links start with issuer (the absolute
// base URL; a trailing slash is dropped), rendering with t and queueing on
// q.
func NewMailer(issuer string, t *mail.Templates, q Queue) *Mailer {
	return &Mailer{issuer: strings.TrimSuffix(issuer, "/"), tmpl: t, queue: q, now: time.Now}
}

// InvitationURL is the link an invitation mail carries: a secret.
func (m *Mailer) InvitationURL(secret string) string { return InvitationURL(m.issuer, secret) }

// ResetURL is the link a password reset mail carries: a secret.
func (m *Mailer) ResetURL(secret string) string { return ResetURL(m.issuer, secret) }

// InvitationURL is the page of the invitation with secret on the
// Gatehouse at issuer (an absolute URL, no trailing slash): what its mail
// carries, and what gatehouse admin bootstrap prints.
func InvitationURL(issuer, secret string) string {
	return issuer + InvitationPath + "?token=" + url.QueryEscape(secret)
}

// ResetURL is the page of the password reset link with secret on the
// Gatehouse at issuer.
func ResetURL(issuer, secret string) string {
	return issuer + ResetPath + "?token=" + url.QueryEscape(secret)
}

// errNoAddress: the user has no email address to mail.
var errNoAddress = errors.New("the user has no email address")

// SendInvitation queues the invitation l, naming inviter (empty for
// nobody in particular), in the user's preferred language or else the
// first of langs that the mails are written in (the inviter's).
func (m *Mailer) SendInvitation(l directory.MailLink, inviter string, langs ...string) error {
	to, err := addressOf(l.User)
	if err != nil {
		return fmt.Errorf("invitation for user %s: %w", l.User.ID, err)
	}
	return m.send(mail.Invitation{To: to, Inviter: inviter, Tenant: l.Tenant.Name, Username: l.User.Username,
		Link: m.InvitationURL(l.Secret), Expires: l.ExpiresAt}, l.User, langs)
}

// SendReset queues the password reset link l. The mail says how long the
// link works from now; the queue sends it within seconds.
func (m *Mailer) SendReset(l directory.MailLink, langs ...string) error {
	to, err := addressOf(l.User)
	if err != nil {
		return fmt.Errorf("reset link for user %s: %w", l.User.ID, err)
	}
	return m.send(mail.PasswordReset{To: to, Tenant: l.Tenant.Name, Username: l.User.Username,
		Link: m.ResetURL(l.Secret), ValidFor: l.ExpiresAt.Sub(m.now())}, l.User, langs)
}

// SendPasswordChanged queues the notice that u's password was changed at
// at, so that a change the person did not make does not go unnoticed. A
// user without an email address gets none, and that is no error.
func (m *Mailer) SendPasswordChanged(u directory.User, t directory.Tenant, at time.Time) error {
	to, err := addressOf(u)
	if errors.Is(err, errNoAddress) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("password changed notice for user %s: %w", u.ID, err)
	}
	return m.send(mail.PasswordChanged{To: to, Tenant: t.Name, Username: u.Username, At: at}, u, nil)
}

// send renders c in u's preferred language, then langs, and queues it.
// Errors name the mail's kind and recipient's id, never its link.
func (m *Mailer) send(c mail.Content, u directory.User, langs []string) error {
	msg, err := m.tmpl.Render(c, append([]string{u.PreferredLanguage}, langs...)...)
	if err != nil {
		return fmt.Errorf("render mail to user %s: %w", u.ID, err)
	}
	// Whom it is for, so that its delivery is audited in the person's
	// tenant (mail.About); never sent.
	msg.About.TenantID, msg.About.UserID, msg.About.Username = u.TenantID, u.ID, u.Username
	if err := m.queue.Enqueue(msg); err != nil {
		return fmt.Errorf("queue mail %s to user %s: %w", msg.ID, u.ID, err)
	}
	return nil
}

// addressOf is u's mailbox: its email address, with its display name or
// else its given and family names.
func addressOf(u directory.User) (mail.Address, error) {
	if u.Email == "" {
		return mail.Address{}, errNoAddress
	}
	name := u.DisplayName
	if name == "" {
		name = strings.TrimSpace(u.GivenName + " " + u.FamilyName)
	}
	return mail.Address{Name: name, Email: u.Email}, nil
}
