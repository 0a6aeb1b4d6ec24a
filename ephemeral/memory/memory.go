// Package memory is the in-process ephemeral.Store of the embedded default: a
// single Gatehouse node with no Redis. It keeps every key in a map behind one
// lock, which makes Take, SetNX and Incr atomic for free; it is not shared
// between processes, so a deployment with more than one node needs Redis.
//
// Expiry has two halves. Correctness: every read compares the key's deadline
// with the clock, so an expired key is invisible the instant its ttl ends,
// however late it is reclaimed. Memory: a background sweeper, started by New
// and stopped by Close, removes expired keys every sweepInterval, so a key
// occupies memory at most that long past its ttl and the map holds at most
// (write rate) × (longest ttl + sweepInterval) entries.
package memory

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"strconv"
	"sync"
	"time"

	"github.com/gatehouse-id/gatehouse/ephemeral"
)

// sweepInterval is how often the background sweeper reclaims expired keys.
// It only bounds memory, never correctness (reads check expiry themselves). A
// sweep is one pass over the map with the lock held; once a minute keeps that
// pause rare while garbage stays at most one minute of writes. Sweeping on a
// ticker rather than lazily on writes keeps the write path a map assignment,
// with no pause landing on an unlucky request.
const sweepInterval = time.Minute

// Store is an ephemeral.Store in process memory. It is safe for concurrent
// use. Call Close when done with it to stop the sweeper.
type Store struct {
	now func() time.Time

	mu    sync.RWMutex
	items map[string]item

	stop      chan struct{}
	done      chan struct{}
	closeOnce sync.Once
}

var _ ephemeral.Store = (*Store)(nil)

// item is one key's value and the instant it stops existing.
type item struct {
	value   []byte
	expires time.Time
}

// live reports whether the item still exists at now; at its deadline it is
// already gone, as in Redis.
func (it item) live(now time.Time) bool { return now.Before(it.expires) }

// New returns an empty Store and starts its sweeper. now is the clock that
// decides expiry (time.Now if nil); tests inject a fake one so that they
// never sleep.
func New(now func() time.Time) *Store {
	if now == nil {
		now = time.Now
	}
	s := &Store{
		now:   now,
		items: make(map[string]item),
		stop:  make(chan struct{}),
		done:  make(chan struct{}),
	}
	go s.run()
	return s
}

// Close stops the sweeper and waits for it to exit. It is safe to call more
// than once. The Store keeps answering after Close, so requests still
// draining during shutdown do not fail; it just no longer reclaims memory.
func (s *Store) Close() error {
	s.closeOnce.Do(func() { close(s.stop) })
	<-s.done
	return nil
}

func (s *Store) run() {
	defer close(s.done)
	t := time.NewTicker(sweepInterval)
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-t.C:
			s.sweep()
		}
	}
}

// sweep removes every expired key.
func (s *Store) sweep() {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	for k, it := range s.items {
		if !it.live(now) {
			delete(s.items, k)
		}
	}
}

// Set stores a copy of value under key for ttl, replacing any value and ttl.
func (s *Store) Set(ctx context.Context, key string, value []byte, ttl time.Duration) error {
	if err := check(ctx, "set", ttl); err != nil {
		return err
	}
	v := bytes.Clone(value)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.items[key] = item{value: v, expires: s.now().Add(ttl)}
	return nil
}

// SetNX stores a copy of value under key for ttl unless key exists.
func (s *Store) SetNX(ctx context.Context, key string, value []byte, ttl time.Duration) (bool, error) {
	if err := check(ctx, "setnx", ttl); err != nil {
		return false, err
	}
	v := bytes.Clone(value)
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	if it, ok := s.items[key]; ok && it.live(now) {
		return false, nil
	}
	s.items[key] = item{value: v, expires: now.Add(ttl)}
	return true, nil
}

// Get returns a copy of the value under key, or ephemeral.ErrNotFound.
func (s *Store) Get(ctx context.Context, key string) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("ephemeral/memory: get: %w", err)
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	it, ok := s.items[key]
	if !ok || !it.live(s.now()) {
		return nil, ephemeral.ErrNotFound
	}
	return bytes.Clone(it.value), nil
}

// Take returns the value under key and deletes it, under one lock, so that
// exactly one of any number of concurrent Takes gets it.
func (s *Store) Take(ctx context.Context, key string) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("ephemeral/memory: take: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	it, ok := s.items[key]
	if !ok {
		return nil, ephemeral.ErrNotFound
	}
	delete(s.items, key)
	if !it.live(s.now()) {
		return nil, ephemeral.ErrNotFound
	}
	// The slice left the map with the key, so no copy is needed.
	return it.value, nil
}

// Delete removes keys; missing keys are not an error.
func (s *Store) Delete(ctx context.Context, keys ...string) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("ephemeral/memory: delete: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, k := range keys {
		delete(s.items, k)
	}
	return nil
}

// errNotInteger and errOverflow mirror the Redis INCR errors, so that both
// backends refuse the same misuse.
var (
	errNotInteger = errors.New("ephemeral/memory: incr: value is not an integer")
	errOverflow   = errors.New("ephemeral/memory: incr: increment would overflow")
)

// Incr adds one to the counter under key. The counter is kept as its decimal
// text, as Redis keeps it, so Get reads a counter on either backend.
func (s *Store) Incr(ctx context.Context, key string, ttl time.Duration) (int64, error) {
	if err := check(ctx, "incr", ttl); err != nil {
		return 0, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	it, ok := s.items[key]
	var n int64
	if ok && it.live(now) {
		var err error
		if n, err = strconv.ParseInt(string(it.value), 10, 64); err != nil {
			return 0, errNotInteger
		}
		if n == math.MaxInt64 {
			return 0, errOverflow
		}
	} else {
		it = item{expires: now.Add(ttl)}
	}
	n++
	it.value = strconv.AppendInt(nil, n, 10)
	s.items[key] = it
	return n, nil
}

// TTL returns the time left before key expires, or ephemeral.ErrNotFound.
func (s *Store) TTL(ctx context.Context, key string) (time.Duration, error) {
	if err := ctx.Err(); err != nil {
		return 0, fmt.Errorf("ephemeral/memory: ttl: %w", err)
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	now := s.now()
	it, ok := s.items[key]
	if !ok || !it.live(now) {
		return 0, ephemeral.ErrNotFound
	}
	return it.expires.Sub(now), nil
}

// check refuses a cancelled context, as Redis would, and a non-positive ttl:
// the contract forbids keys that live forever, and a zero ttl is almost
// always a missing configuration value, better caught loudly. Errors never
// name the key: some keys embed secrets such as authorization codes.
func check(ctx context.Context, op string, ttl time.Duration) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("ephemeral/memory: %s: %w", op, err)
	}
	if ttl <= 0 {
		return fmt.Errorf("ephemeral/memory: %s: ttl %v is not positive", op, ttl)
	}
	return nil
}
