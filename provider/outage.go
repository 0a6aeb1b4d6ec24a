package provider

import (
	"context"
	"errors"
	"net/http"
	"sync/atomic"

	"github.com/zitadel/oidc/v3/pkg/oidc"

	backend "github.com/gatehouse-id/gatehouse/storage"
	"github.com/gatehouse-id/gatehouse/throttle"
)

// Outages. When PostgreSQL or Redis cannot be reached, a request must get
// 503 "temporarily unavailable", not a 500 (our fault) or a 400 (the
// client's). Gatehouse's own endpoints answer so directly (serverError);
// the library's (authorize, the login callback, end_session, /ready) only
// know 400 and 500. So every request carries an outage flag: the storage
// methods the library calls raise it when they meet storage.ErrUnavailable,
// and the middleware turns whatever error status the library then writes
// into 503 with Retry-After.

// requestState is what the middleware gives every request's context, in
// one value: the outage flag, and the peer's address, which the client's
// address for an audit record (clientAddress) is only worked out from when
// one is written.
type requestState struct {
	outage     atomic.Bool
	remoteAddr string
}

type requestStateKey struct{}

// withRequestState gives the request its state.
func withRequestState(ctx context.Context, remoteAddr string) (context.Context, *requestState) {
	st := &requestState{remoteAddr: remoteAddr}
	return context.WithValue(ctx, requestStateKey{}, st), st
}

func stateOf(ctx context.Context) (*requestState, bool) {
	st, ok := ctx.Value(requestStateKey{}).(*requestState)
	return st, ok
}

// clientAddress is the client's address (throttle.ClientAddress) of the
// request, for the audit records the token endpoint writes, or "unknown".
func clientAddress(ctx context.Context) string {
	if st, ok := stateOf(ctx); ok {
		return throttle.ClientAddressOf(st.remoteAddr)
	}
	return "unknown"
}

// noteOutage is what a storage method the library calls returns for err,
// a failure of the stores that the caller has logged: a server error with
// the cause cut off (the library prints a parent error to the browser,
// and causes name hosts and ports), saying desc. An outage instead raises
// the request's flag and says to try again shortly.
func noteOutage(ctx context.Context, err error, desc string) error {
	if !errors.Is(err, backend.ErrUnavailable) {
		return oidc.ErrServerError().WithDescription("%s", desc)
	}
	if st, ok := stateOf(ctx); ok {
		st.outage.Store(true)
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
