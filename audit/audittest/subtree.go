package audittest

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/gatehouse-id/gatehouse/audit"
)

// Tenant is a tenant of the directory as a store answering
// audit.Query.Subtree must hold it: its id and its path, the ids from the
// root down to it, ending with its own (directory.Tenant.Path).
type Tenant struct {
	ID   string
	Path []string
}

// ParentID is the id of t's parent, "" for a root.
func (t Tenant) ParentID() string {
	if len(t.Path) < 2 {
		return ""
	}
	return t.Path[len(t.Path)-2]
}

// RunSubtree runs the suite of audit.Query.Subtree, for a store that sees
// the directory's tenants. newStore must return a new store holding the
// given tenants (parents first; a backend stores them as its directory
// does, in the same database as the events) and no events; it is called
// once per subtest, and should register its cleanup with t.
//
// A deleted tenant is one the store does not hold: the suite appends
// events of tenants it never hands to newStore, as the log keeps a
// deleted tenant's events.
func RunSubtree(t *testing.T, newStore func(t *testing.T, tenants []Tenant) audit.Store) {
	t.Run("Tenants", func(t *testing.T) { testSubtreeTenants(t, newStore) })
	t.Run("AsTenantIDs", func(t *testing.T) { testSubtreeAsTenantIDs(t, newStore) })
	t.Run("Pages", func(t *testing.T) { testSubtreePages(t, newStore) })
	t.Run("Wide", func(t *testing.T) { testSubtreeWide(t, newStore) })
	t.Run("Deep", func(t *testing.T) { testSubtreeDeep(t, newStore) })
}

// tree returns the tenants with the given paths, each a path written as
// ids joined by "/".
func tree(paths ...string) []Tenant {
	out := make([]Tenant, len(paths))
	for i, p := range paths {
		ids := strings.Split(p, "/")
		out[i] = Tenant{ID: ids[len(ids)-1], Path: ids}
	}
	return out
}

// under returns the ids of the tenants whose path holds root: what a
// subtree query of root reads, computed without a store.
func under(tenants []Tenant, root string) []string {
	var out []string
	for _, tn := range tenants {
		if slices.Contains(tn.Path, root) {
			out = append(out, tn.ID)
		}
	}
	return out
}

// testSubtreeTenants: a subtree is its top tenant and every tenant below
// it, comparing ids byte by byte; tenants the store does not hold (deleted,
// or never created) are in no subtree.
func testSubtreeTenants(t *testing.T, newStore func(t *testing.T, tenants []Tenant) audit.Store) {
	tenants := tree(
		"t-root",
		"t-root/t-a",
		"t-root/t-a/t-a1",
		"t-root/t-a/t-a1/t-a1x",
		"t-root/t-a/t-a_", // not a pattern: t-ab and t-a1 are not below it
		"t-root/t-ab",     // starts as t-a does, and is not below it
		"t-root/T-A",      // t-a in upper case, another tenant
		"t-root/t-%",
		"t-other",
		"t-other/t-other1",
	)
	s := newStore(t, tenants)
	// One event a tenant, and events of tenants the store does not hold:
	// t-gone was below t-a and is deleted, t-nowhere never was.
	var log []audit.Event
	for i, id := range append(under(tenants, "t-root"), "t-gone", "t-other", "t-other1", "t-nowhere", "t-gone") {
		log = append(log, acted(fmt.Sprintf("e-%02d", i), id, i, "u-admin", "u-jill", "user.updated"))
	}
	appendAll(t, s, log...)
	of := func(ids ...string) []string {
		return newestFirst(log, func(e audit.Event) bool { return slices.Contains(ids, e.TenantID) })
	}

	for _, tc := range []struct {
		name, root string
		want       []string
	}{
		{"the root", "t-root", of("t-root", "t-a", "t-a1", "t-a1x", "t-a_", "t-ab", "T-A", "t-%")},
		{"a tenant with children", "t-a", of("t-a", "t-a1", "t-a1x", "t-a_")},
		{"a grandchild", "t-a1", of("t-a1", "t-a1x")},
		{"a leaf", "t-a1x", of("t-a1x")},
		{"an underscore", "t-a_", of("t-a_")},
		{"a percent sign", "t-%", of("t-%")},
		{"case matters", "T-A", of("T-A")},
		{"case matters, the other way", "t-A", nil},
		{"an id is not a prefix", "t", nil},
		{"another tree", "t-other", of("t-other", "t-other1")},
		{"a deleted tenant", "t-gone", nil},
		{"a tenant that never was", "t-nowhere", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, more := query(t, s, audit.Query{Subtree: tc.root})
			wantIDs(t, "subtree "+tc.root, got, tc.want...)
			if more {
				t.Errorf("more = true, with every match returned")
			}
		})
	}

	// Every field comes back, as from TenantIDs.
	got, _ := query(t, s, audit.Query{Subtree: "t-a1x"})
	i := slices.IndexFunc(log, func(e audit.Event) bool { return e.TenantID == "t-a1x" })
	wantEvents(t, "t-a1x's", got, log[i:i+1])
	// An empty TenantIDs does not name tenants: Subtree does.
	got, _ = query(t, s, audit.Query{Subtree: "t-a1", TenantIDs: []string{}})
	wantIDs(t, "subtree t-a1 and an empty TenantIDs", got, of("t-a1", "t-a1x")...)
}

