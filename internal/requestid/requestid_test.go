package requestid

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestMiddleware: a proxy's plain id is kept, anything else replaced by a
// fresh one; the answer carries the id, and log lines written with the
// request's context name it.
func TestMiddleware(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(NewHandler(slog.NewJSONHandler(&buf, nil))).With("component", "test")
	var seen string
	h := Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen = From(r.Context())
		log.InfoContext(r.Context(), "served")
		log.Info("no context")
	}))
	for _, tc := range []struct {
		in   string
		keep bool
	}{
		{"lb-7f3a.9_x", true},
		{"", false},
		{"two words", false},
		{"evil\n{\"level\":\"ERROR\"}", false},
		{strings.Repeat("a", 65), false},
	} {
		buf.Reset()
		req := httptest.NewRequest(http.MethodGet, "/", nil)
		if tc.in != "" {
			req.Header.Set(Header, tc.in)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		got := rec.Header().Get(Header)
		if got != seen || got == "" || (got == tc.in) != tc.keep || !valid(got) {
			t.Errorf("id %q: answered %q, context %q; keep %v", tc.in, got, seen, tc.keep)
		}
		lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
		if len(lines) != 2 || !strings.Contains(lines[0], `"request_id":"`+got+`"`) || strings.Contains(lines[1], "request_id") ||
			!strings.Contains(lines[0], `"component":"test"`) {
			t.Errorf("id %q: log %q", tc.in, lines)
		}
	}
}

// TestAnnotate: what a handler learns about its request (Annotate) is on
// every later line of the request, the latest value of a key wins, a line
// that says the key itself keeps its own, and outside a request nothing
// happens.
func TestAnnotate(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(NewHandler(slog.NewJSONHandler(&buf, nil)))
	h := Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		log.InfoContext(ctx, "before")
		Annotate(ctx, slog.String("client_id", "portal-a"), slog.String("tenant", "acme"))
		Annotate(ctx, slog.String("tenant", "contoso"))
		log.InfoContext(ctx, "after")
		log.InfoContext(ctx, "own", "tenant", "globex")
	}))
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/", nil))
	Annotate(t.Context(), slog.String("tenant", "nobody")) // no request: nothing
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 3 || strings.Contains(lines[0], "tenant") ||
		!strings.Contains(lines[1], `"client_id":"portal-a"`) || !strings.Contains(lines[1], `"tenant":"contoso"`) ||
		strings.Contains(lines[1], "acme") || strings.Count(lines[2], `"tenant"`) != 1 || !strings.Contains(lines[2], `"tenant":"globex"`) {
		t.Errorf("log:\n%s", buf.String())
	}
}
