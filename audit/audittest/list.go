package audittest

import (
	"fmt"
	"math"
	"slices"
	"testing"
	"time"

	"github.com/gatehouse-id/gatehouse/audit"
)

// testTenants: a list holds the events of the tenants asked for and never
// another tenant's; no tenants means no events, not every tenant's.
func testTenants(t *testing.T, newStore func(t *testing.T) audit.Store) {
	s := newStore(t)
	a1, a2, a3 := event("e-a1", "t-a", 1), event("e-a2", "t-a", 3), event("e-a3", "t-a", 5)
	b1, b2 := event("e-b1", "t-b", 2), event("e-b2", "t-b", 4)
	// Tenants whose ids a sloppy filter would confuse with t-a: a prefix
	// match, a LIKE pattern, a case-insensitive comparison.
	ab, upper, pct := event("e-ab", "t-ab", 6), event("e-upper", "T-A", 7), event("e-pct", "t-%", 8)
	appendAll(t, s, a1, b1, a2, b2, a3, ab, upper, pct)

	for _, tc := range []struct {
		name    string
		tenants []string
		want    []audit.Event
	}{
		{"one tenant", []string{"t-a"}, []audit.Event{a3, a2, a1}},
		{"two tenants, merged newest first", []string{"t-b", "t-a"}, []audit.Event{a3, b2, a2, b1, a1}},
		{"a tenant named twice", []string{"t-a", "t-a"}, []audit.Event{a3, a2, a1}},
		{"a tenant without events", []string{"t-none"}, nil},
		{"a tenant without events and one with", []string{"t-none", "t-b"}, []audit.Event{b2, b1}},
		{"the empty tenant id", []string{""}, nil},
		{"a pattern is an id", []string{"t-%"}, []audit.Event{pct}},
		{"case matters", []string{"T-A"}, []audit.Event{upper}},
		{"no tenants", []string{}, nil},
		{"nil tenants", nil, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wantEvents(t, "listed", list(t, s, tc.tenants, time.Time{}, 0), tc.want)
		})
	}
}

// testManyTenants lists with more tenants than SQLite accepts parameters
// in a statement (32766): an administrator high in a large tree sees that
// many.
func testManyTenants(t *testing.T, newStore func(t *testing.T) audit.Store) {
	s := newStore(t)
	tenants := make([]string, 40000)
	for i := range tenants {
		tenants[i] = fmt.Sprintf("t-%05d", i)
	}
	first, last := event("e-1", tenants[0], 0), event("e-2", tenants[len(tenants)-1], 1)
	appendAll(t, s, first, last, event("e-3", "t-elsewhere", 2))
	wantEvents(t, "listed", list(t, s, tenants, time.Time{}, 0), []audit.Event{last, first})
}

// testSince: since is inclusive, to the microsecond, and an instant: its
// location does not matter.
func testSince(t *testing.T, newStore func(t *testing.T) audit.Store) {
	s := newStore(t)
	e0, e1, e2 := event("e-0", "t-acme", 0), event("e-1", "t-acme", 1), event("e-2", "t-acme", 2)
	appendAll(t, s, e0, e1, e2)

	for _, tc := range []struct {
		name  string
		since time.Time
		want  []audit.Event
	}{
		{"zero time: everything", time.Time{}, []audit.Event{e2, e1, e0}},
		{"before the first", at(-1), []audit.Event{e2, e1, e0}},
		{"exactly an event's time", at(1), []audit.Event{e2, e1}},
		{"a microsecond before", at(1).Add(-time.Microsecond), []audit.Event{e2, e1}},
		{"a microsecond after", at(1).Add(time.Microsecond), []audit.Event{e2}},
		{"the same instant in another zone", at(1).In(time.FixedZone("EST", -5*3600)), []audit.Event{e2, e1}},
		{"after the last", at(3), nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wantEvents(t, "listed", list(t, s, []string{"t-acme"}, tc.since, 0), tc.want)
		})
	}
}

