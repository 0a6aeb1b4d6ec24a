package main

import "net/http"

// maxBodyBytes bounds every request body, before any handler reads it. The
// largest real one is a tenant's logo (64 KiB, PUT to the admin API), and
// each handler keeps its own, tighter bound (the pages 16 KiB, the admin
// API's JSON 64 KiB); this one covers the endpoints whose bodies the OIDC
// library reads (token, introspection, revocation, userinfo), which would
// otherwise take up to 10 MB of form (net/http's own limit) per request.
const maxBodyBytes = 1 << 20

// withBodyLimit refuses a body longer than maxBodyBytes: a handler reading
// past it gets an error, which the library answers as a bad request, and a
// declared length past it is refused at once with 413.
func withBodyLimit(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength > maxBodyBytes {
			http.Error(w, "request body too large", http.StatusRequestEntityTooLarge)
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, maxBodyBytes)
		next.ServeHTTP(w, r)
	})
}
