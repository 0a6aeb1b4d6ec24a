package audittest

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse-id/gatehouse/audit"
)

// raceTimeout bounds a race: writers still waiting after it have
// deadlocked. It is not a measure of speed; a race takes milliseconds.
const raceTimeout = time.Minute

// testRace appends from many goroutines at once, as the requests of several
// nodes do.
func testRace(t *testing.T, newStore func(t *testing.T) audit.Store) {
	// Every append of a distinct event succeeds, and every one is stored.
	t.Run("ManyWriters", func(t *testing.T) {
		s := newStore(t)
		const writers, each = 16, 25
		errs := race(t, writers, func(ctx context.Context, w int) error {
			for i := range each {
				// Two tenants, and times that collide across writers.
				e := event(fmt.Sprintf("e-%02d-%02d", w, i), fmt.Sprintf("t-%d", w%2), i)
				if err := s.AppendEvent(ctx, e); err != nil {
					return err
				}
			}
			return nil
		})
		for w, err := range errs {
			if err != nil {
				t.Errorf("writer %d: %v", w, err)
			}
		}
		got := ids(list(t, s, []string{"t-0", "t-1"}, time.Time{}, 0))
		var want []string
		for w := range writers {
			for i := range each {
				want = append(want, fmt.Sprintf("e-%02d-%02d", w, i))
			}
		}
		slices.Sort(got)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Fatalf("stored %d events, want %d:\n got %v\nwant %v", len(got), len(want), got, want)
		}
	})

	// Of appends of one id at once, exactly one succeeds and the others
	// fail with ErrConflict; the one stored is the winner's.
	t.Run("SameID", func(t *testing.T) {
		s := newStore(t)
		const writers = 8
		errs := race(t, writers, func(ctx context.Context, w int) error {
			return s.AppendEvent(ctx, event("e-1", "t-acme", w))
		})
		winner := -1
		for w, err := range errs {
			switch {
			case err == nil && winner >= 0:
				t.Fatalf("writers %d and %d both stored e-1", winner, w)
			case err == nil:
				winner = w
			default:
				wantErr(t, err, audit.ErrConflict)
			}
		}
		if winner < 0 {
			t.Fatalf("no writer stored e-1: %v", errs)
		}
		wantEvents(t, "stored", list(t, s, []string{"t-acme"}, time.Time{}, 0), []audit.Event{event("e-1", "t-acme", winner)})
	})
}

// race starts n writers at once and returns each one's error. It fails t if
// they are still running after raceTimeout.
func race(t *testing.T, n int, write func(ctx context.Context, w int) error) []error {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), raceTimeout)
	defer cancel()
	var (
		wg    sync.WaitGroup
		start = make(chan struct{})
		errs  = make([]error, n)
	)
	for w := range n {
		wg.Go(func() {
			<-start
			errs[w] = write(ctx, w)
		})
	}
	close(start)
	wg.Wait()
	if ctx.Err() != nil {
		t.Fatalf("writers still running after %v, deadlocked: %v", raceTimeout, errs)
	}
	return errs
}
