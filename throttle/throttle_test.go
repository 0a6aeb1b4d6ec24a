package throttle

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse-id/gatehouse/ephemeral"
	"github.com/gatehouse-id/gatehouse/ephemeral/ephemeraltest"
	"github.com/gatehouse-id/gatehouse/ephemeral/memory"
)

// step is one action in a scenario: on limiter lim ("a" or "b"), "fail",
// "blocked" or "reset" key and expect want; or "advance" the clock by d.
type step struct {
	do   string
	lim  string
	key  string
	d    time.Duration
	want time.Duration
}

func fail(lim, key string, want time.Duration) step {
	return step{do: "fail", lim: lim, key: key, want: want}
}
func blocked(lim, key string, want time.Duration) step {
	return step{do: "blocked", lim: lim, key: key, want: want}
}
func reset(lim, key string) step   { return step{do: "reset", lim: lim, key: key} }
func advance(d time.Duration) step { return step{do: "advance", d: d} }
func failN(lim, key string, n int) []step {
	var s []step
	for range n {
		s = append(s, fail(lim, key, 0))
	}
	return s
}

func TestLimiter(t *testing.T) {
	const minute = time.Minute
	policy := Policy{Limit: 3, Window: 10 * minute}
	tests := []struct {
		name  string
		steps []step
	}{
		{"unknown key not blocked", []step{
			blocked("a", "alice", 0),
		}},
		{"under the limit not blocked", []step{
			fail("a", "alice", 0),
			fail("a", "alice", 0),
			blocked("a", "alice", 0),
		}},
		{"blocked counts nothing", []step{
			blocked("a", "alice", 0),
			blocked("a", "alice", 0),
			blocked("a", "alice", 0),
			fail("a", "alice", 0),
			fail("a", "alice", 0),
			blocked("a", "alice", 0),
		}},
		{"at the limit blocked for the rest of the window", []step{
			fail("a", "alice", 0),
			advance(2 * minute),
			fail("a", "alice", 0),
			advance(1 * minute),
			fail("a", "alice", 7*minute),
			blocked("a", "alice", 7*minute),
			advance(3 * minute),
			blocked("a", "alice", 4*minute),
		}},
		{"failures past the limit do not extend the window", []step{
			fail("a", "alice", 0),
			fail("a", "alice", 0),
			fail("a", "alice", 10*minute),
			advance(5 * minute),
			fail("a", "alice", 5*minute),
			blocked("a", "alice", 5*minute),
		}},
		{"window end unblocks and starts a new count", []step{
			fail("a", "alice", 0),
			fail("a", "alice", 0),
			fail("a", "alice", 10*minute),
			advance(10 * minute),
			blocked("a", "alice", 0),
			fail("a", "alice", 0),
			fail("a", "alice", 0),
			fail("a", "alice", 10*minute),
		}},
		{"failures spread beyond the window never block", []step{
			fail("a", "alice", 0),
			fail("a", "alice", 0),
			advance(10 * minute),
			fail("a", "alice", 0),
			fail("a", "alice", 0),
			blocked("a", "alice", 0),
		}},
		{"reset unblocks", []step{
			fail("a", "alice", 0),
			fail("a", "alice", 0),
			fail("a", "alice", 10*minute),
			reset("a", "alice"),
			blocked("a", "alice", 0),
			fail("a", "alice", 0),
		}},
		{"reset of unknown key", []step{
			reset("a", "nobody"),
			blocked("a", "nobody", 0),
		}},
		{"different keys independent", append(failN("a", "alice", 2), []step{
			fail("a", "alice", 10*minute),
			blocked("a", "bob", 0),
			fail("a", "bob", 0),
			reset("a", "bob"),
			blocked("a", "alice", 10*minute),
		}...)},
		{"different limiter names independent", append(failN("a", "alice", 2), []step{
			fail("a", "alice", 10*minute),
			blocked("b", "alice", 0),
			fail("b", "alice", 0),
			reset("b", "alice"),
			blocked("a", "alice", 10*minute),
		}...)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := t.Context()
			clock := ephemeraltest.NewFakeClock()
			kv := memory.New(clock.Now)
			t.Cleanup(func() { kv.Close() })
			lims := map[string]*Limiter{"a": New(kv, "a", policy), "b": New(kv, "b", policy)}

			for i, s := range tt.steps {
				var (
					got time.Duration
					err error
				)
				switch s.do {
				case "advance":
					clock.Advance(s.d)
					continue
				case "fail":
					got, err = lims[s.lim].Failure(ctx, s.key)
				case "blocked":
					got, err = lims[s.lim].Blocked(ctx, s.key)
				case "reset":
					err = lims[s.lim].Reset(ctx, s.key)
				}
				if err != nil || got != s.want {
					t.Fatalf("step %d: %s %s %q = %v, %v; want %v, nil", i, s.lim, s.do, s.key, got, err, s.want)
				}
			}
		})
	}
}

