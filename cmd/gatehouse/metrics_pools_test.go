package main

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestMetricsPoolsOnTheProductionStack: on PostgreSQL and Redis (two nodes
// behind a balancer), a node's /metrics reports its PostgreSQL pool and
// its Redis pool, read at scrape time: after a burst of token requests the
// pools have connections and the Redis pool has served hits.
func TestMetricsPoolsOnTheProductionStack(t *testing.T) {
	c := newCluster(t)
	for range 5 {
		c.tokenRequest(t, "machine", machineSecret, url.Values{"grant_type": {"client_credentials"}}).want(t, http.StatusOK, "")
	}
	b := c.browser()
	a, code := b.login(c.portalA(), "contoso", "carol", "carol-password")
	c.portalA().redeem(t, code, a) // sessions and codes go through Redis
	s, raw := scrapeMetrics(t, c.nodes[0].URL+"/metrics")
	if got := s.value("gatehouse_db_connections_max", "backend", "postgres"); got < 1 {
		t.Errorf("gatehouse_db_connections_max{backend=postgres} = %v, want the pool's size", got)
	}
	if got := s.value("gatehouse_db_connections", "backend", "postgres"); got < 1 {
		t.Errorf("gatehouse_db_connections{backend=postgres} = %v, want the pool's connections", got)
	}
	if got := s.value("gatehouse_redis_connections"); got < 1 {
		t.Errorf("gatehouse_redis_connections = %v, want the pool's connections", got)
	}
	if got := s.value("gatehouse_redis_pool_hits_total") + s.value("gatehouse_redis_pool_misses_total"); got < 1 {
		t.Errorf("the Redis pool served %v connections, want some", got)
	}
	if strings.Contains(raw, `backend="sqlite"`) {
		t.Error("a PostgreSQL node reports a SQLite pool")
	}
}
