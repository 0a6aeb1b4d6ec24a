package mail

import (
	"errors"
	"html"
	"regexp"
	"strings"
	"testing"
	"time"
)

const (
	testInviteLink = "https://id.example.com/invite?token=abc-DEF_123.xyz&tenant=contoso#accept"
	testResetLink  = "https://id.example.com/reset?token=Zm9v-YmFy_&lang=de"
)

func newTestTemplates(t *testing.T) *Templates {
	t.Helper()
	tpl, err := NewTemplates(TemplatesConfig{SiteName: "Things Portal", Location: time.FixedZone("CET", 3600)})
	if err != nil {
		t.Fatalf("NewTemplates: %v", err)
	}
	return tpl
}

// sample is one mail with the values each language must show. The names
// have characters that HTML escapes, so a value that reaches the HTML
// unescaped, or the text escaped, is noticed.
type sample struct {
	content Content
	link    string            // "" when the mail has none
	values  []string          // in every language
	dates   map[string]string // per language
}

func samples() map[string]sample {
	to := Address{Name: "Jürgen <Jay> Müller", Email: "juergen@example.com"}
	tenant := "Müller & Söhne <GmbH>"
	return map[string]sample{
		"invitation": {
			content: Invitation{To: to, Inviter: "Jill O'Brien", Tenant: tenant, Username: "juergen",
				Link: testInviteLink, Expires: time.Date(2026, 3, 17, 13, 5, 0, 0, time.UTC)},
			link:   testInviteLink,
			values: []string{"Jürgen <Jay> Müller", "Jill O'Brien", tenant, "juergen", "Things Portal"},
			dates: map[string]string{"en": "17 March 2026 at 14:05 CET", "nl": "17 maart 2026 om 14:05 CET",
				"de": "17. März 2026 um 14:05 Uhr CET"},
		},
		"password_reset": {
			content: PasswordReset{To: to, Tenant: tenant, Username: "juergen", Link: testResetLink, ValidFor: 30*time.Minute + 59*time.Second},
			link:    testResetLink,
			values:  []string{"Jürgen <Jay> Müller", tenant, "juergen", "Things Portal", "30"},
		},
		"password_changed": {
			content: PasswordChanged{To: to, Tenant: tenant, Username: "juergen", At: time.Date(2026, 7, 1, 8, 0, 0, 0, time.UTC)},
			values:  []string{"Jürgen <Jay> Müller", tenant, "juergen", "Things Portal"},
			dates: map[string]string{"en": "1 July 2026 at 09:00 CET", "nl": "1 juli 2026 om 09:00 CET",
				"de": "1. Juli 2026 um 09:00 Uhr CET"},
		},
	}
}

var hrefs = regexp.MustCompile(`href="([^"]*)"`)

