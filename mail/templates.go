package mail

import (
	"bytes"
	"embed"
	"fmt"
	htmltemplate "html/template"
	"net/url"
	"strings"
	texttemplate "text/template"
	"time"
	"unicode"

	"golang.org/x/text/language"
)

//go:embed templates
var templateFiles embed.FS

// kinds are the mails there are templates for; each has
// templates/<lang>/<kind>.txt (defining "subject" and "text") and
// templates/<lang>/<kind>.html (defining "body", put in layout.html).
var kinds = [...]string{"invitation", "password_reset", "password_changed"}

// Languages returns the languages the templates are written in; the first,
// English, is the fallback.
func Languages() []language.Tag {
	return []language.Tag{language.English, language.Dutch, language.German}
}

// TemplatesConfig is what the templates say about the installation.
type TemplatesConfig struct {
	// SiteName names the service in every mail; default "Gatehouse". An
	// operator puts its own brand here ("Things Portal").
	SiteName string
	// Location is the time zone in which dates are written, followed by its
	// abbreviation ("14:05 CET"); default UTC. Gatehouse does not know each
	// person's time zone, so the zone is always printed.
	Location *time.Location
}

// Templates renders the mails Gatehouse sends, in English, Dutch or
// German. It is parsed once (NewTemplates) and safe for concurrent use.
type Templates struct {
	site    string
	loc     *time.Location
	langs   []language.Tag
	matcher language.Matcher
	sets    map[string]templateSet // by "<lang>/<kind>"
}

type templateSet struct {
	text *texttemplate.Template
	html *htmltemplate.Template
}

// NewTemplates parses every template in every language. An error is a bug
// in the embedded files, to stop the program at start.
func NewTemplates(cfg TemplatesConfig) (*Templates, error) {
	t := &Templates{site: cfg.SiteName, loc: cfg.Location, langs: Languages(), sets: map[string]templateSet{}}
	if t.site == "" {
		t.site = "Gatehouse"
	}
	if t.loc == nil {
		t.loc = time.UTC
	}
	t.matcher = language.NewMatcher(t.langs)
	layout, err := htmltemplate.ParseFS(templateFiles, "templates/layout.html")
	if err != nil {
		return nil, fmt.Errorf("mail: parse layout: %w", err)
	}
	for _, tag := range t.langs {
		lang := tag.String()
		for _, kind := range kinds {
			name := "templates/" + lang + "/" + kind
			text, err := texttemplate.New(kind).ParseFS(templateFiles, name+".txt")
			if err != nil {
				return nil, fmt.Errorf("mail: parse %s.txt: %w", name, err)
			}
			html, err := htmltemplate.Must(layout.Clone()).ParseFS(templateFiles, name+".html")
			if err != nil {
				return nil, fmt.Errorf("mail: parse %s.html: %w", name, err)
			}
			for _, def := range []string{"subject", "text"} {
				if text.Lookup(def) == nil {
					return nil, fmt.Errorf("mail: %s.txt defines no %q", name, def)
				}
			}
			if html.Lookup("body") == nil {
				return nil, fmt.Errorf("mail: %s.html defines no \"body\"", name)
			}
			t.sets[lang+"/"+kind] = templateSet{text: text, html: html}
		}
	}
	return t, nil
}

// Match picks the language to write to a person in: the best of
// Languages for langs, which are BCP 47 tags or Accept-Language values in
// order of preference (the person's preferred_language, then the
// inviter's). Regional and related variants count ("de-AT" is German,
// "nl-BE" Dutch); anything unknown, malformed or absent is English.
func (t *Templates) Match(langs ...string) language.Tag {
	_, i := language.MatchStrings(t.matcher, langs...)
	return t.langs[i]
}

// Content is what one mail says: Invitation, PasswordReset or
// PasswordChanged. Only this package's types implement it, so that each
// template only sees the data it was written for.
type Content interface {
	kind() string
	recipient() Address
	fill(v *view, lang string, loc *time.Location) error
}

// Invitation asks a person to join a tenant by choosing a password.
type Invitation struct {
	To Address
	// Inviter is the name of the administrator who invited; empty when
	// nobody in particular did (an import).
	Inviter string
	// Tenant is the name of the tenant the person is invited to.
	Tenant string
	// Username is the name the person will log in with; optional.
	Username string
	// Link accepts the invitation: an absolute http(s) URL, a secret.
	Link string
	// Expires is when Link stops working (14 days after sending).
	Expires time.Time
}

// PasswordReset carries a single-use link to choose a new password.
type PasswordReset struct {
	To Address
	// Tenant and Username name the account; both optional.
	Tenant   string
	Username string
	// Link is the reset link: an absolute http(s) URL, a secret.
	Link string
	// ValidFor is how long Link works; at least a minute, written in
	// whole minutes (rounded down, so the mail never promises too much).
	ValidFor time.Duration
}

// PasswordChanged tells a person that their password was changed, so that
// a change they did not make does not go unnoticed.
type PasswordChanged struct {
	To Address
	// Tenant and Username name the account; both optional.
	Tenant   string
	Username string
	// At is when the password was changed.
	At time.Time
}

// view is what every template gets; each kind fills its part.
type view struct {
	Lang, Site, Subject string
	Name                string // the recipient's display name, may be empty
	Inviter, Tenant     string
	Username            string
	Link                string
	Until, When         string // dates written in Lang
	Minutes             int
}

