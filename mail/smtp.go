package mail

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/smtp"
	"net/textproto"
	"strconv"
	"strings"
	"time"
)

// Sender delivers one message, or says why not. Send must return when ctx
// is done.
type Sender interface {
	Send(ctx context.Context, m Message) error
}

// Security is how the connection to the SMTP server is protected.
type Security string

const (
	// StartTLS (the default, port 587) connects in clear and upgrades with
	// STARTTLS before anything else is said (RFC 3207). A server that does
	// not offer STARTTLS is refused: the mail is not sent in clear, since
	// an attacker on the path can strip the offer.
	StartTLS Security = "starttls"
	// TLS (port 465) speaks TLS from the first byte (RFC 8314).
	TLS Security = "tls"
	// InsecureNone (port 25) sends in clear. Only for a relay on the same
	// machine (the host must be localhost or a loopback address), and
	// never with a password.
	InsecureNone Security = "none"
)

// DefaultTimeout bounds one delivery attempt: connect, TLS, and the whole
// SMTP dialog.
const DefaultTimeout = 30 * time.Second

// ErrNoStartTLS: Security is StartTLS and the server does not offer it.
var ErrNoStartTLS = errors.New("mail: server does not offer STARTTLS")

// ErrRejected matches, with errors.Is, a permanent (5xx) answer to the
// recipient or to the message itself (RCPT, DATA, the end of the data):
// sending the same message again will not help, so the Queue gives up at
// once. A 5xx anywhere else (greeting, AUTH, MAIL FROM) is about the
// configuration or the server, which someone can fix, and is retried.
var ErrRejected = errors.New("mail: message rejected by the server")

// SMTPConfig is the connection to one SMTP server.
type SMTPConfig struct {
	// Host is the server's name; TLS certificates are verified against it.
	Host string
	// Port defaults to 587 for StartTLS, 465 for TLS, 25 for InsecureNone.
	Port int
	// Security defaults to StartTLS.
	Security Security
	// Username and Password, when Username is set, log in with AUTH PLAIN,
	// only ever over TLS.
	Username string
	Password string
	// From is the sender, in the From header and the envelope; its domain
	// names Message-IDs.
	From Address
	// HelloName is the name sent with EHLO; default "localhost".
	HelloName string
	// Timeout bounds one attempt (DefaultTimeout if 0), within the
	// caller's context.
	Timeout time.Duration
	// RootCAs verifies the server's certificate; nil means the system's.
	// Tests give their own.
	RootCAs *x509.CertPool
}

// LogValue leaves out the password.
func (c SMTPConfig) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("host", c.Host),
		slog.Int("port", c.Port),
		slog.String("security", string(c.Security)),
		slog.String("username", c.Username),
		slog.String("from", c.From.Email),
	)
}

// SMTP is a Sender that delivers each message over its own connection to
// one SMTP server (a submission server or relay, not the recipient's MX).
// It is safe for concurrent use.
type SMTP struct {
	cfg  SMTPConfig
	addr string
	now  func() time.Time
}

