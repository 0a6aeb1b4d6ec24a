package loadgen

import (
	"slices"
	"time"
)

// Latencies are a run's operation times, sorted.
type Latencies struct{ sorted []time.Duration }

// NewLatencies takes ownership of d.
func NewLatencies(d []time.Duration) Latencies {
	slices.Sort(d)
	return Latencies{sorted: d}
}

// Quantile is the q-quantile (0 < q ≤ 1) by the nearest-rank method, or 0
// with no samples.
func (l Latencies) Quantile(q float64) time.Duration {
	n := len(l.sorted)
	if n == 0 {
		return 0
	}
	rank := int(q*float64(n) + 0.999999999)
	rank = min(max(rank, 1), n)
	return l.sorted[rank-1]
}

// Max is the slowest operation.
func (l Latencies) Max() time.Duration {
	if len(l.sorted) == 0 {
		return 0
	}
	return l.sorted[len(l.sorted)-1]
}
