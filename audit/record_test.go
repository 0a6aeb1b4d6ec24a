package audit_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/gatehouse-id/gatehouse/audit"
)

// clock is the Log's fixed now: a time with nanoseconds, in a zone other
// than UTC, so that Record's conversion shows.
var clock = time.Date(2025, 3, 14, 15, 9, 26, 535897932, time.FixedZone("CEST", 2*3600))

// recorder returns a Log on a fresh memStore, and the buffer its log lines
// go to (as JSON, and to the test's output).
func recorder(t *testing.T) (*audit.Log, *memStore, *bytes.Buffer) {
	s := &memStore{}
	var buf bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(io.MultiWriter(&buf, t.Output()), nil))
	return audit.New(s, func() time.Time { return clock }, logger), s, &buf
}

// valid returns an event Record accepts, with every field set but ID and
// Time.
func valid() audit.Event {
	return audit.Event{
		Action: "totp.locked", TenantID: "t-acme", Actor: "system", ActorName: "Gatehouse",
		Target: "u-jill", TargetName: "jill", Details: map[string]string{"attempts": "5", "window": "15m"},
	}
}

// logLines decodes the JSON lines in buf.
func logLines(t *testing.T, buf *bytes.Buffer) []map[string]any {
	t.Helper()
	var lines []map[string]any
	for l := range strings.Lines(buf.String()) {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("log line %q: %v", l, err)
		}
		lines = append(lines, m)
	}
	return lines
}

func TestRecordFillsIDAndTime(t *testing.T) {
	l, s, _ := recorder(t)
	if err := l.Record(t.Context(), valid()); err != nil {
		t.Fatal(err)
	}
	if err := l.Record(t.Context(), valid()); err != nil {
		t.Fatal(err)
	}
	got := s.stored()
	if len(got) != 2 {
		t.Fatalf("stored %d events, want 2", len(got))
	}
	for _, e := range got {
		id, err := uuid.Parse(e.ID)
		if err != nil || id.Version() != 7 || id.String() != e.ID {
			t.Errorf("id %q is not a UUIDv7 in canonical form (%v)", e.ID, err)
		}
		if want := clock.UTC().Truncate(time.Microsecond); e.Time != want {
			t.Errorf("time = %v, want %v", e.Time, want)
		}
		want := valid()
		want.ID, want.Time = e.ID, e.Time
		if !reflect.DeepEqual(e, want) {
			t.Errorf("stored %+v, want %+v", e, want)
		}
	}
	if got[0].ID == got[1].ID {
		t.Errorf("two events got the same id %s", got[0].ID)
	}
}

func TestRecordKeepsIDAndTime(t *testing.T) {
	l, s, _ := recorder(t)
	e := valid()
	e.ID = "e-given"
	e.Time = time.Date(2024, 1, 2, 3, 4, 5, 6007008, time.FixedZone("EST", -5*3600))
	if err := l.Record(t.Context(), e); err != nil {
		t.Fatal(err)
	}
	got := s.stored()
	if len(got) != 1 || got[0].ID != "e-given" {
		t.Fatalf("stored %+v", got)
	}
	if want := time.Date(2024, 1, 2, 8, 4, 5, 6007000, time.UTC); got[0].Time != want {
		t.Errorf("time = %v, want %v: in UTC, to the microsecond", got[0].Time, want)
	}
}

// TestRecordLeavesCallersEventAlone: the caller's Details are not changed,
// nor kept by the Log.
func TestRecordLeavesCallersEventAlone(t *testing.T) {
	l, s, _ := recorder(t)
	e := valid()
	before := maps.Clone(e.Details)
	if err := l.Record(t.Context(), e); err != nil {
		t.Fatal(err)
	}
	if !maps.Equal(e.Details, before) {
		t.Errorf("details changed to %v", e.Details)
	}
	e.Details["attempts"] = "6"
	if got := s.stored()[0].Details["attempts"]; got != "5" {
		t.Errorf("stored attempts = %q after the caller changed its map", got)
	}
}

