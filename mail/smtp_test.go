package mail

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"log/slog"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	netmail "net/mail"
	"net/textproto"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

var (
	testFrom = Address{Name: "Gatehouse", Email: "no-reply@gatehouse.example"}
	testNow  = time.Date(2026, 3, 3, 14, 5, 0, 0, time.UTC)
)

func fixedNow() time.Time { return testNow }

// testMessage has what makes encoding hard: a German subject, names and
// bodies outside ASCII, a long line, a line starting with a dot.
func testMessage() Message {
	return Message{
		ID:       "inv-1",
		To:       Address{Name: "Jürgen Müller", Email: "juergen@example.com"},
		Subject:  "Einladung zu Müller & Söhne GmbH – bitte bestätigen Sie Ihre Größe",
		Text:     "Hallo Jürgen,\n\n.a line that starts with a dot\nhttps://id.example.com/invite?token=abc-DEF_123&tenant=m%C3%BCller " + strings.Repeat("x", 100) + "\n",
		HTML:     `<p>Hallo Jürgen,</p><p><a href="https://id.example.com/invite?token=abc-DEF_123&amp;tenant=m%C3%BCller">Einladung</a></p>`,
		Language: "de",
	}
}

func newTestSMTP(t *testing.T, cfg SMTPConfig) *SMTP {
	t.Helper()
	if cfg.From == (Address{}) {
		cfg.From = testFrom
	}
	s, err := NewSMTP(cfg, fixedNow)
	if err != nil {
		t.Fatalf("NewSMTP: %v", err)
	}
	return s
}

func TestSMTPStartTLSDelivery(t *testing.T) {
	cert, pool := newCert(t, "127.0.0.1")
	f := &fakeSMTP{cert: cert, startTLS: true, user: "mailer", pass: "s3cret"}
	host, port := f.start(t)
	s := newTestSMTP(t, SMTPConfig{Host: host, Port: port, Username: "mailer", Password: "s3cret", RootCAs: pool})

	m := testMessage()
	if err := s.Send(t.Context(), m); err != nil {
		t.Fatalf("Send: %v", err)
	}
	got := f.session(t)
	if got.err != nil {
		t.Fatalf("server: %v", got.err)
	}
	if want := []string{"EHLO", "STARTTLS", "EHLO", "AUTH", "MAIL", "RCPT", "DATA", "QUIT"}; !slices.Equal(got.verbs, want) {
		t.Errorf("commands = %v, want %v", got.verbs, want)
	}
	if !got.tls || got.authUser != "mailer" {
		t.Errorf("tls = %v, auth user = %q; want TLS and mailer", got.tls, got.authUser)
	}
	if got.from != testFrom.Email || !slices.Equal(got.rcpt, []string{m.To.Email}) {
		t.Errorf("envelope from %q to %v", got.from, got.rcpt)
	}
	checkWire(t, got.data)

	msg, err := netmail.ReadMessage(bytes.NewReader(got.data))
	if err != nil {
		t.Fatalf("ReadMessage: %v", err)
	}
	mediaType, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil || mediaType != "multipart/alternative" || params["boundary"] == "" {
		t.Fatalf("Content-Type = %q", msg.Header.Get("Content-Type"))
	}
	wantHeader := netmail.Header{
		"From":             {`"Gatehouse" <no-reply@gatehouse.example>`},
		"To":               {"=?utf-8?q?J=C3=BCrgen_M=C3=BCller?= <juergen@example.com>"},
		"Date":             {"Tue, 03 Mar 2026 14:05:00 +0000"},
		"Message-Id":       {"<inv-1@gatehouse.example>"},
		"Content-Language": {"de"},
		"Auto-Submitted":   {"auto-generated"},
		"Mime-Version":     {"1.0"},
		"Content-Type":     {`multipart/alternative; boundary=` + params["boundary"]},
	}
	subject := msg.Header["Subject"]
	delete(msg.Header, "Subject")
	if !reflect.DeepEqual(msg.Header, wantHeader) {
		t.Errorf("header =\n%q\nwant\n%q", msg.Header, wantHeader)
	}
	if len(subject) != 1 || !strings.HasPrefix(subject[0], "=?utf-8?q?") {
		t.Fatalf("Subject = %q, want one RFC 2047 encoded-word header", subject)
	}
	if dec, err := new(mime.WordDecoder).DecodeHeader(subject[0]); err != nil || dec != m.Subject {
		t.Errorf("Subject decodes to %q (%v), want %q", dec, err, m.Subject)
	}

	parts := multipart.NewReader(msg.Body, params["boundary"])
	for _, want := range []struct{ typ, body string }{{"text/plain; charset=utf-8", m.Text}, {"text/html; charset=utf-8", m.HTML}} {
		p, err := parts.NextRawPart()
		if err != nil {
			t.Fatalf("part %s: %v", want.typ, err)
		}
		wantPartHeader := textproto.MIMEHeader{"Content-Type": {want.typ}, "Content-Transfer-Encoding": {"quoted-printable"}}
		if !reflect.DeepEqual(p.Header, wantPartHeader) {
			t.Errorf("part header = %q, want %q", p.Header, wantPartHeader)
		}
		body, err := io.ReadAll(quotedprintable.NewReader(p))
		if err != nil {
			t.Fatalf("part %s: %v", want.typ, err)
		}
		if got := strings.ReplaceAll(string(body), "\r\n", "\n"); got != want.body {
			t.Errorf("part %s =\n%q\nwant\n%q", want.typ, got, want.body)
		}
	}
	if _, err := parts.NextRawPart(); err != io.EOF {
		t.Errorf("after two parts: %v, want EOF", err)
	}
}

