package main

import (
	"database/sql"
	"net/http"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	goredis "github.com/redis/go-redis/v9"

	"github.com/gatehouse-id/gatehouse/keys"
	"github.com/gatehouse-id/gatehouse/metrics"
)

// metricsPath is where the metrics are served, on the main port or on
// --metrics-addr.
const metricsPath = "/metrics"

// loginRoute is the login form's pattern (login.Handler.Routes): its 429
// is a login the throttle refused, which nothing audits.
const loginRoute = "POST /login"

// instrument counts each request next answers, by the pattern the mux
// matched. It must wrap the mux itself: the mux sets Request.Pattern on the
// request it is handed, and a middleware between them that copies the
// request (WithContext) would hide the pattern from this one.
func instrument(next http.Handler, m *metrics.Metrics) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r)
		code := sw.code
		if code == 0 {
			code = http.StatusOK
		}
		m.Request(r.Pattern, r.Method, code, time.Since(start))
		if code == http.StatusTooManyRequests && r.Pattern == loginRoute {
			m.LoginThrottled()
		}
	})
}

// statusWriter remembers the status a handler answered.
type statusWriter struct {
	http.ResponseWriter
	code int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.code == 0 && code >= 200 { // 1xx are interim answers
		w.code = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.code == 0 {
		w.code = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Flush lets handlers that stream flush through the wrapper.
func (w *statusWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		if w.code == 0 {
			w.code = http.StatusOK
		}
		f.Flush()
	}
}

// Unwrap is for http.ResponseController.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// collectState registers the collectors that read the node's state at
// scrape time: the active signing key's age, and the pools of the stores
// that have one (SQLite's database/sql pool, PostgreSQL's pgxpool,
// Redis's; process memory has none).
func (a *app) collectState(m *metrics.Metrics) {
	m.SigningKey(func() (time.Duration, bool) {
		for _, k := range a.keys.Keys() {
			if k.State == keys.StateActive {
				return a.now().Sub(k.ActivateAt), true
			}
		}
		return 0, false
	})
	switch db := a.db.(type) {
	case interface{ PoolStat() *pgxpool.Stat }:
		m.DatabasePool("postgres", func() metrics.DBStats {
			s := db.PoolStat()
			return metrics.DBStats{MaxOpen: int(s.MaxConns()), InUse: int(s.AcquiredConns()), Idle: int(s.IdleConns()),
				WaitCount: s.EmptyAcquireCount(), WaitDuration: s.EmptyAcquireWaitTime()}
		})
	case interface{ DBStats() sql.DBStats }:
		m.DatabasePool("sqlite", func() metrics.DBStats {
			s := db.DBStats()
			return metrics.DBStats{MaxOpen: s.MaxOpenConnections, InUse: s.InUse, Idle: s.Idle,
				WaitCount: s.WaitCount, WaitDuration: s.WaitDuration}
		})
	}
	if kv, ok := a.kv.(interface{ PoolStats() *goredis.PoolStats }); ok {
		m.RedisPool(func() metrics.RedisStats {
			s := kv.PoolStats()
			return metrics.RedisStats{Total: s.TotalConns, Idle: s.IdleConns, Hits: s.Hits, Misses: s.Misses,
				Timeouts: s.Timeouts, Stale: s.StaleConns, WaitCount: s.WaitCount, WaitDuration: time.Duration(s.WaitDurationNs)}
		})
	}
}

// metricsHandler serves the metrics alone, for --metrics-addr.
func (a *app) metricsHandler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET "+metricsPath, a.metrics.Handler())
	return mux
}
