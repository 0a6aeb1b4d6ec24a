// Command gatehouse-bench drives a running Gatehouse over HTTP the way its
// clients do, for a bounded time, and reports throughput, latency
// percentiles, errors and the server's memory and CPU time.
//
// It only ever talks to the address given with -target (every connection is
// dialled there; redirects elsewhere are not followed). The defaults match
// the demo directory (`gatehouse serve --demo`), so that
//
//	gatehouse-bench -target http://127.0.0.1:8080 -pid $(pgrep -n gatehouse)
//
// measures client credentials at 16 connections. docs/performance.md has the
// method (server and load generator pinned to one core each) and the
// results.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "gatehouse-bench:", err)
		os.Exit(1)
	}
}

// options are the command line.
type options struct {
	target       string
	scenarios    []string
	concurrency  []int
	duration     time.Duration
	warmup       time.Duration
	runs         int
	pid          int
	machine      credentials
	person       person
	listOnly     bool
	redirectPath string
}

func parse(args []string, stderr io.Writer) (*options, error) {
	o := &options{}
	fs := flag.NewFlagSet("gatehouse-bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.target, "target", "", "Gatehouse's issuer URL, the only address contacted (required)")
	scen := fs.String("scenario", "client_credentials", "comma-separated scenarios; -list shows them")
	conc := fs.String("c", "16", "comma-separated concurrencies (connections); each is run in turn")
	fs.DurationVar(&o.duration, "d", 10*time.Second, "length of each measured run")
	fs.DurationVar(&o.warmup, "warmup", 2*time.Second, "unmeasured run before the measured ones (0 for none)")
	fs.IntVar(&o.runs, "runs", 3, "measured runs per scenario and concurrency; the median is reported")
	fs.IntVar(&o.pid, "pid", 0, "the server's process id, to report its RSS and CPU time (Linux /proc)")
	fs.StringVar(&o.machine.id, "client-id", "demo-machine", "machine client (client_credentials, introspection)")
	fs.StringVar(&o.machine.secret, "client-secret", "demo-machine-secret-not-for-production-1", "its secret")
	fs.StringVar(&o.machine.scope, "client-scope", "", "scope asked for by client_credentials (empty: the client's default)")
	fs.StringVar(&o.person.portalID, "portal-id", "demo-web", "portal of the login scenarios (code_flow, refresh, userinfo)")
	fs.StringVar(&o.person.portalSecret, "portal-secret", "demo-web-secret-not-for-production-0001", "its secret")
	fs.StringVar(&o.redirectPath, "redirect-uri", "/demo/web/callback", "its redirect URI, or a path on the target")
	fs.StringVar(&o.person.scope, "scope", "openid tenant roles offline_access", "scope the portal asks for")
	fs.StringVar(&o.person.tenant, "tenant", "acme-iot", "the person's tenant")
	fs.StringVar(&o.person.username, "username", "alice", "the person (one tenant, no second factor)")
	fs.StringVar(&o.person.password, "password", "alice-demo-pw", "the person's password")
	fs.BoolVar(&o.listOnly, "list", false, "list the scenarios and exit")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if o.listOnly {
		return o, nil
	}
	if o.target == "" {
		return nil, errors.New("-target is required (for example http://127.0.0.1:8080)")
	}
	for _, s := range strings.Split(*scen, ",") {
		s = strings.TrimSpace(s)
		if _, ok := scenarioNamed(s); !ok {
			return nil, fmt.Errorf("unknown scenario %q (see -list)", s)
		}
		o.scenarios = append(o.scenarios, s)
	}
	for _, c := range strings.Split(*conc, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(c))
		if err != nil || n < 1 || n > 1024 {
			return nil, fmt.Errorf("-c: %q is not a concurrency between 1 and 1024", c)
		}
		o.concurrency = append(o.concurrency, n)
	}
	if o.runs < 1 || o.runs > 9 {
		return nil, errors.New("-runs must be between 1 and 9")
	}
	return o, nil
}

func run(ctx context.Context, args []string, stdout io.Writer) error {
	o, err := parse(args, os.Stderr)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	if err != nil {
		return err
	}
	if o.listOnly {
		for _, s := range scenarios {
			fmt.Fprintf(stdout, "%-20s %s\n", s.name, s.about)
		}
		return nil
	}
	t, err := newTarget(o.target)
	if err != nil {
		return err
	}
	o.person.redirectURI = o.redirectPath
	if strings.HasPrefix(o.redirectPath, "/") {
		o.person.redirectURI = t.url(o.redirectPath)
	}
	r := &reporter{w: stdout, pid: o.pid}
	r.header(t)
	for _, name := range o.scenarios {
		sc, _ := scenarioNamed(name)
		for _, conc := range o.concurrency {
			if err := runSeries(ctx, o, t, sc, conc, r); err != nil {
				return fmt.Errorf("%s c=%d: %w", name, conc, err)
			}
		}
	}
	return nil
}
