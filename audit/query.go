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

// ErrBadQuery is wrapped by the error QueryEvents returns for a Query that
// Check refuses: a mistake of the calling code, not of a person.
var ErrBadQuery = errors.New("audit: bad query")

// ErrSubtreeUnsupported is wrapped by the error of a Store that does not
// see the directory's tenants when it is asked for a Query.Subtree: it
// cannot tell which tenants lie below another, and refuses rather than
// guess.
var ErrSubtreeUnsupported = errors.New("audit: this store does not see the directory's tenants, so it answers no subtree query")

// Query selects events for Store.QueryEvents. Every filter that is set must
// match; the zero value of a filter means "any". Ids, actors, targets and
// actions compare byte by byte, as tenant ids do: "U-1" is not "u-1", and
// "%" or "_" are characters, not patterns.
//
// A query names the tenants whose events it reads in one of two ways,
// never both (Check): a list (TenantIDs), or the top of a subtree
// (Subtree). Naming none means no events, never every tenant's.
type Query struct {
	// TenantIDs are the tenants whose events may be returned: a short
	// explicit list. The ids go to the database with the query, so a
	// viewer's whole subtree, which may hold thousands of tenants, is
	// better named by Subtree.
	TenantIDs []string
	// Subtree is the id of a tenant whose events, and those of every
	// tenant below it, may be returned: the tenants whose Path holds
	// that id (directory.Tenant.Path, what directory.Caller.Reaches
	// tests), as the directory's tenants are when the query runs. The
	// store reads them itself (Store.QueryEvents says which stores can),
	// so that no list of ids travels.
	//
	// Only tenants that exist count: the events of a deleted tenant stay
	// in the log, and a TenantIDs naming it reads them, but they belong
	// to no subtree any more, and a Subtree naming the deleted tenant
	// itself reads nothing.
	Subtree string
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

// Check returns an error wrapping ErrBadQuery if q names its tenants both
// ways, by a TenantIDs that is not empty and by Subtree: whether the
// caller meant the tenants in both or in either, an answer would guess. A
// Store checks it before anything else.
func (q Query) Check() error {
	if len(q.TenantIDs) > 0 && q.Subtree != "" {
		return fmt.Errorf("%w: both TenantIDs and Subtree name the tenants; name them one way", ErrBadQuery)
	}
	return nil
}

// NoTenants reports whether q names no tenant, by neither TenantIDs nor
// Subtree: it selects no events.
func (q Query) NoTenants() bool { return len(q.TenantIDs) == 0 && q.Subtree == "" }

// PageSize returns how many events q asks for at most: q.Limit, or
// ListLimit when that is <= 0 or above it.
func (q Query) PageSize() int {
	if q.Limit <= 0 || q.Limit > ListLimit {
		return ListLimit
	}
	return q.Limit
}
