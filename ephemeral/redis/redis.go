package redis

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/gatehouse-id/gatehouse/ephemeral"
)

// DefaultPrefix is the key prefix of New and Open when they are given none.
const DefaultPrefix = "gatehouse:"

// opTimeout bounds every operation, whatever the caller's context allows:
// one command on one key takes Redis well under a millisecond, so two
// seconds without an answer means Redis is down, unreachable or stuck, and
// the request is better answered "try again" than left hanging.
const opTimeout = 2 * time.Second

// Store is an ephemeral.Store on Redis. It is safe for concurrent use and
// holds no state of its own: any number of Stores, in any number of
// processes, with the same Redis and prefix, are one store.
type Store struct {
	client goredis.UniversalClient
	prefix string
	// owned: Close closes the client, which Open created.
	owned     bool
	closeOnce sync.Once
	closeErr  error
}

var _ ephemeral.Store = (*Store)(nil)

// New returns a Store on client that puts prefix (DefaultPrefix if empty)
// before every key. The client stays the caller's: Close leaves it open.
// Give the client ContextTimeoutEnabled, as NewClient does, or a context
// deadline does not bound socket reads.
func New(client goredis.UniversalClient, prefix string) *Store {
	if prefix == "" {
		prefix = DefaultPrefix
	}
	return &Store{client: client, prefix: prefix}
}

// Open connects to the Redis of rawURL (see the package documentation for
// the forms), checks that it answers PING and has GETDEL (Redis 6.2 or
// later), and returns a Store with prefix (DefaultPrefix if empty) that owns
// the connection. When Redis cannot be reached the error wraps
// ephemeral.ErrUnavailable, and retrying may help (Redis starting after
// Gatehouse); any other error (a URL that does not parse, a wrong password,
// an old Redis) needs the configuration changed.
func Open(ctx context.Context, rawURL, prefix string) (*Store, error) {
	c, err := parseURL(rawURL)
	if err != nil {
		return nil, err
	}
	s := New(c.newClient(), prefix)
	s.owned = true
	if err := s.Ping(ctx); err != nil {
		s.Close()
		if c.failover != nil && errors.Is(err, goredis.Nil) {
			// Sentinels that answer "no such master" give go-redis a nil.
			return nil, fmt.Errorf("ephemeral/redis: open: no Sentinel knows a master named %q (master_name): %w", c.failover.MasterName, err)
		}
		return nil, err
	}
	if err := s.checkGetDel(ctx); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// checkGetDel makes a Redis without GETDEL (before 6.2) fail at start-up,
// not at the first code redeemed.
func (s *Store) checkGetDel(ctx context.Context) error {
	return s.checkCommand(ctx, "getdel", "Redis lacks GETDEL; Gatehouse needs Redis 6.2 or later")
}

// checkCommand returns an error saying lack if Redis does not know command.
// A Redis that will not say (COMMAND denied by an ACL, or renamed) gets the
// benefit of the doubt.
func (s *Store) checkCommand(ctx context.Context, command, lack string) error {
	ctx, cancel := context.WithTimeout(ctx, opTimeout)
	defer cancel()
	info, err := s.client.Do(ctx, "command", "info", command).Slice()
	if err != nil {
		if isRedisError(err) {
			return nil
		}
		return fail(ctx, "open", err)
	}
	if len(info) == 1 && info[0] == nil {
		return errors.New("ephemeral/redis: open: " + lack)
	}
	return nil
}

// PoolStats is the state of the client's connection pool now (summed
// over the nodes of a cluster), for metrics.
func (s *Store) PoolStats() *goredis.PoolStats { return s.client.PoolStats() }

// Ping checks that Redis answers, for readiness probes.
func (s *Store) Ping(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, opTimeout)
	defer cancel()
	if err := s.client.Ping(ctx).Err(); err != nil {
		return fail(ctx, "ping", err)
	}
	return nil
}

// Close closes the client if Open created it, and does nothing more: keys
// stay in Redis for the other nodes. It is safe to call more than once.
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		if s.owned {
			s.closeErr = s.client.Close()
		}
	})
	return s.closeErr
}

// Set stores value under key for ttl, replacing any value and ttl.
func (s *Store) Set(ctx context.Context, key string, value []byte, ttl time.Duration) error {
	if err := check(ctx, "set", ttl); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, opTimeout)
	defer cancel()
	if err := s.client.Set(ctx, s.prefix+key, value, roundTTL(ttl)).Err(); err != nil {
		return fail(ctx, "set", err)
	}
	return nil
}

// SetNX stores value under key for ttl unless key exists, in one SET NX PX.
func (s *Store) SetNX(ctx context.Context, key string, value []byte, ttl time.Duration) (bool, error) {
	if err := check(ctx, "setnx", ttl); err != nil {
		return false, err
	}
	ctx, cancel := context.WithTimeout(ctx, opTimeout)
	defer cancel()
	ok, err := s.client.SetNX(ctx, s.prefix+key, value, roundTTL(ttl)).Result()
	if err != nil {
		return false, fail(ctx, "setnx", err)
	}
	return ok, nil
}

