package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/gatehouse-id/gatehouse/audit"
	"github.com/gatehouse-id/gatehouse/directory"
	"github.com/gatehouse-id/gatehouse/mail"
)

// mailConfig is how Gatehouse sends mail (invitations, password reset
// links, password change notices) and how long the links work.
type mailConfig struct {
	// SMTPHost selects SMTP delivery; empty keeps every mail in the
	// outbox (the log, and the demo's /demo/outbox page) instead.
	SMTPHost     string
	SMTPPort     int
	SMTPSecurity string
	SMTPUsername string
	// SMTPPassword comes from GATEHOUSE_SMTP_PASSWORD or a file, never
	// a flag (flags show in ps).
	SMTPPassword     string
	SMTPPasswordFile string
	// From is the sender, "Things Portal <no-reply@example.com>".
	From string
	// SiteName names the service in every mail.
	SiteName           string
	InvitationLifetime time.Duration
	ResetLifetime      time.Duration
}

func (c *mailConfig) bindFlags(fs *flag.FlagSet) {
	fs.StringVar(&c.SMTPHost, "smtp-host", env("GATEHOUSE_SMTP_HOST", ""), "SMTP submission server; empty: mails go to the log (and the demo's outbox page) only (GATEHOUSE_SMTP_HOST)")
	fs.IntVar(&c.SMTPPort, "smtp-port", envInt("GATEHOUSE_SMTP_PORT", 0), "SMTP port; default 587 for starttls, 465 for tls, 25 for none (GATEHOUSE_SMTP_PORT)")
	fs.StringVar(&c.SMTPSecurity, "smtp-security", env("GATEHOUSE_SMTP_SECURITY", string(mail.StartTLS)), "starttls, tls, or none (a relay on localhost only) (GATEHOUSE_SMTP_SECURITY)")
	fs.StringVar(&c.SMTPUsername, "smtp-username", env("GATEHOUSE_SMTP_USERNAME", ""), "SMTP login, AUTH PLAIN over TLS only; the password in GATEHOUSE_SMTP_PASSWORD or --smtp-password-file (GATEHOUSE_SMTP_USERNAME)")
	fs.StringVar(&c.SMTPPasswordFile, "smtp-password-file", env("GATEHOUSE_SMTP_PASSWORD_FILE", ""), "file holding the SMTP password (GATEHOUSE_SMTP_PASSWORD_FILE)")
	fs.StringVar(&c.From, "mail-from", env("GATEHOUSE_MAIL_FROM", ""), `sender of every mail, "Things Portal <no-reply@example.com>"; required with --smtp-host (GATEHOUSE_MAIL_FROM)`)
	fs.StringVar(&c.SiteName, "mail-site-name", env("GATEHOUSE_MAIL_SITE_NAME", "Gatehouse"), "the service's name in mails (GATEHOUSE_MAIL_SITE_NAME)")
	fs.DurationVar(&c.InvitationLifetime, "invitation-lifetime", envDuration("GATEHOUSE_INVITATION_LIFETIME", directory.DefaultInvitationLifetime),
		"how long an invitation link works (GATEHOUSE_INVITATION_LIFETIME)")
	fs.DurationVar(&c.ResetLifetime, "reset-link-lifetime", envDuration("GATEHOUSE_RESET_LINK_LIFETIME", directory.DefaultResetLifetime),
		"how long a password reset link works (GATEHOUSE_RESET_LINK_LIFETIME)")
}

// resolve checks the mail settings, each refusal naming its setting.
func (c *mailConfig) resolve() error {
	if c.InvitationLifetime == 0 { // unset, as for the user retention
		c.InvitationLifetime = directory.DefaultInvitationLifetime
	}
	if c.ResetLifetime == 0 {
		c.ResetLifetime = directory.DefaultResetLifetime
	}
	if c.InvitationLifetime < time.Hour || c.InvitationLifetime > 90*24*time.Hour {
		return errors.New("GATEHOUSE_INVITATION_LIFETIME / --invitation-lifetime must be a duration between 1h and 2160h (90 days), such as 336h")
	}
	if c.ResetLifetime < 5*time.Minute || c.ResetLifetime > 24*time.Hour {
		return errors.New("GATEHOUSE_RESET_LINK_LIFETIME / --reset-link-lifetime must be a duration between 5m and 24h, such as 1h")
	}
	if c.SMTPPort < 0 || c.SMTPPort > 65535 {
		return errors.New("GATEHOUSE_SMTP_PORT / --smtp-port must be a port number")
	}
	if c.SMTPHost == "" {
		return nil
	}
	switch mail.Security(c.SMTPSecurity) {
	case mail.StartTLS, mail.TLS, mail.InsecureNone:
	default:
		return fmt.Errorf("GATEHOUSE_SMTP_SECURITY / --smtp-security %q: use starttls, tls or none", c.SMTPSecurity)
	}
	if c.From == "" {
		return errors.New("GATEHOUSE_MAIL_FROM / --mail-from is required with an SMTP host, e.g. \"Things Portal <no-reply@example.com>\"")
	}
	if _, err := mail.ParseAddress(c.From); err != nil {
		return fmt.Errorf("GATEHOUSE_MAIL_FROM / --mail-from: %w", err)
	}
	c.SMTPPassword = os.Getenv("GATEHOUSE_SMTP_PASSWORD")
	if c.SMTPPasswordFile != "" {
		b, err := os.ReadFile(c.SMTPPasswordFile)
		if err != nil {
			return fmt.Errorf("--smtp-password-file: %w", err)
		}
		c.SMTPPassword = strings.TrimRight(string(b), "\r\n")
	}
	if c.SMTPUsername != "" && c.SMTPPassword == "" {
		return errors.New("--smtp-username needs a password: GATEHOUSE_SMTP_PASSWORD or --smtp-password-file")
	}
	return nil
}

