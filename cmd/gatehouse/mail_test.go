package main

import (
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-id/gatehouse/audit"
	"github.com/gatehouse-id/gatehouse/mail"
)

// TestResolveMail: each mail setting that cannot work stops the start with
// a message naming it, and the password comes from the environment or a
// file, never a flag.
func TestResolveMail(t *testing.T) {
	pwFile := filepath.Join(t.TempDir(), "smtp-password")
	if err := os.WriteFile(pwFile, []byte("s3cret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	smtp := func(m mailConfig) mailConfig {
		m.SMTPHost, m.SMTPSecurity, m.From = "smtp.example.com", "starttls", "Things <no-reply@example.com>"
		return m
	}
	for _, tc := range []struct {
		name    string
		cfg     mailConfig
		wantErr string
	}{
		{"no SMTP: the outbox", mailConfig{}, ""},
		{"SMTP", smtp(mailConfig{}), ""},
		{"SMTP with a password file", smtp(mailConfig{SMTPUsername: "gh", SMTPPasswordFile: pwFile}), ""},
		{"a username without a password", smtp(mailConfig{SMTPUsername: "gh"}), "GATEHOUSE_SMTP_PASSWORD"},
		{"a missing password file", smtp(mailConfig{SMTPUsername: "gh", SMTPPasswordFile: pwFile + ".gone"}), "--smtp-password-file"},
		{"no sender", mailConfig{SMTPHost: "smtp.example.com", SMTPSecurity: "starttls"}, "GATEHOUSE_MAIL_FROM"},
		{"a bad sender", mailConfig{SMTPHost: "smtp.example.com", SMTPSecurity: "tls", From: "not an address"}, "GATEHOUSE_MAIL_FROM"},
		{"a bad security", mailConfig{SMTPHost: "smtp.example.com", SMTPSecurity: "ssl", From: "a@example.com"}, "GATEHOUSE_SMTP_SECURITY"},
		{"a bad port", mailConfig{SMTPPort: 70000}, "GATEHOUSE_SMTP_PORT"},
		{"an unparsable invitation lifetime", mailConfig{InvitationLifetime: -1}, "GATEHOUSE_INVITATION_LIFETIME"},
		{"a year-long invitation", mailConfig{InvitationLifetime: 365 * 24 * time.Hour}, "GATEHOUSE_INVITATION_LIFETIME"},
		{"a week-long reset link", mailConfig{ResetLifetime: 7 * 24 * time.Hour}, "GATEHOUSE_RESET_LINK_LIFETIME"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("GATEHOUSE_SMTP_PASSWORD", "")
			err := tc.cfg.resolve()
			switch {
			case tc.wantErr == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
				t.Fatalf("error = %v, want one mentioning %q", err, tc.wantErr)
			}
		})
	}
	c := smtp(mailConfig{SMTPUsername: "gh", SMTPPasswordFile: pwFile})
	if err := c.resolve(); err != nil || c.SMTPPassword != "s3cret" {
		t.Errorf("password from the file: %q, %v", c.SMTPPassword, err)
	}
	c = mailConfig{}
	if err := c.resolve(); err != nil || c.InvitationLifetime != 14*24*time.Hour || c.ResetLifetime != time.Hour {
		t.Errorf("defaults: %v, %v, %v", c.InvitationLifetime, c.ResetLifetime, err)
	}
}

// TestRecordMail: the final outcome of a mail is audited in the tenant of
// the person it was for, so that its administrators see an invitation that
// did not go out, and in the platform's log when it was for nobody; the
// event names the mail but holds none of its text.
func TestRecordMail(t *testing.T) {
	h := newHarness(t)
	ctx, carol := t.Context(), h.user(t, "contoso", "carol")
	log := slog.New(slog.DiscardHandler)
	m := mail.Message{ID: "m1", To: mail.Address{Email: "carol@example.com"}, Subject: "Invitation",
		Text: "https://id.example/invitation?token=secret", About: mail.About{Kind: "invitation", TenantID: carol.TenantID,
			UserID: carol.ID, Username: carol.Username}}
	recordMail(ctx, h.app.directory, h.app.audit, log, m, 7, errors.New("550 mailbox unavailable"))
	m.ID, m.About = "m2", mail.About{Kind: "invitation"}
	recordMail(ctx, h.app.directory, h.app.audit, log, m, 1, nil)

	events, _, err := h.app.db.QueryEvents(ctx, audit.Query{TenantIDs: []string{carol.TenantID}, Action: "mail."})
	if err != nil || len(events) != 1 {
		t.Fatalf("contoso's mail events: %d, %v; want 1", len(events), err)
	}
	e := events[0]
	if e.Action != "mail.failed" || e.Target != carol.ID || e.Actor != "system" || e.Details["attempts"] != "7" ||
		e.Details["kind"] != "invitation" || e.Details["message_id"] != "m1" || !strings.Contains(e.Details["error"], "550") {
		t.Errorf("mail.failed event: %+v", e)
	}
	for _, v := range e.Details {
		if strings.Contains(v, "token") {
			t.Errorf("the event holds the mail's text: %+v", e)
		}
	}
	sys, err := h.app.directory.SystemTenant(ctx)
	if err != nil {
		t.Fatal(err)
	}
	events, _, err = h.app.db.QueryEvents(ctx, audit.Query{TenantIDs: []string{sys.ID}, Action: "mail."})
	if err != nil || len(events) != 1 || events[0].Action != "mail.sent" || events[0].Details["message_id"] != "m2" {
		t.Errorf("the platform's mail events: %+v, %v; want one mail.sent", events, err)
	}
}
