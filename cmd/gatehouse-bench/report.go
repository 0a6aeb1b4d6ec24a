package main

import (
	"fmt"
	"io"
	"runtime"
	"time"

	"github.com/gatehouse-id/gatehouse/internal/loadgen"
)

// reporter prints the results as they come, in lines a person reads and a
// script can grep ("median" lines are the ones docs/performance.md quotes).
type reporter struct {
	w   io.Writer
	pid int
}

func (r *reporter) header(t *target) {
	fmt.Fprintf(r.w, "# gatehouse-bench: target %s, %s, load generator GOMAXPROCS=%d\n", t.base, time.Now().UTC().Format(time.RFC3339), runtime.GOMAXPROCS(0))
	if p := r.process(); p != nil {
		fmt.Fprintf(r.w, "# server pid %d: rss %s (peak %s), cpu %s so far\n", r.pid, mb(p.RSS), mb(p.PeakRSS), p.CPU.Round(10*time.Millisecond))
	}
}

// process reads the server's snapshot, or nil without -pid (or if it
// cannot be read: the load numbers stand without it).
func (r *reporter) process() *loadgen.Process {
	if r.pid == 0 {
		return nil
	}
	p, err := loadgen.ReadProcess(r.pid)
	if err != nil {
		fmt.Fprintf(r.w, "# cannot read process %d: %v\n", r.pid, err)
		r.pid = 0
		return nil
	}
	return &p
}

func (r *reporter) run(name string, conc, i int, m measured) {
	fmt.Fprintf(r.w, "%-18s c=%-3d run %d  %9.0f/s  p50 %8s  p95 %8s  p99 %8s  max %8s  ok %d  errors %d",
		name, conc, i, m.PerSecond(), ms(m.Latencies.Quantile(0.5)), ms(m.Latencies.Quantile(0.95)),
		ms(m.Latencies.Quantile(0.99)), ms(m.Latencies.Max()), m.OK, m.Errors)
	if m.before != nil && m.after != nil {
		fmt.Fprintf(r.w, "  server cpu %.2f cores", (m.after.CPU-m.before.CPU).Seconds()/m.Elapsed.Seconds())
	}
	fmt.Fprintln(r.w)
	for _, e := range m.ErrorSamples {
		fmt.Fprintf(r.w, "    error: %s\n", e)
	}
}

func (r *reporter) median(name string, conc int, s summary) {
	fmt.Fprintf(r.w, "%-18s c=%-3d median %9.0f/s  p50 %8s  p95 %8s  p99 %8s  errors %d",
		name, conc, s.perSecond, ms(s.p50), ms(s.p95), ms(s.p99), s.errors)
	if s.rss > 0 {
		fmt.Fprintf(r.w, "  server %.0f µs cpu/op, %.2f cores, rss %s (peak %s)", float64(s.cpuPerOp)/float64(time.Microsecond), s.cores, mb(s.rss), mb(s.peakRSS))
	}
	fmt.Fprintln(r.w)
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2fms", float64(d)/float64(time.Millisecond)) }

func mb(b int64) string { return fmt.Sprintf("%.1fMB", float64(b)/(1<<20)) }