// TestKeysHashed checks that the store sees only the hash of a key, so a
// copy of it does not list usernames and addresses.
func TestKeysHashed(t *testing.T) {
	ctx := t.Context()
	kv := memory.New(nil)
	t.Cleanup(func() { kv.Close() })
	l := New(kv, "login-account", Policy{Limit: 3, Window: time.Minute})
	if _, err := l.Failure(ctx, "alice@example.com"); err != nil {
		t.Fatal(err)
	}
	h := sha256.Sum256([]byte("alice@example.com"))
	key := "throttle:login-account:" + hex.EncodeToString(h[:])
	if got, err := kv.Get(ctx, key); err != nil || string(got) != "1" {
		t.Fatalf("Get(%q) = %q, %v; want \"1\", nil", key, got, err)
	}
}

// TestConcurrentFailures checks that failures racing on one key are all
// counted: of N > Limit concurrent failures exactly Limit-1 are still under
// the limit, and the rest see the block.
func TestConcurrentFailures(t *testing.T) {
	ctx := t.Context()
	clock := ephemeraltest.NewFakeClock()
	kv := memory.New(clock.Now)
	t.Cleanup(func() { kv.Close() })
	p := Policy{Limit: 20, Window: time.Minute}
	l := New(kv, "login-address", p)

	const n = 64
	var (
		mu    sync.Mutex
		under int
		errs  []error
		wg    sync.WaitGroup
		gate  = make(chan struct{})
	)
	for range n {
		wg.Go(func() {
			<-gate
			d, err := l.Failure(ctx, "192.0.2.1")
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err != nil:
				errs = append(errs, err)
			case d == 0:
				under++
			case d != p.Window:
				errs = append(errs, errors.New("blocked for "+d.String()+", want the window"))
			}
		})
	}
	close(gate)
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	if under != p.Limit-1 {
		t.Fatalf("%d of %d concurrent failures not blocked; want %d", under, n, p.Limit-1)
	}
	if got, err := kv.Incr(ctx, l.key("192.0.2.1"), time.Minute); err != nil || got != n+1 {
		t.Fatalf("counter after %d failures: next Incr = %d, %v; want %d", n, got, err, n+1)
	}
}

func TestNewRejectsInvalidPolicy(t *testing.T) {
	kv := memory.New(nil)
	t.Cleanup(func() { kv.Close() })
	for _, p := range []Policy{
		{Limit: 0, Window: time.Minute},
		{Limit: -1, Window: time.Minute},
		{Limit: 3, Window: 0},
		{Limit: 3, Window: -time.Second},
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("New with %+v did not panic", p)
				}
			}()
			New(kv, "x", p)
		}()
	}
}

// failingStore is a store that is down.
type failingStore struct{ ephemeral.Store }

var errDown = errors.New("store down")

func (failingStore) Get(context.Context, string) ([]byte, error) { return nil, errDown }
func (failingStore) Incr(context.Context, string, time.Duration) (int64, error) {
	return 0, errDown
}
func (failingStore) Delete(context.Context, ...string) error { return errDown }

// TestStoreErrors checks that a store failure reaches the caller, who must
// refuse the attempt, instead of reading as "not blocked".
func TestStoreErrors(t *testing.T) {
	ctx := t.Context()
	l := New(failingStore{}, "a", Policy{Limit: 3, Window: time.Minute})
	if _, err := l.Blocked(ctx, "alice"); !errors.Is(err, errDown) {
		t.Errorf("Blocked: err = %v, want %v", err, errDown)
	}
	if _, err := l.Failure(ctx, "alice"); !errors.Is(err, errDown) {
		t.Errorf("Failure: err = %v, want %v", err, errDown)
	}
	if err := l.Reset(ctx, "alice"); !errors.Is(err, errDown) {
		t.Errorf("Reset: err = %v, want %v", err, errDown)
	}
}

// TestObserver: the observer hears of each attempt Blocked refuses, by
// the limiter's name; not of failures, nor of keys under the limit; and
// the Limiter it came from shares its counters but tells no one.
func TestObserver(t *testing.T) {
	kv := memory.New(time.Now)
	plain := New(kv, "login-account", Policy{Limit: 2, Window: time.Minute})
	var heard []string
	l := plain.WithObserver(func(name string) { heard = append(heard, name) })
	ctx := t.Context()
	for range 2 {
		if d, _ := l.Blocked(ctx, "alice"); d != 0 {
			t.Fatalf("blocked under the limit")
		}
		if _, err := l.Failure(ctx, "alice"); err != nil {
			t.Fatal(err)
		}
	}
	if len(heard) != 0 {
		t.Fatalf("heard %q before anything was refused", heard)
	}
	for _, lim := range []*Limiter{l, plain, l} {
		if d, err := lim.Blocked(ctx, "alice"); d == 0 || err != nil {
			t.Fatalf("not blocked at the limit: %v %v", d, err)
		}
	}
	if len(heard) != 2 || heard[0] != "login-account" || heard[1] != "login-account" {
		t.Errorf("heard %q, want login-account twice", heard)
	}
}
