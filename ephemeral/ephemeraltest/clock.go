package ephemeraltest

import (
	"sync"
	"time"
)

// Clock lets time pass for the store under test, so that one suite checks
// expiry on backends with very different clocks: the memory backend reads an
// injected clock, which Advance moves without waiting; Redis expires keys by
// its own real clock, which no test can move, so Advance sleeps.
//
// The suite only ever asks "is a key gone after it has certainly expired?"
// and "is a key still there well before it expires?", never anything in
// between. It gives keys meant to expire a short ttl (100ms) and waits twice
// that, and keys meant to survive an hour, so a slow machine can stretch a
// real-time run but never flip its outcome.
type Clock interface {
	// Advance returns once at least d has passed for the store.
	Advance(d time.Duration)
}

// FakeClock is a manual clock for backends that take an injected clock:
// pass its Now to the backend and the FakeClock to Run. It is safe for
// concurrent use.
type FakeClock struct {
	mu  sync.Mutex
	now time.Time
}

// NewFakeClock returns a FakeClock standing at a fixed instant, so that runs
// are reproducible.
func NewFakeClock() *FakeClock {
	return &FakeClock{now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
}

// NewFakeClockAt returns a FakeClock standing at t, for tests whose
// fixtures are dated.
func NewFakeClockAt(t time.Time) *FakeClock { return &FakeClock{now: t} }

// Now returns the clock's current instant.
func (c *FakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock forward by d at once.
func (c *FakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// SleepClock is the Clock of backends that expire keys in real time, such as
// Redis: Advance sleeps.
type SleepClock struct{}

// Advance sleeps for d.
func (SleepClock) Advance(d time.Duration) { time.Sleep(d) }
