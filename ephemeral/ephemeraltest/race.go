package ephemeraltest

import (
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/gatehouse-id/gatehouse/ephemeral"
)

const (
	// racers is how many goroutines contend for one key; rounds repeats a
	// race on fresh keys, since one round rarely interleaves badly.
	racers = 16
	rounds = 20
)

// race runs fn(i) for i in [0, racers) at once: every goroutine waits at a
// gate, so they start together rather than one after another.
func race(fn func(i int)) {
	gate := make(chan struct{})
	var wg sync.WaitGroup
	for i := range racers {
		wg.Go(func() {
			<-gate
			fn(i)
		})
	}
	close(gate)
	wg.Wait()
}

// testTakeRace is a single-use code redeemed by many requests at once
// (perhaps on different nodes): exactly one may win.
func testTakeRace(t *testing.T, s ephemeral.Store, _ Clock) {
	ctx := t.Context()
	for r := range rounds {
		key := fmt.Sprintf("code-%d", r)
		mustSet(t, s, key, []byte("secret"), longTTL)
		var (
			mu      sync.Mutex
			winners int
			errs    []error
		)
		race(func(int) {
			v, err := s.Take(ctx, key)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil && string(v) == "secret":
				winners++
			case errors.Is(err, ephemeral.ErrNotFound):
			default:
				errs = append(errs, fmt.Errorf("Take = %q, %v", v, err))
			}
		})
		if err := errors.Join(errs...); err != nil {
			t.Fatalf("round %d: %v", r, err)
		}
		if winners != 1 {
			t.Fatalf("round %d: %d of %d concurrent Takes got the value; want exactly 1", r, winners, racers)
		}
	}
}

// testSetNXRace is a lock or replay guard claimed by many requests at once:
// exactly one may win, and the value is the winner's.
func testSetNXRace(t *testing.T, s ephemeral.Store, _ Clock) {
	ctx := t.Context()
	for r := range rounds {
		key := fmt.Sprintf("guard-%d", r)
		var (
			mu     sync.Mutex
			winner = -1
			wins   int
			errs   []error
		)
		race(func(i int) {
			ok, err := s.SetNX(ctx, key, fmt.Appendf(nil, "racer-%d", i), longTTL)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs = append(errs, err)
			}
			if ok {
				wins++
				winner = i
			}
		})
		if err := errors.Join(errs...); err != nil {
			t.Fatalf("round %d: SetNX: %v", r, err)
		}
		if wins != 1 {
			t.Fatalf("round %d: %d of %d concurrent SetNX won; want exactly 1", r, wins, racers)
		}
		wantValue(t, s, key, fmt.Appendf(nil, "racer-%d", winner))
	}
}

// testIncrRace is a throttling counter hit by many requests at once: no
// increment may be lost, and no two callers may see the same count.
func testIncrRace(t *testing.T, s ephemeral.Store, _ Clock) {
	ctx := t.Context()
	const perRacer = 50
	var (
		mu   sync.Mutex
		seen = make(map[int64]bool)
		errs []error
	)
	race(func(int) {
		for range perRacer {
			n, err := s.Incr(ctx, "n", longTTL)
			mu.Lock()
			if err != nil {
				errs = append(errs, err)
			} else if seen[n] {
				errs = append(errs, fmt.Errorf("Incr returned %d twice", n))
			}
			seen[n] = true
			mu.Unlock()
		}
	})
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	const total = racers * perRacer
	for n := int64(1); n <= total; n++ {
		if !seen[n] {
			t.Fatalf("no Incr returned %d", n)
		}
	}
	wantValue(t, s, "n", fmt.Appendf(nil, "%d", total))
}