// subtreeLog returns events in the tenants of subtreeTree and in a deleted
// one, of a few actors, targets, actions and times, so that every filter
// keeps some and drops some in every tenant, and times tie across tenants.
func subtreeLog() []audit.Event {
	tenants := []string{"t-r", "t-a", "t-a1", "t-b", "t-gone", "t-c", "t-b1"}
	actors := []string{"u-admin", "system", "client:c-1", "U-ADMIN"}
	targets := []string{"u-jill", "u-john", ""}
	actions := []string{"support.login", "totp.reset", "support.ended", "support_team.created", "user.updated"}
	var es []audit.Event
	for i := range 70 {
		es = append(es, acted(fmt.Sprintf("s-%c%02d", "aBcD"[i%4], i), tenants[i%len(tenants)], (i*5)%11,
			actors[i%len(actors)], targets[i%len(targets)], actions[i%len(actions)]))
	}
	return es
}

// subtreeTree holds subtreeLog's tenants but t-gone: two subtrees side by
// side, and t-c in another tree.
func subtreeTree() []Tenant {
	return tree("t-r", "t-r/t-a", "t-r/t-a/t-a1", "t-r/t-b", "t-r/t-b/t-b1", "t-c")
}

// testSubtreeAsTenantIDs: with every other filter, a limit and a cursor,
// a subtree reads what the list of its tenants reads (the suite checks
// that against the filters' meaning), and says more follow just when the
// list does.
func testSubtreeAsTenantIDs(t *testing.T, newStore func(t *testing.T, tenants []Tenant) audit.Store) {
	tenants := subtreeTree()
	s := newStore(t, tenants)
	appendAll(t, s, subtreeLog()...)
	after := audit.Cursor{Time: at(5), ID: "s-c10"}
	for i, q := range []audit.Query{
		{},
		{Actor: "u-admin"},
		{Actor: "U-ADMIN"},
		{Actor: "u-%"},
		{Target: "u-jill"},
		{Target: ""},
		{Action: "support."},
		{Action: "support_team."},
		{Action: "totp.reset"},
		{Actor: "u-admin", Target: "u-john", Action: "support."},
		{Since: at(3), Until: at(8)},
		{Since: at(3).Add(1), Until: at(8).Add(-1)},
		{After: after},
		{After: after, Action: "support.", Since: at(1)},
		{Target: "u-jill", After: after},
		{Limit: 1},
		{Limit: 3},
		{Limit: 7, After: after},
		{Limit: 2, Actor: "system"},
		{Limit: 2, Target: "u-john", After: after},
	} {
		for _, root := range []string{"t-r", "t-a", "t-a1", "t-b", "t-c", "t-gone"} {
			byList, bySubtree := q, q
			byList.TenantIDs, bySubtree.Subtree = under(tenants, root), root
			t.Run(fmt.Sprintf("query %d of %s", i, root), func(t *testing.T) {
				want, wantMore := query(t, s, byList)
				if root == "t-gone" {
					want, wantMore = nil, false // no tenants, no events
				}
				q := bySubtree
				got, more := query(t, s, q)
				wantIDs(t, fmt.Sprintf("%+v", q), got, ids(want)...)
				if more != wantMore {
					t.Errorf("%+v: more = %v, want %v (as by the list %v)", q, more, wantMore, byList.TenantIDs)
				}
			})
		}
	}
}

// testSubtreePages: pages of a subtree, walked by cursor, hold every event
// of its tenants once, in order, where pages end inside ties of events of
// several tenants and a tenant holds more events than a page.
func testSubtreePages(t *testing.T, newStore func(t *testing.T, tenants []Tenant) audit.Store) {
	tenants := tree("t-r", "t-r/t-a", "t-r/t-b", "t-r/t-b/t-c")
	s := newStore(t, tenants)
	log := pageLog()
	appendAll(t, s, log...)
	for _, tc := range []struct {
		root   string
		action string
	}{{"t-r", ""}, {"t-b", ""}, {"t-c", ""}, {"t-r", "support."}, {"t-b", "totp."}} {
		in := under(tenants, tc.root)
		want := newestFirst(log, func(e audit.Event) bool {
			return slices.Contains(in, e.TenantID) && strings.HasPrefix(e.Action, tc.action)
		})
		q := audit.Query{Subtree: tc.root, Action: tc.action}
		t.Run(fmt.Sprintf("%s %q", tc.root, tc.action), func(t *testing.T) {
			for _, size := range []int{1, 2, 3, 4, 5, len(want), len(want) + 1} {
				if size < 1 {
					continue
				}
				if got := walk(t, s, q, size, nil); !slices.Equal(got, want) {
					t.Fatalf("pages of %d:\n got %v\nwant %v", size, got, want)
				}
			}
		})
	}
}

