package password

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestHashesAreBounded: with a bound of 2, eight concurrent hashes never
// run more than two at a time, and all of them finish.
func TestHashesAreBounded(t *testing.T) {
	SetConcurrency(2)
	t.Cleanup(func() { SetConcurrency(0) })
	if Concurrency() != 2 {
		t.Fatalf("Concurrency() = %d", Concurrency())
	}
	var running, most atomic.Int32
	probe := func() {
		n := running.Add(1)
		for {
			m := most.Load()
			if n <= m || most.CompareAndSwap(m, n) {
				break
			}
		}
		time.Sleep(5 * time.Millisecond)
		running.Add(-1)
	}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			release := acquire()
			probe()
			release()
		})
	}
	wg.Wait()
	if most.Load() != 2 {
		t.Errorf("at most %d ran at once, want 2", most.Load())
	}
	// And the real functions go through it.
	p := Params{Memory: 64, Time: 1, Threads: 1}
	for range 4 {
		wg.Go(func() {
			h, err := Hash("correct horse", p)
			if err != nil {
				t.Error(err)
				return
			}
			if ok, err := Verify(h, "correct horse"); !ok || err != nil {
				t.Errorf("Verify: %v %v", ok, err)
			}
			if err := BurnContext(t.Context(), "x", p); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	SetConcurrency(0)
	if Concurrency() < 1 {
		t.Error("the default bound is not at least one")
	}
}

// TestWaitEndsWithTheRequest: a verification waiting for a slot gives up
// when its request's context ends, rather than queueing on (and then
// spending a hash) for an answer nobody reads.
func TestWaitEndsWithTheRequest(t *testing.T) {
	SetConcurrency(1)
	t.Cleanup(func() { SetConcurrency(0) })
	p := Params{Memory: 64, Time: 1, Threads: 1}
	h, err := Hash("correct horse", p)
	if err != nil {
		t.Fatal(err)
	}
	release := acquire() // a storm's hash holds the only slot
	defer release()
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	done := make(chan error, 2)
	go func() {
		_, err := VerifyContext(ctx, h, "correct horse")
		done <- err
	}()
	go func() { done <- BurnContext(ctx, "x", p) }()
	for range 2 {
		select {
		case err := <-done:
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("err = %v, want the context's", err)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("still waiting for a slot after the request ended")
		}
	}
}
