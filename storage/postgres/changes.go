package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// changesChannel is what migration 0018's triggers notify.
const changesChannel = "gatehouse_directory"

// watchPing is how long the watch waits for a notification before it makes
// sure its connection still works: a connection cut without a word (a
// network partition) would otherwise leave the node trusting a cache that
// no longer hears of changes.
const watchPing = 30 * time.Second

// WatchChanges implements directory.ChangeWatcher: it LISTENs, on a
// connection of its own, to what migration 0018's triggers notify, and
// reports the changes made in its own schema (another installation may
// share the database). It reconnects, with a growing pause, when the
// connection fails, reporting changed(false) meanwhile.
func (s *Store) WatchChanges(ctx context.Context, changed func(live bool)) {
	pause := 100 * time.Millisecond
	for ctx.Err() == nil {
		began := time.Now()
		_ = s.watch(ctx, changed)
		changed(false)
		if time.Since(began) > time.Minute {
			pause = 100 * time.Millisecond
		}
		select {
		case <-ctx.Done():
		case <-time.After(pause):
		}
		pause = min(2*pause, 5*time.Second)
	}
}

// watch listens on one connection until it fails or ctx is done.
func (s *Store) watch(ctx context.Context, changed func(live bool)) error {
	conn, err := pgx.ConnectConfig(ctx, s.pool.Config().ConnConfig)
	if err != nil {
		return err
	}
	defer func() {
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		conn.Close(cctx)
	}()
	var schema string
	if err := conn.QueryRow(ctx, `SELECT current_schema()`).Scan(&schema); err != nil {
		return err
	}
	if _, err := conn.Exec(ctx, `LISTEN `+changesChannel); err != nil {
		return err
	}
	changed(true)
	for {
		wctx, cancel := context.WithTimeout(ctx, watchPing)
		n, err := conn.WaitForNotification(wctx)
		cancel()
		switch {
		case err == nil:
			if n.Payload == schema {
				changed(true)
			}
		case ctx.Err() != nil:
			return ctx.Err()
		case pgconn.Timeout(err) && !conn.IsClosed():
			pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
			_, err := conn.Exec(pctx, `SELECT 1`)
			cancel()
			if err != nil {
				return err
			}
		default:
			return err
		}
	}
}
