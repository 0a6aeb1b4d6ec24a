package mail

import (
	"bytes"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	netmail "net/mail"
	"net/textproto"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Limits that keep every header line under RFC 5322's 998 characters and
// one message's size bounded, whatever a tenant or user name contains.
const (
	maxNameBytes    = 256     // a display name
	maxEmailBytes   = 254     // an addr-spec (RFC 5321 §4.5.3.1.3 path minus <>)
	maxSubjectBytes = 900     // the subject before encoding
	maxBodyBytes    = 1 << 18 // each of Text and HTML
	maxIDBytes      = 64      // Message.ID
)

// ErrInvalid matches, with errors.Is, every error about a message or an
// address that cannot be sent as it is: a line break in a header value, an
// address net/mail does not accept, an empty subject. Such a message is
// refused before anything is sent, and the Queue does not retry it.
var ErrInvalid = errors.New("mail: invalid message")

func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrInvalid}, args...)...)
}

// Address is one mailbox: a display name and an addr-spec.
type Address struct {
	// Name is what mail programs show ("Jill Smith"): optional, any
	// Unicode, one line; RFC 2047-encoded in the header when it is not
	// ASCII.
	Name string
	// Email is the bare address, "jill@example.com": no display name, no
	// comment, no second address. ASCII only: an internationalized address
	// needs SMTPUTF8, which Gatehouse does not speak yet.
	Email string
}

// ParseAddress reads an address as configuration writes one:
// "Gatehouse <no-reply@example.com>" or "no-reply@example.com".
func ParseAddress(s string) (Address, error) {
	a, err := netmail.ParseAddress(s)
	if err != nil {
		return Address{}, invalid("address %q: %v", s, err)
	}
	addr := Address{Name: a.Name, Email: a.Address}
	if err := addr.validate("address"); err != nil {
		return Address{}, err
	}
	return addr, nil
}

// String is the address as a header writes it (RFC 5322 §3.4). An ASCII
// name is written by net/mail, quoted if needed. Any other name, one that
// would be a quoted string too long for one line (headers are not folded
// inside quotes), or one that looks like an encoded-word itself, is
// written as RFC 2047 encoded-words by qWords: net/mail's own encoding
// leaves characters in it (a backslash) that a phrase may not hold and
// that net/mail.ParseAddress then cannot read back.
func (a Address) String() string {
	s := (&netmail.Address{Name: a.Name, Address: a.Email}).String()
	if a.Name != "" && (!isASCII(a.Name) || strings.Contains(a.Name, "=?") || len(s)-len(" <"+a.Email+">") > 70) {
		return qWords(a.Name) + " <" + a.Email + ">"
	}
	return s
}

// validate checks a for use in the header named field. The addr-spec must
// be exactly what net/mail.ParseAddress finds in it: that refuses a second
// address ("a@x, b@y"), a display name or comment smuggled into Email, and
// any CR or LF.
func (a Address) validate(field string) error {
	if err := headerValue(field+" name", a.Name, maxNameBytes); err != nil {
		return err
	}
	if a.Email == "" {
		return invalid("%s: no address", field)
	}
	if err := headerValue(field+" address", a.Email, maxEmailBytes); err != nil {
		return err
	}
	if !isASCII(a.Email) {
		return invalid("%s address %q: not ASCII (SMTPUTF8 is not supported)", field, a.Email)
	}
	p, err := netmail.ParseAddress(a.Email)
	if err != nil {
		return invalid("%s address %q: %v", field, a.Email, err)
	}
	if p.Name != "" || p.Address != a.Email {
		return invalid("%s address %q: not a bare addr-spec", field, a.Email)
	}
	return nil
}

// domain is the part after the last "@" (validate guarantees one).
func (a Address) domain() string {
	return a.Email[strings.LastIndexByte(a.Email, '@')+1:]
}

// Message is one mail to one person. There is exactly one recipient, and no
// Cc or Bcc: the mails Gatehouse sends carry a personal link (an invitation
// or a reset token), which must reach nobody else.
type Message struct {
	// ID names the message in logs, the outbox and Queue results, and is
	// the left part of its Message-ID header, so that a retried message
	// keeps its Message-ID. Letters, digits, "-" and "_", at most 64.
	// Templates.Render sets one; Queue.Enqueue and the Senders fill a
	// missing one with NewID.
	ID string
	// To is the recipient.
	To Address
	// Subject is one line of any Unicode; RFC 2047-encoded when needed.
	Subject string
	// Text is the plain-text body; required. Line breaks are "\n".
	Text string
	// HTML is the optional HTML alternative of Text. With it the message is
	// multipart/alternative: mail programs show the HTML and fall back to
	// the text.
	HTML string
	// Language is the BCP 47 tag the message is written in ("de"), sent as
	// Content-Language; optional.
	Language string
	// About says what the message is and whom it concerns, for the
	// caller's records (QueueConfig.OnResult audits a delivery in the
	// person's tenant); it is never sent.
	About About
}