// postOffice is the wired mail: templates, the sender, the background
// queue, and (without SMTP) the outbox the demo shows.
type postOffice struct {
	templates *mail.Templates
	queue     *mail.Queue
	outbox    *mail.LogOutbox // nil with SMTP
}

// newPostOffice builds the mail for cfg. Without an SMTP host every mail
// goes to a LogOutbox: in the demo its bodies are logged too, so that a
// newcomer can follow an invitation from the log; anywhere else they are
// not, since their links are live secrets, and a warning says that no
// mail leaves the node. Every final outcome is audited (recordMail).
func newPostOffice(cfg *config, log *slog.Logger, record func(mail.Message, int, error), now func() time.Time) (*postOffice, error) {
	tpl, err := mail.NewTemplates(mail.TemplatesConfig{SiteName: cfg.Mail.SiteName})
	if err != nil {
		return nil, err
	}
	po := &postOffice{templates: tpl}
	var sender mail.Sender
	if cfg.Mail.SMTPHost == "" {
		if !cfg.Demo {
			log.Warn("no SMTP server configured (--smtp-host): invitations and password reset links are not sent, only logged without their links")
		}
		po.outbox = mail.NewLogOutbox(log, mail.OutboxConfig{Page: demoOutboxPage(cfg), LogBodies: cfg.Demo}, now)
		sender = po.outbox
	} else {
		from, _ := mail.ParseAddress(cfg.Mail.From) // checked by resolve
		smtp, err := mail.NewSMTP(mail.SMTPConfig{Host: cfg.Mail.SMTPHost, Port: cfg.Mail.SMTPPort,
			Security: mail.Security(cfg.Mail.SMTPSecurity), Username: cfg.Mail.SMTPUsername, Password: cfg.Mail.SMTPPassword,
			From: from}, now)
		if err != nil {
			return nil, err
		}
		sender = smtp
	}
	po.queue = mail.NewQueue(sender, mail.QueueConfig{OnResult: func(m mail.Message, attempt int, err error, final bool) {
		if !final {
			log.Warn("mail not sent, will retry", "mail", m, "attempt", attempt, "err", err)
			return
		}
		record(m, attempt, err)
	}})
	return po, nil
}

func demoOutboxPage(cfg *config) string {
	if cfg.Demo {
		return cfg.Issuer + "/demo/outbox"
	}
	return ""
}

// recordMail audits the final outcome of a mail in the tenant of the
// person it was for (the platform's log for a mail about nobody), so that
// administrators see an invitation that did not go out: mail.sent, or
// mail.failed with the reason. Neither holds the mail's text, whose link
// is a secret.
func recordMail(ctx context.Context, dir *directory.Directory, log *audit.Log, logger *slog.Logger, m mail.Message, attempts int, err error) {
	e := audit.Event{Action: "mail.sent", TenantID: m.About.TenantID, Actor: "system", Target: m.About.UserID,
		TargetName: m.About.Username,
		Details: map[string]string{"kind": m.About.Kind, "message_id": m.ID, "to": m.To.Email,
			"attempts": strconv.Itoa(attempts)}}
	if err != nil {
		e.Action = "mail.failed"
		e.Details["error"] = err.Error()
		logger.ErrorContext(ctx, "mail not sent", "mail", m, "attempts", attempts, "err", err)
	}
	if e.TenantID == "" {
		recordPlatformEvent(ctx, dir, log, logger, e)
		return
	}
	if err := log.Record(ctx, e); err != nil {
		logger.ErrorContext(ctx, "audit "+e.Action, "err", err, "mail", m)
	}
}
