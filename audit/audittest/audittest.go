// Package audittest is the conformance suite for audit.Store. Every backend
// (SQLite, PostgreSQL) runs the same Run from its own tests, so that the
// audit log reads the same whatever stores it:
//
//	func TestAudit(t *testing.T) {
//		audittest.Run(t, func(t *testing.T) audit.Store { return openFresh(t) })
//	}
//
// A backend that sees the directory's tenants, and so answers
// audit.Query.Subtree, runs RunSubtree too, with a newStore that creates
// the tenants it is handed, as the directory would, beside the events.
// The suite cannot create tenants itself: they are the directory's, and
// only the backend knows how it keeps them. Run checks what every store
// does with a Subtree when it holds no tenant: no events, or a refusal.
//
// The suite imports nothing but the contract and the standard library. What
// it expects beyond the interface's doc comments, so that backends agree:
//   - times come back in UTC, the same instant to the microsecond: the
//     fixtures carry microseconds and never nanoseconds, which PostgreSQL
//     cannot keep; the bounds of a Query (Since, Until, the cursor's time)
//     may carry nanoseconds, and compare as the instants they are;
//   - a nil and an empty Details map may come back either way, and so may
//     a nil and an empty list of events: "none" is stored, not how it was
//     spelled;
//   - ids, tenant ids, actors, targets and actions compare byte by byte:
//     "T-A" is not "t-a", "e-a" sorts after "e-B", and "%" and "_" are
//     characters, never patterns;
//   - events refer to nothing: the suite stores events of tenants, actors
//     and targets that exist nowhere, as the log does once they are
//     deleted;
//   - concurrent appends all succeed, and of concurrent appends of one id
//     exactly one does.
package audittest

import (
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/gatehouse-id/gatehouse/audit"
	"github.com/gatehouse-id/gatehouse/internal/check"
)

// Run runs the suite. newStore must return a new, empty store for each call;
// it is called once per subtest, and should register its cleanup with t.
func Run(t *testing.T, newStore func(t *testing.T) audit.Store) {
	t.Run("RoundTrip", func(t *testing.T) { testRoundTrip(t, newStore) })
	t.Run("DuplicateID", func(t *testing.T) { testDuplicateID(t, newStore) })
	t.Run("NilAndEmptyDetails", func(t *testing.T) { testNilAndEmptyDetails(t, newStore) })
	t.Run("Tenants", func(t *testing.T) { testTenants(t, newStore) })
	t.Run("ManyTenants", func(t *testing.T) { testManyTenants(t, newStore) })
	t.Run("Since", func(t *testing.T) { testSince(t, newStore) })
	t.Run("Order", func(t *testing.T) { testOrder(t, newStore) })
	t.Run("Limit", func(t *testing.T) { testLimit(t, newStore) })
	t.Run("DefaultLimit", func(t *testing.T) { testDefaultLimit(t, newStore) })
	t.Run("Copies", func(t *testing.T) { testCopies(t, newStore) })
	t.Run("Race", func(t *testing.T) { testRace(t, newStore) })
	t.Run("Query", func(t *testing.T) { testQuery(t, newStore) })
}

// at returns a fixed instant plus m minutes. It has microseconds, so that a
// backend that drops them fails, and no nanoseconds, which PostgreSQL cannot
// keep.
func at(m int) time.Time {
	return time.Date(2025, 3, 14, 15, 9, 26, 535897000, time.UTC).Add(time.Duration(m) * time.Minute)
}

// event returns an event of tenantID at at(m) with every field set, so that
// a column the backend forgets shows up.
func event(id, tenantID string, m int) audit.Event {
	return audit.Event{
		ID: id, Time: at(m), Action: "user.roles_changed", TenantID: tenantID,
		Actor: "u-admin", ActorName: "admin", Target: "u-jill-" + id, TargetName: "jill",
		Details: map[string]string{"added": "readers,devices", "removed": "admins", "via": "portal"},
	}
}

// appendAll appends es in order.
func appendAll(t *testing.T, s audit.Store, es ...audit.Event) {
	t.Helper()
	for _, e := range es {
		mustDo(t, s.AppendEvent(t.Context(), e))
	}
}

// list lists the events of tenantIDs since since, at most limit.
func list(t *testing.T, s audit.Store, tenantIDs []string, since time.Time, limit int) []audit.Event {
	t.Helper()
	es, err := s.ListEvents(t.Context(), tenantIDs, since, limit)
	mustDo(t, err)
	return es
}

