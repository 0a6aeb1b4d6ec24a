package audittest

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-id/gatehouse/audit"
)

// testQuery checks QueryEvents: each filter alone and together, time
// ranges, cursors and pages, limits, the empty tenant list, and what a
// Subtree is on a store without tenants. (The default limit is checked by
// testDefaultLimit, on its events; subtrees of tenants by RunSubtree.)
func testQuery(t *testing.T, newStore func(t *testing.T) audit.Store) {
	t.Run("Filters", func(t *testing.T) { testQueryFilters(t, newStore) })
	t.Run("TimeRange", func(t *testing.T) { testQueryTimeRange(t, newStore) })
	t.Run("After", func(t *testing.T) { testQueryAfter(t, newStore) })
	t.Run("Pages", func(t *testing.T) { testQueryPages(t, newStore) })
	t.Run("PagesWhileAppending", func(t *testing.T) { testQueryPagesWhileAppending(t, newStore) })
	t.Run("NoTenants", func(t *testing.T) { testQueryNoTenants(t, newStore) })
	t.Run("Limit", func(t *testing.T) { testQueryLimit(t, newStore) })
	t.Run("ManyTenants", func(t *testing.T) { testQueryManyTenants(t, newStore) })
	t.Run("Cursor", func(t *testing.T) { testQueryCursor(t, newStore) })
	t.Run("BothWays", func(t *testing.T) { testQueryBothWays(t, newStore) })
	t.Run("SubtreeOfNoTenant", func(t *testing.T) { testQuerySubtreeOfNoTenant(t, newStore) })
}

// query runs q and returns the events and whether more follow.
func query(t *testing.T, s audit.Store, q audit.Query) ([]audit.Event, bool) {
	t.Helper()
	es, more, err := s.QueryEvents(t.Context(), q)
	mustDo(t, err)
	return es, more
}

// wantIDs fails unless es are the events with ids want, in that order.
func wantIDs(t *testing.T, what string, es []audit.Event, want ...string) {
	t.Helper()
	if got := ids(es); !slices.Equal(got, want) {
		t.Fatalf("%s: ids\n got %v\nwant %v", what, got, want)
	}
}

// acted returns an event of tenantID at at(m) by actor, to target, of
// action.
func acted(id, tenantID string, m int, actor, target, action string) audit.Event {
	e := event(id, tenantID, m)
	e.Actor, e.Target, e.Action = actor, target, action
	return e
}

// queryLog is the log the filter tests query. Its events differ in one
// field at a time, and in ways a sloppy filter confuses: case, a LIKE
// pattern, an action that starts like a prefix without its dot; and two
// pairs share a time.
func queryLog() []audit.Event {
	return []audit.Event{
		acted("e-01", "t-a", 0, "u-admin", "u-jill", "user.roles_changed"),
		acted("e-02", "t-a", 1, "system", "u-jill", "totp.locked"),
		acted("e-03", "t-a", 2, "u-admin", "u-john", "support.login"),
		acted("e-04", "t-b", 2, "u-admin", "u-jill", "support.consented"),
		acted("e-05", "t-a", 3, "u-jill", "u-jill", "totp.reset"),
		acted("e-06", "t-a", 3, "u-admin", "u-john", "support.ended"),
		acted("e-07", "t-b", 4, "u-jill", "u-john", "user.roles_changed"),
		acted("e-08", "t-c", 5, "u-admin", "u-jill", "support.login"), // a tenant never asked for
		acted("e-09", "t-a", 5, "client:c-1", "u-jill", "support_team.created"),
		acted("e-10", "t-a", 6, "U-ADMIN", "U-JILL", "Support.login"),
		acted("e-11", "t-b", 7, "u-admin", "", "supports.listed"),
		acted("e-12", "t-a", 8, "u-admin", "u-jill", "support"),
	}
}

// ab is the tenants most queries ask for.
var ab = []string{"t-a", "t-b"}

