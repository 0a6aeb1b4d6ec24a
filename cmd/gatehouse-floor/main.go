// Command gatehouse-floor measures the "Go floor" that Gatehouse's
// performance targets (issue 13, docs/performance.md) are ratios to: what
// a bare net/http token endpoint and Go's signature and password-hash
// primitives reach on the same machine, in the same run as Gatehouse.
//
// The machine is noisy, so a floor measured on another day is not a
// floor: scripts/perf/run measures both, one after the other.
//
//	gatehouse-floor serve -addr 127.0.0.1:7000 -alg ES256
//	gatehouse-floor crypto -d 2s -runs 3
//
// serve is a token endpoint with nothing but HTTP Basic, the form, and one
// signature per token; gatehouse-bench drives it as it drives Gatehouse.
// crypto measures the signatures and argon2id in-process, on whatever core
// the command is pinned to (taskset -c 1).
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "gatehouse-floor:", err)
		os.Exit(1)
	}
}

const usage = `usage:
  gatehouse-floor serve  [-addr 127.0.0.1:7000] [-alg ES256|EdDSA|RS256|static] [-client-id ID] [-client-secret SECRET]
  gatehouse-floor crypto [-d 2s] [-runs 3] [-argon-memory 19] [-argon-time 2] [-argon-threads 1]`

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return fmt.Errorf("no command\n%s", usage)
	}
	switch args[0] {
	case "serve":
		return serve(ctx, args[1:], stderr)
	case "crypto":
		return measureCrypto(ctx, args[1:], stdout, stderr)
	case "-h", "-help", "--help", "help":
		fmt.Fprintln(stdout, usage)
		return nil
	}
	return fmt.Errorf("unknown command %q\n%s", args[0], usage)
}