// Get returns the value under key, or ephemeral.ErrNotFound.
func (s *Store) Get(ctx context.Context, key string) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("ephemeral/redis: get: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, opTimeout)
	defer cancel()
	v, err := s.client.Get(ctx, s.prefix+key).Bytes()
	if errors.Is(err, goredis.Nil) {
		return nil, ephemeral.ErrNotFound
	}
	if err != nil {
		return nil, fail(ctx, "get", err)
	}
	return v, nil
}

// Take returns the value under key and deletes it with GETDEL, which Redis
// runs atomically: of concurrent Takes, from any number of nodes, one gets
// the value.
func (s *Store) Take(ctx context.Context, key string) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("ephemeral/redis: take: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, opTimeout)
	defer cancel()
	v, err := s.client.GetDel(ctx, s.prefix+key).Bytes()
	if errors.Is(err, goredis.Nil) {
		return nil, ephemeral.ErrNotFound
	}
	if err != nil {
		return nil, fail(ctx, "take", err)
	}
	return v, nil
}

// Delete removes keys; missing keys are not an error. It sends one DEL per
// key, in one pipeline: a DEL of several keys is refused by Redis Cluster
// when they live in different slots.
func (s *Store) Delete(ctx context.Context, keys ...string) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("ephemeral/redis: delete: %w", err)
	}
	if len(keys) == 0 {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, opTimeout)
	defer cancel()
	var err error
	if len(keys) == 1 {
		err = s.client.Del(ctx, s.prefix+keys[0]).Err()
	} else {
		_, err = s.client.Pipelined(ctx, func(p goredis.Pipeliner) error {
			for _, k := range keys {
				p.Del(ctx, s.prefix+k)
			}
			return nil
		})
	}
	if err != nil {
		return fail(ctx, "delete", err)
	}
	return nil
}

// incrScript increments a counter and gives it a ttl when it has none: a new
// counter, or (never written by Gatehouse) a key without ttl, which would
// otherwise live forever. An existing counter keeps its ttl: a fixed window.
// Redis runs a script atomically, so the counter never exists without ttl;
// it touches one key, so it runs on Cluster. Redis errors inside it (a value
// that is not an integer) come back as errors naming INCR's complaint.
var incrScript = goredis.NewScript(`
local n = redis.call('INCR', KEYS[1])
if redis.call('PTTL', KEYS[1]) == -1 then
	redis.call('PEXPIRE', KEYS[1], ARGV[1])
end
return n
`)

// errNotInteger and errOverflow are INCR's refusals, worded as the memory
// store words them.
var (
	errNotInteger = errors.New("ephemeral/redis: incr: value is not an integer")
	errOverflow   = errors.New("ephemeral/redis: incr: increment would overflow")
)

// Incr adds one to the counter under key and returns the new value; a new
// counter gets ttl. The counter is the decimal text INCR keeps, so Get reads
// it.
func (s *Store) Incr(ctx context.Context, key string, ttl time.Duration) (int64, error) {
	if err := check(ctx, "incr", ttl); err != nil {
		return 0, err
	}
	ctx, cancel := context.WithTimeout(ctx, opTimeout)
	defer cancel()
	n, err := incrScript.Run(ctx, s.client, []string{s.prefix + key}, roundTTL(ttl).Milliseconds()).Int64()
	if err != nil {
		switch {
		case isRedisError(err) && strings.Contains(err.Error(), "not an integer"):
			return 0, errNotInteger
		case isRedisError(err) && strings.Contains(err.Error(), "overflow"):
			return 0, errOverflow
		}
		return 0, fail(ctx, "incr", err)
	}
	return n, nil
}

// errNoExpiry is TTL's answer for a key under the prefix that has no ttl.
// Gatehouse never writes one, so something else did; TTL says so rather
// than calling the key missing (it is there, and Get returns it).
var errNoExpiry = errors.New("ephemeral/redis: ttl: key has no ttl; it was not written by Gatehouse")

// TTL returns the time left before key expires, or ephemeral.ErrNotFound.
func (s *Store) TTL(ctx context.Context, key string) (time.Duration, error) {
	if err := ctx.Err(); err != nil {
		return 0, fmt.Errorf("ephemeral/redis: ttl: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, opTimeout)
	defer cancel()
	ms, err := s.client.Do(ctx, "pttl", s.prefix+key).Int64()
	if err != nil {
		return 0, fail(ctx, "ttl", err)
	}
	switch ms {
	case -2:
		return 0, ephemeral.ErrNotFound
	case -1:
		return 0, errNoExpiry
	}
	return time.Duration(ms) * time.Millisecond, nil
}

// roundTTL rounds ttl up to whole milliseconds, the resolution of PX and
// PEXPIRE: down, a ttl under a millisecond would become 0, which Redis
// refuses, and every key would live a little less than asked.
func roundTTL(ttl time.Duration) time.Duration {
	if r := ttl % time.Millisecond; r != 0 {
		ttl += time.Millisecond - r
	}
	return ttl
}

// check refuses a cancelled context and a non-positive ttl before anything
// reaches Redis, with the memory store's words: the contract forbids keys
// that live forever, and a zero ttl is almost always a missing configuration
// value. Errors never name the key: some keys embed secrets such as
// authorization codes.
func check(ctx context.Context, op string, ttl time.Duration) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("ephemeral/redis: %s: %w", op, err)
	}
	if ttl <= 0 {
		return fmt.Errorf("ephemeral/redis: %s: ttl %v is not positive", op, ttl)
	}
	return nil
}
