package redis_test

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/gatehouse-id/gatehouse/ephemeral"
	"github.com/gatehouse-id/gatehouse/ephemeral/ephemeraltest"
	"github.com/gatehouse-id/gatehouse/ephemeral/redis"
	"github.com/gatehouse-id/gatehouse/ephemeral/redis/redistest"
)

// TestConformance runs the contract's suite on Redis, each subtest under a
// prefix of its own. Redis expires keys by its own clock, so the suite's
// clock sleeps.
func TestConformance(t *testing.T) {
	redistest.URL(t)
	ephemeraltest.Run(t, func(t *testing.T) ephemeral.Store {
		return redistest.Open(t)
	}, ephemeraltest.SleepClock{})
}

// TestTakeRaceAcrossNodes is a code redeemed at once through two Stores with
// their own connection pools, as two Gatehouse nodes would: exactly one Take
// may get it.
func TestTakeRaceAcrossNodes(t *testing.T) {
	url := redistest.URL(t)
	prefix := redistest.Prefix(t, url)
	var nodes [2]*redis.Store
	for i := range nodes {
		s, err := redis.Open(t.Context(), url, prefix)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		nodes[i] = s
	}
	ctx := t.Context()
	const racers = 16
	for round := range 20 {
		key := fmt.Sprintf("code-%d", round)
		if err := nodes[0].Set(ctx, key, []byte("secret"), time.Minute); err != nil {
			t.Fatal(err)
		}
		var (
			mu      sync.Mutex
			winners int
			errs    []error
			wg      sync.WaitGroup
		)
		gate := make(chan struct{})
		for i := range racers {
			wg.Go(func() {
				<-gate
				v, err := nodes[i%2].Take(ctx, key)
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
		}
		close(gate)
		wg.Wait()
		if err := errors.Join(errs...); err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
		if winners != 1 {
			t.Fatalf("round %d: %d of %d Takes on two nodes got the code; want exactly 1", round, winners, racers)
		}
	}
}

// TestPrefix checks where keys land: under the Store's prefix, so that
// installations sharing a Redis never see each other's keys.
func TestPrefix(t *testing.T) {
	url := redistest.URL(t)
	ctx := t.Context()
	client := newClient(t, url)
	prefixA, prefixB := redistest.Prefix(t, url), redistest.Prefix(t, url)
	a, b := redis.New(client, prefixA), redis.New(client, prefixB)

	if err := a.Set(ctx, "k", []byte("a"), time.Minute); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Incr(ctx, "n", time.Minute); err != nil {
		t.Fatal(err)
	}
	for key, want := range map[string]string{"k": "a", "n": "1"} {
		if got, err := client.Get(ctx, prefixA+key).Result(); err != nil || got != want {
			t.Errorf("GET %s = %q, %v; want %q", prefixA+key, got, err, want)
		}
	}
	if v, err := b.Get(ctx, "k"); !errors.Is(err, ephemeral.ErrNotFound) {
		t.Errorf("Get under another prefix = %q, %v; want ErrNotFound", v, err)
	}
	if err := b.Delete(ctx, "k", "n"); err != nil {
		t.Fatal(err)
	}
	if v, err := a.Get(ctx, "k"); err != nil || string(v) != "a" {
		t.Errorf("after Delete under another prefix, Get = %q, %v; want %q", v, err, "a")
	}

	// The default prefix, with a key no other run uses.
	key := "probe-" + rand.Text()
	if err := redis.New(client, "").Set(ctx, key, []byte("v"), time.Minute); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { client.Del(context.Background(), redis.DefaultPrefix+key) })
	if n, err := client.Exists(ctx, redis.DefaultPrefix+key).Result(); err != nil || n != 1 {
		t.Errorf("New with an empty prefix: EXISTS %s = %d, %v; want 1", redis.DefaultPrefix+key, n, err)
	}
}

// TestTTLRounding checks that a ttl below Redis's millisecond resolution is
// rounded up, not down to a refused zero, and that every write gives its key
// a ttl.
func TestTTLRounding(t *testing.T) {
	url := redistest.URL(t)
	ctx := t.Context()
	client := newClient(t, url)
	prefix := redistest.Prefix(t, url)
	s := redis.New(client, prefix)

	if err := s.Set(ctx, "set", []byte("v"), time.Hour+time.Nanosecond); err != nil {
		t.Fatal(err)
	}
	if ok, err := s.SetNX(ctx, "setnx", []byte("v"), time.Hour+time.Microsecond); err != nil || !ok {
		t.Fatalf("SetNX = %v, %v", ok, err)
	}
	if _, err := s.Incr(ctx, "incr", time.Hour+999*time.Microsecond); err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"set", "setnx", "incr"} {
		d, err := client.PTTL(ctx, prefix+key).Result()
		if err != nil || d <= time.Hour-time.Minute || d > time.Hour+time.Millisecond {
			t.Errorf("PTTL %s = %v, %v; want about an hour", key, d, err)
		}
	}

	// A nanosecond is rounded up to a millisecond: accepted, and soon gone.
	if err := s.Set(ctx, "tiny", []byte("v"), time.Nanosecond); err != nil {
		t.Fatalf("Set with a 1ns ttl: %v", err)
	}
	time.Sleep(10 * time.Millisecond)
	if v, err := s.Get(ctx, "tiny"); !errors.Is(err, ephemeral.ErrNotFound) {
		t.Fatalf("Get of a 1ns key after 10ms = %q, %v; want ErrNotFound", v, err)
	}
}

