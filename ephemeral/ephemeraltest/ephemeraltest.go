// Package ephemeraltest is the conformance suite of ephemeral.Store: every
// backend (memory, Redis) runs Run, so that code built on the contract
// behaves the same on a laptop and in a cluster. It covers the atomicity the
// contract promises with races (a code taken twice, a SetNX won twice, an
// increment lost), and expiry of every operation through a Clock.
package ephemeraltest

import (
	"bytes"
	"errors"
	"testing"
	"time"

	"github.com/gatehouse-id/gatehouse/ephemeral"
)

const (
	// shortTTL is the ttl of keys a test means to see expire; short, so that
	// a real-time backend sleeps little.
	shortTTL = 100 * time.Millisecond
	// expire is how long a test waits for a shortTTL key to be certainly
	// gone: twice its ttl, since Redis expiry has millisecond granularity and
	// a key is still there at its exact deadline.
	expire = 2 * shortTTL
	// longTTL is the ttl of keys a test means to outlive every wait.
	longTTL = time.Hour
)

// Run runs the suite. newStore returns a fresh, empty store for each subtest
// and registers its cleanup with t; clock lets time pass for those stores.
// Subtests run one after another, never in parallel, because they share
// clock: advancing it for one must not expire another's keys.
func Run(t *testing.T, newStore func(t *testing.T) ephemeral.Store, clock Clock) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s ephemeral.Store, clock Clock)
	}{
		{"SetGet", testSetGet},
		{"GetMissing", testGetMissing},
		{"EmptyValue", testEmptyValue},
		{"SetOverwritesValue", testSetOverwritesValue},
		{"SetOverwritesTTL", testSetOverwritesTTL},
		{"SetNXOnce", testSetNXOnce},
		{"Expiry", testExpiry},
		{"SetNXAfterExpiry", testSetNXAfterExpiry},
		{"TakeOnce", testTakeOnce},
		{"Delete", testDelete},
		{"Incr", testIncr},
		{"IncrAfterExpiry", testIncrAfterExpiry},
		{"IncrKeepsTTL", testIncrKeepsTTL},
		{"IncrDecimal", testIncrDecimal},
		{"TTL", testTTL},
		{"ValueCopy", testValueCopy},
		{"InvalidTTL", testInvalidTTL},
		{"TakeRace", testTakeRace},
		{"SetNXRace", testSetNXRace},
		{"IncrRace", testIncrRace},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.fn(t, newStore(t), clock)
		})
	}
}

func testSetGet(t *testing.T, s ephemeral.Store, _ Clock) {
	// Values are bytes, not text: NUL and invalid UTF-8 survive.
	v := []byte{'a', 0, 0xff, 'z'}
	mustSet(t, s, "k", v, longTTL)
	wantValue(t, s, "k", v)
}

func testGetMissing(t *testing.T, s ephemeral.Store, _ Clock) {
	wantNotFound(t, s, "missing")
}

func testEmptyValue(t *testing.T, s ephemeral.Store, _ Clock) {
	mustSet(t, s, "k", []byte{}, longTTL)
	got, err := s.Get(t.Context(), "k")
	if err != nil || len(got) != 0 {
		t.Fatalf("Get of empty value = %q, %v; want empty, nil", got, err)
	}
}

func testSetOverwritesValue(t *testing.T, s ephemeral.Store, _ Clock) {
	mustSet(t, s, "k", []byte("one"), longTTL)
	mustSet(t, s, "k", []byte("two"), longTTL)
	wantValue(t, s, "k", []byte("two"))
}

func testSetOverwritesTTL(t *testing.T, s ephemeral.Store, clock Clock) {
	mustSet(t, s, "shortened", []byte("v"), longTTL)
	mustSet(t, s, "shortened", []byte("v"), shortTTL)
	mustSet(t, s, "lengthened", []byte("v"), shortTTL)
	mustSet(t, s, "lengthened", []byte("v"), longTTL)
	clock.Advance(expire)
	wantNotFound(t, s, "shortened")
	wantValue(t, s, "lengthened", []byte("v"))
}

func testSetNXOnce(t *testing.T, s ephemeral.Store, _ Clock) {
	ctx := t.Context()
	for i, want := range []bool{true, false, false} {
		ok, err := s.SetNX(ctx, "k", []byte{byte('a' + i)}, longTTL)
		if err != nil || ok != want {
			t.Fatalf("SetNX #%d = %v, %v; want %v, nil", i+1, ok, err, want)
		}
	}
	wantValue(t, s, "k", []byte("a"))

	mustSet(t, s, "set", []byte("first"), longTTL)
	if ok, err := s.SetNX(ctx, "set", []byte("second"), longTTL); err != nil || ok {
		t.Fatalf("SetNX over Set = %v, %v; want false, nil", ok, err)
	}
	wantValue(t, s, "set", []byte("first"))
}