// checkWire checks what RFC 5322 and 7-bit SMTP ask of the bytes: ASCII
// only, CRLF line ends, no line over 78 characters.
func checkWire(t *testing.T, data []byte) {
	t.Helper()
	if !bytes.HasSuffix(data, []byte("\r\n")) {
		t.Errorf("message does not end with CRLF")
	}
	for i, line := range strings.Split(strings.TrimSuffix(string(data), "\r\n"), "\r\n") {
		if len(line) > 78 {
			t.Errorf("line %d is %d characters: %q", i+1, len(line), line)
		}
		for _, c := range []byte(line) {
			if c >= 0x80 || c == '\r' || c == '\n' || c == 0 {
				t.Fatalf("line %d has byte %#x: %q", i+1, c, line)
			}
		}
	}
}

func TestSMTPImplicitTLS(t *testing.T) {
	cert, pool := newCert(t, "127.0.0.1")
	f := &fakeSMTP{cert: cert, implicit: true}
	host, port := f.start(t)
	s := newTestSMTP(t, SMTPConfig{Host: host, Port: port, Security: TLS, RootCAs: pool})

	m := testMessage()
	m.HTML = ""
	if err := s.Send(t.Context(), m); err != nil {
		t.Fatalf("Send: %v", err)
	}
	got := f.session(t)
	if want := []string{"EHLO", "MAIL", "RCPT", "DATA", "QUIT"}; !slices.Equal(got.verbs, want) || !got.tls {
		t.Errorf("commands = %v, tls = %v; want %v over TLS", got.verbs, got.tls, want)
	}
	checkWire(t, got.data)
	msg, err := netmail.ReadMessage(bytes.NewReader(got.data))
	if err != nil {
		t.Fatal(err)
	}
	if ct := msg.Header.Get("Content-Type"); ct != "text/plain; charset=utf-8" {
		t.Errorf("Content-Type = %q, want text/plain without an HTML part", ct)
	}
	body, _ := io.ReadAll(quotedprintable.NewReader(msg.Body))
	if got := strings.ReplaceAll(string(body), "\r\n", "\n"); got != m.Text {
		t.Errorf("body = %q, want %q", got, m.Text)
	}
}

func TestSMTPInsecureNoneOnLoopback(t *testing.T) {
	f := &fakeSMTP{}
	host, port := f.start(t)
	s := newTestSMTP(t, SMTPConfig{Host: host, Port: port, Security: InsecureNone})
	if err := s.Send(t.Context(), testMessage()); err != nil {
		t.Fatalf("Send: %v", err)
	}
	if got := f.session(t); got.tls || len(got.data) == 0 {
		t.Errorf("tls = %v, %d bytes of data; want a delivery in clear", got.tls, len(got.data))
	}
}

// TestSMTPRefusesWithoutStartTLS: an attacker who strips STARTTLS from the
// EHLO answer gets neither the password nor the mail.
func TestSMTPRefusesWithoutStartTLS(t *testing.T) {
	f := &fakeSMTP{user: "mailer", pass: "s3cret"}
	host, port := f.start(t)
	s := newTestSMTP(t, SMTPConfig{Host: host, Port: port, Username: "mailer", Password: "s3cret"})

	err := s.Send(t.Context(), testMessage())
	if !errors.Is(err, ErrNoStartTLS) {
		t.Fatalf("Send = %v, want ErrNoStartTLS", err)
	}
	got := f.session(t)
	if !slices.Equal(got.verbs, []string{"EHLO"}) || len(got.data) != 0 {
		t.Errorf("commands = %v with %d bytes of data, want only EHLO", got.verbs, len(got.data))
	}
}