func testQueryFilters(t *testing.T, newStore func(t *testing.T) audit.Store) {
	s := newStore(t)
	appendAll(t, s, queryLog()...)

	for _, tc := range []struct {
		name string
		q    audit.Query
		want []string
	}{
		{"no filter", audit.Query{TenantIDs: ab},
			[]string{"e-12", "e-11", "e-10", "e-09", "e-07", "e-06", "e-05", "e-04", "e-03", "e-02", "e-01"}},
		{"one tenant", audit.Query{TenantIDs: []string{"t-a"}},
			[]string{"e-12", "e-10", "e-09", "e-06", "e-05", "e-03", "e-02", "e-01"}},
		{"a tenant named twice", audit.Query{TenantIDs: []string{"t-b", "t-b"}}, []string{"e-11", "e-07", "e-04"}},

		{"actor", audit.Query{TenantIDs: ab, Actor: "u-admin"}, []string{"e-12", "e-11", "e-06", "e-04", "e-03", "e-01"}},
		{"actor, case matters", audit.Query{TenantIDs: ab, Actor: "U-ADMIN"}, []string{"e-10"}},
		{"actor with a colon", audit.Query{TenantIDs: ab, Actor: "client:c-1"}, []string{"e-09"}},
		{"actor is not a prefix", audit.Query{TenantIDs: ab, Actor: "u-admi"}, nil},
		{"actor is not a pattern", audit.Query{TenantIDs: ab, Actor: "u-%"}, nil},
		{"actor nobody is", audit.Query{TenantIDs: ab, Actor: "u-none"}, nil},

		{"target", audit.Query{TenantIDs: ab, Target: "u-jill"}, []string{"e-12", "e-09", "e-05", "e-04", "e-02", "e-01"}},
		{"another target", audit.Query{TenantIDs: ab, Target: "u-john"}, []string{"e-07", "e-06", "e-03"}},
		{"target, case matters", audit.Query{TenantIDs: ab, Target: "U-JILL"}, []string{"e-10"}},
		{"target is not a pattern", audit.Query{TenantIDs: ab, Target: "u-j_ll"}, nil},

		{"action", audit.Query{TenantIDs: ab, Action: "support.login"}, []string{"e-03"}},
		{"action without a dot is exact", audit.Query{TenantIDs: ab, Action: "support"}, []string{"e-12"}},
		{"action that is a noun only", audit.Query{TenantIDs: ab, Action: "totp"}, nil},
		{"action prefix", audit.Query{TenantIDs: ab, Action: "support."}, []string{"e-06", "e-04", "e-03"}},
		{"another action prefix", audit.Query{TenantIDs: ab, Action: "totp."}, []string{"e-05", "e-02"}},
		{"action prefix with an underscore", audit.Query{TenantIDs: ab, Action: "support_team."}, []string{"e-09"}},
		{"action prefix is not a pattern", audit.Query{TenantIDs: ab, Action: "sup_ort."}, nil},
		{"action prefix, case matters", audit.Query{TenantIDs: ab, Action: "Support."}, []string{"e-10"}},
		{"action prefix of nothing", audit.Query{TenantIDs: ab, Action: "."}, nil},

		{"tenant, actor and action prefix", audit.Query{TenantIDs: []string{"t-a"}, Actor: "u-admin", Action: "support."},
			[]string{"e-06", "e-03"}},
		{"target and action prefix", audit.Query{TenantIDs: ab, Target: "u-jill", Action: "support."}, []string{"e-04"}},
		{"target and action prefix, one tenant", audit.Query{TenantIDs: []string{"t-a"}, Target: "u-jill", Action: "support."}, nil},
		{"actor and target", audit.Query{TenantIDs: ab, Actor: "u-jill", Target: "u-jill"}, []string{"e-05"}},
		{"actor and time", audit.Query{TenantIDs: ab, Actor: "u-admin", Since: at(2), Until: at(7)},
			[]string{"e-06", "e-04", "e-03"}},
		{"everything", audit.Query{TenantIDs: []string{"t-none", "t-b", "t-a"}, Actor: "u-admin", Target: "u-john",
			Action: "support.", Since: at(2), Until: at(3)}, []string{"e-03"}},
		{"everything and a cursor", audit.Query{TenantIDs: []string{"t-none", "t-b", "t-a"}, Actor: "u-admin", Target: "u-john",
			Action: "support.", Since: at(2), Until: at(4), After: audit.Cursor{Time: at(3), ID: "e-06"}}, []string{"e-03"}},
		{"the other tenant's, asked for", audit.Query{TenantIDs: []string{"t-c"}, Action: "support.login"}, []string{"e-08"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, more := query(t, s, tc.q)
			wantIDs(t, fmt.Sprintf("%+v", tc.q), got, tc.want...)
			if more {
				t.Errorf("more = true, with every match returned")
			}
		})
	}

	// Every field comes back, as from ListEvents.
	got, _ := query(t, s, audit.Query{TenantIDs: []string{"t-a"}, Actor: "system"})
	wantEvents(t, "system's", got, queryLog()[1:2])
}