// testExpiry checks that every read sees an expired key as missing, and
// that the same wait leaves a long-lived key alone.
func testExpiry(t *testing.T, s ephemeral.Store, clock Clock) {
	ctx := t.Context()
	for _, k := range []string{"get", "take", "ttl", "alive"} {
		ttl := shortTTL
		if k == "alive" {
			ttl = longTTL
		}
		mustSet(t, s, k, []byte("v"), ttl)
	}
	clock.Advance(expire)

	wantNotFound(t, s, "get")
	if v, err := s.Take(ctx, "take"); !errors.Is(err, ephemeral.ErrNotFound) {
		t.Errorf("Take of expired key = %q, %v; want ErrNotFound", v, err)
	}
	if d, err := s.TTL(ctx, "ttl"); !errors.Is(err, ephemeral.ErrNotFound) {
		t.Errorf("TTL of expired key = %v, %v; want ErrNotFound", d, err)
	}
	wantValue(t, s, "alive", []byte("v"))
}

func testSetNXAfterExpiry(t *testing.T, s ephemeral.Store, clock Clock) {
	ctx := t.Context()
	if ok, err := s.SetNX(ctx, "k", []byte("old"), shortTTL); err != nil || !ok {
		t.Fatalf("SetNX = %v, %v; want true, nil", ok, err)
	}
	clock.Advance(expire)
	if ok, err := s.SetNX(ctx, "k", []byte("new"), longTTL); err != nil || !ok {
		t.Fatalf("SetNX after expiry = %v, %v; want true, nil", ok, err)
	}
	wantValue(t, s, "k", []byte("new"))
}

func testTakeOnce(t *testing.T, s ephemeral.Store, _ Clock) {
	ctx := t.Context()
	mustSet(t, s, "k", []byte("code"), longTTL)
	if v, err := s.Take(ctx, "k"); err != nil || string(v) != "code" {
		t.Fatalf("Take = %q, %v; want %q, nil", v, err, "code")
	}
	if v, err := s.Take(ctx, "k"); !errors.Is(err, ephemeral.ErrNotFound) {
		t.Fatalf("second Take = %q, %v; want ErrNotFound", v, err)
	}
	wantNotFound(t, s, "k")
	if v, err := s.Take(ctx, "missing"); !errors.Is(err, ephemeral.ErrNotFound) {
		t.Fatalf("Take of missing key = %q, %v; want ErrNotFound", v, err)
	}
}

func testDelete(t *testing.T, s ephemeral.Store, clock Clock) {
	ctx := t.Context()
	for _, k := range []string{"a", "b", "c"} {
		mustSet(t, s, k, []byte(k), longTTL)
	}
	mustSet(t, s, "expired", []byte("v"), shortTTL)
	clock.Advance(expire)

	if err := s.Delete(ctx, "a", "missing", "b", "expired"); err != nil {
		t.Fatalf("Delete of present, missing and expired keys: %v", err)
	}
	wantNotFound(t, s, "a")
	wantNotFound(t, s, "b")
	wantValue(t, s, "c", []byte("c"))

	// Redis refuses DEL without keys; a backend must not pass that on.
	if err := s.Delete(ctx); err != nil {
		t.Fatalf("Delete of no keys: %v", err)
	}
	if err := s.Delete(ctx, "missing"); err != nil {
		t.Fatalf("Delete of a missing key: %v", err)
	}
}

func testIncr(t *testing.T, s ephemeral.Store, _ Clock) {
	for want := int64(1); want <= 3; want++ {
		mustIncr(t, s, "n", longTTL, want)
	}
	mustIncr(t, s, "other", longTTL, 1)
}

func testIncrAfterExpiry(t *testing.T, s ephemeral.Store, clock Clock) {
	mustIncr(t, s, "n", shortTTL, 1)
	mustIncr(t, s, "n", shortTTL, 2)
	clock.Advance(expire)
	mustIncr(t, s, "n", longTTL, 1)
}

// testIncrKeepsTTL checks the fixed window: a later Incr, even with a
// longer ttl, does not move the counter's deadline.
func testIncrKeepsTTL(t *testing.T, s ephemeral.Store, clock Clock) {
	mustIncr(t, s, "n", shortTTL, 1)
	mustIncr(t, s, "n", longTTL, 2)
	if d, err := s.TTL(t.Context(), "n"); err != nil || d <= 0 || d > shortTTL {
		t.Fatalf("TTL after second Incr = %v, %v; want in (0, %v]", d, err, shortTTL)
	}
	clock.Advance(expire)
	mustIncr(t, s, "n", longTTL, 1)
}

// testIncrDecimal checks that a counter is its decimal text, as in Redis:
// throttle reads counters with Get.
func testIncrDecimal(t *testing.T, s ephemeral.Store, _ Clock) {
	ctx := t.Context()
	for range 3 {
		if _, err := s.Incr(ctx, "n", longTTL); err != nil {
			t.Fatalf("Incr: %v", err)
		}
	}
	wantValue(t, s, "n", []byte("3"))

	mustSet(t, s, "set", []byte("41"), longTTL)
	mustIncr(t, s, "set", longTTL, 42)

	mustSet(t, s, "text", []byte("abc"), longTTL)
	if n, err := s.Incr(ctx, "text", longTTL); err == nil {
		t.Fatalf("Incr of a non-integer value = %d, nil; want an error", n)
	}
	wantValue(t, s, "text", []byte("abc"))
}