func TestRecordRefusesInvalid(t *testing.T) {
	long := strings.Repeat("x", audit.MaxValueLen+1)
	tooMany := map[string]string{}
	for i := range audit.MaxDetails + 1 {
		tooMany[fmt.Sprintf("fact_%d", i)] = "1"
	}
	for _, tc := range []struct {
		name   string
		change func(*audit.Event)
	}{
		{"no action", func(e *audit.Event) { e.Action = "" }},
		{"action without a verb", func(e *audit.Event) { e.Action = "totp" }},
		{"action with an empty verb", func(e *audit.Event) { e.Action = "totp." }},
		{"action with an empty noun", func(e *audit.Event) { e.Action = ".locked" }},
		{"action with two dots", func(e *audit.Event) { e.Action = "user.roles.changed" }},
		{"action in upper case", func(e *audit.Event) { e.Action = "TOTP.Locked" }},
		{"action with a space", func(e *audit.Event) { e.Action = "totp.locked out" }},
		{"action with a hyphen", func(e *audit.Event) { e.Action = "user.roles-changed" }},
		{"action starting with a digit", func(e *audit.Event) { e.Action = "2fa.reset" }},
		{"action too long", func(e *audit.Event) { e.Action = "user." + strings.Repeat("x", 60) }},
		{"no actor", func(e *audit.Event) { e.Actor = "" }},
		{"no tenant", func(e *audit.Event) { e.TenantID = "" }},
		{"actor too long", func(e *audit.Event) { e.Actor = long }},
		{"target name too long", func(e *audit.Event) { e.TargetName = long }},
		{"id too long", func(e *audit.Event) { e.ID = long }},
		{"actor name not UTF-8", func(e *audit.Event) { e.ActorName = "j\xffll" }},
		{"target with a NUL", func(e *audit.Event) { e.Target = "u-\x00" }},
		{"time past year 9999", func(e *audit.Event) { e.Time = time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC) }},
		{"too many details", func(e *audit.Event) { e.Details = tooMany }},
		{"empty detail key", func(e *audit.Event) { e.Details[""] = "1" }},
		{"detail key in upper case", func(e *audit.Event) { e.Details["Attempts"] = "1" }},
		{"detail key with a dot", func(e *audit.Event) { e.Details["a.b"] = "1" }},
		{"detail key too long", func(e *audit.Event) { e.Details[strings.Repeat("k", audit.MaxKeyLen+1)] = "1" }},
		{"detail value too long", func(e *audit.Event) { e.Details["note"] = long }},
		{"detail value not UTF-8", func(e *audit.Event) { e.Details["note"] = "\xc3" }},
		{"detail value with a NUL", func(e *audit.Event) { e.Details["note"] = "a\x00b" }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l, s, buf := recorder(t)
			e := valid()
			tc.change(&e)
			err := l.Record(t.Context(), e)
			if !errors.Is(err, audit.ErrInvalid) {
				t.Fatalf("error = %v, want one wrapping ErrInvalid", err)
			}
			if strings.Contains(err.Error(), long) {
				t.Errorf("error repeats the value: %.80s…", err)
			}
			if n := len(s.stored()); n != 0 {
				t.Errorf("a refused event was stored")
			}
			if buf.Len() != 0 {
				t.Errorf("a refused event was logged: %s", buf)
			}
		})
	}
}

// TestRecordAcceptsLimits: what is at the limits, and what a first
// version of the checks might have refused, is stored.
func TestRecordAcceptsLimits(t *testing.T) {
	full := map[string]string{}
	for i := range audit.MaxDetails {
		full[fmt.Sprintf("fact_%d", i)] = strings.Repeat("v", audit.MaxValueLen)
	}
	for _, tc := range []struct {
		name   string
		change func(*audit.Event)
	}{
		{"only what is required", func(e *audit.Event) { *e = audit.Event{Action: "user.created", TenantID: "t", Actor: "operator"} }},
		{"digits and underscores in the action", func(e *audit.Event) { e.Action = "user_2.roles_changed_2" }},
		{"the most details, the longest values", func(e *audit.Event) { e.Details = full }},
		{"the longest key", func(e *audit.Event) { e.Details[strings.Repeat("k", audit.MaxKeyLen)] = "" }},
		{"names that are not ASCII", func(e *audit.Event) { e.ActorName, e.TargetName = "Zoë", "Jürgen ☃" }},
		{"an empty detail value", func(e *audit.Event) { e.Details["note"] = "" }},
		{"no details", func(e *audit.Event) { e.Details = nil }},
		{"a client as actor", func(e *audit.Event) { e.Actor = "client:machine" }},
		{"keys near secret words", func(e *audit.Event) {
			e.Details = map[string]string{"session_id": "s-1", "family_id": "f-1", "method": "totp_reset", "reason": "lost"}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l, s, _ := recorder(t)
			e := valid()
			tc.change(&e)
			if err := l.Record(t.Context(), e); err != nil {
				t.Fatal(err)
			}
			if n := len(s.stored()); n != 1 {
				t.Errorf("stored %d events, want 1", n)
			}
		})
	}
}