// testQueryTimeRange: Since is inclusive and Until exclusive, both to the
// instant (a time with nanoseconds too, although events have none), and
// neither depends on the location.
func testQueryTimeRange(t *testing.T, newStore func(t *testing.T) audit.Store) {
	s := newStore(t)
	appendAll(t, s, queryLog()...)
	est := time.FixedZone("EST", -5*3600)
	for _, tc := range []struct {
		name         string
		since, until time.Time
		want         []string
	}{
		{"unbounded", time.Time{}, time.Time{},
			[]string{"e-12", "e-11", "e-10", "e-09", "e-07", "e-06", "e-05", "e-04", "e-03", "e-02", "e-01"}},
		{"since a tie", at(3), time.Time{}, []string{"e-12", "e-11", "e-10", "e-09", "e-07", "e-06", "e-05"}},
		{"until a tie", time.Time{}, at(3), []string{"e-04", "e-03", "e-02", "e-01"}},
		{"since and until", at(2), at(4), []string{"e-06", "e-05", "e-04", "e-03"}},
		{"a microsecond after each", at(2).Add(time.Microsecond), at(4).Add(time.Microsecond), []string{"e-07", "e-06", "e-05"}},
		{"a microsecond before each", at(2).Add(-time.Microsecond), at(4).Add(-time.Microsecond),
			[]string{"e-06", "e-05", "e-04", "e-03"}},
		{"a nanosecond after each", at(2).Add(time.Nanosecond), at(4).Add(time.Nanosecond), []string{"e-07", "e-06", "e-05"}},
		{"a nanosecond before each", at(2).Add(-time.Nanosecond), at(4).Add(-time.Nanosecond),
			[]string{"e-06", "e-05", "e-04", "e-03"}},
		{"another zone", at(3).In(est), at(4).In(est), []string{"e-06", "e-05"}},
		{"since is until", at(3), at(3), nil},
		{"since after until", at(5), at(2), nil},
		{"after the last", at(9), time.Time{}, nil},
		{"until the first", time.Time{}, at(0), nil},
		{"until just after the first", time.Time{}, at(0).Add(time.Nanosecond), []string{"e-01"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, more := query(t, s, audit.Query{TenantIDs: ab, Since: tc.since, Until: tc.until})
			wantIDs(t, "events", got, tc.want...)
			if more {
				t.Errorf("more = true, with every match returned")
			}
		})
	}
}

// testQueryAfter: the events after a cursor in the newest-first order,
// whether or not the cursor names a stored event.
func testQueryAfter(t *testing.T, newStore func(t *testing.T) audit.Store) {
	s := newStore(t)
	appendAll(t, s, queryLog()...)
	older := []string{"e-04", "e-03", "e-02", "e-01"} // than at(3)
	for _, tc := range []struct {
		name  string
		after audit.Cursor
		since time.Time
		want  []string
	}{
		{"zero: from the newest", audit.Cursor{}, time.Time{},
			[]string{"e-12", "e-11", "e-10", "e-09", "e-07", "e-06", "e-05", "e-04", "e-03", "e-02", "e-01"}},
		{"the first of a tie", audit.Cursor{Time: at(3), ID: "e-06"}, time.Time{}, append([]string{"e-05"}, older...)},
		{"the last of a tie", audit.Cursor{Time: at(3), ID: "e-05"}, time.Time{}, older},
		{"between the ids of a tie", audit.Cursor{Time: at(3), ID: "e-05x"}, time.Time{}, append([]string{"e-05"}, older...)},
		{"below the ids of a tie", audit.Cursor{Time: at(3), ID: "e-0"}, time.Time{}, older},
		{"ids compare bytes", audit.Cursor{Time: at(3), ID: "E-99"}, time.Time{}, older},
		{"above the ids of a tie", audit.Cursor{Time: at(3), ID: "f"}, time.Time{}, append([]string{"e-06", "e-05"}, older...)},
		{"a microsecond after a tie, no id", audit.Cursor{Time: at(3).Add(time.Microsecond)}, time.Time{},
			append([]string{"e-06", "e-05"}, older...)},
		{"a nanosecond after a tie", audit.Cursor{Time: at(3).Add(time.Nanosecond), ID: "a"}, time.Time{},
			append([]string{"e-06", "e-05"}, older...)},
		{"a nanosecond before a tie", audit.Cursor{Time: at(3).Add(-time.Nanosecond), ID: "z"}, time.Time{}, older},
		{"another zone", audit.Cursor{Time: at(3).In(time.FixedZone("X", 3600)), ID: "e-06"}, time.Time{},
			append([]string{"e-05"}, older...)},
		{"the oldest", audit.Cursor{Time: at(0), ID: "e-01"}, time.Time{}, nil},
		{"after the newest", audit.Cursor{Time: at(100), ID: "a"}, time.Time{},
			[]string{"e-12", "e-11", "e-10", "e-09", "e-07", "e-06", "e-05", "e-04", "e-03", "e-02", "e-01"}},
		{"and since", audit.Cursor{Time: at(3), ID: "e-06"}, at(2), []string{"e-05", "e-04", "e-03"}},
		{"older than since", audit.Cursor{Time: at(2), ID: "e-03"}, at(2), nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, more := query(t, s, audit.Query{TenantIDs: ab, After: tc.after, Since: tc.since})
			wantIDs(t, "events", got, tc.want...)
			if more {
				t.Errorf("more = true, with every match returned")
			}
		})
	}
}

