package mail

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"
)

// scriptSender hands every Send to the test, which answers it: the test
// decides each attempt's outcome, and knows when one is under way.
type scriptSender struct{ calls chan sendCall }

type sendCall struct {
	msg   Message
	reply chan error
}

func (s *scriptSender) Send(ctx context.Context, m Message) error {
	c := sendCall{msg: m, reply: make(chan error)}
	select {
	case s.calls <- c:
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case err := <-c.reply:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// fakeWait is one wait the queue asked for; the test fires it.
type fakeWait struct {
	d    time.Duration
	fire chan time.Time
}

type result struct {
	id      string
	attempt int
	err     error
	final   bool
}

// queueHarness runs a Queue with a scriptSender and fake waits.
type queueHarness struct {
	t       *testing.T
	q       *Queue
	calls   chan sendCall
	waits   chan fakeWait
	results chan result
	cancel  context.CancelFunc
	stopped chan struct{}
}

func newQueueHarness(t *testing.T, cfg QueueConfig) *queueHarness {
	h := &queueHarness{
		t: t, calls: make(chan sendCall), waits: make(chan fakeWait, 10),
		results: make(chan result, 100), stopped: make(chan struct{}),
	}
	cfg.OnResult = func(m Message, attempt int, err error, final bool) {
		h.results <- result{m.ID, attempt, err, final}
	}
	cfg.After = func(d time.Duration) <-chan time.Time {
		w := fakeWait{d: d, fire: make(chan time.Time, 1)}
		h.waits <- w
		return w.fire
	}
	h.q = NewQueue(&scriptSender{calls: h.calls}, cfg)
	ctx, cancel := context.WithCancel(t.Context())
	h.cancel = cancel
	go func() {
		defer close(h.stopped)
		h.q.Run(ctx)
	}()
	t.Cleanup(func() {
		cancel()
		<-h.stopped
	})
	return h
}

func (h *queueHarness) enqueue(id string) {
	h.t.Helper()
	if err := h.q.Enqueue(queueMessage(id)); err != nil {
		h.t.Fatalf("Enqueue %s: %v", id, err)
	}
}

// send waits for the queue to send message id, and answers err.
func (h *queueHarness) send(id string, err error) {
	h.t.Helper()
	c := <-h.calls
	if c.msg.ID != id {
		h.t.Fatalf("sending %s, want %s", c.msg.ID, id)
	}
	c.reply <- err
}

func (h *queueHarness) result(id string, attempt int, wantErr error, final bool) result {
	h.t.Helper()
	r := <-h.results
	if r.id != id || r.attempt != attempt || r.final != final || (wantErr == nil) != (r.err == nil) || !errors.Is(r.err, wantErr) {
		h.t.Fatalf("result %+v, want %s attempt %d err %v final %v", r, id, attempt, wantErr, final)
	}
	return r
}

func (h *queueHarness) wait(d time.Duration) fakeWait {
	h.t.Helper()
	w := <-h.waits
	if w.d != d {
		h.t.Fatalf("wait %v, want %v", w.d, d)
	}
	return w
}

func queueMessage(id string) Message {
	return Message{ID: id, To: Address{Email: "jill@example.com"}, Subject: "Invitation", Text: "Hello\n"}
}

var errTransient = errors.New("connection refused")

func TestQueueRetriesThenSends(t *testing.T) {
	h := newQueueHarness(t, QueueConfig{Backoff: Schedule(time.Minute, 5*time.Minute, 30*time.Minute)})
	h.enqueue("m1")
	h.send("m1", errTransient)
	h.result("m1", 1, errTransient, false)
	h.wait(time.Minute).fire <- time.Time{}
	h.send("m1", errTransient)
	h.result("m1", 2, errTransient, false)
	h.wait(5 * time.Minute).fire <- time.Time{}
	h.send("m1", nil)
	h.result("m1", 3, nil, true)
	if n := h.q.Pending(); n != 0 {
		t.Errorf("Pending = %d after delivery", n)
	}
}

func TestQueueGivesUp(t *testing.T) {
	h := newQueueHarness(t, QueueConfig{Backoff: Schedule(time.Minute, 2*time.Minute)})
	h.enqueue("m1")
	h.send("m1", errTransient)
	h.result("m1", 1, errTransient, false)
	h.wait(time.Minute).fire <- time.Time{}
	h.send("m1", errTransient)
	h.result("m1", 2, errTransient, false)
	h.wait(2 * time.Minute).fire <- time.Time{}
	h.send("m1", errTransient)
	h.result("m1", 3, errTransient, true)
	noMoreWaits(t, h)
}

// noMoreWaits checks that the queue scheduled nothing after its last
// result: it would have done so before taking the next message.
func noMoreWaits(t *testing.T, h *queueHarness) {
	t.Helper()
	h.enqueue("next")
	h.send("next", nil)
	h.result("next", 1, nil, true)
	if len(h.waits) != 0 {
		t.Errorf("a retry was scheduled after the final result")
	}
	if n := h.q.Pending(); n != 0 {
		t.Errorf("Pending = %d", n)
	}
}

func TestQueueDoesNotRetryPermanentFailures(t *testing.T) {
	tests := []struct {
		name string
		err  error
	}{
		{"rejected", fmt.Errorf("smtp: RCPT TO: %w: 550 no such user", ErrRejected)},
		{"invalid", fmt.Errorf("%w: subject contains a line break", ErrInvalid)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newQueueHarness(t, QueueConfig{})
			h.enqueue("m1")
			h.send("m1", tt.err)
			h.result("m1", 1, tt.err, true)
			noMoreWaits(t, h)
		})
	}
}

// TestQueueRetryDoesNotBlockOthers: a message waiting for its retry does
// not hold up the next one.
func TestQueueRetryDoesNotBlockOthers(t *testing.T) {
	h := newQueueHarness(t, QueueConfig{Backoff: Schedule(time.Hour)})
	h.enqueue("m1")
	h.send("m1", errTransient)
	h.result("m1", 1, errTransient, false)
	w := h.wait(time.Hour)
	h.enqueue("m2")
	h.send("m2", nil)
	h.result("m2", 1, nil, true)
	w.fire <- time.Time{}
	h.send("m1", nil)
	h.result("m1", 2, nil, true)
}

func TestQueueFull(t *testing.T) {
	t.Run("waiting", func(t *testing.T) {
		q := NewQueue(&scriptSender{}, QueueConfig{Size: 2, OnResult: func(Message, int, error, bool) {}})
		for _, id := range []string{"m1", "m2"} {
			if err := q.Enqueue(queueMessage(id)); err != nil {
				t.Fatalf("Enqueue %s: %v", id, err)
			}
		}
		if err := q.Enqueue(queueMessage("m3")); !errors.Is(err, ErrQueueFull) {
			t.Errorf("Enqueue m3 = %v, want ErrQueueFull", err)
		}
		if n := q.Pending(); n != 2 {
			t.Errorf("Pending = %d, want 2", n)
		}
	})
	t.Run("between retries", func(t *testing.T) {
		h := newQueueHarness(t, QueueConfig{Size: 1, Backoff: Schedule(time.Minute)})
		h.enqueue("m1")
		h.send("m1", errTransient)
		h.result("m1", 1, errTransient, false)
		w := h.wait(time.Minute)
		if err := h.q.Enqueue(queueMessage("m2")); !errors.Is(err, ErrQueueFull) {
			t.Errorf("Enqueue m2 while m1 waits = %v, want ErrQueueFull", err)
		}
		w.fire <- time.Time{}
		h.send("m1", nil)
		h.result("m1", 2, nil, true)
		h.enqueue("m2")
		h.send("m2", nil)
		h.result("m2", 1, nil, true)
	})
}

// TestQueueStop: when Run ends, every message still held is reported lost
// (final, ErrQueueStopped): the one being sent, one waiting for a retry,
// one never tried. Later messages are refused.
func TestQueueStop(t *testing.T) {
	h := newQueueHarness(t, QueueConfig{Backoff: Schedule(time.Hour)})
	h.enqueue("retrying")
	h.send("retrying", errTransient)
	h.result("retrying", 1, errTransient, false)
	h.wait(time.Hour) // never fired
	h.enqueue("sending")
	<-h.calls // under way, never answered
	h.enqueue("queued")

	h.cancel()
	<-h.stopped
	got := map[string]result{}
	for range 3 {
		r := <-h.results
		got[r.id] = r
	}
	for id, attempts := range map[string]int{"sending": 1, "retrying": 1, "queued": 0} {
		r := got[id]
		if r.attempt != attempts || !r.final || !errors.Is(r.err, ErrQueueStopped) {
			t.Errorf("%s: %+v, want attempt %d, final, ErrQueueStopped", id, r, attempts)
		}
	}
	if !errors.Is(got["sending"].err, context.Canceled) {
		t.Errorf("the send under way ended with %v, want context.Canceled", got["sending"].err)
	}
	if err := h.q.Enqueue(queueMessage("late")); !errors.Is(err, ErrQueueStopped) {
		t.Errorf("Enqueue after stop = %v, want ErrQueueStopped", err)
	}
	if n := h.q.Pending(); n != 0 {
		t.Errorf("Pending = %d after stop", n)
	}
}

func TestQueueEnqueue(t *testing.T) {
	h := newQueueHarness(t, QueueConfig{})
	bad := queueMessage("bad")
	bad.Subject = "x\nBcc: eve@evil.example"
	if err := h.q.Enqueue(bad); !errors.Is(err, ErrInvalid) {
		t.Errorf("Enqueue invalid = %v, want ErrInvalid", err)
	}
	m := queueMessage("")
	if err := h.q.Enqueue(m); err != nil {
		t.Fatal(err)
	}
	c := <-h.calls
	if !validID(c.msg.ID) {
		t.Errorf("queued message has ID %q", c.msg.ID)
	}
	c.reply <- nil
	h.result(c.msg.ID, 1, nil, true)
}

func TestDefaultBackoff(t *testing.T) {
	var total time.Duration
	want := []time.Duration{time.Minute, 5 * time.Minute, 30 * time.Minute, 2 * time.Hour, 4 * time.Hour, 8 * time.Hour, 8 * time.Hour}
	for i, w := range want {
		d, ok := DefaultBackoff(i + 1)
		if !ok || d != w {
			t.Errorf("DefaultBackoff(%d) = %v, %v; want %v", i+1, d, ok, w)
		}
		total += d
	}
	if _, ok := DefaultBackoff(len(want) + 1); ok {
		t.Errorf("DefaultBackoff retries after attempt %d", len(want)+1)
	}
	if _, ok := DefaultBackoff(0); ok {
		t.Errorf("DefaultBackoff(0) retries")
	}
	if total >= 24*time.Hour {
		t.Errorf("retries span %v, want under a day", total)
	}
}

func TestNewQueueNeedsOnResult(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("NewQueue without OnResult did not panic")
		}
	}()
	NewQueue(&scriptSender{}, QueueConfig{})
}
