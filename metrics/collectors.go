package metrics

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// SigningKey exports gatehouse_signing_key_age_seconds: how long the
// active signing key has been signing, from age, which reports false while
// no key signs (then the metric is absent). Alert on it to notice a
// rotation that stopped happening.
func (m *Metrics) SigningKey(age func() (time.Duration, bool)) {
	m.reg.MustRegister(&keyCollector{age: age, desc: prometheus.NewDesc(namespace+"_signing_key_age_seconds",
		"Time since the active signing key began signing.", nil, nil)})
}

type keyCollector struct {
	age  func() (time.Duration, bool)
	desc *prometheus.Desc
}

func (c *keyCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }

func (c *keyCollector) Collect(ch chan<- prometheus.Metric) {
	if d, ok := c.age(); ok {
		ch <- prometheus.MustNewConstMetric(c.desc, prometheus.GaugeValue, d.Seconds())
	}
}

// DBStats is the state of a database connection pool, in the terms that
// pgxpool.Stat and database/sql's DBStats share.
type DBStats struct {
	// MaxOpen is the most connections the pool opens (0: no limit).
	MaxOpen int
	// InUse and Idle are the connections open now, taken or waiting.
	InUse, Idle int
	// WaitCount is how many times a caller waited for a connection
	// since the pool opened, and WaitDuration how long in all.
	WaitCount    int64
	WaitDuration time.Duration
}

// DatabasePool exports the durable store's connection pool, read from
// stats at every scrape, labelled backend ("postgres", "sqlite"):
// gatehouse_db_connections{state="in_use"|"idle"},
// gatehouse_db_connections_max, gatehouse_db_waits_total and
// gatehouse_db_wait_seconds_total.
func (m *Metrics) DatabasePool(backend string, stats func() DBStats) {
	l := prometheus.Labels{"backend": backend}
	m.reg.MustRegister(&dbCollector{stats: stats,
		conns:   prometheus.NewDesc(namespace+"_db_connections", "Open database connections, by state (in_use, idle).", []string{"state"}, l),
		max:     prometheus.NewDesc(namespace+"_db_connections_max", "Most database connections the pool opens (0: no limit).", nil, l),
		waits:   prometheus.NewDesc(namespace+"_db_waits_total", "Times a request waited for a database connection.", nil, l),
		waitDur: prometheus.NewDesc(namespace+"_db_wait_seconds_total", "Time requests spent waiting for a database connection.", nil, l),
	})
}

type dbCollector struct {
	stats                      func() DBStats
	conns, max, waits, waitDur *prometheus.Desc
}

func (c *dbCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.conns
	ch <- c.max
	ch <- c.waits
	ch <- c.waitDur
}

func (c *dbCollector) Collect(ch chan<- prometheus.Metric) {
	s := c.stats()
	ch <- prometheus.MustNewConstMetric(c.conns, prometheus.GaugeValue, float64(s.InUse), "in_use")
	ch <- prometheus.MustNewConstMetric(c.conns, prometheus.GaugeValue, float64(s.Idle), "idle")
	ch <- prometheus.MustNewConstMetric(c.max, prometheus.GaugeValue, float64(s.MaxOpen))
	ch <- prometheus.MustNewConstMetric(c.waits, prometheus.CounterValue, float64(s.WaitCount))
	ch <- prometheus.MustNewConstMetric(c.waitDur, prometheus.CounterValue, s.WaitDuration.Seconds())
}

// RedisStats is the state of go-redis's connection pool (its PoolStats),
// summed over the nodes of a cluster.
type RedisStats struct {
	// Total and Idle are the connections open now, and idle among them.
	Total, Idle uint32
	// Hits and Misses count takes that found an idle connection or had
	// to open one; Timeouts those that gave up waiting; Stale the
	// connections closed as stale; WaitCount and WaitDuration the takes
	// that waited, and how long in all.
	Hits, Misses, Timeouts, Stale, WaitCount uint32
	WaitDuration                             time.Duration
}

// RedisPool exports the Redis connection pool, read from stats at every
// scrape: gatehouse_redis_connections{state="in_use"|"idle"} and the
// counters gatehouse_redis_pool_{hits,misses,timeouts,waits}_total,
// gatehouse_redis_pool_wait_seconds_total and
// gatehouse_redis_stale_connections_total.
func (m *Metrics) RedisPool(stats func() RedisStats) {
	desc := func(name, help string, labels ...string) *prometheus.Desc {
		return prometheus.NewDesc(namespace+"_redis_"+name, help, labels, nil)
	}
	m.reg.MustRegister(&redisCollector{stats: stats,
		conns:    desc("connections", "Open Redis connections, by state (in_use, idle).", "state"),
		hits:     desc("pool_hits_total", "Connections taken from the pool idle."),
		misses:   desc("pool_misses_total", "Connections the pool had to open for a request."),
		timeouts: desc("pool_timeouts_total", "Requests that gave up waiting for a Redis connection."),
		waits:    desc("pool_waits_total", "Requests that waited for a Redis connection."),
		waitDur:  desc("pool_wait_seconds_total", "Time requests spent waiting for a Redis connection."),
		stale:    desc("stale_connections_total", "Redis connections closed as stale."),
	})
}

type redisCollector struct {
	stats                                                func() RedisStats
	conns, hits, misses, timeouts, waits, waitDur, stale *prometheus.Desc
}

func (c *redisCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.conns, c.hits, c.misses, c.timeouts, c.waits, c.waitDur, c.stale} {
		ch <- d
	}
}

func (c *redisCollector) Collect(ch chan<- prometheus.Metric) {
	s := c.stats()
	ch <- prometheus.MustNewConstMetric(c.conns, prometheus.GaugeValue, float64(s.Total-min(s.Idle, s.Total)), "in_use")
	ch <- prometheus.MustNewConstMetric(c.conns, prometheus.GaugeValue, float64(s.Idle), "idle")
	for _, v := range []struct {
		d *prometheus.Desc
		n float64
	}{
		{c.hits, float64(s.Hits)}, {c.misses, float64(s.Misses)}, {c.timeouts, float64(s.Timeouts)},
		{c.waits, float64(s.WaitCount)}, {c.waitDur, s.WaitDuration.Seconds()}, {c.stale, float64(s.Stale)},
	} {
		ch <- prometheus.MustNewConstMetric(v.d, prometheus.CounterValue, v.n)
	}
}