// About is what a Message is about: never part of the mail itself.
type About struct {
	// Kind is the template the message was written from ("invitation");
	// Templates.Render sets it.
	Kind string
	// TenantID, UserID and Username name the person the mail is for.
	TenantID, UserID, Username string
}

// NewID returns a fresh random message ID (26 characters, 130 bits).
func NewID() string { return rand.Text() }

// withID returns m with an ID, a new one if it had none.
func (m Message) withID() Message {
	if m.ID == "" {
		m.ID = NewID()
	}
	return m
}

// LogValue keeps the bodies out of logs: they hold invitation and reset
// links, which are secrets until used.
func (m Message) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("id", m.ID),
		slog.String("to", m.To.Email),
		slog.String("subject", m.Subject),
	)
}

// Validate reports, as an ErrInvalid error, whether m cannot be sent: no
// header value may hold a line break or other control character (so no
// header can be injected), the recipient must be one plain address, the
// subject and text must not be empty.
func (m Message) Validate() error {
	if m.ID != "" && !validID(m.ID) {
		return invalid("id %q: want 1 to %d letters, digits, - or _", m.ID, maxIDBytes)
	}
	if err := m.To.validate("To"); err != nil {
		return err
	}
	if strings.TrimSpace(m.Subject) == "" {
		return invalid("empty subject")
	}
	if err := headerValue("Subject", m.Subject, maxSubjectBytes); err != nil {
		return err
	}
	if m.Language != "" && !validLanguage(m.Language) {
		return invalid("language %q: not a BCP 47 tag", m.Language)
	}
	if strings.TrimSpace(m.Text) == "" {
		return invalid("empty text body")
	}
	for _, b := range []struct{ name, s string }{{"text", m.Text}, {"HTML", m.HTML}} {
		if len(b.s) > maxBodyBytes {
			return invalid("%s body longer than %d bytes", b.name, maxBodyBytes)
		}
		if !utf8.ValidString(b.s) {
			return invalid("%s body is not UTF-8", b.name)
		}
	}
	return nil
}

// headerValue refuses what must not be in the header field named field:
// CR, LF (which would start a new header), any other control character,
// the Unicode line and paragraph separators, invalid UTF-8, more than max
// bytes.
func headerValue(field, v string, max int) error {
	if len(v) > max {
		return invalid("%s longer than %d bytes", field, max)
	}
	if !utf8.ValidString(v) {
		return invalid("%s is not UTF-8", field)
	}
	for _, r := range v {
		switch {
		case r == '\r' || r == '\n':
			return invalid("%s contains a line break", field)
		case unicode.IsControl(r) || r == '\u2028' || r == '\u2029':
			return invalid("%s contains control character %U", field, r)
		}
	}
	return nil
}

func validID(id string) bool {
	if id == "" || len(id) > maxIDBytes {
		return false
	}
	for _, c := range []byte(id) {
		if !isAlnum(c) && c != '-' && c != '_' {
			return false
		}
	}
	return true
}