// pageLog returns many events of few times, so that pages end inside ties,
// in three tenants, with two actions, appended out of order. Ids mix
// cases, which compare as bytes.
func pageLog() []audit.Event {
	var es []audit.Event
	times := []int{5, 0, 2, 2, 2, 7, 5, 2, 0, 9, 9, 9, 9, 3, 5, 0, 2, 7, 1, 9, 4, 2, 5, 5}
	for i, m := range times {
		id := fmt.Sprintf("p-%c%02d", "aBcD"[i%4], (i*7)%24)
		action := []string{"support.login", "totp.reset", "support.ended"}[(i/2)%3]
		es = append(es, acted(id, []string{"t-a", "t-b", "t-c"}[i%3], m, "u-admin", "u-jill", action))
	}
	return es
}

// newestFirst returns the events of es that keep says to, newest first.
func newestFirst(es []audit.Event, keep func(audit.Event) bool) []string {
	var out []audit.Event
	for _, e := range es {
		if keep(e) {
			out = append(out, e)
		}
	}
	slices.SortFunc(out, func(a, b audit.Event) int {
		return cmp.Or(b.Time.Compare(a.Time), strings.Compare(b.ID, a.ID))
	})
	return ids(out)
}

// walk reads every page of q, size events at a time, passing the cursor
// through EncodeCursor and DecodeCursor as a client does, and checks that
// every page but the last is full and says more follow, and the last says
// none do.
func walk(t *testing.T, s audit.Store, q audit.Query, size int, between func(page int)) []string {
	t.Helper()
	var (
		got    []string
		cursor string
	)
	for page := 0; ; page++ {
		if page > 1000 {
			t.Fatalf("no last page after %d pages: %v", page, got)
		}
		after, err := audit.DecodeCursor(cursor)
		mustDo(t, err)
		q.After, q.Limit = after, size
		es, more := query(t, s, q)
		got = append(got, ids(es)...)
		switch {
		case len(es) > size:
			t.Fatalf("page %d: %d events, more than %d", page, len(es), size)
		case more && len(es) < size:
			t.Fatalf("page %d: %d events of %d, and more follow", page, len(es), size)
		case len(es) == 0 && page > 0:
			t.Fatalf("page %d is empty: the page before it said more follow", page)
		}
		if !more {
			return got
		}
		cursor = audit.EncodeCursor(audit.CursorOf(es[len(es)-1]))
		if between != nil {
			between(page)
		}
	}
}

// testQueryPages: pages of any size, walked by cursor, hold every matching
// event once, in order, even where a page ends in the middle of events of
// the same time.
func testQueryPages(t *testing.T, newStore func(t *testing.T) audit.Store) {
	s := newStore(t)
	log := pageLog()
	appendAll(t, s, log...)

	for _, tc := range []struct {
		name string
		q    audit.Query
		keep func(audit.Event) bool
	}{
		{"one tenant", audit.Query{TenantIDs: []string{"t-a"}},
			func(e audit.Event) bool { return e.TenantID == "t-a" }},
		{"two tenants", audit.Query{TenantIDs: ab},
			func(e audit.Event) bool { return e.TenantID != "t-c" }},
		{"every tenant", audit.Query{TenantIDs: []string{"t-a", "t-b", "t-c"}},
			func(audit.Event) bool { return true }},
		{"action prefix", audit.Query{TenantIDs: []string{"t-a", "t-b", "t-c"}, Action: "support."},
			func(e audit.Event) bool { return strings.HasPrefix(e.Action, "support.") }},
		{"actor, target and times", audit.Query{TenantIDs: ab, Actor: "u-admin", Target: "u-jill", Since: at(2), Until: at(9)},
			func(e audit.Event) bool {
				return e.TenantID != "t-c" && !e.Time.Before(at(2)) && e.Time.Before(at(9))
			}},
		{"nothing", audit.Query{TenantIDs: ab, Actor: "u-none"}, func(audit.Event) bool { return false }},
	} {
		want := newestFirst(log, tc.keep)
		t.Run(tc.name, func(t *testing.T) {
			all, more := query(t, s, tc.q)
			wantIDs(t, "in one page", all, want...)
			if more {
				t.Fatalf("one page: more = true, with every match returned")
			}
			for _, size := range []int{1, 2, 3, 4, 5, len(want), len(want) + 1} {
				if size < 1 {
					continue
				}
				if got := walk(t, s, tc.q, size, nil); !slices.Equal(got, want) {
					t.Fatalf("pages of %d:\n got %v\nwant %v", size, got, want)
				}
			}
		})
	}
}

