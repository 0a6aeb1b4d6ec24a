package mail

import (
	"bytes"
	"errors"
	"log/slog"
	"maps"
	"mime"
	netmail "net/mail"
	"slices"
	"strings"
	"testing"
)

func TestValidate(t *testing.T) {
	tests := []struct {
		name string
		edit func(*Message)
		ok   bool
	}{
		{"valid", func(*Message) {}, true},
		{"no name", func(m *Message) { m.To.Name = "" }, true},
		{"no HTML", func(m *Message) { m.HTML = "" }, true},
		{"no id", func(m *Message) { m.ID = "" }, true},
		{"no language", func(m *Message) { m.Language = "" }, true},
		{"regional language", func(m *Message) { m.Language = "de-AT" }, true},
		{"no address", func(m *Message) { m.To.Email = "" }, false},
		{"no domain", func(m *Message) { m.To.Email = "jill" }, false},
		{"two addresses", func(m *Message) { m.To.Email = "a@example.com,b@example.com" }, false},
		{"comment in address", func(m *Message) { m.To.Email = "a@example.com (eve)" }, false},
		{"non-ASCII address", func(m *Message) { m.To.Email = "jürgen@example.com" }, false},
		{"address too long", func(m *Message) { m.To.Email = strings.Repeat("a", 250) + "@example.com" }, false},
		{"tab in name", func(m *Message) { m.To.Name = "Jill\tSmith" }, false},
		{"NUL in subject", func(m *Message) { m.Subject = "a\x00b" }, false},
		{"line separator in subject", func(m *Message) { m.Subject = "a\u2028b" }, false},
		{"invalid UTF-8 subject", func(m *Message) { m.Subject = "a\xffb" }, false},
		{"empty subject", func(m *Message) { m.Subject = "  " }, false},
		{"subject too long", func(m *Message) { m.Subject = strings.Repeat("ä", 451) }, false},
		{"empty text", func(m *Message) { m.Text = "\n" }, false},
		{"invalid UTF-8 HTML", func(m *Message) { m.HTML = "<p>\xff</p>" }, false},
		{"text too long", func(m *Message) { m.Text = strings.Repeat("a", maxBodyBytes+1) }, false},
		{"id with a dot", func(m *Message) { m.ID = "a.b" }, false},
		{"id with @", func(m *Message) { m.ID = "a@b" }, false},
		{"id too long", func(m *Message) { m.ID = strings.Repeat("a", 65) }, false},
		{"language with a space", func(m *Message) { m.Language = "de AT" }, false},
		{"empty language subtag", func(m *Message) { m.Language = "de-" }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := testMessage()
			tt.edit(&m)
			err := m.Validate()
			if tt.ok && err != nil {
				t.Errorf("Validate = %v, want nil", err)
			}
			if !tt.ok && !errors.Is(err, ErrInvalid) {
				t.Errorf("Validate = %v, want ErrInvalid", err)
			}
		})
	}
}

func TestParseAddress(t *testing.T) {
	tests := []struct {
		in   string
		want Address
		ok   bool
	}{
		{"no-reply@example.com", Address{Email: "no-reply@example.com"}, true},
		{"Gatehouse <no-reply@example.com>", Address{Name: "Gatehouse", Email: "no-reply@example.com"}, true},
		{`"Müller & Söhne" <info@example.com>`, Address{Name: "Müller & Söhne", Email: "info@example.com"}, true},
		{"=?utf-8?q?M=C3=BCller?= <info@example.com>", Address{Name: "Müller", Email: "info@example.com"}, true},
		{"a@example.com, b@example.com", Address{}, false},
		{"no-reply", Address{}, false},
		{"jürgen@example.com", Address{}, false},
		{"=?utf-8?q?a=0D=0ABcc:_eve@evil.example?= <a@example.com>", Address{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseAddress(tt.in)
			if !tt.ok {
				if !errors.Is(err, ErrInvalid) {
					t.Errorf("ParseAddress = %v, %v; want ErrInvalid", got, err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("ParseAddress = %v, %v; want %v", got, err, tt.want)
			}
		})
	}
}

func TestEncodeNewID(t *testing.T) {
	m := testMessage()
	m.ID = ""
	b1, err := m.Encode(testFrom, testNow)
	if err != nil {
		t.Fatal(err)
	}
	b2, _ := m.Encode(testFrom, testNow)
	id1, id2 := messageID(t, b1), messageID(t, b2)
	if id1 == id2 || !strings.HasSuffix(id1, "@gatehouse.example>") {
		t.Errorf("Message-IDs %q and %q, want two different ones at the sender's domain", id1, id2)
	}
}

func messageID(t *testing.T, b []byte) string {
	t.Helper()
	msg, err := netmail.ReadMessage(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	return msg.Header.Get("Message-ID")
}

func TestMessageLogValue(t *testing.T) {
	var b bytes.Buffer
	slog.New(slog.NewTextHandler(&b, nil)).Info("queued", "mail", testMessage())
	line := b.String()
	for _, want := range []string{"mail.id=inv-1", "mail.to=juergen@example.com", "mail.subject="} {
		if !strings.Contains(line, want) {
			t.Errorf("log line %q lacks %q", line, want)
		}
	}
	if strings.Contains(line, "token") || strings.Contains(line, "Hallo") {
		t.Errorf("log line %q has the body", line)
	}
}

// FuzzEncodeHeaders: whatever the subject and the recipient's name, Encode
// either refuses them (ErrInvalid) or writes a message with exactly the
// expected headers, the one recipient, the subject intact, and 7-bit lines.
func FuzzEncodeHeaders(f *testing.F) {
	for _, s := range []struct{ subject, name string }{
		{"Hello", "Jill"},
		{"Einladung zu Müller & Söhne", "Jürgen Müller"},
		{"x\r\nBcc: eve@evil.example", "Jill"},
		{"Hello", "Jill\r\nBcc: eve@evil.example"},
		{`"quoted" subject`, `Dr. "Jill" O'Brien, PhD`},
		{strings.Repeat("long words ", 40), strings.Repeat("名前", 60)},
		{"  leading and  double  spaces ", " "},
		{"日本語の件名", "=?utf-8?q?x?="},
	} {
		f.Add(s.subject, s.name)
	}
	wantKeys := []string{"Auto-Submitted", "Content-Language", "Content-Type", "Date", "From", "Message-Id", "Mime-Version", "Subject", "To"}
	f.Fuzz(func(t *testing.T, subject, name string) {
		m := testMessage()
		m.Subject, m.To.Name = subject, name
		b, err := m.Encode(testFrom, testNow)
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("Encode = %v, want nil or ErrInvalid", err)
			}
			return
		}
		checkWire(t, b)
		msg, err := netmail.ReadMessage(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("ReadMessage: %v\n%s", err, b)
		}
		if keys := slices.Sorted(maps.Keys(msg.Header)); !slices.Equal(keys, wantKeys) {
			t.Fatalf("headers %v, want %v", keys, wantKeys)
		}
		to, err := msg.Header.AddressList("To")
		if err != nil || len(to) != 1 || to[0].Address != m.To.Email || !sameWords(to[0].Name, name) {
			t.Fatalf("To = %v (%v), want only %q <%s>", to, err, name, m.To.Email)
		}
		// net/textproto joins folded lines with one space and trims the
		// ends: compare words.
		dec, err := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
		if err != nil {
			t.Fatalf("decode subject: %v", err)
		}
		if !sameWords(dec, subject) {
			t.Fatalf("subject %q decodes to %q", subject, dec)
		}
	})
}

func sameWords(a, b string) bool {
	return slices.Equal(strings.Fields(a), strings.Fields(b))
}
