package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestPprofAddr: the profiler listens only on loopback, on an address of
// its own, and is off unless asked for.
func TestPprofAddr(t *testing.T) {
	cases := []struct {
		name    string
		cfg     config
		wantErr string
	}{
		{"off", config{Addr: "localhost:8080"}, ""},
		{"loopback v4", config{Addr: "localhost:8080", PprofAddr: "127.0.0.1:6060"}, ""},
		{"loopback v6", config{Addr: "localhost:8080", PprofAddr: "[::1]:6060"}, ""},
		{"localhost", config{Addr: "localhost:8080", PprofAddr: "localhost:6060"}, ""},
		{"every interface", config{Addr: "localhost:8080", PprofAddr: ":6060"}, "loopback"},
		{"public address", config{Addr: "localhost:8080", PprofAddr: "192.0.2.1:6060"}, "loopback"},
		{"not host:port", config{Addr: "localhost:8080", PprofAddr: "6060"}, "host:port"},
		{"the main port", config{Addr: "127.0.0.1:8080", PprofAddr: "127.0.0.1:8080"}, "of its own"},
		{"the metrics port", config{Addr: "localhost:8080", MetricsAddr: "127.0.0.1:9090", PprofAddr: "127.0.0.1:9090"}, "of its own"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := c.cfg.resolvePprof()
			if c.wantErr == "" && err != nil || c.wantErr != "" && (err == nil || !strings.Contains(err.Error(), c.wantErr)) {
				t.Errorf("resolvePprof() = %v, want %q", err, c.wantErr)
			}
		})
	}
}

// TestPprofHandler: the index and a profile answer where go tool pprof
// looks for them.
func TestPprofHandler(t *testing.T) {
	srv := httptest.NewServer(pprofHandler())
	defer srv.Close()
	for _, path := range []string{"/debug/pprof/", "/debug/pprof/heap", "/debug/pprof/goroutine?debug=1"} {
		res, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusOK || len(body) == 0 {
			t.Errorf("GET %s = %d, %d bytes", path, res.StatusCode, len(body))
		}
	}
}
