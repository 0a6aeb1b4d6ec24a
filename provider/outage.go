package provider

import (
	"context"
	"errors"
	"net/http"
	"sync/atomic"

	"github.com/zitadel/oidc/v3/pkg/oidc"

	backend "github.com/gatehouse-id/gatehouse/storage"
)

// Outages. When PostgreSQL or Redis cannot be reached, a request must get
// 503 "temporarily unavailable", not a 500 (our fault) or a 400 (the
// client's). Gatehouse's own endpoints answer so directly (serverError);
// the library's (authorize, the login callback, end_session, /ready) only
// know 400 and 500. So every request carries an outage flag: the storage
// methods the library calls raise it when they meet storage.ErrUnavailable,
// and the middleware turns whatever error status the library then writes
// into 503 with Retry-After.

type outageKey struct{}

// withOutageFlag gives the request a flag to raise.
func withOutageFlag(ctx context.Context) (context.Context, *atomic.Bool) {
	f := new(atomic.Bool)
	return context.WithValue(ctx, outageKey{}, f), f
}

// noteOutage raises the request's flag if err is an outage, and returns
// err for the library with its cause cut off: the library prints a parent
// error to the browser, and causes name hosts and ports. The cause was
// logged by the caller.
func noteOutage(ctx context.Context, err error) error {
	if !errors.Is(err, backend.ErrUnavailable) {
		return err
	}
	if f, ok := ctx.Value(outageKey{}).(*atomic.Bool); ok {
		f.Store(true)
	}
	return oidc.ErrServerError().WithDescription("the server is temporarily unavailable; try again shortly")
}

// outageWriter turns an error status into 503 once the flag is up.
type outageWriter struct {
	http.ResponseWriter
	flag *atomic.Bool
}

func (w outageWriter) WriteHeader(code int) {
	if code >= 400 && w.flag.Load() {
		w.Header().Set("Retry-After", "5")
		code = http.StatusServiceUnavailable
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w outageWriter) Write(b []byte) (int, error) { return w.ResponseWriter.Write(b) }

// Unwrap lets http.ResponseController reach the real writer.
func (w outageWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
