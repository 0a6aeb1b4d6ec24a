package audit_test

import (
	"cmp"
	"context"
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
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []audit.Event
	for _, e := range s.events {
		if matches(q, e) {
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

// matches reports whether e is one of the events q selects, regardless of
// the limit: what the SQL stores compute in their WHERE clauses, written
// here without the help of audit.Query.ActionRange, so that the suite
// checks one against the other.
func matches(q audit.Query, e audit.Event) bool {
	switch {
	case !slices.Contains(q.TenantIDs, e.TenantID),
		q.Actor != "" && e.Actor != q.Actor,
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
}
