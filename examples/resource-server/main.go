// Command resource-server is an example device-inventory API that trusts
// Gatehouse access tokens, machine tokens (client credentials) above all.
// It verifies them offline with claims.Verifier (keys from the issuer's
// JWKS, found through discovery) and authorizes by the inventory permission
// and the tenant subtree. See README.md for running it against the demo.
package main

import (
	"context"
	"errors"
	"flag"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/gatehouse-id/gatehouse/claims"
)

func main() {
	addr := flag.String("addr", "localhost:8090", "address to listen on")
	issuer := flag.String("issuer", "http://localhost:8080", "Gatehouse issuer URL, exactly as in the tokens' iss")
	audience := flag.String("audience", "demo-machine", "comma-separated aud values to accept: Gatehouse sets aud to the client id a token was issued to")
	debug := flag.Bool("debug", false, "log why tokens are refused (never the tokens)")
	flag.Parse()

	level := slog.LevelInfo
	if *debug {
		level = slog.LevelDebug
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	if err := run(*addr, *issuer, strings.Split(*audience, ","), log); err != nil {
		log.Error("resource server", "err", err)
		os.Exit(1)
	}
}

func run(addr, issuer string, audiences []string, log *slog.Logger) error {
	v, err := claims.NewVerifier(claims.Config{Issuer: issuer, Audiences: audiences, Logger: log})
	if err != nil {
		return err
	}
	srv := &http.Server{
		Addr: addr, Handler: newHandler(v, newInventory()),
		ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 10 * time.Second, WriteTimeout: 30 * time.Second,
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(shutdown)
	}()
	log.Info("device inventory listening", "addr", "http://"+addr, "issuer", issuer, "audiences", audiences)
	if err := srv.ListenAndServe(); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
