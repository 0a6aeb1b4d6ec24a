package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"
)

// healthz serves GET /healthz: 200 while the process serves HTTP at all,
// whatever its dependencies. An orchestrator restarts a process whose
// /healthz fails (liveness); /readyz, which checks the database, Redis and
// the signing keys, only takes it out of the load balancer (readiness):
// restarting every node because PostgreSQL is down would not bring
// PostgreSQL back.
func healthz() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		_, _ = io.WriteString(w, "ok\n")
	})
}

const healthcheckUsage = `Usage: gatehouse healthcheck [--addr ADDR] [--ready]

Asks the server at ADDR (the serve flag's address, GATEHOUSE_ADDR) whether it
lives (GET /healthz) or, with --ready, whether it is ready (GET /readyz), and
exits 0 if so, 1 if not: a container's health check, in an image with no
shell and no curl.
`

// healthcheckTimeout bounds the check: an orchestrator's own timeout
// should not be the one that ends it.
const healthcheckTimeout = 5 * time.Second

// healthcheckCommand is "gatehouse healthcheck".
func healthcheckCommand(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("healthcheck", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", env("GATEHOUSE_ADDR", "localhost:8080"), "the server's listen address (GATEHOUSE_ADDR)")
	ready := fs.Bool("ready", false, "check readiness (/readyz) instead of liveness (/healthz)")
	fs.Usage = func() { fmt.Fprint(stderr, healthcheckUsage); fs.PrintDefaults() }
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	if fs.NArg() != 0 {
		fs.Usage()
		return errUsage
	}
	path := "/healthz"
	if *ready {
		path = "/readyz"
	}
	ctx, cancel := context.WithTimeout(ctx, healthcheckTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+localAddr(*addr)+path, nil)
	if err != nil {
		return fmt.Errorf("--addr %q: %w", *addr, err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 1024))
		return fmt.Errorf("%s: %s %s", path, resp.Status, strings.TrimSpace(string(body)))
	}
	fmt.Fprintf(stdout, "%s: ok\n", path)
	return nil
}

// localAddr is where to reach a server listening on addr from the same
// machine: ":8080" and "0.0.0.0:8080" listen everywhere, and are asked on
// the loopback address.
func localAddr(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return addr
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "127.0.0.1"
	}
	return net.JoinHostPort(host, port)
}