// testQueryPagesWhileAppending: events appended while a client pages are
// newer than its cursor, so they shift nothing: the walk still holds every
// event that was there once.
func testQueryPagesWhileAppending(t *testing.T, newStore func(t *testing.T) audit.Store) {
	s := newStore(t)
	log := pageLog()
	appendAll(t, s, log...)
	want := newestFirst(log, func(e audit.Event) bool { return e.TenantID == "t-a" })
	got := walk(t, s, audit.Query{TenantIDs: []string{"t-a"}}, 2, func(page int) {
		appendAll(t, s, acted(fmt.Sprintf("n-%02d", page), "t-a", 20+page, "u-admin", "u-jill", "support.login"))
	})
	if !slices.Equal(got, want) {
		t.Fatalf("walk while appending:\n got %v\nwant %v", got, want)
	}
}

// testQueryNoTenants: no tenants means no events, whatever else is asked.
func testQueryNoTenants(t *testing.T, newStore func(t *testing.T) audit.Store) {
	s := newStore(t)
	appendAll(t, s, queryLog()...)
	for _, tenants := range [][]string{nil, {}, {""}, {"t-none"}} {
		for _, q := range []audit.Query{
			{TenantIDs: tenants},
			{TenantIDs: tenants, Actor: "u-admin", Action: "support.", Limit: 1},
			{TenantIDs: tenants, After: audit.Cursor{Time: at(100), ID: "z"}, Since: at(0)},
		} {
			if got, more := query(t, s, q); len(got) != 0 || more {
				t.Fatalf("%+v: %v, more %v; want none", q, ids(got), more)
			}
		}
	}
}

// testQueryLimit: at most the limit, the newest, and more when some were
// left out.
func testQueryLimit(t *testing.T, newStore func(t *testing.T) audit.Store) {
	s := newStore(t)
	var all []string // newest first
	for m := range 5 {
		e := event(fmt.Sprintf("e-%d", m), "t-acme", m)
		all = append([]string{e.ID}, all...)
		appendAll(t, s, e)
	}
	appendAll(t, s, event("e-other", "t-other", 10))
	for _, tc := range []struct {
		limit int
		want  []string
		more  bool
	}{
		{1, all[:1], true},
		{3, all[:3], true},
		{4, all[:4], true},
		{5, all, false},
		{6, all, false},
		{0, all, false},
		{-1, all, false},
		{math.MinInt, all, false},
		{math.MaxInt, all, false},
	} {
		t.Run(fmt.Sprintf("limit %d", tc.limit), func(t *testing.T) {
			got, more := query(t, s, audit.Query{TenantIDs: []string{"t-acme"}, Limit: tc.limit})
			wantIDs(t, "events", got, tc.want...)
			if more != tc.more {
				t.Fatalf("more = %v, want %v", more, tc.more)
			}
		})
	}
	// The limit, and more, apply after the filters.
	got, more := query(t, s, audit.Query{TenantIDs: []string{"t-acme"}, Since: at(3), Limit: 2})
	wantIDs(t, "since at(3), limit 2", got, all[:2]...)
	if more {
		t.Fatalf("since at(3), limit 2: more = true, with every match returned")
	}
}

