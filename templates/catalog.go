package templates

import (
	"encoding/json"
	"fmt"
	"html/template"
	"io/fs"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"golang.org/x/text/language"
)

// A catalog is every sentence of the pages in one language:
// locales/<lang>.json, one flat JSON object from a stable message id
// ("login.title", "msg.invalid_credentials") to its text.
//
// A text is HTML, written by us and embedded in the binary: it may carry
// simple markup (<strong>, <span class="example">) and must write & as
// &amp;. Placeholders are {name}, filled by the template's arguments,
// which are escaped unless they are template.HTML made here (another
// message, a date). A message that counts has two ids, "<id>.one" (for 1,
// and 0) and "<id>.other", with {n} for the number.
type catalog map[string]string

// placeholder is a {name} in a message.
var placeholder = regexp.MustCompile(`\{([a-z_]+)\}`)

// loadCatalogs reads the catalog of every page language and checks that
// each has English's ids, with the same placeholders, and no others.
func loadCatalogs() (map[string]catalog, error) {
	cats := make(map[string]catalog, len(pageLanguages))
	for _, t := range pageLanguages {
		raw, err := fs.ReadFile(files, "locales/"+t.String()+".json")
		if err != nil {
			return nil, err
		}
		var c catalog
		if err := json.Unmarshal(raw, &c); err != nil {
			return nil, fmt.Errorf("locales/%s.json: %w", t, err)
		}
		cats[t.String()] = c
	}
	en := cats["en"]
	for _, t := range pageLanguages[1:] {
		c := cats[t.String()]
		for _, id := range slices.Sorted(maps.Keys(en)) {
			text, ok := c[id]
			if !ok {
				return nil, fmt.Errorf("locales/%s.json lacks %q", t, id)
			}
			if got, want := placeholders(text), placeholders(en[id]); !slices.Equal(got, want) {
				return nil, fmt.Errorf("locales/%s.json: %q has placeholders %v, English %v", t, id, got, want)
			}
		}
		for id := range c {
			if _, ok := en[id]; !ok {
				return nil, fmt.Errorf("locales/%s.json has %q, which English lacks", t, id)
			}
		}
	}
	return cats, nil
}

// placeholders lists the names of the placeholders of text, sorted, each
// once.
func placeholders(text string) []string {
	var names []string
	for _, m := range placeholder.FindAllStringSubmatch(text, -1) {
		names = append(names, m[1])
	}
	slices.Sort(names)
	return slices.Compact(names)
}

// text returns message id filled with args, name/value pairs.
func (c catalog) text(id string, args ...any) (template.HTML, error) {
	msg, ok := c[id]
	if !ok {
		return "", fmt.Errorf("no message %q", id)
	}
	if len(args)%2 != 0 {
		return "", fmt.Errorf("message %q: odd number of arguments", id)
	}
	vals := make(map[string]string, len(args)/2)
	for i := 0; i < len(args); i += 2 {
		name, ok := args[i].(string)
		if !ok {
			return "", fmt.Errorf("message %q: argument name %v is not a string", id, args[i])
		}
		vals[name] = escapeArg(args[i+1])
	}
	var missing string
	out := placeholder.ReplaceAllStringFunc(msg, func(p string) string {
		name := p[1 : len(p)-1]
		v, ok := vals[name]
		if !ok {
			missing = name
		}
		return v
	})
	if missing != "" {
		return "", fmt.Errorf("message %q: no value for {%s}", id, missing)
	}
	return template.HTML(out), nil //nolint:gosec // catalog text is ours; the arguments are escaped
}

// escapeArg writes a placeholder's value as HTML: template.HTML is ours
// (a message, a date) and goes in as it is; anything else is text.
func escapeArg(v any) string {
	switch v := v.(type) {
	case template.HTML:
		return string(v)
	case string:
		return template.HTMLEscapeString(v)
	case Message:
		return template.HTMLEscapeString(string(v))
	case int:
		return strconv.Itoa(v)
	default:
		return template.HTMLEscapeString(fmt.Sprint(v))
	}
}

// count returns message id for n: "<id>.one" for 1 (and 0), else
// "<id>.other", with {n} filled in.
func (c catalog) count(id string, n int, args ...any) (template.HTML, error) {
	form := ".other"
	if n <= 1 {
		form = ".one"
	}
	return c.text(id+form, append([]any{"n", n}, args...)...)
}

