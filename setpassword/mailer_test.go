package setpassword

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-id/gatehouse/directory"
	"github.com/gatehouse-id/gatehouse/mail"
	"github.com/gatehouse-id/gatehouse/onetime"
)

func newTestMailer(t *testing.T, q Queue, now time.Time) *Mailer {
	t.Helper()
	tmpl, err := mail.NewTemplates(mail.TemplatesConfig{SiteName: "Things"})
	if err != nil {
		t.Fatal(err)
	}
	m := NewMailer("https://id.example.com/", tmpl, q)
	m.now = func() time.Time { return now }
	return m
}

func TestMailerURLs(t *testing.T) {
	m := newTestMailer(t, &queue{}, time.Now())
	if got, want := m.InvitationURL("a-b_c"), "https://id.example.com/invitation?token=a-b_c"; got != want {
		t.Errorf("InvitationURL = %q, want %q", got, want)
	}
	if got, want := m.ResetURL("a-b_c"), "https://id.example.com/password/reset?token=a-b_c"; got != want {
		t.Errorf("ResetURL = %q, want %q", got, want)
	}
}

func TestMailer(t *testing.T) {
	now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	acme := directory.Tenant{ID: "t1", Slug: "acme", Name: "Acme IoT"}
	for _, tc := range []struct {
		name     string
		user     directory.User
		langs    []string
		send     func(m *Mailer, u directory.User, langs []string) error
		to       mail.Address
		lang     string
		subject  string
		contains []string
	}{
		{"invitation", directory.User{ID: "u1", Username: "pat", Email: "pat@acme.example", DisplayName: "Pat Jones"}, []string{"nl"},
			func(m *Mailer, u directory.User, langs []string) error {
				return m.SendInvitation(directory.MailLink{Purpose: onetime.PurposeInvitation, Secret: "s3cr3t", User: u, Tenant: acme,
					ExpiresAt: now.Add(14 * 24 * time.Hour)}, "Ada", langs...)
			},
			mail.Address{Name: "Pat Jones", Email: "pat@acme.example"}, "nl", "Ada", []string{"https://id.example.com/invitation?token=s3cr3t"}},
		{"reset in the preferred language", directory.User{ID: "u2", Username: "jill", Email: "jill@acme.example", GivenName: "Jill",
			FamilyName: "Smith", PreferredLanguage: "de-AT"}, []string{"nl"},
			func(m *Mailer, u directory.User, langs []string) error {
				return m.SendReset(directory.MailLink{Purpose: onetime.PurposePasswordReset, Secret: "s3cr3t", User: u, Tenant: acme,
					ExpiresAt: now.Add(time.Hour)}, langs...)
			},
			mail.Address{Name: "Jill Smith", Email: "jill@acme.example"}, "de", "Things", []string{"https://id.example.com/password/reset?token=s3cr3t", "60"}},
		{"changed", directory.User{ID: "u3", Username: "noel", Email: "noel@acme.example"}, nil,
			func(m *Mailer, u directory.User, _ []string) error { return m.SendPasswordChanged(u, acme, now) },
			mail.Address{Email: "noel@acme.example"}, "en", "Your Things password was changed", []string{"noel"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			q := &queue{}
			if err := tc.send(newTestMailer(t, q, now), tc.user, tc.langs); err != nil {
				t.Fatal(err)
			}
			sent := q.sent()
			if len(sent) != 1 {
				t.Fatalf("%d mails", len(sent))
			}
			m := sent[0]
			if m.To != tc.to || m.Language != tc.lang || !strings.Contains(m.Subject, tc.subject) {
				t.Errorf("mail to %+v in %s, %q", m.To, m.Language, m.Subject)
			}
			for _, want := range tc.contains {
				if !strings.Contains(m.Text, want) {
					t.Errorf("text lacks %q:\n%s", want, m.Text)
				}
			}
			// Whom it is about, for the audit of its delivery.
			if m.About.UserID != tc.user.ID || m.About.Username != tc.user.Username || m.About.Kind == "" {
				t.Errorf("mail about %+v", m.About)
			}
		})
	}
}

func TestMailerFailures(t *testing.T) {
	now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	q := &queue{}
	m := newTestMailer(t, q, now)
	noAddress := directory.User{ID: "u1", Username: "noel"}
	if err := m.SendPasswordChanged(noAddress, directory.Tenant{Name: "Acme"}, now); err != nil {
		t.Errorf("no address: %v, want nothing to do", err)
	}
	if err := m.SendReset(directory.MailLink{Secret: "s", User: noAddress, ExpiresAt: now.Add(time.Hour)}); err == nil {
		t.Errorf("a reset link without an address was accepted")
	}
	if len(q.sent()) != 0 {
		t.Errorf("mail queued")
	}
	q.err = mail.ErrQueueFull
	err := m.SendReset(directory.MailLink{Secret: "s3cr3t", User: directory.User{ID: "u2", Email: "jill@acme.example"},
		ExpiresAt: now.Add(time.Hour)})
	if !errors.Is(err, mail.ErrQueueFull) || strings.Contains(err.Error(), "s3cr3t") {
		t.Errorf("full queue: %v", err)
	}
}
