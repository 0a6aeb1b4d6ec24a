package main

import (
	"bytes"
	"context"
	"net/http"
	"regexp"
	"sync"
	"testing"
	"time"
)

// lockedBuffer is stderr shared by serve and the test.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestServeAnswersUntilStopped: serve publishes the address it really
// listens on (a benchmark reads the endpoints from it) and returns cleanly
// when stopped, as scripts/perf/run stops it with SIGTERM.
func TestServeAnswersUntilStopped(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var stderr lockedBuffer
	done := make(chan error, 1)
	go func() { done <- serve(ctx, []string{"-addr", "127.0.0.1:0", "-alg", "static"}, &stderr) }()
	started := regexp.MustCompile(`tokens at (http://127\.0\.0\.1:\d+)/token`)
	var issuer string
	for deadline := time.Now().Add(5 * time.Second); issuer == "" && time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if m := started.FindStringSubmatch(stderr.String()); m != nil {
			issuer = m[1]
		}
	}
	if issuer == "" {
		t.Fatalf("serve did not start: %q", stderr.String())
	}
	resp, err := http.Get(issuer + "/.well-known/openid-configuration")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("discovery: HTTP %d", resp.StatusCode)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("serve returned %v when stopped", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("serve did not return when stopped")
	}
}