// NewSMTP checks cfg and returns a sender for it; now dates the messages
// (time.Now if nil).
func NewSMTP(cfg SMTPConfig, now func() time.Time) (*SMTP, error) {
	if now == nil {
		now = time.Now
	}
	if cfg.Security == "" {
		cfg.Security = StartTLS
	}
	if cfg.Host == "" || strings.ContainsAny(cfg.Host, " /\r\n") {
		return nil, fmt.Errorf("mail: smtp host %q: want a host name or address", cfg.Host)
	}
	switch cfg.Security {
	case StartTLS, TLS:
	case InsecureNone:
		if !isLoopback(cfg.Host) {
			return nil, fmt.Errorf("mail: smtp security %q is only for a relay on localhost, not %q", cfg.Security, cfg.Host)
		}
		if cfg.Username != "" {
			return nil, fmt.Errorf("mail: smtp security %q: a password is only sent over TLS", cfg.Security)
		}
	default:
		return nil, fmt.Errorf("mail: smtp security %q: want %q, %q or %q", cfg.Security, StartTLS, TLS, InsecureNone)
	}
	if cfg.Port == 0 {
		cfg.Port = map[Security]int{StartTLS: 587, TLS: 465, InsecureNone: 25}[cfg.Security]
	}
	if cfg.Port < 1 || cfg.Port > 65535 {
		return nil, fmt.Errorf("mail: smtp port %d out of range", cfg.Port)
	}
	if err := cfg.From.validate("From"); err != nil {
		return nil, fmt.Errorf("mail: smtp sender: %w", err)
	}
	if cfg.HelloName == "" {
		cfg.HelloName = "localhost"
	}
	if strings.ContainsFunc(cfg.HelloName, func(r rune) bool { return r <= ' ' || r > '~' }) {
		return nil, fmt.Errorf("mail: smtp hello name %q: want one word", cfg.HelloName)
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	return &SMTP{cfg: cfg, addr: net.JoinHostPort(cfg.Host, strconv.Itoa(cfg.Port)), now: now}, nil
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func (s *SMTP) tlsConfig() *tls.Config {
	return &tls.Config{ServerName: s.cfg.Host, RootCAs: s.cfg.RootCAs, MinVersion: tls.VersionTLS12}
}

// Send delivers m, within the configured Timeout and ctx. An invalid
// message is refused (ErrInvalid) before connecting. Once the server has
// accepted the data, Send succeeds even if the goodbye (QUIT) fails, so
// that a retry does not send the mail twice.
func (s *SMTP) Send(ctx context.Context, m Message) error {
	raw, err := m.withID().Encode(s.cfg.From, s.now())
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
	defer cancel()

	var conn net.Conn
	if s.cfg.Security == TLS {
		d := &tls.Dialer{Config: s.tlsConfig()}
		conn, err = d.DialContext(ctx, "tcp", s.addr)
	} else {
		var d net.Dialer
		conn, err = d.DialContext(ctx, "tcp", s.addr)
	}
	if err != nil {
		return s.fail(ctx, "connect", err)
	}
	defer conn.Close()
	// The deadline bounds every read and write; cancelling ctx moves it to
	// the past, which ends a read that is waiting for the server.
	if dl, ok := ctx.Deadline(); ok {
		conn.SetDeadline(dl)
	}
	stop := context.AfterFunc(ctx, func() { conn.SetDeadline(time.Unix(1, 0)) })
	defer stop()

	c, err := smtp.NewClient(conn, s.cfg.Host)
	if err != nil {
		return s.fail(ctx, "greeting", err)
	}
	defer c.Close()
	if err := c.Hello(s.cfg.HelloName); err != nil {
		return s.fail(ctx, "EHLO", err)
	}
	if err := s.secure(c); err != nil {
		return s.fail(ctx, "STARTTLS", err)
	}
	if s.cfg.Username != "" {
		if ok, mechs := c.Extension("AUTH"); !ok || !hasWord(mechs, "PLAIN") {
			return s.fail(ctx, "AUTH", fmt.Errorf("server offers no AUTH PLAIN (offers %q)", mechs))
		}
		if err := c.Auth(smtp.PlainAuth("", s.cfg.Username, s.cfg.Password, s.cfg.Host)); err != nil {
			return s.fail(ctx, "AUTH", err)
		}
	}
	if err := c.Mail(s.cfg.From.Email); err != nil {
		return s.fail(ctx, "MAIL FROM", err)
	}
	if err := c.Rcpt(m.To.Email); err != nil {
		return s.fail(ctx, "RCPT TO", rejected(err))
	}
	w, err := c.Data()
	if err != nil {
		return s.fail(ctx, "DATA", rejected(err))
	}
	if _, err := w.Write(raw); err != nil {
		return s.fail(ctx, "DATA", err)
	}
	if err := w.Close(); err != nil {
		return s.fail(ctx, "end of DATA", rejected(err))
	}
	c.Quit() // the message is accepted; a failed goodbye changes nothing
	return nil
}

// secure upgrades the connection with STARTTLS when that is the Security,
// and refuses to go on in clear when the server does not offer it.
func (s *SMTP) secure(c *smtp.Client) error {
	if s.cfg.Security != StartTLS {
		return nil
	}
	if ok, _ := c.Extension("STARTTLS"); !ok {
		return ErrNoStartTLS
	}
	return c.StartTLS(s.tlsConfig())
}

// rejected marks a 5xx reply as ErrRejected.
func rejected(err error) error {
	var te *textproto.Error
	if errors.As(err, &te) && te.Code >= 500 && te.Code < 600 {
		return fmt.Errorf("%w: %w", ErrRejected, err)
	}
	return err
}

// fail says where the dialog stopped. When ctx ended it (a timeout, a
// shutdown) the error also matches ctx.Err(). Server replies stay
// reachable with errors.As(err, **textproto.Error).
func (s *SMTP) fail(ctx context.Context, stage string, err error) error {
	if ctxErr := ctx.Err(); ctxErr != nil && !errors.Is(err, ctxErr) {
		return fmt.Errorf("mail: smtp %s: %s: %w: %w", s.addr, stage, ctxErr, err)
	}
	return fmt.Errorf("mail: smtp %s: %s: %w", s.addr, stage, err)
}

func hasWord(list, word string) bool {
	for _, w := range strings.Fields(list) {
		if strings.EqualFold(w, word) {
			return true
		}
	}
	return false
}