// testSubtreeWide pages through a subtree of thousands of tenants, as a
// provider's is, with a filter; a deleted child's events stay out.
func testSubtreeWide(t *testing.T, newStore func(t *testing.T, tenants []Tenant) audit.Store) {
	paths := []string{"t-sys", "t-sys/t-wide", "t-sys/t-elsewhere"}
	for i := range 2500 {
		paths = append(paths, fmt.Sprintf("t-sys/t-wide/t-w%04d", i))
	}
	tenants := tree(paths...)
	s := newStore(t, tenants)
	var log []audit.Event
	add := func(tenantID, action string) {
		log = append(log, acted(fmt.Sprintf("w-%03d", len(log)), tenantID, len(log)%17, "u-admin", "u-jill", action))
	}
	for i := 0; i < 2500; i += 97 {
		add(fmt.Sprintf("t-w%04d", i), "support.login")
		add(fmt.Sprintf("t-w%04d", i), "user.updated")
	}
	for _, id := range []string{"t-wide", "t-w2499", "t-w2499", "t-gone", "t-elsewhere", "t-sys"} {
		add(id, "support.ended")
	}
	appendAll(t, s, log...)
	in := under(tenants, "t-wide")
	want := newestFirst(log, func(e audit.Event) bool {
		return slices.Contains(in, e.TenantID) && strings.HasPrefix(e.Action, "support.")
	})
	if got := walk(t, s, audit.Query{Subtree: "t-wide", Action: "support."}, 4, nil); !slices.Equal(got, want) {
		t.Fatalf("pages of 4:\n got %v\nwant %v", got, want)
	}
	got, more := query(t, s, audit.Query{Subtree: "t-sys", Limit: audit.ListLimit})
	if len(got) != len(log)-1 || more { // all but t-gone's
		t.Fatalf("subtree t-sys: %d events, more %v; want %d", len(got), more, len(log)-1)
	}
}

// testSubtreeDeep: a subtree deep in a long line of tenants.
func testSubtreeDeep(t *testing.T, newStore func(t *testing.T, tenants []Tenant) audit.Store) {
	var paths []string
	path := ""
	for i := range 12 {
		path += fmt.Sprintf("/t-d%02d", i)
		paths = append(paths, path[1:])
	}
	tenants := tree(paths...)
	s := newStore(t, tenants)
	var log []audit.Event
	for i, tn := range tenants {
		log = append(log, acted(fmt.Sprintf("d-%02d", i), tn.ID, 12-i, "u-admin", "u-jill", "user.updated"))
	}
	appendAll(t, s, log...)
	for _, root := range []string{"t-d00", "t-d05", "t-d11"} {
		in := under(tenants, root)
		want := newestFirst(log, func(e audit.Event) bool { return slices.Contains(in, e.TenantID) })
		got, _ := query(t, s, audit.Query{Subtree: root})
		wantIDs(t, "subtree "+root, got, want...)
	}
}

// testQueryBothWays: a query naming its tenants both ways is refused
// before anything is read, by every store.
func testQueryBothWays(t *testing.T, newStore func(t *testing.T) audit.Store) {
	s := newStore(t)
	appendAll(t, s, queryLog()...)
	for _, q := range []audit.Query{
		{TenantIDs: []string{"t-a"}, Subtree: "t-a"},
		{TenantIDs: []string{"t-a", "t-b"}, Subtree: "t-none", Actor: "u-admin", Limit: 1},
	} {
		got, more, err := s.QueryEvents(t.Context(), q)
		if !errors.Is(err, audit.ErrBadQuery) || len(got) != 0 || more {
			t.Errorf("%+v: %v, more %v, error %v; want none and an error wrapping ErrBadQuery", q, ids(got), more, err)
		}
	}
}

// testQuerySubtreeOfNoTenant: on a store holding no tenants (Run's), the
// tenants of the events are deleted or never were, so a subtree has no
// events; a store that does not see the directory's tenants may instead
// refuse, with ErrSubtreeUnsupported. Either way it never answers with
// the events of the tenant it was named after.
func testQuerySubtreeOfNoTenant(t *testing.T, newStore func(t *testing.T) audit.Store) {
	s := newStore(t)
	appendAll(t, s, queryLog()...)
	for _, q := range []audit.Query{
		{Subtree: "t-a"},
		{Subtree: "t-a", TenantIDs: []string{}, Actor: "u-admin", Action: "support.", Limit: 1},
		{Subtree: "t-c", After: audit.Cursor{Time: at(100), ID: "z"}},
	} {
		got, more, err := s.QueryEvents(t.Context(), q)
		switch {
		case errors.Is(err, audit.ErrSubtreeUnsupported) && len(got) == 0 && !more:
		case err != nil:
			t.Errorf("%+v: error %v; want none, or one wrapping ErrSubtreeUnsupported", q, err)
		case len(got) != 0 || more:
			t.Errorf("%+v: %v, more %v; want none: the store holds no tenant", q, ids(got), more)
		}
	}
}
