package main

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
)

// TestTracingExportsTheLibrarysSpans: with --tracing otlp and the standard
// OTEL_EXPORTER_OTLP_ENDPOINT, the spans the OpenID library makes while
// serving a token request reach an OTLP/HTTP collector, named as
// Gatehouse's, by the time tracing stops; with tracing off nothing is
// sent; a bad value is refused naming the setting.
func TestTracingExportsTheLibrarysSpans(t *testing.T) {
	var (
		mu     sync.Mutex
		bodies [][]byte
	)
	collector := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		if r.URL.Path == "/v1/traces" {
			bodies = append(bodies, b)
		}
		mu.Unlock()
		w.Header().Set("Content-Type", "application/x-protobuf")
	}))
	defer collector.Close()
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", collector.URL)
	t.Setenv("OTEL_EXPORTER_OTLP_COMPRESSION", "none")

	if err := (&config{Tracing: "jaeger"}).resolveTracing(); err == nil {
		t.Error("tracing jaeger was accepted")
	}
	stopOff, err := startTracing(t.Context(), &config{Tracing: "off"})
	if err != nil {
		t.Fatal(err)
	}
	if err := stopOff(); err != nil {
		t.Fatal(err)
	}

	stop, err := startTracing(t.Context(), &config{Tracing: "otlp"})
	if err != nil {
		t.Fatal(err)
	}
	h := newHarness(t)
	h.tokenRequest(t, "machine", machineSecret, url.Values{"grant_type": {"client_credentials"}}).want(t, http.StatusOK, "")
	if err := stop(); err != nil { // flushes
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	all := bytes.Join(bodies, nil)
	if len(bodies) == 0 || !bytes.Contains(all, []byte("gatehouse")) || !bytes.Contains(all, []byte("github.com/zitadel/oidc/pkg/op")) {
		t.Errorf("the collector got %d exports (%d bytes); want the library's spans from service gatehouse", len(bodies), len(all))
	}
}