// testQueryDefaultLimit: a limit <= 0, or above audit.ListLimit, is
// audit.ListLimit, and more says what was left out. s holds the n events of
// defaultLimitLog (testDefaultLimit runs it).
func testQueryDefaultLimit(t *testing.T, s audit.Store, n int) {
	acme := []string{"t-acme"}
	for _, limit := range []int{0, -1, audit.ListLimit, audit.ListLimit + 1, math.MaxInt} {
		got, more := query(t, s, audit.Query{TenantIDs: acme, Limit: limit})
		if len(got) != audit.ListLimit || !more {
			t.Fatalf("limit %d: %d events, more %v; want %d and more", limit, len(got), more, audit.ListLimit)
		}
		if first, last := got[0].ID, got[len(got)-1].ID; first != fmt.Sprintf("e-%05d", n-1) || last != "e-00001" {
			t.Fatalf("limit %d: events %s to %s, want the newest, e-%05d to e-00001", limit, first, last, n-1)
		}
		rest, more := query(t, s, audit.Query{TenantIDs: acme, Limit: limit, After: audit.CursorOf(got[len(got)-1])})
		wantIDs(t, "the next page", rest, "e-00000")
		if more {
			t.Fatalf("limit %d: the last page says more follow", limit)
		}
	}
	// Exactly ListLimit matches: all of them, and no more.
	got, more := query(t, s, audit.Query{TenantIDs: acme, Since: at(0).Add(time.Second)})
	if len(got) != audit.ListLimit || more {
		t.Fatalf("%d matches: %d events, more %v; want all and no more", audit.ListLimit, len(got), more)
	}
}

// testQueryManyTenants pages with more tenants than SQLite accepts
// parameters in a statement, and every other filter.
func testQueryManyTenants(t *testing.T, newStore func(t *testing.T) audit.Store) {
	s := newStore(t)
	tenants := make([]string, 40000)
	for i := range tenants {
		tenants[i] = fmt.Sprintf("t-%05d", i)
	}
	first := acted("e-1", tenants[0], 0, "u-admin", "u-jill", "support.login")
	last := acted("e-2", tenants[len(tenants)-1], 1, "u-admin", "u-jill", "support.ended")
	appendAll(t, s, first, last, acted("e-3", "t-elsewhere", 2, "u-admin", "u-jill", "support.login"),
		acted("e-4", tenants[1], 3, "u-other", "u-jill", "support.login"))
	q := audit.Query{TenantIDs: tenants, Actor: "u-admin", Target: "u-jill", Action: "support.",
		Since: at(-1), Until: at(10), Limit: 1}
	got, more := query(t, s, q)
	wantEvents(t, "the first page", got, []audit.Event{last})
	if !more {
		t.Fatal("the first page says no more follow")
	}
	q.After = audit.CursorOf(got[0])
	got, more = query(t, s, q)
	wantEvents(t, "the second page", got, []audit.Event{first})
	if more {
		t.Fatal("the last page says more follow")
	}
}

// testQueryCursor: the cursor of a stored event, through EncodeCursor and
// DecodeCursor, is that event's time and id, at any time an event may have.
// (What DecodeCursor refuses depends on no store: package audit's own
// tests check it.)
func testQueryCursor(t *testing.T, newStore func(t *testing.T) audit.Store) {
	s := newStore(t)
	times := []time.Time{
		time.Date(1, 1, 1, 0, 0, 0, 1000, time.UTC),
		time.Date(1969, 12, 31, 23, 59, 59, 999999000, time.UTC),
		time.Unix(0, 0).UTC(),
		at(0),
		time.Date(9999, 12, 31, 23, 59, 59, 999999000, time.UTC),
	}
	for i, when := range times {
		e := event(fmt.Sprintf("e-%d/é:x=", i), "t-acme", 0) // an id with what base64url and the cursor's ':' are not
		e.Time = when
		appendAll(t, s, e)
	}
	// Walk back from the newest, one at a time.
	q := audit.Query{TenantIDs: []string{"t-acme"}, Limit: 1}
	for i := len(times) - 1; i >= 0; i-- {
		got, more := query(t, s, q)
		if len(got) != 1 || !got[0].Time.Equal(times[i]) || more != (i > 0) {
			t.Fatalf("event %d: got %s, more %v", i, describe(got), more)
		}
		enc := audit.EncodeCursor(audit.CursorOf(got[0]))
		c, err := audit.DecodeCursor(enc)
		mustDo(t, err)
		if c.ID != got[0].ID || !c.Time.Equal(got[0].Time) || c.Time.Location() != time.UTC {
			t.Fatalf("event %d: cursor %q decodes to %+v, want %s at %s in UTC", i, enc, c, got[0].ID, got[0].Time)
		}
		q.After = c
	}
}
