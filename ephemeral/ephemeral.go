// Package ephemeral declares the contract for short-lived state that every
// Gatehouse node shares: authorization requests and codes, login sessions,
// throttling counters, the TOTP replay guard, revoked access-token ids.
//
// The contract is a handful of key/value primitives with a time to live, so
// that it maps one to one onto Redis in production (SET PX, SET NX PX, GET,
// GETDEL, DEL, INCR+PEXPIRE) and onto a map in process memory for the embedded
// default. Typed state is built on top by its owners. Every backend passes
// ephemeraltest.Run.
//
// Errors: ErrNotFound for a key that is not there; ErrUnavailable wrapped in
// any failure of a networked backend to answer (Redis down, unreachable, too
// slow, failing over), so that a caller can tell "try again shortly" (503)
// from a bug (500). The memory backend never returns ErrUnavailable.
package ephemeral

import (
	"context"
	"errors"
	"time"

	"github.com/gatehouse-id/gatehouse/storage"
)

// ErrNotFound is returned for a key that does not exist or has expired.
var ErrNotFound = errors.New("ephemeral: not found")

// ErrUnavailable is wrapped in errors of a backend that could not be reached
// or did not answer in time: a network failure, a timeout, a server that is
// loading, read-only or failing over. The operation may have taken effect or
// not; the same request may succeed a moment later. Callers test it with
// errors.Is and answer "temporarily unavailable, try again" (HTTP 503)
// instead of an internal error. A cancelled context is not unavailability and
// does not wrap it. It is storage.ErrUnavailable itself, so that a caller
// tests one error whichever backend failed.
var ErrUnavailable = storage.ErrUnavailable

// Store is the ephemeral key/value contract. Every key carries a time to
// live, which must be positive; a Store never keeps a key forever.
type Store interface {
	// Set stores value under key for ttl, replacing any value and ttl.
	Set(ctx context.Context, key string, value []byte, ttl time.Duration) error
	// SetNX stores value under key for ttl only if key does not exist, and
	// reports whether it stored. It is atomic across nodes.
	SetNX(ctx context.Context, key string, value []byte, ttl time.Duration) (bool, error)
	// Get returns the value under key, or ErrNotFound.
	Get(ctx context.Context, key string) ([]byte, error)
	// Take returns the value under key and deletes it, atomically: of any
	// number of concurrent Takes of one key, exactly one gets the value and
	// the others get ErrNotFound. Single-use codes rely on this.
	Take(ctx context.Context, key string) ([]byte, error)
	// Delete removes keys; missing keys are not an error.
	Delete(ctx context.Context, keys ...string) error
	// Incr adds one to the counter under key and returns the new value. A
	// counter that does not exist starts at zero and gets ttl; an existing
	// counter keeps its ttl (a fixed window).
	Incr(ctx context.Context, key string, ttl time.Duration) (int64, error)
	// TTL returns the time left before key expires, or ErrNotFound.
	TTL(ctx context.Context, key string) (time.Duration, error)
}
