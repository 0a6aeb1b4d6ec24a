package audit

import (
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// ErrBadCursor is wrapped by the error DecodeCursor returns for a string it
// did not make: a page link that was edited, truncated or made up. It is
// the client's mistake (a 400), not a failure of the store.
var ErrBadCursor = errors.New("audit: bad cursor")

// Query selects events for Store.QueryEvents. Every filter that is set must
// match; the zero value of a filter means "any". Ids, actors, targets and
// actions compare byte by byte, as tenant ids do: "U-1" is not "u-1", and
// "%" or "_" are characters, not patterns.
type Query struct {
	// TenantIDs are the tenants whose events may be returned, and is
	// required: no tenants means no events, never every tenant's. The
	// caller names the viewer's subtree.
	TenantIDs []string
	// Actor is an exact actor ("u-1", "client:c-1", "system"), optional.
	Actor string
	// Target is an exact target (a user id: the "user" filter), optional.
	Target string
	// Action is an exact action ("support.login"), or a prefix ending in
	// "." ("support.") that matches every action of that noun; optional.
	Action string
	// Since (inclusive) and Until (exclusive) bound the events' times;
	// the zero time leaves that end open.
	Since, Until time.Time
	// After is where a page starts: the Cursor of the last event of the
	// previous page. Only events after it in the newest-first order
	// (older, or as old with a smaller id) are returned. The zero Cursor
	// starts from the newest.
	After Cursor
	// Limit is the most events returned; <= 0 or above ListLimit means
	// ListLimit.
	Limit int
}

// Cursor is a position in the newest-first order of events: the time and id
// of an event.
type Cursor struct {
	Time time.Time
	ID   string
}

// CursorOf returns the position of e, for the After of the next page.
func CursorOf(e Event) Cursor { return Cursor{Time: e.Time, ID: e.ID} }

// IsZero reports whether c is the zero Cursor: the start of the log.
func (c Cursor) IsZero() bool { return c.Time.IsZero() && c.ID == "" }

// EncodeCursor returns c as an opaque string fit for a URL query (base64url
// without padding), which DecodeCursor turns back into c. The time is kept
// to the microsecond, the precision of stored events. The zero Cursor is
// "".
func EncodeCursor(c Cursor) string {
	if c.IsZero() {
		return ""
	}
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(c.Time.UnixMicro(), 10) + ":" + c.ID))
}

// DecodeCursor returns the Cursor that EncodeCursor made s from, in UTC.
// "" is the zero Cursor. Anything EncodeCursor could not have made from an
// event's time and id (bad base64, a time outside the years 1 to 9999, an
// empty, overlong or non-UTF-8 id, or another spelling of the same cursor)
// fails with an error wrapping ErrBadCursor; the error does not repeat s.
func DecodeCursor(s string) (Cursor, error) {
	if s == "" {
		return Cursor{}, nil
	}
	if len(s) > 2*MaxValueLen {
		return Cursor{}, fmt.Errorf("%w: too long", ErrBadCursor)
	}
	b, err := base64.RawURLEncoding.Strict().DecodeString(s)
	if err != nil {
		return Cursor{}, fmt.Errorf("%w: not base64url", ErrBadCursor)
	}
	micros, id, ok := strings.Cut(string(b), ":")
	if !ok {
		return Cursor{}, fmt.Errorf("%w: no id", ErrBadCursor)
	}
	n, err := strconv.ParseInt(micros, 10, 64)
	if err != nil {
		return Cursor{}, fmt.Errorf("%w: bad time", ErrBadCursor)
	}
	c := Cursor{Time: time.UnixMicro(n).UTC(), ID: id}
	switch {
	case c.Time.Year() < 1 || c.Time.Year() > 9999:
		return Cursor{}, fmt.Errorf("%w: time is outside the years 1 to 9999", ErrBadCursor)
	case id == "" || len(id) > MaxValueLen || !utf8.ValidString(id) || strings.IndexByte(id, 0) >= 0:
		return Cursor{}, fmt.Errorf("%w: bad id", ErrBadCursor)
	case EncodeCursor(c) != s: // "+5", "05": one cursor, one spelling
		return Cursor{}, fmt.Errorf("%w: not canonical", ErrBadCursor)
	}
	return c, nil
}

// ActionRange reports whether q.Action is a prefix ("support.") rather
// than an exact action, and returns the actions it matches as a range of
// strings comparing bytes: from (inclusive) to (exclusive), "support." to
// "support/", '/' being the byte after '.'. A store compares with the range
// rather than with a pattern (LIKE), in which '_' and '%' are not
// characters.
func (q Query) ActionRange() (from, to string, ok bool) {
	p, ok := strings.CutSuffix(q.Action, ".")
	if !ok {
		return "", "", false
	}
	return q.Action, p + "/", true
}

// PageSize returns how many events q asks for at most: q.Limit, or
// ListLimit when that is <= 0 or above it.
func (q Query) PageSize() int {
	if q.Limit <= 0 || q.Limit > ListLimit {
		return ListLimit
	}
	return q.Limit
}