// validLanguage checks the shape of a BCP 47 tag (subtags of 1 to 8
// letters and digits); enough for a header value, not a registry lookup.
func validLanguage(tag string) bool {
	if len(tag) > 35 {
		return false
	}
	for sub := range strings.SplitSeq(tag, "-") {
		if sub == "" || len(sub) > 8 {
			return false
		}
		for _, c := range []byte(sub) {
			if !isAlnum(c) {
				return false
			}
		}
	}
	return true
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

func isAlnum(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}

// Encode returns m as an RFC 5322 message from from, dated date: 7-bit
// only (headers RFC 2047-encoded, bodies quoted-printable), CRLF line
// ends, header lines folded at 78 characters where they have spaces. The
// Message-ID is <ID@from's domain>, with a new ID if m has none.
func (m Message) Encode(from Address, date time.Time) ([]byte, error) {
	if err := from.validate("From"); err != nil {
		return nil, err
	}
	if err := m.Validate(); err != nil {
		return nil, err
	}
	m = m.withID()

	var b bytes.Buffer
	writeAddressHeader(&b, "From", from.String())
	writeAddressHeader(&b, "To", m.To.String())
	writeHeader(&b, "Subject", encodeText(m.Subject))
	writeHeader(&b, "Date", date.Format(time.RFC1123Z))
	writeHeader(&b, "Message-ID", "<"+m.ID+"@"+from.domain()+">")
	if m.Language != "" {
		writeHeader(&b, "Content-Language", m.Language)
	}
	// RFC 3834 §5: tells vacation responders not to answer.
	writeHeader(&b, "Auto-Submitted", "auto-generated")
	writeHeader(&b, "MIME-Version", "1.0")

	if m.HTML == "" {
		writeHeader(&b, "Content-Type", "text/plain; charset=utf-8")
		writeHeader(&b, "Content-Transfer-Encoding", "quoted-printable")
		b.WriteString("\r\n")
		if err := writeQP(&b, m.Text); err != nil {
			return nil, err
		}
		return b.Bytes(), nil
	}

	mw := multipart.NewWriter(&b)
	writeHeader(&b, "Content-Type", mime.FormatMediaType("multipart/alternative", map[string]string{"boundary": mw.Boundary()}))
	b.WriteString("\r\n")
	// RFC 2046 §5.1.4: alternatives in increasing order of preference.
	for _, p := range []struct{ typ, body string }{{"text/plain", m.Text}, {"text/html", m.HTML}} {
		w, err := mw.CreatePart(textproto.MIMEHeader{
			"Content-Type":              {p.typ + "; charset=utf-8"},
			"Content-Transfer-Encoding": {"quoted-printable"},
		})
		if err != nil {
			return nil, err
		}
		if err := writeQP(w, p.body); err != nil {
			return nil, err
		}
	}
	if err := mw.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// writeQP writes s quoted-printable with CRLF line ends.
func writeQP(w io.Writer, s string) error {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	qp := quotedprintable.NewWriter(w)
	if _, err := io.WriteString(qp, s); err != nil {
		return err
	}
	return qp.Close()
}

// writeHeader writes "name: value" CRLF, folded (RFC 5322 §2.2.3) before a
// space when a line would pass 78 characters, even right after the colon,
// so that an encoded-word (up to 75 characters) is on a line of at most 76
// as RFC 2047 §2 asks. value has been checked to hold no CR or LF;
// encoded-words have no spaces, so folding between them changes nothing
// when decoded. A segment longer than a line stays whole (encodeText and
// Address.String keep segments short).
func writeHeader(b *bytes.Buffer, name, value string) { writeFolded(b, name, value, false) }

// writeAddressHeader is writeHeader for a header of addresses, which is
// not folded inside a quoted display name.
func writeAddressHeader(b *bytes.Buffer, name, value string) { writeFolded(b, name, value, true) }

func writeFolded(b *bytes.Buffer, name, value string, quotes bool) {
	b.WriteString(name)
	b.WriteByte(':')
	n := len(name) + 1
	for _, seg := range segments(" "+value, quotes) {
		if n > 0 && n+len(seg) > 78 {
			b.WriteString("\r\n")
			n = 0
		}
		b.WriteString(seg)
		n += len(seg)
	}
	b.WriteString("\r\n")
}

// segments splits s before every space that is followed by something other
// than a space (and, with quotes, is outside a quoted string): the places
// where a header may fold without leaving a line of only spaces, which
// RFC 5322 §3.2.2 does not allow. When s starts with a space, so does
// every segment.
func segments(s string, quotes bool) []string {
	var segs []string
	quoted, escaped, start := false, false, 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case escaped:
			escaped = false
		case quotes && quoted && c == '\\':
			escaped = true
		case quotes && c == '"':
			quoted = !quoted
		case c == ' ' && !quoted && i > start && i+1 < len(s) && s[i+1] != ' ':
			segs = append(segs, s[start:i])
			start = i
		}
	}
	return append(segs, s[start:])
}

// encodeText encodes s for an unstructured header (Subject) with RFC 2047
// where needed: mime.QEncoding encodes anything not printable ASCII, and
// encodeText also encodes ASCII with a word too long to fold, or with a
// literal "=?" that mail programs would read as an encoded-word.
func encodeText(s string) string {
	if enc := mime.QEncoding.Encode("utf-8", s); enc != s {
		return enc
	}
	if needsWords(s) {
		return qWords(s)
	}
	return s
}

// needsWords reports whether printable-ASCII s still needs encoded-words:
// it has "=?", or a part that cannot be folded to fit a line.
func needsWords(s string) bool {
	if strings.Contains(s, "=?") {
		return true
	}
	for _, seg := range segments(" "+s, false) {
		if len(seg) > 70 {
			return true
		}
	}
	return false
}

// qWords encodes all of s as "Q" encoded-words (RFC 2047 §4.2) of at most
// 75 characters each, never splitting a UTF-8 sequence. It keeps only the
// characters §5(3) allows in a phrase as they are, so its output is valid
// in a display name too.
func qWords(s string) string {
	const prefix, suffix = "=?utf-8?q?", "?="
	var words []string
	var cur strings.Builder
	for _, r := range s {
		var enc strings.Builder
		for _, c := range []byte(string(r)) {
			switch {
			case isAlnum(c) || strings.IndexByte("!*+-/", c) >= 0:
				enc.WriteByte(c)
			case c == ' ':
				enc.WriteByte('_')
			default:
				fmt.Fprintf(&enc, "=%02X", c)
			}
		}
		if cur.Len() > 0 && len(prefix)+cur.Len()+enc.Len()+len(suffix) > 75 {
			words = append(words, prefix+cur.String()+suffix)
			cur.Reset()
		}
		cur.WriteString(enc.String())
	}
	return strings.Join(append(words, prefix+cur.String()+suffix), " ")
}
