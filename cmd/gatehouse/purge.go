package main

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/gatehouse-id/gatehouse/audit"
	"github.com/gatehouse-id/gatehouse/directory"
)

// Purging deleted users (seed 000: restorable for ten days, then gone),
// and the rows of mailed links long expired (directory.DeleteExpiredLinks).
// Every node runs the job; two purging the same user at once purge it
// once (directory.PurgeDeleted). A batch is bounded so that one run never
// holds the database for long; a backlog takes several runs.
const (
	purgeEvery = 15 * time.Minute
	purgeBatch = 500
)

// purgeDeletedEvery purges the users whose retention has ended, at once
// and then every purgeEvery until ctx ends, recording each as
// user.purged by the system in the user's tenant; and removes expired
// links.
func purgeDeletedEvery(ctx context.Context, dir *directory.Directory, log *audit.Log, logger *slog.Logger) {
	t := time.NewTicker(purgeEvery)
	defer t.Stop()
	for {
		purgeDeleted(ctx, dir, log, logger)
		if n, err := dir.DeleteExpiredLinks(ctx); err != nil {
			logger.WarnContext(ctx, "delete expired links", "err", err)
		} else if n > 0 {
			logger.InfoContext(ctx, "deleted expired links", "count", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// purgeDeleted runs one batch of the job. A failure is logged; the next
// run tries again.
func purgeDeleted(ctx context.Context, dir *directory.Directory, log *audit.Log, logger *slog.Logger) {
	n, err := dir.PurgeDeleted(ctx, purgeBatch, func(s directory.Store, u directory.User) error {
		// In the purge's transaction: a purge that cannot be recorded
		// is not made, and the next run tries again.
		to, ok := s.(audit.Appender)
		if !ok {
			return errors.New("the directory's store does not append audit events in its transactions")
		}
		return log.RecordIn(ctx, to, audit.Event{Action: "user.purged", TenantID: u.TenantID, Actor: "system",
			Target: u.ID, TargetName: u.Username,
			Details: map[string]string{"deleted_at": u.DeletedAt.UTC().Format(time.RFC3339)}})
	})
	if err != nil {
		logger.WarnContext(ctx, "purge deleted users", "purged", n, "err", err)
		return
	}
	if n > 0 {
		logger.InfoContext(ctx, "purged deleted users", "count", n)
	}
}
