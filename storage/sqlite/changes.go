package sqlite

import (
	"context"
	"time"
)

// changePoll is how often WatchChanges looks for changes made through
// other connections.
var changePoll = time.Second

// WatchChanges implements directory.ChangeWatcher for the one case where an
// SQLite file is shared: a command (`gatehouse import`, `gatehouse admin
// bootstrap`) writing while a server runs. It polls PRAGMA data_version on
// a connection of its own, which changes whenever another connection (this
// process's pool or another process) commits anything; so it reports every
// write, not only the directory's, at most once per changePoll.
func (s *Store) WatchChanges(ctx context.Context, changed func(live bool)) {
	for ctx.Err() == nil {
		_ = s.watch(ctx, changed)
		changed(false)
		select {
		case <-ctx.Done():
		case <-time.After(changePoll):
		}
	}
}

func (s *Store) watch(ctx context.Context, changed func(live bool)) error {
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	version := func() (int64, error) {
		var v int64
		err := conn.QueryRowContext(ctx, `PRAGMA data_version`).Scan(&v)
		return v, err
	}
	last, err := version()
	if err != nil {
		return err
	}
	changed(true)
	tick := time.NewTicker(changePoll)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
		v, err := version()
		if err != nil {
			return err
		}
		if v != last {
			last = v
			changed(true)
		}
	}
}