func TestSMTPBadCertificate(t *testing.T) {
	serverCert, _ := newCert(t, "127.0.0.1")
	_, otherPool := newCert(t, "127.0.0.1")
	wrongName, wrongNamePool := newCert(t, "mail.example.org")
	for _, c := range []struct {
		name    string
		cert    tls.Certificate
		pool    *x509.CertPool
		wantErr any
	}{
		{"unknown authority", serverCert, otherPool, &x509.UnknownAuthorityError{}},
		{"wrong host name", wrongName, wrongNamePool, &x509.HostnameError{}},
	} {
		for _, sec := range []Security{StartTLS, TLS} {
			t.Run(c.name+"/"+string(sec), func(t *testing.T) {
				f := &fakeSMTP{cert: c.cert, startTLS: true, implicit: sec == TLS, user: "mailer", pass: "s3cret"}
				host, port := f.start(t)
				s := newTestSMTP(t, SMTPConfig{Host: host, Port: port, Security: sec, Username: "mailer", Password: "s3cret", RootCAs: c.pool})
				err := s.Send(t.Context(), testMessage())
				if err == nil || !errors.As(err, c.wantErr) {
					t.Fatalf("Send = %v, want %T", err, c.wantErr)
				}
				got := f.session(t)
				if slices.Contains(got.verbs, "AUTH") || slices.Contains(got.verbs, "MAIL") {
					t.Errorf("commands after a failed handshake: %v", got.verbs)
				}
			})
		}
	}
}

// TestSMTPServerErrors: the server's answer reaches the caller as a
// *textproto.Error, and only a 5xx about the recipient or the message is
// ErrRejected (not worth retrying).
func TestSMTPServerErrors(t *testing.T) {
	tests := []struct {
		name         string
		replies      map[string]string
		wantCode     int
		wantRejected bool
	}{
		{"greeting refused", map[string]string{"greeting": "554 5.3.2 go away"}, 554, false},
		{"bad credentials", map[string]string{"AUTH": "535 5.7.8 bad credentials"}, 535, false},
		{"sender refused for now", map[string]string{"MAIL": "451 4.3.0 try again later"}, 451, false},
		{"sender refused", map[string]string{"MAIL": "553 5.7.1 sender not allowed"}, 553, false},
		{"mailbox full", map[string]string{"RCPT": "452 4.2.2 mailbox full"}, 452, false},
		{"no such user", map[string]string{"RCPT": "550 5.1.1 no such user"}, 550, true},
		{"data refused", map[string]string{"DATA": "554 5.5.1 no valid recipients"}, 554, true},
		{"content refused", map[string]string{".": "554 5.7.1 looks like spam"}, 554, true},
		{"content deferred", map[string]string{".": "451 4.7.1 greylisted"}, 451, false},
	}
	cert, pool := newCert(t, "127.0.0.1")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &fakeSMTP{cert: cert, startTLS: true, user: "mailer", pass: "s3cret", replies: tt.replies}
			host, port := f.start(t)
			s := newTestSMTP(t, SMTPConfig{Host: host, Port: port, Username: "mailer", Password: "s3cret", RootCAs: pool})
			err := s.Send(t.Context(), testMessage())
			var te *textproto.Error
			if !errors.As(err, &te) || te.Code != tt.wantCode {
				t.Fatalf("Send = %v, want a %d reply", err, tt.wantCode)
			}
			if got := errors.Is(err, ErrRejected); got != tt.wantRejected {
				t.Errorf("errors.Is(%v, ErrRejected) = %v, want %v", err, got, tt.wantRejected)
			}
			if got := f.session(t); len(got.data) != 0 && tt.replies["."] == "" {
				t.Errorf("data sent after a refusal")
			}
		})
	}
}

func TestSMTPNoAuthPlain(t *testing.T) {
	cert, pool := newCert(t, "127.0.0.1")
	f := &fakeSMTP{cert: cert, startTLS: true} // offers no AUTH
	host, port := f.start(t)
	s := newTestSMTP(t, SMTPConfig{Host: host, Port: port, Username: "mailer", Password: "s3cret", RootCAs: pool})
	if err := s.Send(t.Context(), testMessage()); err == nil || !strings.Contains(err.Error(), "AUTH PLAIN") {
		t.Fatalf("Send = %v, want an error about AUTH PLAIN", err)
	}
	if got := f.session(t); slices.Contains(got.verbs, "MAIL") {
		t.Errorf("sent without logging in: %v", got.verbs)
	}
}

