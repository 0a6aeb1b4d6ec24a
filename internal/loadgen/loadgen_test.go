package loadgen

import (
	"context"
	"errors"
	"os"
	"sync/atomic"
	"testing"
	"time"
)

func TestQuantileNearestRank(t *testing.T) {
	var d []time.Duration
	for i := 100; i >= 1; i-- {
		d = append(d, time.Duration(i)*time.Millisecond)
	}
	l := NewLatencies(d)
	for _, c := range []struct {
		q    float64
		want time.Duration
	}{{0.5, 50 * time.Millisecond}, {0.95, 95 * time.Millisecond}, {0.99, 99 * time.Millisecond}, {1, 100 * time.Millisecond}, {0.001, time.Millisecond}} {
		if got := l.Quantile(c.q); got != c.want {
			t.Errorf("Quantile(%v) = %v, want %v", c.q, got, c.want)
		}
	}
	if l.Max() != 100*time.Millisecond {
		t.Errorf("Max = %v", l.Max())
	}
	if (Latencies{}).Quantile(0.5) != 0 {
		t.Error("empty quantile not zero")
	}
}

func TestRunCountsSuccessesAndErrors(t *testing.T) {
	var n atomic.Int64
	r, err := Run(t.Context(), Config{Concurrency: 4, Duration: 50 * time.Millisecond}, func(ctx context.Context, w int) error {
		if n.Add(1)%3 == 0 {
			return errors.New("HTTP 429")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if int64(r.OK+r.Errors) != n.Load() {
		t.Errorf("ok %d + errors %d != %d operations", r.OK, r.Errors, n.Load())
	}
	if r.Errors == 0 || r.OK == 0 || len(r.ErrorSamples) != 1 || r.ErrorSamples[0] != "HTTP 429" {
		t.Errorf("result %+v", r)
	}
	if r.PerSecond() <= 0 {
		t.Error("no rate")
	}
}

func TestRunIsBounded(t *testing.T) {
	for _, cfg := range []Config{{Concurrency: 0, Duration: time.Second}, {Concurrency: 1, Duration: 0}, {Concurrency: 1, Duration: time.Hour}} {
		if _, err := Run(t.Context(), cfg, func(context.Context, int) error { return nil }); err == nil {
			t.Errorf("%+v accepted", cfg)
		}
	}
}

func TestReadProcessOfItself(t *testing.T) {
	p, err := ReadProcess(os.Getpid())
	if err != nil {
		t.Skipf("no /proc here: %v", err)
	}
	if p.RSS <= 0 || p.PeakRSS < p.RSS {
		t.Errorf("rss %d peak %d", p.RSS, p.PeakRSS)
	}
}
