package mail

import (
	"context"
	"log/slog"
	"sync"
	"time"
)

// DefaultOutboxKeep is how many messages a LogOutbox keeps by default.
const DefaultOutboxKeep = 100

// OutboxConfig configures a LogOutbox.
type OutboxConfig struct {
	// Keep is how many of the latest messages the outbox holds
	// (DefaultOutboxKeep if 0); older ones are forgotten.
	Keep int
	// Page is where the demo shows the outbox ("/demo/outbox"); each log
	// line points there. Empty points nowhere.
	Page string
	// LogBodies also writes each message's text, links included, to the
	// log. Demo only: the links are live invitation and reset tokens, and
	// whoever reads the log can use them. Off by default.
	LogBodies bool
}

// OutboxEntry is one message the outbox kept.
type OutboxEntry struct {
	At      time.Time
	Message Message
}

// LogOutbox is the Sender when no SMTP server is configured (the demo,
// tests, a first run): it keeps the last messages in memory for a page to
// show and writes one log line per message. By default the line has the
// recipient and subject but not the body, whose links are secrets; see
// OutboxConfig.LogBodies. It is safe for concurrent use.
type LogOutbox struct {
	log  *slog.Logger
	cfg  OutboxConfig
	now  func() time.Time
	mu   sync.Mutex
	ring []OutboxEntry // oldest first once full; next is where the next goes
	next int
}

// NewLogOutbox returns an empty outbox that logs to log; now stamps the
// entries (time.Now if nil).
func NewLogOutbox(log *slog.Logger, cfg OutboxConfig, now func() time.Time) *LogOutbox {
	if cfg.Keep <= 0 {
		cfg.Keep = DefaultOutboxKeep
	}
	if now == nil {
		now = time.Now
	}
	return &LogOutbox{log: log, cfg: cfg, now: now}
}

// Send keeps m and logs it. It refuses what the SMTP sender would refuse
// (ErrInvalid), so that the demo finds the same mistakes production would.
func (o *LogOutbox) Send(ctx context.Context, m Message) error {
	if err := m.Validate(); err != nil {
		return err
	}
	m = m.withID()
	e := OutboxEntry{At: o.now(), Message: m}
	o.mu.Lock()
	if len(o.ring) < o.cfg.Keep {
		o.ring = append(o.ring, e)
	} else {
		o.ring[o.next] = e
	}
	o.next = (o.next + 1) % o.cfg.Keep
	o.mu.Unlock()

	attrs := []slog.Attr{
		slog.String("mail_id", m.ID),
		slog.String("to", m.To.Email),
		slog.String("subject", m.Subject),
	}
	if o.cfg.Page != "" {
		attrs = append(attrs, slog.String("outbox", o.cfg.Page))
	}
	if o.cfg.LogBodies {
		attrs = append(attrs, slog.String("text", m.Text))
	}
	o.log.LogAttrs(ctx, slog.LevelInfo, "mail kept in the outbox (no SMTP configured)", attrs...)
	return nil
}

// Messages returns the kept messages, newest first.
func (o *LogOutbox) Messages() []OutboxEntry {
	o.mu.Lock()
	defer o.mu.Unlock()
	out := make([]OutboxEntry, 0, len(o.ring))
	for i := range len(o.ring) {
		out = append(out, o.ring[(o.next-1-i+2*len(o.ring))%len(o.ring)])
	}
	return out
}
