package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/gatehouse-id/gatehouse/storage"
)

// connect calls open until it succeeds or timeout passes, waiting longer
// after each failure (from 250 ms up to 5 s). Containers start in any
// order: PostgreSQL or Redis coming up a few seconds after Gatehouse is
// normal and not worth a crash loop, so an unreachable backend
// (storage.ErrUnavailable) is retried; anything else (a wrong password, an
// unknown database, a malformed URL) will not get better by waiting and
// ends start-up at once. Either way the message names the setting, and
// Gatehouse never falls back to the embedded default instead.
func connect[T any](ctx context.Context, log *slog.Logger, what, setting string, timeout time.Duration, open func(context.Context) (T, error)) (T, error) {
	deadline := time.Now().Add(timeout)
	wait := 250 * time.Millisecond
	for attempt := 1; ; attempt++ {
		actx, cancel := context.WithDeadline(ctx, deadline)
		v, err := open(actx)
		cancel()
		if err == nil {
			if attempt > 1 {
				log.Info("connected", "backend", what, "attempts", attempt)
			}
			return v, nil
		}
		if ctx.Err() != nil || !errors.Is(err, storage.ErrUnavailable) {
			var zero T
			return zero, fmt.Errorf("cannot use %s (%s): %w", what, setting, err)
		}
		if time.Now().Add(wait).After(deadline) {
			var zero T
			return zero, fmt.Errorf("%s (%s) did not answer within %s (%d attempts; GATEHOUSE_CONNECT_TIMEOUT): %w", what, setting, timeout, attempt, err)
		}
		log.Warn("backend not ready; retrying", "backend", what, "setting", setting, "attempt", attempt, "wait", wait, "err", err)
		select {
		case <-ctx.Done():
			var zero T
			return zero, errors.Join(ctx.Err(), err)
		case <-time.After(wait):
		}
		wait = min(wait*2, 5*time.Second)
	}
}

// redactDatabaseURL names a PostgreSQL connection for messages and logs
// by user, host, port and database only. A password can hide in the URL's
// user part, in its query (?password=) or in key=value form (password=...),
// so the setting is parsed and rebuilt rather than edited.
func redactDatabaseURL(conn string) string {
	c, err := pgconn.ParseConfig(conn)
	if err != nil {
		return "(unparsable database URL)"
	}
	return fmt.Sprintf("postgres://%s@%s/%s", url.PathEscape(c.User), net.JoinHostPort(c.Host, strconv.Itoa(int(c.Port))), url.PathEscape(c.Database))
}
