package main

import (
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/gatehouse-id/gatehouse/demo"
)

// TestShutdownFinishesAcceptedRequests runs the real binary, sends it
// SIGTERM in the middle of a burst of client-credentials requests, and
// checks that every request was answered in full, with a token: none cut
// off, none answered with an error; and that the process exits 0. The
// test plays the load balancer too: it watches /readyz, which turns 503
// at SIGTERM while the node goes on serving for the drain delay, and
// sends nothing new once it has seen that, as a balancer would. (Without
// the delay, the connections a balancer had just sent, waiting in the
// kernel's queue, are reset when the listener closes: this test found
// that.)
func TestShutdownFinishesAcceptedRequests(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildImageBinary(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	cmd := exec.Command(bin, "serve", "--demo", "--addr", addr, "--data-dir", t.TempDir(), "--log-level", "warn",
		"--shutdown-delay", "2s")
	cmd.Env = append(os.Environ(), "GATEHOUSE_DATABASE_URL=", "GATEHOUSE_REDIS_URL=", "GATEHOUSE_ISSUER=")
	cmd.Stdout, cmd.Stderr = io.Discard, io.Discard
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() { _ = cmd.Process.Kill() })

	base := "http://" + addr
	deadline := time.Now().Add(time.Minute)
	for {
		resp, err := http.Get(base + "/healthz")
		if err == nil && resp.StatusCode == http.StatusOK {
			resp.Body.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the server did not come up: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	// The image's health check, as the container runtime runs it.
	if out, err := exec.Command(bin, "healthcheck", "--addr", addr, "--ready").CombinedOutput(); err != nil {
		t.Errorf("the image's health check: %v: %s", err, out)
	}

	const workers = 8
	var (
		mu                          sync.Mutex
		answered, refused, problems int
		stop                        = make(chan struct{})
		wg                          sync.WaitGroup
	)
	// The balancer: once /readyz says 503, nothing new is sent.
	var draining atomic.Bool
	wg.Go(func() {
		for !draining.Load() {
			select {
			case <-stop:
				return
			case <-time.After(20 * time.Millisecond):
			}
			if resp, err := http.Get(base + "/readyz"); err == nil {
				resp.Body.Close()
				draining.Store(resp.StatusCode == http.StatusServiceUnavailable)
			}
		}
	})
	form := url.Values{"grant_type": {"client_credentials"}}.Encode()
	for range workers {
		wg.Go(func() {
			// A fresh connection per request, so that "refused" can only
			// mean the listener had closed.
			client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 30 * time.Second}
			for !draining.Load() {
				req, _ := http.NewRequest(http.MethodPost, base+"/oauth/token", strings.NewReader(form))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				req.SetBasicAuth(demo.MachineClientID, demo.MachineClientSecret)
				resp, err := client.Do(req)
				mu.Lock()
				switch {
				case err != nil && isDialRefused(err):
					refused++
				case err != nil:
					problems++
					t.Errorf("a request cut off: %v", err)
				default:
					body, rerr := io.ReadAll(resp.Body)
					resp.Body.Close()
					if resp.StatusCode == http.StatusOK && rerr == nil && strings.Contains(string(body), "access_token") {
						answered++
					} else {
						problems++
						t.Errorf("an accepted request answered %d (%v): %.200s", resp.StatusCode, rerr, body)
					}
				}
				mu.Unlock()
				if err != nil {
					return // the server is gone
				}
			}
		})
	}
	time.Sleep(500 * time.Millisecond) // the burst is under way
	mu.Lock()
	before := answered
	mu.Unlock()
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-exited:
		if err != nil {
			t.Errorf("exit after SIGTERM: %v, want 0", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("still running 30s after SIGTERM")
	}
	close(stop)
	wg.Wait()
	t.Logf("answered %d requests (%d before SIGTERM), %d refused, %d problems", answered, before, refused, problems)
	if before == 0 || answered == before {
		t.Errorf("answered %d before SIGTERM and %d in all: the burst did not run on through the drain", before, answered)
	}
	if refused != 0 {
		t.Errorf("%d requests refused: the listener closed while the balancer still sent", refused)
	}
}

// buildImageBinary builds the binary as the Dockerfile does (a static,
// stripped build without cgo), so that what this test runs is what the
// image runs.
func buildImageBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "gatehouse")
	cmd := exec.Command("go", "build", "-trimpath", "-ldflags=-s -w", "-o", bin, ".")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build as the Dockerfile does: %v\n%s", err, out)
	}
	return bin
}

// isDialRefused reports whether err is a connection the server never
// accepted: refused at connect.
func isDialRefused(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "dial" && errors.Is(err, syscall.ECONNREFUSED)
}
