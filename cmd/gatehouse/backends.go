package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/gatehouse-id/gatehouse/audit"
	"github.com/gatehouse-id/gatehouse/directory"
	"github.com/gatehouse-id/gatehouse/ephemeral"
	"github.com/gatehouse-id/gatehouse/ephemeral/memory"
	"github.com/gatehouse-id/gatehouse/ephemeral/redis"
	"github.com/gatehouse-id/gatehouse/grants"
	"github.com/gatehouse-id/gatehouse/keys"
	"github.com/gatehouse-id/gatehouse/logout"
	"github.com/gatehouse-id/gatehouse/mfa"
	"github.com/gatehouse-id/gatehouse/storage/postgres"
	"github.com/gatehouse-id/gatehouse/storage/sqlite"
)

// durable is the durable backend: SQLite in the data folder, or PostgreSQL.
type durable interface {
	directory.Store
	grants.Store
	keys.Store
	mfa.Store
	audit.Store
	logout.Store
	Ping(ctx context.Context) error
	Close() error
}

// volatile is the ephemeral backend: process memory, or Redis.
type volatile interface {
	ephemeral.Store
	Ping(ctx context.Context) error
	Close() error
}

// memoryBackend is process memory as a volatile backend; it is always
// ready.
type memoryBackend struct{ *memory.Store }

func (memoryBackend) Ping(context.Context) error { return nil }

// openDurable opens PostgreSQL when a database URL is configured (waiting
// for it up to the connect timeout), else SQLite in the data folder.
func openDurable(ctx context.Context, cfg *config, log *slog.Logger) (durable, error) {
	if cfg.DatabaseURL != "" {
		setting := "GATEHOUSE_DATABASE_URL=" + redactDatabaseURL(cfg.DatabaseURL)
		return connect(ctx, log, "PostgreSQL", setting, cfg.ConnectTimeout, func(ctx context.Context) (durable, error) {
			return postgres.Open(ctx, cfg.DatabaseURL)
		})
	}
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("data folder: %w", err)
	}
	return sqlite.Open(ctx, cfg.databasePath())
}

// openVolatile opens Redis when a Redis URL is configured (waiting for it
// up to the connect timeout), else process memory, which only a single
// node can use.
func openVolatile(ctx context.Context, cfg *config, log *slog.Logger, now func() time.Time) (volatile, error) {
	if cfg.RedisURL != "" {
		goredis.SetLogger(redisLogger{log})
		setting := "GATEHOUSE_REDIS_URL=" + redis.RedactURL(cfg.RedisURL)
		return connect(ctx, log, "Redis", setting, cfg.ConnectTimeout, func(ctx context.Context) (volatile, error) {
			return redis.Open(ctx, cfg.RedisURL, cfg.RedisPrefix)
		})
	}
	return memoryBackend{memory.New(now)}, nil
}

// redisLogger routes go-redis's own messages (a failed dial during an
// outage, say) into the structured log instead of stderr. They name
// addresses, never passwords.
type redisLogger struct{ log *slog.Logger }

func (l redisLogger) Printf(ctx context.Context, format string, v ...any) {
	l.log.WarnContext(ctx, "redis client", "msg", fmt.Sprintf(format, v...))
}
