package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/go-jose/go-jose/v4"
)

// serveOptions are serve's command line.
type serveOptions struct {
	addr         string
	alg          string
	clientID     string
	clientSecret string
	scope        string
}

func parseServe(args []string, stderr io.Writer) (*serveOptions, error) {
	o := &serveOptions{}
	fs := flag.NewFlagSet("gatehouse-floor serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.addr, "addr", "127.0.0.1:7000", "loopback address to listen on (127.0.0.1 or [::1] only)")
	fs.StringVar(&o.alg, "alg", "ES256", "access-token signature: ES256, EdDSA, RS256, or static (a fixed token, no signature)")
	fs.StringVar(&o.clientID, "client-id", "demo-machine", "the one machine client (the Gatehouse demo's, so gatehouse-bench's defaults work)")
	fs.StringVar(&o.clientSecret, "client-secret", "demo-machine-secret-not-for-production-1", "its secret")
	fs.StringVar(&o.scope, "scope", "devices.read devices.write", "the scopes the client may ask for, and gets when it asks for none")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if err := requireLoopback(o.addr); err != nil {
		return nil, err
	}
	if o.clientID == "" || o.clientSecret == "" {
		return nil, errors.New("-client-id and -client-secret must not be empty")
	}
	return o, nil
}

// requireLoopback refuses any address but a loopback IP: the floor has a
// well-known secret and is only ever a benchmark's target on this machine.
// Host names are refused too, since "localhost" may resolve elsewhere.
func requireLoopback(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("-addr %q: %w", addr, err)
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("-addr %q: the floor server listens on a loopback IP only, such as 127.0.0.1:7000", addr)
	}
	return nil
}

// serve runs the floor token endpoint until ctx ends (SIGINT, SIGTERM).
func serve(ctx context.Context, args []string, stderr io.Writer) error {
	o, err := parseServe(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", o.addr)
	if err != nil {
		return err
	}
	f, err := newFloor("http://"+ln.Addr().String(), o)
	if err != nil {
		ln.Close()
		return err
	}
	srv := &http.Server{Handler: f.handler(), ReadHeaderTimeout: 5 * time.Second, IdleTimeout: 2 * time.Minute}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	fmt.Fprintf(stderr, "gatehouse-floor: %s tokens at %s/token\n", o.alg, f.issuer)
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
	}
	shut, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return srv.Shutdown(shut)
}

// algStatic names the floor's unsigned mode: the HTTP and JSON cost alone.
const algStatic = "static"

// parseAlg is nil for static, the key's algorithm otherwise.
func parseAlg(s string) (*jose.SignatureAlgorithm, error) {
	if s == algStatic {
		return nil, nil
	}
	for _, a := range signingAlgs {
		if string(a) == s {
			return &a, nil
		}
	}
	return nil, fmt.Errorf("-alg %q: want ES256, EdDSA, RS256 or static", s)
}
