package mail

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// DefaultQueueSize is how many undelivered messages a Queue holds by
// default.
const DefaultQueueSize = 1000

var (
	// ErrQueueFull: the queue holds QueueConfig.Size undelivered messages
	// already. The caller tells the person (the administrator who sent
	// the invitation) that the mail was not sent.
	ErrQueueFull = errors.New("mail: queue full")
	// ErrQueueStopped: the queue's Run has ended, or ended while the
	// message waited; the message was not sent.
	ErrQueueStopped = errors.New("mail: queue stopped")
)

// Backoff says how long to wait after failed attempt n (1 for the first)
// before the next one, or false to give up.
type Backoff func(attempt int) (time.Duration, bool)

// DefaultBackoff retries after 1m, 5m, 30m, 2h, 4h, 8h and 8h: eight
// attempts over 22h36m, so that a mail server down for a night still gets
// the mail, and an invitation is not sent when it is mostly expired.
func DefaultBackoff(attempt int) (time.Duration, bool) {
	return Schedule(time.Minute, 5*time.Minute, 30*time.Minute, 2*time.Hour, 4*time.Hour, 8*time.Hour, 8*time.Hour)(attempt)
}

// Schedule is a Backoff with these waits, then none: len(waits)+1 attempts.
func Schedule(waits ...time.Duration) Backoff {
	waits = append([]time.Duration(nil), waits...)
	return func(attempt int) (time.Duration, bool) {
		if attempt < 1 || attempt > len(waits) {
			return 0, false
		}
		return waits[attempt-1], true
	}
}

// QueueConfig configures a Queue.
type QueueConfig struct {
	// Size is the most undelivered messages held at once, waiting or
	// between retries (DefaultQueueSize if 0).
	Size int
	// Backoff is the retry schedule; DefaultBackoff if nil.
	Backoff Backoff
	// OnResult is told the outcome of every attempt: err nil when the
	// message was sent, and final when nothing more will happen to it
	// (sent, given up, rejected for good, or lost because the queue
	// stopped, with ErrQueueStopped). attempt counts the attempts made,
	// 0 for a message lost before its first. The caller audits it (mail.sent, mail.failed) so that
	// administrators see failures. It runs on the queue's goroutine, one
	// call at a time: it must not block for long. Required.
	OnResult func(m Message, attempt int, err error, final bool)
	// After waits between attempts; time.After if nil. Tests replace it.
	After func(time.Duration) <-chan time.Time
}

// Queue delivers messages in the background with a Sender, retrying
// failures on a schedule, so that a request that sends mail never waits for
// a mail server. It holds messages in memory only: see the package doc.
type Queue struct {
	send     Sender
	size     int
	backoff  Backoff
	onResult func(Message, int, error, bool)
	after    func(time.Duration) <-chan time.Time

	ready   chan job // capacity size; never blocks, since pending ≤ size
	running atomic.Bool

	mu      sync.Mutex
	pending int   // messages accepted and not yet final
	stopped bool  // Run has ended or is ending
	lost    []job // retries that were waiting when Run ended
	waiters sync.WaitGroup
}

// job is a message and the number of attempts made so far.
type job struct {
	msg      Message
	attempts int
}

// NewQueue returns a queue that delivers with send once Run is called.
// It panics without send or cfg.OnResult: a queue whose failures nobody
// hears of is a wiring bug.
func NewQueue(send Sender, cfg QueueConfig) *Queue {
	if send == nil || cfg.OnResult == nil {
		panic("mail: NewQueue needs a Sender and an OnResult")
	}
	if cfg.Size <= 0 {
		cfg.Size = DefaultQueueSize
	}
	if cfg.Backoff == nil {
		cfg.Backoff = DefaultBackoff
	}
	if cfg.After == nil {
		cfg.After = time.After
	}
	return &Queue{
		send: send, size: cfg.Size, backoff: cfg.Backoff, onResult: cfg.OnResult, after: cfg.After,
		ready: make(chan job, cfg.Size),
	}
}

// Enqueue accepts m for delivery and returns at once. It refuses an
// invalid message (ErrInvalid), and any message when the queue is full
// (ErrQueueFull) or stopped (ErrQueueStopped). A message without an ID
// gets one; set m.ID beforehand (Templates.Render does) to know it.
func (q *Queue) Enqueue(m Message) error {
	if err := m.Validate(); err != nil {
		return err
	}
	m = m.withID()
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.stopped {
		return ErrQueueStopped
	}
	if q.pending >= q.size {
		return fmt.Errorf("%w (%d messages waiting)", ErrQueueFull, q.pending)
	}
	q.pending++
	q.ready <- job{msg: m}
	return nil
}

// Pending is how many accepted messages are not yet final (waiting, being
// sent, or between retries); a health page can show it.
func (q *Queue) Pending() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.pending
}

// Run delivers messages one at a time until ctx is done. Then it stops
// accepting messages, and reports every message it still holds to
// OnResult as final with ErrQueueStopped, since they are lost. A send in
// progress is cancelled with ctx. Run is called once.
func (q *Queue) Run(ctx context.Context) {
	if !q.running.CompareAndSwap(false, true) {
		panic("mail: Queue.Run called twice")
	}
	for {
		select {
		case <-ctx.Done():
			q.stop()
			return
		case j := <-q.ready:
			if ctx.Err() != nil { // both were ready; stop wins
				q.mu.Lock()
				q.lost = append(q.lost, j)
				q.mu.Unlock()
				continue
			}
			q.attempt(ctx, j)
		}
	}
}

// attempt sends j's message once, reports the outcome, and schedules the
// next attempt if there is one.
func (q *Queue) attempt(ctx context.Context, j job) {
	j.attempts++
	err := q.send.Send(ctx, j.msg)
	var wait time.Duration
	retry := false
	switch {
	case err == nil:
	case ctx.Err() != nil:
		err = fmt.Errorf("%w: %w", ErrQueueStopped, err)
	case errors.Is(err, ErrInvalid) || errors.Is(err, ErrRejected):
	default:
		wait, retry = q.backoff(j.attempts)
	}
	if !retry {
		q.done()
		q.onResult(j.msg, j.attempts, err, true)
		return
	}
	q.onResult(j.msg, j.attempts, err, false)
	// The wait runs on its own goroutine, so that one failing message does
	// not hold up the others.
	fire := q.after(wait)
	q.waiters.Add(1)
	go func() {
		defer q.waiters.Done()
		select {
		case <-fire:
			q.mu.Lock()
			defer q.mu.Unlock()
			if q.stopped {
				q.lost = append(q.lost, j)
				return
			}
			q.ready <- j
		case <-ctx.Done():
			q.mu.Lock()
			defer q.mu.Unlock()
			q.lost = append(q.lost, j)
		}
	}()
}

func (q *Queue) done() {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.pending--
}

// stop refuses new messages, waits for the retry goroutines (which end
// with ctx), and reports everything still held as lost.
func (q *Queue) stop() {
	q.mu.Lock()
	q.stopped = true
	q.mu.Unlock()
	q.waiters.Wait()
	// Nothing sends to ready any more: Enqueue and the waiters check
	// stopped under mu.
	var lost []job
	for len(q.ready) > 0 {
		lost = append(lost, <-q.ready)
	}
	q.mu.Lock()
	lost = append(lost, q.lost...)
	q.lost = nil
	q.mu.Unlock()
	for _, j := range lost {
		q.done()
		q.onResult(j.msg, j.attempts, ErrQueueStopped, true)
	}
}
