package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-id/gatehouse/storage"
)

func TestConnectRetriesOnlyWhatWaitingCures(t *testing.T) {
	log := slog.New(slog.DiscardHandler)
	t.Run("an unreachable backend that comes up", func(t *testing.T) {
		calls := 0
		v, err := connect(t.Context(), log, "Redis", "GATEHOUSE_REDIS_URL=redis://x", 10*time.Second, func(context.Context) (int, error) {
			if calls++; calls < 3 {
				return 0, fmt.Errorf("dial: %w", storage.ErrUnavailable)
			}
			return 7, nil
		})
		if err != nil || v != 7 || calls != 3 {
			t.Fatalf("got %d, %v after %d calls", v, err, calls)
		}
	})
	t.Run("a wrong setting fails at once, naming it", func(t *testing.T) {
		calls := 0
		_, err := connect(t.Context(), log, "PostgreSQL", "GATEHOUSE_DATABASE_URL=postgres://db/x", 10*time.Second, func(context.Context) (int, error) {
			calls++
			return 0, errors.New("password authentication failed")
		})
		if err == nil || calls != 1 || !strings.Contains(err.Error(), "GATEHOUSE_DATABASE_URL") {
			t.Fatalf("%v after %d calls", err, calls)
		}
	})
	t.Run("an unreachable backend gives up after the timeout", func(t *testing.T) {
		start := time.Now()
		_, err := connect(t.Context(), log, "Redis", "GATEHOUSE_REDIS_URL=redis://x", 600*time.Millisecond, func(context.Context) (int, error) {
			return 0, storage.ErrUnavailable
		})
		if err == nil || !strings.Contains(err.Error(), "GATEHOUSE_REDIS_URL") || time.Since(start) > 3*time.Second {
			t.Fatalf("%v after %s", err, time.Since(start))
		}
	})
}

func TestDatabaseURLNeverShowsItsPassword(t *testing.T) {
	for _, conn := range []string{
		"postgres://gh:s3cret@db:5432/gh?sslmode=verify-full",
		"postgres://gh@db/gh?password=s3cret",
		"host=db user=gh password=s3cret dbname=gh",
		"postgres://gh:s3cret@db1:5432,db2:5432/gh",
	} {
		got := redactDatabaseURL(conn)
		if strings.Contains(got, "s3cret") || !strings.Contains(got, "gh") {
			t.Errorf("%q shown as %q", conn, got)
		}
	}
	if got := redactDatabaseURL("postgres://%zz"); strings.Contains(got, "zz") {
		t.Errorf("an unparsable URL is shown as %q", got)
	}
}

func TestPlainTransportIsNamed(t *testing.T) {
	var buf strings.Builder
	log := slog.New(slog.NewTextHandler(&buf, nil))
	warnPlainTransport(log, &config{DatabaseURL: "postgres://gh:pw@db.internal:5432/gh?sslmode=disable", RedisURL: "redis://:pw@cache.internal:6379/0"})
	if !strings.Contains(buf.String(), "PostgreSQL is reached without TLS") || !strings.Contains(buf.String(), "Redis is reached without TLS") {
		t.Errorf("no warnings: %s", buf.String())
	}
	if strings.Contains(buf.String(), "pw") {
		t.Errorf("a password in the log: %s", buf.String())
	}
	buf.Reset()
	warnPlainTransport(log, &config{DatabaseURL: "postgres://gh@db.internal/gh?sslmode=verify-full", RedisURL: "rediss://cache.internal:6379/0"})
	warnPlainTransport(log, &config{DatabaseURL: "postgres://root@127.0.0.1:5432/test?sslmode=disable", RedisURL: "redis://127.0.0.1:6379/0"})
	if buf.Len() != 0 {
		t.Errorf("warned about TLS or loopback: %s", buf.String())
	}
}
