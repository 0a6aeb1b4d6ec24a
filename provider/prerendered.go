package provider

import (
	"net/http"
	"strings"
	"sync/atomic"

	"github.com/zitadel/oidc/v3/pkg/oidc"
)

// prerendered keeps the discovery document and the JWKS as the bytes last
// rendered, so that the endpoints every relying party polls cost a map of
// headers and a write, not the library's routing, a JSON encoding and a
// hash per request. Both depend only on the configuration, fixed for the
// provider's life, and on which keys are published (which changes with the
// key schedule, in time): a document is kept with the published key ids it
// was rendered for, and rendered again when they differ.
type prerendered struct {
	discovery, keys atomic.Pointer[document]
	// version names the published keys now: their ids, the signing key's
	// first.
	version func() string
}

func newPrerendered(published func() []string) *prerendered {
	return &prerendered{version: func() string { return strings.Join(published(), " ") }}
}

// serve answers a GET or HEAD of path (discovery or the JWKS) from the
// kept document, rendering it with next first if there is none yet or the
// keys changed since. Only a 200 rendered for a GET is kept.
func (p *prerendered) serve(w http.ResponseWriter, r *http.Request, path string, next http.Handler) {
	slot := &p.keys
	if path == oidc.DiscoveryEndpoint {
		slot = &p.discovery
	}
	// The version is taken before rendering: keys published meanwhile
	// are in the body, and the next request, seeing a newer version,
	// renders again.
	v := p.version()
	d := slot.Load()
	if d == nil || d.version != v {
		if r.Method != http.MethodGet {
			render(r, next).write(w, r)
			return
		}
		d = render(r, next)
		d.version = v
		if d.status == http.StatusOK {
			slot.Store(d)
		}
	}
	d.write(w, r)
}