// TestKeyWithoutTTL covers a key under the prefix that something other than
// Gatehouse wrote without a ttl: TTL says so instead of calling it missing,
// and Incr gives such a counter a ttl rather than let it live forever.
func TestKeyWithoutTTL(t *testing.T) {
	url := redistest.URL(t)
	ctx := t.Context()
	client := newClient(t, url)
	prefix := redistest.Prefix(t, url)
	s := redis.New(client, prefix)
	for _, key := range []string{"plain", "counter"} {
		if err := client.Set(ctx, prefix+key, "5", 0).Err(); err != nil {
			t.Fatal(err)
		}
	}

	d, err := s.TTL(ctx, "plain")
	if err == nil || errors.Is(err, ephemeral.ErrNotFound) {
		t.Fatalf("TTL of a key without ttl = %v, %v; want an error other than ErrNotFound", d, err)
	}
	if strings.Contains(err.Error(), "plain") {
		t.Errorf("error %q names the key", err)
	}

	if n, err := s.Incr(ctx, "counter", time.Minute); err != nil || n != 6 {
		t.Fatalf("Incr = %d, %v; want 6, nil", n, err)
	}
	if d, err := s.TTL(ctx, "counter"); err != nil || d <= 0 || d > time.Minute {
		t.Fatalf("TTL after Incr = %v, %v; want in (0, 1m]", d, err)
	}
}

// TestCancelledContext checks that a cancelled context is refused before
// anything reaches Redis, with context.Canceled and not ErrUnavailable:
// the caller gave up, Redis is fine.
func TestCancelledContext(t *testing.T) {
	s := redistest.Open(t)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	ops := map[string]func() error{
		"Set":    func() error { return s.Set(ctx, "k", []byte("v"), time.Minute) },
		"SetNX":  func() error { _, err := s.SetNX(ctx, "k", []byte("v"), time.Minute); return err },
		"Get":    func() error { _, err := s.Get(ctx, "k"); return err },
		"Take":   func() error { _, err := s.Take(ctx, "k"); return err },
		"Delete": func() error { return s.Delete(ctx, "k") },
		"Incr":   func() error { _, err := s.Incr(ctx, "k", time.Minute); return err },
		"TTL":    func() error { _, err := s.TTL(ctx, "k"); return err },
		"Ping":   func() error { return s.Ping(ctx) },
	}
	for name, op := range ops {
		if err := op(); !errors.Is(err, context.Canceled) || errors.Is(err, ephemeral.ErrUnavailable) {
			t.Errorf("%s with a cancelled context: %v; want context.Canceled, not ErrUnavailable", name, err)
		}
	}
	if v, err := s.Get(t.Context(), "k"); !errors.Is(err, ephemeral.ErrNotFound) {
		t.Fatalf("Get after refused writes = %q, %v; want ErrNotFound", v, err)
	}
}

// TestIncrErrorsHideKey checks that INCR's refusal comes back in the memory
// store's words, and without the key, which may be a secret.
func TestIncrErrorsHideKey(t *testing.T) {
	s := redistest.Open(t)
	ctx := t.Context()
	const key = "secret-code-1234"
	if err := s.Set(ctx, key, []byte("abc"), time.Minute); err != nil {
		t.Fatal(err)
	}
	_, err := s.Incr(ctx, key, time.Minute)
	if err == nil || err.Error() != "ephemeral/redis: incr: value is not an integer" {
		t.Fatalf("Incr of text: %v; want %q", err, "ephemeral/redis: incr: value is not an integer")
	}
	if err := s.Set(ctx, key, []byte("9223372036854775807"), time.Minute); err != nil {
		t.Fatal(err)
	}
	_, err = s.Incr(ctx, key, time.Minute)
	if err == nil || err.Error() != "ephemeral/redis: incr: increment would overflow" {
		t.Fatalf("Incr of MaxInt64: %v; want %q", err, "ephemeral/redis: incr: increment would overflow")
	}
}

// TestCloseOwnership checks who closes the client: Close of a Store from
// New leaves the caller's client open; a second Close is harmless.
func TestCloseOwnership(t *testing.T) {
	url := redistest.URL(t)
	client := newClient(t, url)
	s := redis.New(client, redistest.Prefix(t, url))
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := client.Ping(t.Context()).Err(); err != nil {
		t.Fatalf("client after the Store's Close: %v", err)
	}

	opened := redistest.Open(t)
	for range 2 {
		if err := opened.Close(); err != nil {
			t.Fatalf("Close: %v", err)
		}
	}
	// Requests still draining at shutdown hear "unavailable", not a bug.
	if err := opened.Ping(t.Context()); !errors.Is(err, ephemeral.ErrUnavailable) {
		t.Fatalf("Ping after Close: %v; want ErrUnavailable", err)
	}
}

func newClient(t *testing.T, url string) goredis.UniversalClient {
	t.Helper()
	client, err := redis.NewClient(url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { client.Close() })
	return client
}
