package demo

import (
	"net/http"
	"regexp"
	"time"

	"github.com/gatehouse-id/gatehouse/mail"
)

// Outbox is where the demo's mails wait to be read: *mail.LogOutbox, the
// sender Gatehouse uses when no SMTP server is configured.
type Outbox interface {
	Messages() []mail.OutboxEntry
}

// outboxPage lists the kept mails, newest first.
type outboxPage struct {
	Mails []outboxMail
}

// outboxMail is one mail as the page shows it: its text as sent, and the
// links in it to click (an invitation, a reset link).
type outboxMail struct {
	At                time.Time
	To, Subject, Text string
	Links             []string
}

// links finds the web links in a mail's text. The mails Gatehouse writes
// put each link alone, so a link ends at the first space.
var links = regexp.MustCompile(`https?://[^\s<>"]+`)

// showOutbox shows the outbox so that a newcomer can follow an invitation
// or a password reset without a mail server. The page holds live links,
// which are secrets: like the claims page it stays out of caches and out of
// Referer headers. It exists only in the demo.
func (p *Portal) showOutbox(w http.ResponseWriter, r *http.Request) {
	var page outboxPage
	for _, e := range p.outbox.Messages() {
		page.Mails = append(page.Mails, outboxMail{At: e.At.UTC(), To: e.Message.To.String(), Subject: e.Message.Subject,
			Text: e.Message.Text, Links: links.FindAllString(e.Message.Text, -1)})
	}
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Referrer-Policy", "no-referrer")
	p.render(w, r, http.StatusOK, "outbox.html", page)
}
