package main

import (
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"net/http/pprof"
)

// bindPprofFlag registers --pprof-addr: Go's profiler (net/http/pprof) on
// a listener of its own, off by default. It is how the figures in
// docs/performance.md were explained, and how an operator finds where a
// node's time or memory goes. It is never served on --addr: a profile
// shows request data in flight, and a CPU profile costs the node while it
// runs.
func (c *config) bindPprofFlag(fs *flag.FlagSet) {
	fs.StringVar(&c.PprofAddr, "pprof-addr", env("GATEHOUSE_PPROF_ADDR", ""),
		"serve Go's profiler (/debug/pprof/) on this loopback address of its own, such as 127.0.0.1:6060; off when empty (GATEHOUSE_PPROF_ADDR)")
}

// resolvePprof checks --pprof-addr: host:port, on a loopback address, not
// --addr or --metrics-addr. Loopback only, because the profiler has no
// authentication and its heap and goroutine dumps can hold secrets.
func (c *config) resolvePprof() error {
	if c.PprofAddr == "" {
		return nil
	}
	host, _, err := net.SplitHostPort(c.PprofAddr)
	if err != nil {
		return fmt.Errorf("GATEHOUSE_PPROF_ADDR / --pprof-addr %q: want host:port, such as 127.0.0.1:6060", c.PprofAddr)
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return fmt.Errorf("GATEHOUSE_PPROF_ADDR / --pprof-addr %q: the profiler has no authentication; use a loopback address such as 127.0.0.1:6060 (and an SSH tunnel to reach it)", c.PprofAddr)
	}
	if c.PprofAddr == c.Addr || c.PprofAddr == c.MetricsAddr {
		return errors.New("GATEHOUSE_PPROF_ADDR / --pprof-addr must be an address of its own, not --addr or --metrics-addr")
	}
	return nil
}

// pprofHandler serves the profiles under /debug/pprof/, as
// `go tool pprof http://127.0.0.1:6060/debug/pprof/profile` expects.
func pprofHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	return mux
}
