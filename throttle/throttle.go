// Package throttle limits guessing: the login page counts failed password
// attempts per account and per client address, and TOTP counts failed codes,
// each in its own Limiter. After Policy.Limit failures in a window the key is
// blocked until the window ends.
//
// The counter is a fixed window in the shared ephemeral store (Incr starts it
// with the window as its ttl, later failures keep that ttl), so every node
// sees the same count and a blocked key is blocked everywhere. A fixed window
// is cruder than a sliding one, but it costs one round trip per failure and
// needs nothing beyond the ephemeral contract; an attacker gets at most
// 2×Limit tries around a window boundary, then waits a whole window.
//
// The flow is: Blocked before checking anything (a blocked key gets no
// answer, not even "wrong password"), Failure after a failed check, Reset
// after a success for keys that name the account. Keys are hashed before they
// reach the store, so a copy of Redis does not list usernames and client
// addresses.
package throttle

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/gatehouse-id/gatehouse/ephemeral"
)

// Policy: at most Limit failures per Window; after that the key is blocked
// until the window ends.
type Policy struct {
	Limit  int
	Window time.Duration
}

// Limiter counts failures for one kind of key (an account, an address) under
// one Policy. It is safe for concurrent use; its state is in the store.
type Limiter struct {
	kv     ephemeral.Store
	name   string
	prefix string
	policy Policy
	// blocked, if not nil, is told of each key found blocked.
	blocked func(name string)
}

// New returns a Limiter that keeps its counters in kv under
// "throttle:<name>:<sha256(key)>"; name keeps limiters over the same keys
// (a username counted for passwords and for TOTP) apart.
//
// New panics if p.Limit < 1 or p.Window <= 0: policies are fixed when the
// program is wired, and a limiter that blocks everything or never forgets is
// a bug to stop at startup, not a state to run in.
func New(kv ephemeral.Store, name string, p Policy) *Limiter {
	if p.Limit < 1 || p.Window <= 0 {
		panic(fmt.Sprintf("throttle: invalid policy for %q: limit %d, window %v", name, p.Limit, p.Window))
	}
	return &Limiter{kv: kv, name: name, prefix: "throttle:" + name + ":", policy: p}
}

// WithObserver returns a Limiter like l (the same counters) that calls
// blocked with its name each time Blocked finds a key over its limit: an
// attempt refused unchecked, for metrics. blocked must be quick.
func (l *Limiter) WithObserver(blocked func(name string)) *Limiter {
	c := *l
	c.blocked = blocked
	return &c
}

// Blocked reports how long key must still wait (0 = may try now). It counts
// nothing. An error means the store did not answer; callers should then
// refuse the attempt rather than let it through unthrottled.
func (l *Limiter) Blocked(ctx context.Context, key string) (time.Duration, error) {
	k := l.key(key)
	b, err := l.kv.Get(ctx, k)
	if errors.Is(err, ephemeral.ErrNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("throttle %q: read count: %w", l.name, err)
	}
	n, err := strconv.ParseInt(string(b), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("throttle %q: read count: %w", l.name, err)
	}
	if n < int64(l.policy.Limit) {
		return 0, nil
	}
	d, err := l.remaining(ctx, k)
	if d > 0 && l.blocked != nil {
		l.blocked(l.name)
	}
	return d, err
}

// Failure records a failed attempt for key and returns how long key is now
// blocked (0 if still under the limit). The failure that reaches the limit
// already blocks: Limit failures are allowed, the next attempt is not.
func (l *Limiter) Failure(ctx context.Context, key string) (time.Duration, error) {
	k := l.key(key)
	n, err := l.kv.Incr(ctx, k, l.policy.Window)
	if err != nil {
		return 0, fmt.Errorf("throttle %q: count failure: %w", l.name, err)
	}
	if n < int64(l.policy.Limit) {
		return 0, nil
	}
	return l.remaining(ctx, k)
}

// Reset forgets key's failures (after a successful login for the account
// key). Address keys are not reset on success, or one valid account would
// let an address guess at every other account without limit.
func (l *Limiter) Reset(ctx context.Context, key string) error {
	if err := l.kv.Delete(ctx, l.key(key)); err != nil {
		return fmt.Errorf("throttle %q: reset: %w", l.name, err)
	}
	return nil
}

// remaining is the rest of the window of the counter under k, which is how
// long a key at its limit stays blocked; 0 if the window has just ended.
func (l *Limiter) remaining(ctx context.Context, k string) (time.Duration, error) {
	d, err := l.kv.TTL(ctx, k)
	if errors.Is(err, ephemeral.ErrNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("throttle %q: read window: %w", l.name, err)
	}
	return d, nil
}

func (l *Limiter) key(key string) string {
	h := sha256.Sum256([]byte(key))
	return l.prefix + hex.EncodeToString(h[:])
}
