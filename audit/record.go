package audit

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
)

// ErrInvalid is wrapped by the error Record returns for an event it refuses
// to store: a malformed action, a missing actor or tenant, too many or too
// long details, or a detail key that looks like a secret. It is a
// programming error of the caller, not a failure of the store.
var ErrInvalid = errors.New("audit: invalid event")

// Limits on what an event holds. An audit log is read by people and kept
// for years; an event names things and states a few facts, and a field
// longer than this is a mistake (or an attempt to fill the log).
const (
	// MaxDetails is the most details an event may carry.
	MaxDetails = 20
	// MaxKeyLen is the longest detail key, in bytes.
	MaxKeyLen = 40
	// MaxValueLen is the longest detail value, and the longest id or
	// name (ID, TenantID, Actor, ActorName, Target, TargetName), in bytes.
	MaxValueLen = 256
	// maxActionLen is the longest action, in bytes.
	maxActionLen = 64
)

// secretWords are what a detail key must not contain, after its
// underscores are removed ("api_key" is "apikey"). They are matched
// anywhere in the key, so that "new_password", "recovery_codes" and
// "session_cookie" are refused too. The cost of a match that is not a
// secret ("country_code") is a renamed key, found by the first test that
// records the event; the cost of a secret in the log is a secret kept for
// years in every backup.
var secretWords = []string{
	"password", "passwd", "passphrase", "pwd",
	"secret", "token", "code", "cookie", "otp",
	"apikey", "privatekey", "bearer",
}

// Log records audit events: in its Store, and as a line in the process
// log. It is safe for concurrent use.
type Log struct {
	store  Appender
	now    func() time.Time
	logger *slog.Logger
	// observe, if not nil, sees each event once it is appended.
	observe func(context.Context, Event)
}

// New returns a Log that stores events in store (a Store, or anything that
// appends), stamps them with now (time.Now if nil) and writes a line for
// each to logger (none if nil).
func New(store Appender, now func() time.Time, logger *slog.Logger) *Log {
	if now == nil {
		now = time.Now
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Log{store: store, now: now, logger: logger}
}

// WithObserver returns a Log like l (the same store, clock and logger)
// that also hands each event it has appended to observe: for counters of
// what is audited (package metrics), without the code that records events
// knowing of them. observe runs on the caller's goroutine, so it must be
// quick; it sees the details, which it must keep to itself. With RecordIn,
// an event whose transaction then fails to commit has been observed.
func (l *Log) WithObserver(observe func(context.Context, Event)) *Log {
	c := *l
	c.observe = observe
	return &c
}

// Record stores e and logs it. An empty ID becomes a new UUIDv7 and a zero
// Time the clock's now; Time is kept in UTC to the microsecond, the
// precision every backend stores, so that events order alike on all of
// them. e is checked first (see ErrInvalid and the limits above); a refused
// event is not stored, and the error names the field or detail key at
// fault but never repeats a value.
//
// Once stored, the event is logged at Info as "audit" with its id, action,
// tenant_id, actor and target; never its details, which are for the people
// who may read the tenant's log and not for everyone who reads the
// process's.
//
// The error, from the check or from the store (which may wrap
// storage.ErrUnavailable), is the caller's to act on: an act that cannot be
// audited must not silently happen.
func (l *Log) Record(ctx context.Context, e Event) error {
	return l.RecordIn(ctx, l.store, e)
}

// RecordIn is Record storing e through to rather than the Log's store: a
// transaction of the same database (the directory's, whose store appends
// events too), so that a change and its event commit together or not at
// all. The process log's line is written once e is appended; a transaction
// that then fails to commit leaves a line for an event that is not stored,
// which the caller's error for the failed commit follows.
func (l *Log) RecordIn(ctx context.Context, to Appender, e Event) error {
	if e.ID == "" {
		id, err := uuid.NewV7()
		if err != nil {
			return fmt.Errorf("record audit event: new id: %w", err)
		}
		e.ID = id.String()
	}
	if e.Time.IsZero() {
		e.Time = l.now()
	}
	e.Time = e.Time.UTC().Truncate(time.Microsecond)
	if err := validate(e); err != nil {
		return err
	}
	if err := to.AppendEvent(ctx, e); err != nil {
		return fmt.Errorf("record audit event %s %s: %w", e.Action, e.ID, err)
	}
	l.logger.InfoContext(ctx, "audit", "event_id", e.ID, "action", e.Action, "tenant_id", e.TenantID,
		"actor", e.Actor, "target", e.Target)
	if l.observe != nil {
		l.observe(ctx, e)
	}
	return nil
}

// validate checks e against the rules of Record. Its errors quote no value:
// a caller logs them, and a value that should not have been in the event
// should not reach the log either.
func validate(e Event) error {
	if !validAction(e.Action) {
		return invalid("action must be noun.verb in lower case, letters, digits and '_', at most %d bytes (like \"totp.locked\")", maxActionLen)
	}
	for _, f := range []struct {
		name, value string
		required    bool
	}{
		{"id", e.ID, true},
		{"tenant id", e.TenantID, true},
		{"actor", e.Actor, true},
		{"actor name", e.ActorName, false},
		{"target", e.Target, false},
		{"target name", e.TargetName, false},
	} {
		if f.required && f.value == "" {
			return invalid("%s: %s is empty", e.Action, f.name)
		}
		if err := checkText(f.value); err != "" {
			return invalid("%s: %s %s", e.Action, f.name, err)
		}
	}
	if e.Time.Year() < 1 || e.Time.Year() > 9999 {
		return invalid("%s: time is outside the years 1 to 9999", e.Action)
	}
	if len(e.Details) > MaxDetails {
		return invalid("%s: %d details, more than %d", e.Action, len(e.Details), MaxDetails)
	}
	for k, v := range e.Details {
		if len(k) > MaxKeyLen || !isWord(k) {
			return invalid("%s: a detail key is not lower-case letters, digits and '_' of at most %d bytes", e.Action, MaxKeyLen)
		}
		if w := secretWord(k); w != "" {
			return invalid("%s: detail %q looks like a secret (%q): audit events never carry secrets", e.Action, k, w)
		}
		if err := checkText(v); err != "" {
			return invalid("%s: detail %q %s", e.Action, k, err)
		}
	}
	return nil
}

func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrInvalid}, args...)...)
}

// checkText returns what is wrong with s as a stored id, name or value, or
// "". Both backends refuse what is not UTF-8 or holds a NUL (PostgreSQL's
// text and jsonb cannot hold them), so Record refuses it for all of them.
func checkText(s string) string {
	switch {
	case len(s) > MaxValueLen:
		return fmt.Sprintf("is longer than %d bytes", MaxValueLen)
	case !utf8.ValidString(s):
		return "is not UTF-8"
	case strings.IndexByte(s, 0) >= 0:
		return "holds a NUL byte"
	}
	return ""
}

// validAction reports whether a is "noun.verb", each a word (see isWord).
func validAction(a string) bool {
	noun, verb, ok := strings.Cut(a, ".")
	return ok && len(a) <= maxActionLen && isWord(noun) && isWord(verb)
}

// isWord reports whether s is a lower-case letter followed by lower-case
// letters, digits and underscores: "roles_changed", "attempts".
func isWord(s string) bool {
	if s == "" || s[0] < 'a' || s[0] > 'z' {
		return false
	}
	for i := 1; i < len(s); i++ {
		if c := s[i]; !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

// secretWord returns the secret word that key contains, or "".
func secretWord(key string) string {
	k := strings.ReplaceAll(key, "_", "")
	for _, w := range secretWords {
		if strings.Contains(k, w) {
			return w
		}
	}
	return ""
}
