package memory

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"
	"time"

	"github.com/gatehouse-id/gatehouse/ephemeral"
	"github.com/gatehouse-id/gatehouse/ephemeral/ephemeraltest"
)

func TestConformance(t *testing.T) {
	clock := ephemeraltest.NewFakeClock()
	ephemeraltest.Run(t, func(t *testing.T) ephemeral.Store {
		s := New(clock.Now)
		t.Cleanup(func() { s.Close() })
		return s
	}, clock)
}

func TestSweepReclaimsExpiredKeys(t *testing.T) {
	clock := ephemeraltest.NewFakeClock()
	s := New(clock.Now)
	defer s.Close()
	ctx := t.Context()
	for _, k := range []string{"a", "b"} {
		if err := s.Set(ctx, k, []byte("v"), time.Second); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.Incr(ctx, "n", time.Second); err != nil {
		t.Fatal(err)
	}
	if err := s.Set(ctx, "keep", []byte("v"), time.Hour); err != nil {
		t.Fatal(err)
	}

	s.sweep()
	if got := s.count(); got != 4 {
		t.Fatalf("after sweep before expiry: %d keys, want 4", got)
	}
	clock.Advance(time.Second)
	s.sweep()
	if got := s.count(); got != 1 {
		t.Fatalf("after sweep past expiry: %d keys, want 1", got)
	}
	if _, err := s.Get(ctx, "keep"); err != nil {
		t.Fatalf("Get of live key after sweep: %v", err)
	}
}

// TestSweeperRunsAndStops runs New with the real clock inside a synctest
// bubble, whose time only moves when every goroutine waits: the sweeper's
// ticker fires without the test sleeping, and the bubble fails the test if
// Close leaves the sweeper goroutine behind.
func TestSweeperRunsAndStops(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := New(nil)
		if err := s.Set(t.Context(), "k", []byte("v"), time.Second); err != nil {
			t.Fatal(err)
		}
		time.Sleep(sweepInterval + time.Second)
		synctest.Wait()
		if got := s.count(); got != 0 {
			t.Errorf("%d keys after a sweep interval, want 0", got)
		}
		if err := s.Close(); err != nil {
			t.Fatalf("Close: %v", err)
		}
		if err := s.Close(); err != nil {
			t.Fatalf("second Close: %v", err)
		}
	})
}

func TestUsableAfterClose(t *testing.T) {
	s := New(nil)
	s.Close()
	ctx := t.Context()
	if err := s.Set(ctx, "k", []byte("v"), time.Minute); err != nil {
		t.Fatalf("Set after Close: %v", err)
	}
	if _, err := s.Get(ctx, "k"); err != nil {
		t.Fatalf("Get after Close: %v", err)
	}
}

func TestCancelledContext(t *testing.T) {
	s := New(nil)
	defer s.Close()
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if err := s.Set(ctx, "k", []byte("v"), time.Minute); !errors.Is(err, context.Canceled) {
		t.Fatalf("Set with cancelled context: %v, want context.Canceled", err)
	}
	if _, err := s.Get(t.Context(), "k"); !errors.Is(err, ephemeral.ErrNotFound) {
		t.Fatalf("Get after refused Set: %v, want ErrNotFound", err)
	}
}

func (s *Store) count() int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return len(s.items)
}
