// Package redistest runs tests against a real Redis: it finds the Redis,
// gives each test a key prefix of its own, and deletes the test's keys when
// it ends. The URL comes from GATEHOUSE_TEST_REDIS_URL, in any form that
// package redis accepts; to run the tests locally:
//
//	docker run --rm -p 6379:6379 redis:7
//	GATEHOUSE_TEST_REDIS_URL=redis://127.0.0.1:6379/0 go test ./...
//
// Without the variable the tests skip, except under CI (CI=true), where
// they fail: a CI run must not pass by skipping the backend it exists to
// test.
package redistest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"strconv"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/gatehouse-id/gatehouse/ephemeral/redis"
)

// EnvURL is the environment variable holding the Redis URL of the tests.
const EnvURL = "GATEHOUSE_TEST_REDIS_URL"

// PrefixBase begins every prefix Prefix returns: keys a killed test run
// left behind (they expire on their own anyway) can be found with
// SCAN MATCH "gatehouse-test:*".
const PrefixBase = "gatehouse-test:"

// URL returns the Redis URL of the tests. Without one it skips t, or fails
// it under CI.
func URL(t testing.TB) string {
	t.Helper()
	u := os.Getenv(EnvURL)
	if u != "" {
		return u
	}
	msg := EnvURL + " is not set; to run the Redis tests, start a Redis (docker run --rm -p 6379:6379 redis:7) and set " + EnvURL + "=redis://127.0.0.1:6379/0"
	if ci, _ := strconv.ParseBool(os.Getenv("CI")); ci {
		t.Fatal(msg + " (CI=true: the Redis tests must run in CI)")
	}
	t.Skip(msg)
	return ""
}

// Prefix returns a key prefix that no other test uses and registers a
// cleanup that deletes every key under it from the Redis at rawURL, so a
// test starts from an empty store and leaves nothing behind. Give it to
// redis.Open, or to several, for nodes that share state.
func Prefix(t testing.TB, rawURL string) string {
	t.Helper()
	var b [8]byte
	rand.Read(b[:])
	prefix := PrefixBase + hex.EncodeToString(b[:]) + ":"
	client, err := redis.NewClient(rawURL)
	if err != nil {
		t.Fatalf("%s: %v", EnvURL, err)
	}
	t.Cleanup(func() {
		defer client.Close()
		// t.Context is already cancelled when cleanups run.
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := deleteAll(ctx, client, prefix); err != nil {
			t.Errorf("delete the test's keys under %q: %v", prefix, err)
		}
	})
	return prefix
}

// Open returns a Store on URL(t) with a fresh Prefix; when the test ends it
// is closed and its keys deleted.
func Open(t testing.TB) *redis.Store {
	t.Helper()
	rawURL := URL(t)
	prefix := Prefix(t, rawURL)
	s, err := redis.Open(t.Context(), rawURL, prefix)
	if err != nil {
		t.Fatalf("%s=%s: %v", EnvURL, redis.RedactURL(rawURL), err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// deleteAll deletes every key under prefix, on every master of a Cluster.
// prefix holds no glob characters (* ? [ \): Prefix makes it of hex digits.
func deleteAll(ctx context.Context, client goredis.UniversalClient, prefix string) error {
	if c, ok := client.(*goredis.ClusterClient); ok {
		return c.ForEachMaster(ctx, func(ctx context.Context, node *goredis.Client) error {
			return deleteOnNode(ctx, node, prefix)
		})
	}
	return deleteOnNode(ctx, client, prefix)
}

// deleteOnNode deletes the keys under prefix on one node, a SCAN batch at a
// time. Deleting while SCAN walks is safe: SCAN returns every key that
// exists for its whole walk at least once.
func deleteOnNode(ctx context.Context, c goredis.Cmdable, prefix string) error {
	var cursor uint64
	for {
		keys, next, err := c.Scan(ctx, cursor, prefix+"*", 1000).Result()
		if err != nil {
			return err
		}
		if len(keys) > 0 {
			// One DEL per key: the keys of a batch may lie in different
			// Cluster slots, even on one node.
			_, err := c.Pipelined(ctx, func(p goredis.Pipeliner) error {
				for _, k := range keys {
					p.Del(ctx, k)
				}
				return nil
			})
			if err != nil {
				return err
			}
		}
		if next == 0 {
			return nil
		}
		cursor = next
	}
}
