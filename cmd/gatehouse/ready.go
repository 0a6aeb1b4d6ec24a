package main

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"time"
)

// readyTimeout bounds each readiness check, so that a hung backend makes
// /readyz answer "not ready" rather than hang the load balancer's probe.
const readyTimeout = 2 * time.Second

// keysStaleAfter is how old a node's copy of the signing keys may be
// before the node stops calling itself ready: a node that cannot read the
// keys follows an outdated schedule, and must leave the load balancer
// before another node's new key signs (a key is stored sixteen minutes,
// and published fifteen, before it signs: docs/keys.md).
const keysStaleAfter = 4 * keyReloadEvery

// checks are the dependencies a node needs to serve: the durable store, the
// ephemeral store and fresh signing keys.
func (a *app) checks() map[string]func(context.Context) error {
	return map[string]func(context.Context) error{
		"database":  a.db.Ping,
		"ephemeral": a.kv.Ping,
		"signing_keys": func(context.Context) error {
			if a.keys == nil {
				return errors.New("not loaded")
			}
			if _, ok := a.keys.Active(); !ok || a.now().Sub(a.keys.LoadedAt()) > keysStaleAfter {
				return errors.New("stale")
			}
			return nil
		},
	}
}

// ready reports whether every dependency answers (the library's /ready).
func (a *app) ready(ctx context.Context) error {
	var errs []error
	for name, check := range a.checks() {
		cctx, cancel := context.WithTimeout(ctx, readyTimeout)
		if err := check(cctx); err != nil {
			errs = append(errs, errors.New(name+": unavailable"))
		}
		cancel()
	}
	return errors.Join(errs...)
}

// readyz serves GET /readyz: 200 when every dependency answers, 503 when
// one does not, with one line per dependency, for load balancers and
// operators. It says "unavailable", never why: the reason, which may name
// hosts, goes to the log of the failing call, not to anyone who asks.
func (a *app) readyz() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		status, code := map[string]string{}, http.StatusOK
		if a.draining.Load() {
			// Shutting down: the balancer is to send nothing new.
			status["node"], code = "shutting down", http.StatusServiceUnavailable
		}
		for name, check := range a.checks() {
			ctx, cancel := context.WithTimeout(r.Context(), readyTimeout)
			status[name] = "ok"
			if check(ctx) != nil {
				status[name], code = "unavailable", http.StatusServiceUnavailable
			}
			cancel()
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		w.WriteHeader(code)
		_ = json.NewEncoder(w).Encode(status)
	})
}
