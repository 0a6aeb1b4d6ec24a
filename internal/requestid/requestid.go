// Package requestid gives every HTTP request an id and every log line
// written while serving it that id, so that an operator can follow one
// request through the log, and match it with the load balancer's log.
//
// Middleware takes the id a proxy in front put in X-Request-Id, if it is
// a plain token (letters, digits, '.', '_' and '-', at most 64), or makes
// one; it answers with it in X-Request-Id and puts it in the request's
// context. Handler, wrapped around the process's slog.Handler, adds
// request_id to every record logged with that context (the *Context and
// LogAttrs methods of slog.Logger), and the attributes that the request's
// handlers learnt on the way and added with Annotate (the tenant, the
// client). A record logged without the context (a library that logs with
// the default logger and no context) has none.
package requestid

import (
	"context"
	"crypto/rand"
	"log/slog"
	"net/http"
	"slices"
	"sync"
)

// Header is the request and response header that carries the id.
const Header = "X-Request-Id"

// maxLen bounds an id taken from a proxy.
const maxLen = 64

type key struct{}

// request is what a request's context carries: its id, and what its
// handlers learnt about it since (Annotate). One goroutine serves a
// request at a time, but handlers may start others, hence the lock.
type request struct {
	id    string
	mu    sync.Mutex
	attrs []slog.Attr
}

// From returns the id of the request ctx belongs to, or "".
func From(ctx context.Context) string {
	if r, ok := ctx.Value(key{}).(*request); ok {
		return r.id
	}
	return ""
}

// With returns ctx carrying id.
func With(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, key{}, &request{id: id})
}

// Annotate adds attrs to every later log line of the request ctx belongs
// to (the tenant and the client, once a handler knows them); outside a
// request it does nothing. Never a secret: the attrs go to the log.
func Annotate(ctx context.Context, attrs ...slog.Attr) {
	r, ok := ctx.Value(key{}).(*request)
	if !ok {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, a := range attrs {
		if i := slices.IndexFunc(r.attrs, func(b slog.Attr) bool { return b.Key == a.Key }); i >= 0 {
			r.attrs[i] = a
		} else {
			r.attrs = append(r.attrs, a)
		}
	}
}

// Middleware gives each request an id (see the package doc) before next
// serves it.
func Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get(Header)
		if !valid(id) {
			id = rand.Text()
		}
		w.Header().Set(Header, id)
		next.ServeHTTP(w, r.WithContext(With(r.Context(), id)))
	})
}

// valid reports whether a proxy's id can go into the log as it is: a
// short token, so that a client cannot forge log lines or flood them.
func valid(id string) bool {
	if id == "" || len(id) > maxLen {
		return false
	}
	for i := range len(id) {
		c := id[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '.' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// Handler adds request_id to the records logged with a request's context.
type Handler struct{ inner slog.Handler }

// NewHandler wraps inner.
func NewHandler(inner slog.Handler) *Handler { return &Handler{inner: inner} }

// Enabled is inner's.
func (h *Handler) Enabled(ctx context.Context, l slog.Level) bool { return h.inner.Enabled(ctx, l) }

// Handle adds the id of ctx's request, if any, and passes r on.
func (h *Handler) Handle(ctx context.Context, r slog.Record) error {
	if req, ok := ctx.Value(key{}).(*request); ok {
		r = r.Clone()
		r.AddAttrs(slog.String("request_id", req.id))
		req.mu.Lock()
		for _, a := range req.attrs {
			if !has(r, a.Key) { // what the line says itself wins
				r.AddAttrs(a)
			}
		}
		req.mu.Unlock()
	}
	return h.inner.Handle(ctx, r)
}

// has reports whether r has an attribute key at its top level.
func has(r slog.Record, key string) bool {
	found := false
	r.Attrs(func(a slog.Attr) bool {
		found = a.Key == key
		return !found
	})
	return found
}

// WithAttrs is inner's, still adding request ids.
func (h *Handler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return &Handler{inner: h.inner.WithAttrs(attrs)}
}

// WithGroup is inner's, still adding request ids.
func (h *Handler) WithGroup(name string) slog.Handler {
	return &Handler{inner: h.inner.WithGroup(name)}
}
