// Command gatehouse is the Gatehouse identity provider: one binary that
// serves the OpenID Connect endpoints, the login and account pages and the
// administration API, imports a directory file, migrates its database,
// and helps an operator with TOTP and the signing keys.
//
//	gatehouse serve [--demo] [flags]   run the server
//	gatehouse import FILE [flags]      load tenants, users and clients from a YAML file
//	gatehouse migrate [flags]          apply database migrations and exit
//	gatehouse mfa status|unlock|reset TENANT USERNAME   help a person with TOTP
//	gatehouse keys list|rotate|delete|rewrap  signing keys and the key-encryption key
//	gatehouse admin bootstrap [flags]  the first administrator, by a link printed once
//	gatehouse healthcheck [--ready]    a container's health check
//	gatehouse config check [flags]     check a configuration without starting
//
// This package only reads configuration and wires the parts together.
package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/gatehouse-id/gatehouse/internal/requestid"
)

const usage = `Gatehouse: an OpenID Connect identity provider for multi-tenant IoT platforms.

Usage:
  gatehouse serve [--demo] [flags]   run the server (--demo: demo directory and portal, laptop settings)
  gatehouse import FILE [flags]      load tenants, users and clients from a directory file (docs/directory-file.md)
  gatehouse migrate [flags]          apply database migrations and exit
  gatehouse mfa status|unlock|reset [flags] TENANT USERNAME
                                     a user's TOTP: show it, lift a lock, or remove it (audited)
  gatehouse keys list|rotate|delete|rewrap [flags]
                                     signing keys: list them, rotate now, delete one (KID), or
                                     re-seal everything under a new key-encryption key (audited)
  gatehouse admin bootstrap [flags]  create the system tenant's first administrator and print a
                                     one-time link to choose its password
  gatehouse config check [flags]     check the configuration serve would start with, and exit
  gatehouse healthcheck [--addr ADDR] [--ready]
                                     exit 0 if the server lives (/healthz) or is ready (/readyz)

Run "gatehouse COMMAND -h" for the flags of a command.
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

// run executes one command and returns the process exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	var err error
	switch args[0] {
	case "serve":
		err = serveCommand(ctx, args[1:], stdout, stderr)
	case "import":
		err = importCommand(ctx, args[1:], stdout, stderr)
	case "migrate":
		err = migrateCommand(ctx, args[1:], stdout, stderr)
	case "mfa":
		err = mfaCommand(ctx, args[1:], stdout, stderr)
	case "keys":
		err = keysCommand(ctx, args[1:], stdout, stderr)
	case "admin":
		err = adminCommand(ctx, args[1:], stdout, stderr)
	case "config":
		err = configCommand(ctx, args[1:], stdout, stderr)
	case "healthcheck":
		err = healthcheckCommand(ctx, args[1:], stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	default:
		fmt.Fprintf(stderr, "gatehouse: unknown command %q\n\n%s", args[0], usage)
		return 2
	}
	if err != nil {
		if err == errUsage {
			return 2
		}
		fmt.Fprintf(stderr, "gatehouse %s: %v\n", args[0], err)
		return 1
	}
	return 0
}

// newLogger returns the process logger on w: JSON lines for a log
// pipeline, or text for a person at a terminal (the demo). Every line
// logged while serving a request carries its request_id
// (internal/requestid).
func newLogger(w io.Writer, level string, text bool) (*slog.Logger, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(strings.ToUpper(level))); err != nil {
		return nil, fmt.Errorf("log level %q: use debug, info, warn or error", level)
	}
	opts := &slog.HandlerOptions{Level: l}
	var h slog.Handler = slog.NewJSONHandler(w, opts)
	if text {
		h = slog.NewTextHandler(w, opts)
	}
	return slog.New(requestid.NewHandler(h)), nil
}
