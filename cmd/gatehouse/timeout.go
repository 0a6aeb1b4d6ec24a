package main

import (
	"context"
	"net/http"
	"time"
)

// requestTimeout bounds the work of one request. The http.Server's
// timeouts bound reading and writing, not the handler: without this, a
// database that stops answering mid-query (a network partition, not a
// refused connection) would hold the request, and its pooled connection,
// until the kernel gives up on TCP, draining the pool. With it, every
// store call sees a deadline and the request ends with 503.
const requestTimeout = 15 * time.Second

func withRequestTimeout(next http.Handler, d time.Duration) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), d)
		defer cancel()
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}
