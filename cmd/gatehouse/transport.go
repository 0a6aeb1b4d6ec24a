package main

import (
	"log/slog"
	"net/url"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
)

// warnPlainTransport logs a warning at start for a database or Redis
// reached across a network without verified TLS: passwords, password
// hashes, tokens' ids and sessions travel on those connections. It does
// not refuse (a private network may be the operator's choice), it says so.
func warnPlainTransport(log *slog.Logger, cfg *config) {
	if cfg.DatabaseURL != "" {
		if c, err := pgconn.ParseConfig(cfg.DatabaseURL); err == nil && !isLoopback(c.Host) && !strings.HasPrefix(c.Host, "/") {
			switch {
			case c.TLSConfig == nil:
				log.Warn("PostgreSQL is reached without TLS across a network; use sslmode=verify-full", "host", c.Host)
			case c.TLSConfig.InsecureSkipVerify:
				log.Warn("PostgreSQL's certificate is not verified; use sslmode=verify-full", "host", c.Host)
			}
		}
	}
	if cfg.RedisURL != "" {
		if u, err := url.Parse(cfg.RedisURL); err == nil && !strings.HasPrefix(u.Scheme, "rediss") &&
			u.Scheme != "unix" && !isLoopback(u.Hostname()) {
			log.Warn("Redis is reached without TLS across a network; use rediss://", "host", u.Hostname())
		}
	}
}
