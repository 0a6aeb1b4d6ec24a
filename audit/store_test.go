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

func (s *memStore) ListEvents(_ context.Context, tenantIDs []string, since time.Time, limit int) ([]audit.Event, error) {
	if limit <= 0 || limit > audit.ListLimit {
		limit = audit.ListLimit
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []audit.Event
	for _, e := range s.events {
		if slices.Contains(tenantIDs, e.TenantID) && !e.Time.Before(since) {
			e.Details = maps.Clone(e.Details)
			e.Time = e.Time.UTC()
			out = append(out, e)
		}
	}
	slices.SortFunc(out, func(a, b audit.Event) int {
		return cmp.Or(b.Time.Compare(a.Time), cmp.Compare(b.ID, a.ID))
	})
	return out[:min(limit, len(out))], nil
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
