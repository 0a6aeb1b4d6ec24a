// Package loadgen drives a closed-loop HTTP load: a fixed number of workers
// each repeat one operation (a token request, a whole login) back to back for
// a bounded time, and the latencies of every operation are kept so that the
// percentiles are exact rather than estimated from buckets.
//
// It is the engine of cmd/gatehouse-bench. Being closed-loop (like wrk and
// hey), it understates queueing delay under overload (coordinated omission):
// compare its numbers with numbers taken the same way, never with an
// open-loop generator's.
package loadgen
