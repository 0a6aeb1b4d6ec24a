package provider

import (
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"

	"github.com/zitadel/oidc/v3/pkg/oidc"
)

// TestPrerenderedOncePerKeySet: the JWKS is rendered once for a set of
// published keys, served from the kept bytes after that (with its ETag,
// 304 and HEAD), and rendered again as soon as the keys change.
func TestPrerenderedOncePerKeySet(t *testing.T) {
	published := []string{"k1"}
	renders := 0
	status := http.StatusOK
	next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		renders++
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = w.Write([]byte(`{"keys":"` + strconv.Itoa(len(published)) + `"}`))
	})
	p := newPrerendered(func() []string { return published })
	get := func(method string, header ...string) *httptest.ResponseRecorder {
		r := httptest.NewRequest(method, pathKeys, nil)
		if len(header) == 2 {
			r.Header.Set(header[0], header[1])
		}
		w := httptest.NewRecorder()
		p.serve(w, r, pathKeys, next)
		return w
	}
	first := get(http.MethodGet)
	etag := first.Header().Get("ETag")
	if first.Code != http.StatusOK || etag == "" || first.Body.String() != `{"keys":"1"}` {
		t.Fatalf("first: %d %q %s", first.Code, etag, first.Body)
	}
	for range 3 {
		if w := get(http.MethodGet); w.Body.String() != `{"keys":"1"}` || w.Header().Get("ETag") != etag ||
			w.Header().Get("Content-Type") != "application/json" {
			t.Errorf("kept: %d %v %s", w.Code, w.Header(), w.Body)
		}
	}
	if w := get(http.MethodGet, "If-None-Match", etag); w.Code != http.StatusNotModified || w.Body.Len() != 0 {
		t.Errorf("revalidation: %d %s", w.Code, w.Body)
	}
	if w := get(http.MethodHead); w.Code != http.StatusOK || w.Body.Len() != 0 || w.Header().Get("ETag") != etag {
		t.Errorf("HEAD: %d %s", w.Code, w.Body)
	}
	if renders != 1 {
		t.Errorf("rendered %d times for one key set, want once", renders)
	}

	published = []string{"k2", "k1"} // the next key is published
	if w := get(http.MethodGet); w.Body.String() != `{"keys":"2"}` || w.Header().Get("ETag") == etag {
		t.Errorf("after a key change: %s %q", w.Body, w.Header().Get("ETag"))
	}
	if renders != 2 {
		t.Errorf("rendered %d times for two key sets, want twice", renders)
	}

	// Discovery is kept apart; a failed rendering is not kept.
	published, status = []string{"k3"}, http.StatusServiceUnavailable
	r := httptest.NewRequest(http.MethodGet, oidc.DiscoveryEndpoint, nil)
	w := httptest.NewRecorder()
	p.serve(w, r, oidc.DiscoveryEndpoint, next)
	if w.Code != http.StatusServiceUnavailable || p.discovery.Load() != nil {
		t.Errorf("a 503 was kept: %d", w.Code)
	}
}
