package audit_test

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse-id/gatehouse/audit"
	"github.com/gatehouse-id/gatehouse/audit/audittest"
)

// memStore is the fake Store of the Record tests. It passes the
// conformance suite, which shows the suite asks nothing of a backend that
// only SQL gives.
type memStore struct {
	mu     sync.Mutex
	events []audit.Event
	err    error // returned by AppendEvent when set
	// tenants are the directory's tenants, id to path, for Subtree
	// queries; nil for a store that does not see them.
	tenants map[string][]string
}

func (s *memStore) AppendEvent(_ context.Context, e audit.Event) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return s.err
	}
	if slices.ContainsFunc(s.events, func(x audit.Event) bool { return x.ID == e.ID }) {
		return fmt.Errorf("append audit event %s: %w", e.ID, audit.ErrConflict)
	}
	e.Details = maps.Clone(e.Details)
	s.events = append(s.events, e)
	return nil
}

func (s *memStore) ListEvents(ctx context.Context, tenantIDs []string, since time.Time, limit int) ([]audit.Event, error) {
	es, _, err := s.QueryEvents(ctx, audit.Query{TenantIDs: tenantIDs, Since: since, Limit: limit})
	return es, err
}

func (s *memStore) QueryEvents(_ context.Context, q audit.Query) ([]audit.Event, bool, error) {
	if err := q.Check(); err != nil {
		return nil, false, err
	}
	if q.Subtree != "" && s.tenants == nil {
		return nil, false, fmt.Errorf("query audit events: %w", audit.ErrSubtreeUnsupported)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []audit.Event
	for _, e := range s.events {
		if s.inTenants(q, e) && matches(q, e) {
			e.Details = maps.Clone(e.Details)
			e.Time = e.Time.UTC()
			out = append(out, e)
		}
	}
	slices.SortFunc(out, func(a, b audit.Event) int {
		return cmp.Or(b.Time.Compare(a.Time), cmp.Compare(b.ID, a.ID))
	})
	if n := q.PageSize(); len(out) > n {
		return out[:n], true, nil
	}
	return out, false, nil
}

// inTenants reports whether e is of a tenant q names: in TenantIDs, or
// in the subtree of q.Subtree among the tenants s holds.
func (s *memStore) inTenants(q audit.Query, e audit.Event) bool {
	if q.Subtree != "" {
		path, ok := s.tenants[e.TenantID]
		return ok && slices.Contains(path, q.Subtree)
	}
	return slices.Contains(q.TenantIDs, e.TenantID)
}

// matches reports whether e is one of the events q selects among those of
// its tenants, regardless of the limit: what the SQL stores compute in
// their WHERE clauses, written here without the help of
// audit.Query.ActionRange, so that the suite checks one against the other.
func matches(q audit.Query, e audit.Event) bool {
	switch {
	case q.Actor != "" && e.Actor != q.Actor,
		q.Target != "" && e.Target != q.Target,
		!q.Since.IsZero() && e.Time.Before(q.Since),
		!q.Until.IsZero() && !e.Time.Before(q.Until),
		!q.After.IsZero() && !before(q.After, audit.CursorOf(e)):
		return false
	}
	if strings.HasSuffix(q.Action, ".") {
		return strings.HasPrefix(e.Action, q.Action)
	}
	return q.Action == "" || e.Action == q.Action
}

// before reports whether c comes before d in the newest-first order: it is
// newer, or as new with a greater id, comparing bytes.
func before(c, d audit.Cursor) bool {
	if t := c.Time.Compare(d.Time); t != 0 {
		return t > 0
	}
	return c.ID > d.ID
}

// stored returns a copy of every event appended, in order.
func (s *memStore) stored() []audit.Event {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.events)
}

func TestMemStore(t *testing.T) {
	audittest.Run(t, func(t *testing.T) audit.Store { return &memStore{} })
	audittest.RunSubtree(t, func(t *testing.T, tenants []audittest.Tenant) audit.Store {
		s := &memStore{tenants: map[string][]string{}}
		for _, tn := range tenants {
			s.tenants[tn.ID] = tn.Path
		}
		return s
	})
}

// TestSubtreeUnsupported: a store that does not see the directory's
// tenants refuses a Subtree query with ErrSubtreeUnsupported, and one
// naming its tenants both ways with ErrBadQuery, as the contract says.
func TestSubtreeUnsupported(t *testing.T) {
	s := &memStore{}
	for _, tc := range []struct {
		q    audit.Query
		want error
	}{
		{audit.Query{Subtree: "t-a"}, audit.ErrSubtreeUnsupported},
		{audit.Query{Subtree: "t-a", TenantIDs: []string{"t-a"}}, audit.ErrBadQuery},
	} {
		if _, _, err := s.QueryEvents(t.Context(), tc.q); !errors.Is(err, tc.want) {
			t.Errorf("%+v: error %v, want one wrapping %v", tc.q, err, tc.want)
		}
	}
}