// testOrder: newest first, and events of the same time by id, descending,
// comparing bytes, whatever order they were appended in.
func testOrder(t *testing.T, newStore func(t *testing.T) audit.Store) {
	s := newStore(t)
	var (
		old    = event("e-old", "t-acme", 0)
		mid    = event("e-mid", "t-acme", 1)
		newest = event("e-new", "t-acme", 3)
		// Same time: by id, descending, comparing bytes ('B' < 'a').
		tieB = event("e-B", "t-acme", 2)
		tieA = event("e-a", "t-acme", 2)
		tieC = event("e-c", "t-acme", 2)
		// A microsecond apart: time, not id, decides.
		early = func() audit.Event { e := event("e-z", "t-acme", 2); e.Time = e.Time.Add(-time.Microsecond); return e }()
	)
	appendAll(t, s, tieB, mid, newest, tieC, old, early, tieA)
	want := []audit.Event{newest, tieC, tieA, tieB, early, mid, old}
	wantEvents(t, "listed", list(t, s, []string{"t-acme"}, time.Time{}, 0), want)
	if got := list(t, s, []string{"t-acme"}, at(2), 0); !slices.Equal(ids(got), []string{"e-new", "e-c", "e-a", "e-B"}) {
		t.Fatalf("since the tie: ids %v", ids(got))
	}
}

// testLimit: at most limit events, the newest ones.
func testLimit(t *testing.T, newStore func(t *testing.T) audit.Store) {
	s := newStore(t)
	var all []audit.Event // newest first
	for m := range 5 {
		e := event(fmt.Sprintf("e-%d", m), "t-acme", m)
		all = append([]audit.Event{e}, all...)
		appendAll(t, s, e)
	}
	appendAll(t, s, event("e-other", "t-other", 10))
	for _, tc := range []struct {
		limit int
		want  []audit.Event
	}{
		{1, all[:1]},
		{3, all[:3]},
		{5, all},
		{6, all},
		{0, all},
		{-1, all},
	} {
		t.Run(fmt.Sprintf("limit %d", tc.limit), func(t *testing.T) {
			wantEvents(t, "listed", list(t, s, []string{"t-acme"}, time.Time{}, tc.limit), tc.want)
		})
	}
	// The limit applies after since.
	wantEvents(t, "since at(3), limit 1", list(t, s, []string{"t-acme"}, at(3), 1), all[:1])
}

// defaultLimitLog appends audit.ListLimit+1 events of t-acme, e-00000 to
// e-01000, a second apart, oldest first, and returns how many.
func defaultLimitLog(t *testing.T, s audit.Store) int {
	t.Helper()
	n := audit.ListLimit + 1
	for i := range n {
		e := audit.Event{ID: fmt.Sprintf("e-%05d", i), Time: at(0).Add(time.Duration(i) * time.Second),
			Action: "user.signed_in", TenantID: "t-acme", Actor: "u-jill"}
		mustDo(t, s.AppendEvent(t.Context(), e))
	}
	return n
}

// testDefaultLimit: a limit <= 0, or above audit.ListLimit, is
// audit.ListLimit, and the events left out are the oldest. QueryEvents is
// checked on the same events (testQueryDefaultLimit), which take a while
// to append.
func testDefaultLimit(t *testing.T, newStore func(t *testing.T) audit.Store) {
	s := newStore(t)
	n := defaultLimitLog(t, s)
	for _, limit := range []int{0, -1, audit.ListLimit, audit.ListLimit + 1, math.MaxInt} {
		got := list(t, s, []string{"t-acme"}, time.Time{}, limit)
		if len(got) != audit.ListLimit {
			t.Fatalf("limit %d: %d events, want %d", limit, len(got), audit.ListLimit)
		}
		if first, last := got[0].ID, got[len(got)-1].ID; first != fmt.Sprintf("e-%05d", n-1) || last != "e-00001" {
			t.Fatalf("limit %d: events %s to %s, want the newest, e-%05d to e-00001", limit, first, last, n-1)
		}
	}
	t.Run("Query", func(t *testing.T) { testQueryDefaultLimit(t, s, n) })
}