// message returns the words of m ("msg.<m>"), or of MsgInternal's
// "something went wrong" for a message without words.
func (c catalog) message(m Message, args ...any) (template.HTML, error) {
	if _, ok := c["msg."+string(m)]; !ok || m == "" {
		return c.text("msg.fallback")
	}
	return c.text("msg."+string(m), args...)
}

// date writes d as the pages write dates, in UTC: "2 March 2026 at 12:00
// UTC", "2 maart 2026 om 12:00 UTC".
func (c catalog) date(d Deadline) (template.HTML, error) {
	t := time.Time(d).UTC()
	months := strings.Fields(c["date.months"])
	if len(months) != 12 {
		return "", fmt.Errorf("date.months has %d months", len(months))
	}
	return c.text("date.format", "day", t.Day(), "month", months[t.Month()-1], "year", t.Year(), "time", t.Format("15:04"))
}

// deadline writes d as a <time> element: "<time
// datetime="2026-03-02T12:00:00Z">2 March 2026 at 12:00 UTC</time>".
func (c catalog) deadline(d Deadline) (template.HTML, error) {
	text, err := c.date(d)
	if err != nil {
		return "", err
	}
	return template.HTML(`<time datetime="` + template.HTMLEscapeString(d.Machine()) + `">` + string(text) + `</time>`), nil //nolint:gosec // escaped
}

// duration writes d for a button: "24 hours", "1 hour 30 minutes".
func (c catalog) duration(d time.Duration) (template.HTML, error) {
	switch {
	case d <= 0:
		return c.count("unit.minutes", 0)
	case d >= 48*time.Hour && d%(24*time.Hour) == 0:
		return c.count("unit.days", int(d/(24*time.Hour)))
	case d%time.Hour == 0:
		return c.count("unit.hours", int(d/time.Hour))
	case d < time.Hour:
		return c.count("unit.minutes", int((d+time.Minute-1)/time.Minute))
	}
	h, m := d/time.Hour, (d%time.Hour+time.Minute-1)/time.Minute
	if m == 60 {
		return c.count("unit.hours", int(h+1))
	}
	hours, err := c.count("unit.hours", int(h))
	if err != nil {
		return "", err
	}
	minutes, err := c.count("unit.minutes", int(m))
	if err != nil {
		return "", err
	}
	return c.text("unit.hours_minutes", "hours", hours, "minutes", minutes)
}

// homeSuffix ends the reason for TOTP of an external user whose home
// tenant requires it (directory.DecideMFAOf).
const homeSuffix = " of the home tenant "

// mfaReason says why TOTP is required of the person, from
// directory.MFADecision.Reason ("tenant policy", "role admins", "group
// night-shift", each maybe followed by " of the home tenant acme"):
// "your role admins requires it".
func (c catalog) mfaReason(reason string) (template.HTML, error) {
	base, home, isHome := strings.Cut(reason, homeSuffix)
	kind, name, _ := strings.Cut(base, " ")
	switch {
	case base == "tenant policy" && isHome:
		return c.text("reason.policy_home", "tenant", home)
	case kind == "role" && name != "" && isHome:
		return c.text("reason.role_home", "name", name, "tenant", home)
	case kind == "role" && name != "":
		return c.text("reason.role", "name", name)
	case kind == "group" && name != "" && isHome:
		return c.text("reason.group_home", "name", name, "tenant", home)
	case kind == "group" && name != "":
		return c.text("reason.group", "name", name)
	case base == "requested by the application":
		return c.text("reason.application")
	}
	return c.text("reason.policy")
}

// funcs are the template functions of language lang, catalog c.
func (c catalog) funcs(lang language.Tag) template.FuncMap {
	return template.FuncMap{
		// t writes message id: {{t "login.title"}}, {{t "login.lead" "client" .ClientName}}.
		"t": c.text,
		// tn writes the form of message id for the number n: {{tn "unit.minutes" .RetryMinutes}}.
		"tn": c.count,
		// msg writes a Message: {{msg .Error "duration" (tn "unit.minutes" .RetryMinutes)}}.
		"msg":      c.message,
		"date":     c.date,
		"deadline": c.deadline,
		"duration": c.duration,
		"reason":   c.mfaReason,
		"scope":    c.scope,
		"lang":     func() string { return lang.String() },
	}
}
