package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"runtime/debug"
	"time"

	"github.com/gatehouse-id/gatehouse/demo"
	"github.com/gatehouse-id/gatehouse/directory"
	"github.com/gatehouse-id/gatehouse/directoryfile"
)

var errUsage = errors.New("usage")

func serveCommand(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var cfg config
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg.bindFlags(fs)
	if err := cfg.parseArgs(fs, args); err != nil {
		return err
	}
	if err := cfg.resolve(); err != nil {
		return err
	}
	log, err := newLogger(stderr, cfg.LogLevel, cfg.Demo)
	if err != nil {
		return err
	}
	// The OpenID library logs through the default logger, and traces
	// through the global tracer provider.
	slog.SetDefault(log)
	stopTracing, err := startTracing(ctx, &cfg)
	if err != nil {
		return err
	}
	defer func() {
		if err := stopTracing(); err != nil {
			log.Warn("tracing: last spans not sent", "err", err)
		}
	}()
	a, err := build(ctx, &cfg, log, options{})
	if err != nil {
		return err
	}
	defer a.Close()
	if !cfg.Demo {
		if err := firstStart(ctx, a, &cfg, log); err != nil {
			return err
		}
	}

	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return err
	}
	srv := &http.Server{
		Handler:           a.handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	errc := make(chan error, 2)
	if cfg.Metrics && cfg.MetricsAddr != "" {
		mln, err := net.Listen("tcp", cfg.MetricsAddr)
		if err != nil {
			ln.Close()
			return fmt.Errorf("metrics listener (GATEHOUSE_METRICS_ADDR): %w", err)
		}
		msrv := &http.Server{Handler: a.metricsHandler(), ReadHeaderTimeout: 10 * time.Second, WriteTimeout: 30 * time.Second,
			ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
		// Scraped until the process ends: the drain is worth watching.
		defer msrv.Close()
		log.Info("metrics listening", "addr", mln.Addr().String(), "path", metricsPath)
		go func() { errc <- fmt.Errorf("metrics listener: %w", msrv.Serve(mln)) }()
	}
	if cfg.PprofAddr != "" {
		pln, err := net.Listen("tcp", cfg.PprofAddr)
		if err != nil {
			ln.Close()
			return fmt.Errorf("profiler listener (GATEHOUSE_PPROF_ADDR): %w", err)
		}
		// No WriteTimeout: a CPU profile streams for as long as it was asked.
		psrv := &http.Server{Handler: pprofHandler(), ReadHeaderTimeout: 10 * time.Second,
			ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
		defer psrv.Close()
		log.Warn("profiler listening: do not leave it on in production", "addr", pln.Addr().String(), "path", "/debug/pprof/")
		go func() { errc <- fmt.Errorf("profiler listener: %w", psrv.Serve(pln)) }()
	}
	returnStartupMemory()
	printBanner(stdout, &cfg)
	log.Info("gatehouse listening", "addr", ln.Addr().String(), "issuer", cfg.Issuer, "demo", cfg.Demo)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	return drainAndShutdown(srv, a, &cfg, log)
}

// returnStartupMemory gives the operating system back what start-up
// allocated and no longer needs, before the first request: the password
// estimator's dictionaries are parsed from their compressed form at
// package initialisation, migrations run, and --demo hashes its users'
// passwords (19 MiB of argon2id memory each). The Go runtime would return
// these pages by itself, but over minutes; an idle node should show its
// idle size from the start (docs/performance.md, Memory).
func returnStartupMemory() {
	debug.FreeOSMemory()
}

// drainAndShutdown stops the server the way a load balancer needs: first
// /readyz says 503 while the node still serves everything, for the drain
// delay, so that the balancer stops sending new requests (closing the
// listener at once would reset the connections it had already sent, which
// wait in the kernel's queue); responses meanwhile ask clients to close
// their connections rather than reuse them. Then the listener closes and
// every request in progress finishes, within the shutdown timeout.
func drainAndShutdown(srv *http.Server, a *app, cfg *config, log *slog.Logger) error {
	a.draining.Store(true)
	srv.SetKeepAlivesEnabled(false)
	log.Info("shutting down: draining", "delay", cfg.ShutdownDelay)
	time.Sleep(cfg.ShutdownDelay)
	log.Info("shutting down: finishing requests in progress", "timeout", cfg.ShutdownTimeout)
	ctx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		return fmt.Errorf("shutdown: requests still running after %s: %w", cfg.ShutdownTimeout, err)
	}
	return nil
}

// printBanner tells a newcomer where to go: the issuer, and in demo mode the
// demo portal, the accounts and the clients.
func printBanner(w io.Writer, cfg *config) {
	fmt.Fprintf(w, "\nGatehouse is running.\n  Issuer:    %s\n  Discovery: %s/.well-known/openid-configuration\n", cfg.Issuer, cfg.Issuer)
	if !cfg.Demo {
		fmt.Fprintln(w)
		return
	}
	fmt.Fprintf(w, "\nDemo portal: %s/demo/  (log in there to see the tokens a portal receives)\n\nDemo accounts (tenant / username / password):\n", cfg.Issuer)
	for _, acc := range demo.Accounts {
		fmt.Fprintf(w, "  %-18s %-8s %-22s %s\n", acc.Tenant, acc.Username, acc.Password, acc.Description)
	}
	fmt.Fprintf(w, "\nDemo clients:\n")
	for _, c := range demo.Clients {
		fmt.Fprintf(w, "  %-14s %s\n", c.ID, c.Description)
	}
	fmt.Fprintf(w, "\nA machine token:\n  curl -s -u %s:%s -d grant_type=client_credentials %s/oauth/token\n\n",
		demo.MachineClientID, demo.MachineClientSecret, cfg.Issuer)
}

// loadDemo applies the demo directory file (idempotent: a restart changes
// nothing that is already there).
func loadDemo(ctx context.Context, dir *directory.Directory, issuer string, log *slog.Logger) error {
	f, err := directoryfile.Parse("demo/directory.yaml", demo.Directory(issuer))
	if err != nil {
		return fmt.Errorf("demo directory: %w", err)
	}
	res, err := f.Apply(ctx, dir)
	if err != nil {
		return fmt.Errorf("demo directory: %w", err)
	}
	log.Info("demo directory loaded", "result", res)
	return nil
}