func (Invitation) kind() string         { return "invitation" }
func (c Invitation) recipient() Address { return c.To }
func (c Invitation) fill(v *view, lang string, loc *time.Location) error {
	if oneLine(c.Tenant) == "" {
		return invalid("invitation: no tenant")
	}
	if c.Expires.IsZero() {
		return invalid("invitation: no expiry")
	}
	v.Inviter, v.Tenant, v.Username = oneLine(c.Inviter), oneLine(c.Tenant), oneLine(c.Username)
	v.Until = formatTime(lang, c.Expires.In(loc))
	return setLink(v, "invitation", c.Link)
}

func (PasswordReset) kind() string         { return "password_reset" }
func (c PasswordReset) recipient() Address { return c.To }
func (c PasswordReset) fill(v *view, lang string, loc *time.Location) error {
	if c.ValidFor < time.Minute {
		return invalid("password reset: valid for %v, want at least a minute", c.ValidFor)
	}
	v.Tenant, v.Username = oneLine(c.Tenant), oneLine(c.Username)
	v.Minutes = int(c.ValidFor / time.Minute)
	return setLink(v, "password reset", c.Link)
}

func (PasswordChanged) kind() string         { return "password_changed" }
func (c PasswordChanged) recipient() Address { return c.To }
func (c PasswordChanged) fill(v *view, lang string, loc *time.Location) error {
	if c.At.IsZero() {
		return invalid("password changed: no time")
	}
	v.Tenant, v.Username = oneLine(c.Tenant), oneLine(c.Username)
	v.When = formatTime(lang, c.At.In(loc))
	return nil
}

// setLink checks that link is an absolute http or https URL without
// spaces: html/template would otherwise turn a javascript: link into
// "#ZgotmplZ" and a mail client would cut a link at a space, both without
// an error.
func setLink(v *view, what, link string) error {
	u, err := url.Parse(link)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" ||
		strings.ContainsFunc(link, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) {
		return invalid("%s: link must be an absolute http(s) URL", what)
	}
	v.Link = link
	return nil
}

// Render writes c in the best language for langs (see Match) as a Message
// with a new ID, ready for a Sender or the Queue. Names in c (recipient,
// inviter, tenant) are made one line, since they end up in the subject.
func (t *Templates) Render(c Content, langs ...string) (Message, error) {
	lang := t.Match(langs...).String()
	set, ok := t.sets[lang+"/"+c.kind()]
	if !ok {
		return Message{}, fmt.Errorf("mail: no %s template in %s", c.kind(), lang)
	}
	v := view{Lang: lang, Site: t.site, Name: oneLine(c.recipient().Name)}
	if err := c.fill(&v, lang, t.loc); err != nil {
		return Message{}, err
	}
	var subject, text, html bytes.Buffer
	if err := set.text.ExecuteTemplate(&subject, "subject", v); err != nil {
		return Message{}, fmt.Errorf("mail: render %s subject (%s): %w", c.kind(), lang, err)
	}
	v.Subject = oneLine(subject.String())
	if err := set.text.ExecuteTemplate(&text, "text", v); err != nil {
		return Message{}, fmt.Errorf("mail: render %s text (%s): %w", c.kind(), lang, err)
	}
	if err := set.html.ExecuteTemplate(&html, "layout", v); err != nil {
		return Message{}, fmt.Errorf("mail: render %s HTML (%s): %w", c.kind(), lang, err)
	}
	to := c.recipient()
	to.Name = v.Name
	m := Message{ID: NewID(), To: to, Subject: v.Subject, Text: text.String(), HTML: html.String(), Language: lang,
		About: About{Kind: c.kind()}}
	if err := m.Validate(); err != nil {
		return Message{}, err
	}
	return m, nil
}

// oneLine collapses every run of spaces and control characters (line
// breaks included) into one space and trims the ends.
func oneLine(s string) string {
	return strings.Join(strings.FieldsFunc(s, func(r rune) bool {
		return unicode.IsSpace(r) || unicode.IsControl(r)
	}), " ")
}

// formatTime writes t as a date and time the way lang writes them, with
// the zone's abbreviation: "3 March 2026 at 14:05 UTC", "3 maart 2026 om
// 14:05 UTC", "3. März 2026 um 14:05 Uhr UTC". Enough for three languages
// without a CLDR library.
func formatTime(lang string, t time.Time) string {
	clock := t.Format("15:04")
	zone := t.Format("MST")
	switch lang {
	case "nl":
		months := [...]string{"januari", "februari", "maart", "april", "mei", "juni",
			"juli", "augustus", "september", "oktober", "november", "december"}
		return fmt.Sprintf("%d %s %d om %s %s", t.Day(), months[t.Month()-1], t.Year(), clock, zone)
	case "de":
		months := [...]string{"Januar", "Februar", "März", "April", "Mai", "Juni",
			"Juli", "August", "September", "Oktober", "November", "Dezember"}
		return fmt.Sprintf("%d. %s %d um %s Uhr %s", t.Day(), months[t.Month()-1], t.Year(), clock, zone)
	default:
		return fmt.Sprintf("%d %s %d at %s %s", t.Day(), t.Month(), t.Year(), clock, zone)
	}
}