// TestSMTPHeaderInjection: a value that would add a header (or a
// recipient) is refused before Gatehouse connects.
func TestSMTPHeaderInjection(t *testing.T) {
	tests := []struct {
		name string
		edit func(*Message)
	}{
		{"CRLF in subject", func(m *Message) { m.Subject = "Hello\r\nBcc: eve@evil.example" }},
		{"LF in subject", func(m *Message) { m.Subject = "Hello\nBcc: eve@evil.example" }},
		{"CR in subject", func(m *Message) { m.Subject = "Hello\rBcc: eve@evil.example" }},
		{"CRLF in name", func(m *Message) { m.To.Name = "Jill\r\nBcc: eve@evil.example" }},
		{"CRLF in address", func(m *Message) { m.To.Email = "jill@example.com\r\nBcc: eve@evil.example" }},
		{"second recipient", func(m *Message) { m.To.Email = "jill@example.com, eve@evil.example" }},
		{"name in address", func(m *Message) { m.To.Email = "Eve <eve@evil.example>" }},
		{"CRLF in language", func(m *Message) { m.Language = "de\r\nBcc: eve@evil.example" }},
		{"CRLF in id", func(m *Message) { m.ID = "x\r\nBcc: eve@evil.example" }},
	}
	f := &fakeSMTP{}
	host, port := f.start(t)
	s := newTestSMTP(t, SMTPConfig{Host: host, Port: port, Security: InsecureNone})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := testMessage()
			tt.edit(&m)
			if err := s.Send(t.Context(), m); !errors.Is(err, ErrInvalid) {
				t.Errorf("Send = %v, want ErrInvalid", err)
			}
		})
	}
	if n := f.conns.Load(); n != 0 {
		t.Errorf("%d connections for invalid messages", n)
	}
}

// TestSMTPCancel: a server that never answers holds Send only until the
// context ends.
func TestSMTPCancel(t *testing.T) {
	f := &fakeSMTP{silent: true}
	host, port := f.start(t)
	s := newTestSMTP(t, SMTPConfig{Host: host, Port: port, Security: InsecureNone})
	ctx, cancel := context.WithCancel(t.Context())
	errc := make(chan error, 1)
	go func() { errc <- s.Send(ctx, testMessage()) }()
	<-f.accepted
	cancel()
	if err := <-errc; !errors.Is(err, context.Canceled) {
		t.Fatalf("Send = %v, want context.Canceled", err)
	}
}

func TestNewSMTP(t *testing.T) {
	tests := []struct {
		name     string
		cfg      SMTPConfig
		wantPort int    // when valid
		wantErr  string // part of the error
	}{
		{"starttls default", SMTPConfig{Host: "smtp.example.com", From: testFrom}, 587, ""},
		{"tls default port", SMTPConfig{Host: "smtp.example.com", Security: TLS, From: testFrom}, 465, ""},
		{"none on localhost", SMTPConfig{Host: "localhost", Security: InsecureNone, From: testFrom}, 25, ""},
		{"none on ::1", SMTPConfig{Host: "::1", Port: 1025, Security: InsecureNone, From: testFrom}, 1025, ""},
		{"none elsewhere", SMTPConfig{Host: "smtp.example.com", Security: InsecureNone, From: testFrom}, 0, "only for a relay on localhost"},
		{"none with password", SMTPConfig{Host: "localhost", Security: InsecureNone, Username: "u", Password: "p", From: testFrom}, 0, "only sent over TLS"},
		{"unknown security", SMTPConfig{Host: "smtp.example.com", Security: "ssl", From: testFrom}, 0, "want"},
		{"no host", SMTPConfig{From: testFrom}, 0, "host"},
		{"bad port", SMTPConfig{Host: "smtp.example.com", Port: 70000, From: testFrom}, 0, "port"},
		{"no sender", SMTPConfig{Host: "smtp.example.com"}, 0, "sender"},
		{"sender with a line break", SMTPConfig{Host: "smtp.example.com", From: Address{Name: "G\r\nBcc: x@y", Email: "a@b.example"}}, 0, "line break"},
		{"hello name with a space", SMTPConfig{Host: "smtp.example.com", From: testFrom, HelloName: "a b"}, 0, "hello name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := NewSMTP(tt.cfg, nil)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("NewSMTP = %v, want an error with %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("NewSMTP: %v", err)
			}
			if s.cfg.Port != tt.wantPort {
				t.Errorf("port = %d, want %d", s.cfg.Port, tt.wantPort)
			}
		})
	}
}

func TestSMTPConfigLogValue(t *testing.T) {
	var b bytes.Buffer
	log := slog.New(slog.NewTextHandler(&b, nil))
	log.Info("smtp", "config", SMTPConfig{Host: "smtp.example.com", Username: "mailer", Password: "s3cret", From: testFrom})
	if strings.Contains(b.String(), "s3cret") || !strings.Contains(b.String(), "mailer") {
		t.Errorf("log line = %q, want the username and no password", b.String())
	}
}