// TestRecordRefusesSecrets: a detail key that looks like a secret is
// refused, whatever its value, and neither the error nor the log repeats
// the value.
func TestRecordRefusesSecrets(t *testing.T) {
	const value = "hunter2-c0rrect-h0rse"
	for _, key := range []string{
		"password", "new_password", "pass_word", "passwd", "passphrase", "pwd",
		"secret", "client_secret", "totp_secret",
		"token", "access_token", "refresh_token_id", "id_token",
		"code", "auth_code", "recovery_codes", "totp_code", "passcode",
		"cookie", "session_cookie", "otp", "api_key", "private_key", "bearer",
	} {
		t.Run(key, func(t *testing.T) {
			l, s, buf := recorder(t)
			e := valid()
			e.Details[key] = value
			err := l.Record(t.Context(), e)
			if !errors.Is(err, audit.ErrInvalid) || !strings.Contains(err.Error(), "secret") {
				t.Fatalf("error = %v, want one wrapping ErrInvalid that says why", err)
			}
			if strings.Contains(err.Error(), value) {
				t.Errorf("error repeats the value: %v", err)
			}
			if len(s.stored()) != 0 || buf.Len() != 0 {
				t.Errorf("the event was stored or logged: %v; %s", s.stored(), buf)
			}
		})
	}
}

// TestRecordLogsWithoutDetails: one Info line per event, with the event's
// id, action, tenant, actor and target, and no detail values (nor keys).
func TestRecordLogsWithoutDetails(t *testing.T) {
	l, s, buf := recorder(t)
	e := valid()
	e.Details = map[string]string{"attempts": "five-attempts", "reason": "too-many-failures"}
	if err := l.Record(t.Context(), e); err != nil {
		t.Fatal(err)
	}
	lines := logLines(t, buf)
	if len(lines) != 1 {
		t.Fatalf("%d log lines, want 1: %s", len(lines), buf)
	}
	got := lines[0]
	delete(got, "time")
	want := map[string]any{
		"level": "INFO", "msg": "audit", "event_id": s.stored()[0].ID, "action": "totp.locked",
		"tenant_id": "t-acme", "actor": "system", "target": "u-jill",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("log line = %v, want %v", got, want)
	}
	for k, v := range e.Details {
		if strings.Contains(buf.String(), v) || strings.Contains(buf.String(), k) {
			t.Errorf("log line holds detail %s: %s", k, buf)
		}
	}
}

// TestRecordReturnsStoreError: an event the store cannot keep is the
// caller's error, and is not logged as recorded.
func TestRecordReturnsStoreError(t *testing.T) {
	l, s, buf := recorder(t)
	broken := errors.New("disk on fire")
	s.err = broken
	err := l.Record(t.Context(), valid())
	if !errors.Is(err, broken) || errors.Is(err, audit.ErrInvalid) {
		t.Fatalf("error = %v, want the store's, not ErrInvalid", err)
	}
	if buf.Len() != 0 {
		t.Errorf("an event that was not stored was logged: %s", buf)
	}

	// A taken id, which a caller that sets ids may hit.
	s.err = nil
	e := valid()
	e.ID = "e-1"
	if err := l.Record(t.Context(), e); err != nil {
		t.Fatal(err)
	}
	if err := l.Record(t.Context(), e); !errors.Is(err, audit.ErrConflict) {
		t.Fatalf("second record of e-1: error = %v, want one wrapping ErrConflict", err)
	}
}

// TestNewDefaults: a nil clock is time.Now and a nil logger logs nothing.
func TestNewDefaults(t *testing.T) {
	s := &memStore{}
	before := time.Now()
	if err := audit.New(s, nil, nil).Record(t.Context(), valid()); err != nil {
		t.Fatal(err)
	}
	got := s.stored()[0].Time
	if got.Location() != time.UTC || got.Before(before.Truncate(time.Microsecond)) || got.After(time.Now()) {
		t.Errorf("time = %v, want now in UTC", got)
	}
}

// TestObserverSeesStoredEventsOnly: an observer sees each event Record
// stored, once, and not those it refused; the Log it came from observes
// nothing.
func TestObserverSeesStoredEventsOnly(t *testing.T) {
	l, s, _ := recorder(t)
	var seen []string
	observed := l.WithObserver(func(_ context.Context, e audit.Event) { seen = append(seen, e.Action+" "+e.ID) })
	if err := observed.Record(t.Context(), valid()); err != nil {
		t.Fatal(err)
	}
	bad := valid()
	bad.Action = "Not An Action"
	if err := observed.Record(t.Context(), bad); err == nil {
		t.Fatal("an invalid event was recorded")
	}
	if err := l.Record(t.Context(), valid()); err != nil {
		t.Fatal(err)
	}
	stored := s.stored()
	if len(stored) != 2 || len(seen) != 1 || seen[0] != "totp.locked "+stored[0].ID {
		t.Errorf("observed %q of %d stored events, want the first one only", seen, len(stored))
	}
}