func testTTL(t *testing.T, s ephemeral.Store, clock Clock) {
	ctx := t.Context()
	mustSet(t, s, "k", []byte("v"), longTTL)
	// A generous lower bound: only a stall of a minute could break it.
	if d, err := s.TTL(ctx, "k"); err != nil || d <= longTTL-time.Minute || d > longTTL {
		t.Fatalf("TTL = %v, %v; want about %v", d, err, longTTL)
	}
	clock.Advance(shortTTL)
	if d, err := s.TTL(ctx, "k"); err != nil || d <= 0 || d > longTTL-shortTTL {
		t.Fatalf("TTL after %v = %v, %v; want in (0, %v]", shortTTL, d, err, longTTL-shortTTL)
	}

	mustIncr(t, s, "n", longTTL, 1)
	if d, err := s.TTL(ctx, "n"); err != nil || d <= 0 || d > longTTL {
		t.Fatalf("TTL of counter = %v, %v; want in (0, %v]", d, err, longTTL)
	}

	if d, err := s.TTL(ctx, "missing"); !errors.Is(err, ephemeral.ErrNotFound) {
		t.Fatalf("TTL of missing key = %v, %v; want ErrNotFound", d, err)
	}
}

// testValueCopy checks that a store keeps its own copy of values, as a
// network backend does by nature: callers reuse and mutate their slices.
func testValueCopy(t *testing.T, s ephemeral.Store, _ Clock) {
	ctx := t.Context()
	in := []byte("orig")
	mustSet(t, s, "set", in, longTTL)
	if _, err := s.SetNX(ctx, "setnx", in, longTTL); err != nil {
		t.Fatalf("SetNX: %v", err)
	}
	copy(in, "XXXX")
	wantValue(t, s, "set", []byte("orig"))
	wantValue(t, s, "setnx", []byte("orig"))

	out, err := s.Get(ctx, "set")
	if err != nil {
		t.Fatalf("Get: %v", err)
	}
	copy(out, "YYYY")
	wantValue(t, s, "set", []byte("orig"))
}

// testInvalidTTL checks that a non-positive ttl is refused and changes
// nothing: the contract has no keys that live forever.
func testInvalidTTL(t *testing.T, s ephemeral.Store, _ Clock) {
	ctx := t.Context()
	mustIncr(t, s, "counter", longTTL, 1)
	for _, ttl := range []time.Duration{0, -time.Second} {
		if err := s.Set(ctx, "set", []byte("v"), ttl); err == nil || errors.Is(err, ephemeral.ErrNotFound) {
			t.Errorf("Set with ttl %v: err = %v; want an error", ttl, err)
		}
		if ok, err := s.SetNX(ctx, "setnx", []byte("v"), ttl); err == nil || ok || errors.Is(err, ephemeral.ErrNotFound) {
			t.Errorf("SetNX with ttl %v = %v, %v; want false and an error", ttl, ok, err)
		}
		if n, err := s.Incr(ctx, "incr", ttl); err == nil || errors.Is(err, ephemeral.ErrNotFound) {
			t.Errorf("Incr with ttl %v = %d, %v; want an error", ttl, n, err)
		}
		if n, err := s.Incr(ctx, "counter", ttl); err == nil || errors.Is(err, ephemeral.ErrNotFound) {
			t.Errorf("Incr of existing counter with ttl %v = %d, %v; want an error", ttl, n, err)
		}
	}
	wantNotFound(t, s, "set")
	wantNotFound(t, s, "setnx")
	wantNotFound(t, s, "incr")
	wantValue(t, s, "counter", []byte("1"))
}

func mustSet(t *testing.T, s ephemeral.Store, key string, value []byte, ttl time.Duration) {
	t.Helper()
	if err := s.Set(t.Context(), key, value, ttl); err != nil {
		t.Fatalf("Set(%q): %v", key, err)
	}
}

func mustIncr(t *testing.T, s ephemeral.Store, key string, ttl time.Duration, want int64) {
	t.Helper()
	if n, err := s.Incr(t.Context(), key, ttl); err != nil || n != want {
		t.Fatalf("Incr(%q) = %d, %v; want %d, nil", key, n, err, want)
	}
}

func wantValue(t *testing.T, s ephemeral.Store, key string, want []byte) {
	t.Helper()
	got, err := s.Get(t.Context(), key)
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("Get(%q) = %q, %v; want %q, nil", key, got, err, want)
	}
}

func wantNotFound(t *testing.T, s ephemeral.Store, key string) {
	t.Helper()
	if got, err := s.Get(t.Context(), key); !errors.Is(err, ephemeral.ErrNotFound) {
		t.Fatalf("Get(%q) = %q, %v; want ErrNotFound", key, got, err)
	}
}
