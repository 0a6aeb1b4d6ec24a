package main

import (
	"context"
	"slices"
	"time"

	"github.com/gatehouse-id/gatehouse/internal/loadgen"
)

// runSeries runs one scenario at one concurrency: preparation, a warm-up,
// then o.runs measured runs, and reports each run and their median.
func runSeries(ctx context.Context, o *options, t *target, sc scenario, conc int, r *reporter) error {
	tr := t.transport(conc)
	defer tr.CloseIdleConnections()
	c := t.client(tr)
	d, err := readDiscovery(ctx, t, c)
	if err != nil {
		return err
	}
	s := &setup{target: t, disc: d, machine: o.machine, person: o.person}
	op, err := sc.prepare(ctx, s, c, tr, conc)
	if err != nil {
		return err
	}
	cfg := loadgen.Config{Concurrency: conc}
	if o.warmup > 0 {
		cfg.Duration = o.warmup
		if _, err := loadgen.Run(ctx, cfg, op); err != nil {
			return err
		}
	}
	cfg.Duration = o.duration
	var results []measured
	for i := range o.runs {
		before := r.process()
		res, err := loadgen.Run(ctx, cfg, op)
		if err != nil {
			return err
		}
		m := measured{Result: res, before: before, after: r.process()}
		r.run(sc.name, conc, i+1, m)
		results = append(results, m)
	}
	r.median(sc.name, conc, median(results))
	return nil
}

// measured is one run with the server's state around it.
type measured struct {
	loadgen.Result
	before, after *loadgen.Process
}

// summary is the median of a series: each figure is the median of that
// figure over the runs (so p99 and req/s may come from different runs).
type summary struct {
	perSecond     float64
	p50, p95, p99 time.Duration
	errors        int
	cpuPerOp      time.Duration // server CPU time per successful operation
	cores         float64       // server CPU time per wall second
	rss, peakRSS  int64         // after the last run
}

func median(ms []measured) summary {
	var s summary
	s.perSecond = medianOf(ms, func(m measured) float64 { return m.PerSecond() })
	s.p50 = time.Duration(medianOf(ms, func(m measured) float64 { return float64(m.Latencies.Quantile(0.50)) }))
	s.p95 = time.Duration(medianOf(ms, func(m measured) float64 { return float64(m.Latencies.Quantile(0.95)) }))
	s.p99 = time.Duration(medianOf(ms, func(m measured) float64 { return float64(m.Latencies.Quantile(0.99)) }))
	for _, m := range ms {
		s.errors += m.Errors
	}
	last := ms[len(ms)-1]
	if last.before != nil && last.after != nil {
		s.cpuPerOp = time.Duration(medianOf(ms, func(m measured) float64 {
			return float64(m.after.CPU-m.before.CPU) / float64(max(m.OK, 1))
		}))
		s.cores = medianOf(ms, func(m measured) float64 {
			return (m.after.CPU - m.before.CPU).Seconds() / m.Elapsed.Seconds()
		})
		s.rss, s.peakRSS = last.after.RSS, last.after.PeakRSS
	}
	return s
}

func medianOf(ms []measured, f func(measured) float64) float64 {
	v := make([]float64, len(ms))
	for i, m := range ms {
		v[i] = f(m)
	}
	slices.Sort(v)
	if len(v)%2 == 1 {
		return v[len(v)/2]
	}
	return (v[len(v)/2-1] + v[len(v)/2]) / 2
}