// TestRenderEveryTemplate renders every mail in every language and checks
// that nothing is left of the template, every value is there (raw in the
// text, escaped in the HTML), and links survive both unchanged.
func TestRenderEveryTemplate(t *testing.T) {
	tpl := newTestTemplates(t)
	texts := map[string]map[string]string{} // kind → lang → text
	for kind, s := range samples() {
		texts[kind] = map[string]string{}
		for _, tag := range Languages() {
			lang := tag.String()
			t.Run(kind+"/"+lang, func(t *testing.T) {
				m, err := tpl.Render(s.content, lang)
				if err != nil {
					t.Fatalf("Render: %v", err)
				}
				texts[kind][lang] = m.Text
				if m.Language != lang || m.ID == "" || m.To.Email != "juergen@example.com" {
					t.Errorf("language %q, id %q, to %q", m.Language, m.ID, m.To.Email)
				}
				if err := m.Validate(); err != nil {
					t.Errorf("Validate: %v", err)
				}
				for part, body := range map[string]string{"subject": m.Subject, "text": m.Text, "html": m.HTML} {
					for _, bad := range []string{"{{", "}}", "<no value>", "%!", "ZgotmplZ"} {
						if strings.Contains(body, bad) {
							t.Errorf("%s contains %q:\n%s", part, bad, body)
						}
					}
				}
				if strings.ContainsAny(m.Subject, "\r\n") || m.Subject != strings.TrimSpace(m.Subject) {
					t.Errorf("subject %q is not one trimmed line", m.Subject)
				}
				want := append([]string(nil), s.values...)
				if d, ok := s.dates[lang]; ok {
					want = append(want, d)
				}
				for _, v := range want {
					if !strings.Contains(m.Text, v) {
						t.Errorf("text lacks %q:\n%s", v, m.Text)
					}
					if !strings.Contains(m.HTML, html.EscapeString(v)) {
						t.Errorf("HTML lacks %q escaped:\n%s", v, m.HTML)
					}
				}
				if strings.Contains(m.HTML, "<Jay>") || strings.Contains(m.HTML, "<GmbH>") {
					t.Errorf("HTML has a name unescaped:\n%s", m.HTML)
				}
				if !strings.Contains(m.HTML, `<html lang="`+lang+`">`) {
					t.Errorf("HTML lacks lang=%q", lang)
				}
				if s.link == "" {
					return
				}
				if !strings.Contains(m.Text, "\n"+s.link+"\n") {
					t.Errorf("text lacks the link on a line of its own:\n%s", m.Text)
				}
				found := hrefs.FindAllStringSubmatch(m.HTML, -1)
				if len(found) == 0 {
					t.Fatalf("HTML has no link:\n%s", m.HTML)
				}
				for _, h := range found {
					if got := html.UnescapeString(h[1]); got != s.link {
						t.Errorf("href %q is %q, want %q", h[1], got, s.link)
					}
				}
				if !strings.Contains(m.HTML, ">"+html.EscapeString(s.link)+"</a>") {
					t.Errorf("HTML does not show the link as text:\n%s", m.HTML)
				}
			})
		}
	}
	// A template copied from English and not translated is noticed.
	for kind, byLang := range texts {
		if byLang["en"] == byLang["nl"] || byLang["en"] == byLang["de"] || byLang["nl"] == byLang["de"] {
			t.Errorf("%s: two languages have the same text", kind)
		}
	}
}

func TestRenderWording(t *testing.T) {
	tpl := newTestTemplates(t)
	expires := time.Date(2026, 3, 17, 13, 5, 0, 0, time.UTC)
	tests := []struct {
		name    string
		content Content
		lang    string
		subject string
		want    []string
		not     []string
	}{
		{"invitation de", Invitation{To: Address{Email: "a@example.com"}, Inviter: "Jill", Tenant: "Contoso", Link: testInviteLink, Expires: expires},
			"de", "Jill hat Sie zu Contoso eingeladen", []string{"Hallo,\n", "gültig bis zum 17. März 2026"}, []string{"Benutzername"}},
		{"invitation without inviter", Invitation{To: Address{Email: "a@example.com"}, Tenant: "Contoso", Link: testInviteLink, Expires: expires},
			"en", "Invitation to Contoso", []string{"You are invited to Contoso", "ask your administrator"}, nil},
		{"invitation nl without inviter", Invitation{To: Address{Email: "a@example.com"}, Tenant: "Contoso", Link: testInviteLink, Expires: expires},
			"nl", "Uitnodiging voor Contoso", []string{"U bent uitgenodigd voor Contoso", "uw beheerder"}, nil},
		{"reset one minute", PasswordReset{To: Address{Email: "a@example.com"}, Link: testResetLink, ValidFor: time.Minute},
			"en", "Reset your Things Portal password", []string{"within 1 minute:", "your password is unchanged"}, []string{" at "}},
		{"reset nl", PasswordReset{To: Address{Email: "a@example.com"}, Link: testResetLink, ValidFor: 15 * time.Minute},
			"nl", "Uw wachtwoord voor Things Portal opnieuw instellen", []string{"binnen 15 minuten", "uw wachtwoord is niet gewijzigd"}, nil},
		{"reset de", PasswordReset{To: Address{Email: "a@example.com"}, Link: testResetLink, ValidFor: time.Hour},
			"de", "Ihr Passwort für Things Portal zurücksetzen", []string{"innerhalb von 60 Minuten", "Ihr Passwort bleibt unverändert"}, nil},
		{"names made one line", Invitation{To: Address{Name: "Jill\r\nSmith", Email: "a@example.com"}, Inviter: "Eve\r\nBcc: x@y", Tenant: " Contoso\n BV ", Link: testInviteLink, Expires: expires},
			"en", "Eve Bcc: x@y invited you to Contoso BV", []string{"Hello Jill Smith,"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := tpl.Render(tt.content, tt.lang)
			if err != nil {
				t.Fatalf("Render: %v", err)
			}
			if m.Subject != tt.subject {
				t.Errorf("subject = %q, want %q", m.Subject, tt.subject)
			}
			for _, w := range tt.want {
				if !strings.Contains(m.Text, w) {
					t.Errorf("text lacks %q:\n%s", w, m.Text)
				}
			}
			for _, w := range tt.not {
				if strings.Contains(m.Text, w) {
					t.Errorf("text has %q:\n%s", w, m.Text)
				}
			}
		})
	}
}

