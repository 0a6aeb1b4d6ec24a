package loadgen

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// Op is one operation of a worker: one request, or a sequence of requests
// that counts as one (a login). worker is the worker's index, so that an
// operation can keep per-worker state (a refresh token chain). It returns
// nil on success.
type Op func(ctx context.Context, worker int) error

// Config bounds a run.
type Config struct {
	// Concurrency is the number of workers, each with one operation in
	// flight at a time.
	Concurrency int
	// Duration is how long operations are started; operations in flight
	// when it ends are awaited (each is bounded by its own timeout) and
	// counted.
	Duration time.Duration
}

// MaxDuration bounds a single run, so that a typo cannot load a server for
// an afternoon.
const MaxDuration = 10 * time.Minute

// maxErrorSamples is how many distinct error texts a Result keeps.
const maxErrorSamples = 5

// Result is what one run measured.
type Result struct {
	Elapsed   time.Duration
	OK        int
	Errors    int
	Latencies Latencies // of the successful operations
	// ErrorSamples are the first distinct error texts, to tell a
	// misconfiguration (401) from overload (timeouts).
	ErrorSamples []string
}

// PerSecond is the rate of successful operations.
func (r Result) PerSecond() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.OK) / r.Elapsed.Seconds()
}

// Run runs op with cfg.Concurrency workers for cfg.Duration.
func Run(ctx context.Context, cfg Config, op Op) (Result, error) {
	if cfg.Concurrency < 1 {
		return Result{}, errors.New("concurrency must be at least 1")
	}
	if cfg.Duration <= 0 || cfg.Duration > MaxDuration {
		return Result{}, fmt.Errorf("duration must be between 0 and %s", MaxDuration)
	}
	type tally struct {
		lat     []time.Duration
		errors  int
		samples []string
	}
	tallies := make([]tally, cfg.Concurrency)
	start := time.Now()
	deadline := start.Add(cfg.Duration)
	var wg sync.WaitGroup
	for w := range cfg.Concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			t := &tallies[w]
			t.lat = make([]time.Duration, 0, 4096)
			for ctx.Err() == nil && time.Now().Before(deadline) {
				began := time.Now()
				err := op(ctx, w)
				took := time.Since(began)
				if err != nil {
					if ctx.Err() != nil {
						return
					}
					t.errors++
					if len(t.samples) < maxErrorSamples {
						t.samples = append(t.samples, err.Error())
					}
					continue
				}
				t.lat = append(t.lat, took)
			}
		}()
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return Result{}, err
	}
	r := Result{Elapsed: time.Since(start)}
	var all []time.Duration
	seen := map[string]bool{}
	for _, t := range tallies {
		all = append(all, t.lat...)
		r.Errors += t.errors
		for _, s := range t.samples {
			if !seen[s] && len(r.ErrorSamples) < maxErrorSamples {
				seen[s] = true
				r.ErrorSamples = append(r.ErrorSamples, s)
			}
		}
	}
	r.OK = len(all)
	r.Latencies = NewLatencies(all)
	return r, nil
}