// wantEvents compares deeply after normalizing (see the package doc).
// DeepEqual also tells a UTC time from the same instant in another
// location, which is what the suite wants.
func wantEvents(t *testing.T, what string, got, want []audit.Event) {
	t.Helper()
	g, w := normalize(got), normalize(want)
	if !reflect.DeepEqual(g, w) {
		t.Fatalf("%s:\n got %s\nwant %s", what, describe(g), describe(w))
	}
}

func normalize(es []audit.Event) []audit.Event {
	if len(es) == 0 {
		return nil
	}
	out := make([]audit.Event, len(es))
	for i, e := range es {
		if len(e.Details) == 0 {
			e.Details = nil
		}
		out[i] = e
	}
	return out
}

// describe prints events one a line, so that an order mismatch reads.
func describe(es []audit.Event) string {
	if len(es) == 0 {
		return "(none)"
	}
	s := ""
	for _, e := range es {
		s += fmt.Sprintf("\n\t%+v", e)
	}
	return s
}

// ids returns the ids of es, in order.
func ids(es []audit.Event) []string {
	out := make([]string, len(es))
	for i, e := range es {
		out[i] = e.ID
	}
	return out
}

func testRoundTrip(t *testing.T, newStore func(t *testing.T) audit.Store) {
	cest := time.FixedZone("CEST", 2*3600)
	for _, tc := range []struct {
		name string
		in   audit.Event
		want audit.Event // in, unless set
	}{
		{name: "every field", in: event("e-1", "t-acme", 0)},
		{name: "only what is required", in: audit.Event{ID: "e-1", Time: at(0), Action: "totp.locked",
			TenantID: "t-acme", Actor: "system"}},
		{name: "time in another zone comes back in UTC",
			in:   func() audit.Event { e := event("e-1", "t-acme", 0); e.Time = at(0).In(cest); return e }(),
			want: event("e-1", "t-acme", 0)},
		{name: "details that are not plain words", in: func() audit.Event {
			e := event("e-1", "t-acme", 0)
			e.Details = map[string]string{
				"empty": "", "quoted": `say "hi" \ {"a": 1}`, "unicode": "Zoë ☃ 𝄞", "null": "null",
				"spaces": "  two  ", "lines": "one\ntwo\ttab",
			}
			return e
		}()},
		{name: "names that are not plain words", in: func() audit.Event {
			e := event("e-1", "t-acme", 0)
			e.ActorName, e.TargetName = "Zoë O'Brien", `"quoted" \ name`
			return e
		}()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newStore(t)
			appendAll(t, s, tc.in)
			want := tc.want
			if want.ID == "" {
				want = tc.in
			}
			wantEvents(t, "listed", list(t, s, []string{tc.in.TenantID}, time.Time{}, 0), []audit.Event{want})
		})
	}
}

// testDuplicateID: an id already stored is refused, whatever the rest of
// the event, and the stored event is unchanged.
func testDuplicateID(t *testing.T, newStore func(t *testing.T) audit.Store) {
	s := newStore(t)
	first := event("e-1", "t-acme", 0)
	appendAll(t, s, first)

	for _, second := range []audit.Event{
		first,
		event("e-1", "t-acme", 5),
		event("e-1", "t-other", 0),
	} {
		wantErr(t, s.AppendEvent(t.Context(), second), audit.ErrConflict)
	}
	wantEvents(t, "t-acme", list(t, s, []string{"t-acme", "t-other"}, time.Time{}, 0), []audit.Event{first})
}

// testNilAndEmptyDetails: no details is stored as such, however spelled.
func testNilAndEmptyDetails(t *testing.T, newStore func(t *testing.T) audit.Store) {
	s := newStore(t)
	a, b := event("e-a", "t-acme", 0), event("e-b", "t-acme", 1)
	a.Details, b.Details = nil, map[string]string{}
	appendAll(t, s, a, b)
	got := list(t, s, []string{"t-acme"}, time.Time{}, 0)
	if len(got) != 2 || len(got[0].Details) != 0 || len(got[1].Details) != 0 {
		t.Fatalf("events without details came back as %s", describe(got))
	}
	wantEvents(t, "listed", got, []audit.Event{b, a})
}

// mustDo and wantErr are the suites' shared assertions (internal/check).
var mustDo, wantErr = check.MustDo, check.WantErr