func TestRenderRefuses(t *testing.T) {
	tpl := newTestTemplates(t)
	to := Address{Email: "a@example.com"}
	expires := time.Date(2026, 3, 17, 13, 5, 0, 0, time.UTC)
	tests := []struct {
		name    string
		content Content
	}{
		{"javascript link", Invitation{To: to, Tenant: "T", Link: "javascript:alert(1)", Expires: expires}},
		{"relative link", Invitation{To: to, Tenant: "T", Link: "/invite?token=x", Expires: expires}},
		{"link with a space", PasswordReset{To: to, Link: "https://id.example.com/reset?token=a b", ValidFor: time.Hour}},
		{"link with a line break", PasswordReset{To: to, Link: "https://id.example.com/reset\r\nBcc: x@y", ValidFor: time.Hour}},
		{"no tenant", Invitation{To: to, Link: testInviteLink, Expires: expires}},
		{"no expiry", Invitation{To: to, Tenant: "T", Link: testInviteLink}},
		{"reset under a minute", PasswordReset{To: to, Link: testResetLink, ValidFor: 59 * time.Second}},
		{"changed without time", PasswordChanged{To: to}},
		{"bad address", PasswordChanged{To: Address{Email: "a@example.com, b@example.com"}, At: expires}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if m, err := tpl.Render(tt.content, "en"); !errors.Is(err, ErrInvalid) {
				t.Errorf("Render = %v, %v; want ErrInvalid", m.Subject, err)
			}
		})
	}
}

func TestMatch(t *testing.T) {
	tpl := newTestTemplates(t)
	tests := []struct {
		langs []string
		want  string
	}{
		{nil, "en"},
		{[]string{""}, "en"},
		{[]string{"en"}, "en"},
		{[]string{"en-US"}, "en"},
		{[]string{"nl"}, "nl"},
		{[]string{"nl-BE"}, "nl"},
		{[]string{"de"}, "de"},
		{[]string{"de-AT"}, "de"},
		{[]string{"de-CH"}, "de"},
		{[]string{"fr"}, "en"},
		{[]string{"not a tag!"}, "en"},
		{[]string{"fr", "de"}, "de"},       // the user's is unknown, the inviter's is German
		{[]string{"nl", "de"}, "nl"},       // the user's wins
		{[]string{"fr-FR,de;q=0.8"}, "de"}, // an Accept-Language value
		{[]string{"", "nl-NL"}, "nl"},      // no preference of the user's own
		{[]string{"zz-invalid", "en-GB"}, "en"},
	}
	for _, tt := range tests {
		if got := tpl.Match(tt.langs...).String(); got != tt.want {
			t.Errorf("Match(%q) = %s, want %s", tt.langs, got, tt.want)
		}
	}
}

func TestFormatTime(t *testing.T) {
	at := time.Date(2026, 12, 31, 9, 7, 0, 0, time.UTC)
	for lang, want := range map[string]string{
		"en": "31 December 2026 at 09:07 UTC",
		"nl": "31 december 2026 om 09:07 UTC",
		"de": "31. Dezember 2026 um 09:07 Uhr UTC",
	} {
		if got := formatTime(lang, at); got != want {
			t.Errorf("formatTime(%s) = %q, want %q", lang, got, want)
		}
	}
}

func TestNewTemplatesDefaults(t *testing.T) {
	tpl, err := NewTemplates(TemplatesConfig{})
	if err != nil {
		t.Fatal(err)
	}
	m, err := tpl.Render(PasswordChanged{To: Address{Email: "a@example.com"}, At: time.Date(2026, 1, 2, 3, 4, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	if m.Language != "en" || !strings.Contains(m.Text, "Gatehouse") || !strings.Contains(m.Text, "2 January 2026 at 03:04 UTC") {
		t.Errorf("defaults: language %q, text:\n%s", m.Language, m.Text)
	}
}
