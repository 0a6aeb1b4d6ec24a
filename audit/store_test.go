package audit_test

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"slices"
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
		if q.Matches(e) {
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

// stored returns a copy of every event appended, in order.
func (s *memStore) stored() []audit.Event {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.events)
}

func TestMemStore(t *testing.T) {
	audittest.Run(t, func(t *testing.T) audit.Store { return &memStore{} })
}
