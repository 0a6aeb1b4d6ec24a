package password

import (
	"context"
	"runtime"
	"sync"
)

// Every argon2id computation holds its Params.Memory (19 MiB by default)
// for as long as it runs, and is CPU-bound. Running more of them at once
// than there are cores only multiplies the memory held, never the
// throughput, and a storm of logins would then grow the process until the
// kernel kills it. So this process computes at most a fixed number at once
// (SetConcurrency); the others wait their turn, and the login storm queues
// in time rather than in memory.
var (
	slotsMu sync.RWMutex
	slots   = make(chan struct{}, runtime.GOMAXPROCS(0))
)

// SetConcurrency bounds the hashes (Hash, Verify, BurnContext) this process
// computes at once to n; n ≤ 0 means one per core the Go scheduler uses
// (GOMAXPROCS), the default. The memory they hold at most is n times the
// largest Params.Memory in use. Call it at start, before any hash.
func SetConcurrency(n int) {
	if n <= 0 {
		n = runtime.GOMAXPROCS(0)
	}
	slotsMu.Lock()
	slots = make(chan struct{}, n)
	slotsMu.Unlock()
}

// Concurrency is the bound SetConcurrency set.
func Concurrency() int {
	slotsMu.RLock()
	defer slotsMu.RUnlock()
	return cap(slots)
}

// acquire waits for a free slot and returns its release.
func acquire() func() {
	release, _ := acquireContext(context.Background())
	return release
}

// acquireContext is acquire for a request: it stops waiting, with
// ctx.Err(), when ctx ends first. A login that has timed out or whose
// client went away then leaves the queue instead of spending a hash on
// an answer nobody reads, so a storm of requests cannot build a queue
// that keeps every later login waiting after the storm.
func acquireContext(ctx context.Context) (func(), error) {
	slotsMu.RLock()
	s := slots
	slotsMu.RUnlock()
	select {
	case s <- struct{}{}:
		return func() { <-s }, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}
