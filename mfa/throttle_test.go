package mfa_test

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse-id/gatehouse/mfa"
)

// TestIncreasingDelay: after the n-th failure the next attempt waits
// min(2^(n-1), 30) seconds; an attempt during the wait is not checked and
// does not count, so neither a right code (which stays usable) nor a wrong
// one changes anything.
func TestIncreasingDelay(t *testing.T) {
	e := newEnv(t)
	svc := e.node(func(c *mfa.Config) { c.MaxFailures = 10 })
	secret, _ := e.enrol(e.jill)
	for n, wait := range []time.Duration{1, 2, 4, 8, 16, 30, 30, 30, 30} {
		wait *= time.Second
		e.verify(svc, e.jill, wrong(e.code(secret, 0)), mfa.ErrInvalidCode)
		e.wantWait(svc, e.jill, wrong(e.code(secret, 0)), wait, false)
		e.wantWait(svc, e.jill, e.code(secret, 0), wait, false)
		e.clock.Advance(wait - time.Millisecond)
		e.wantWait(svc, e.jill, e.code(secret, 0), time.Millisecond, false)
		e.clock.Advance(time.Millisecond)
		if st := e.status(e.jill); st.LockedFor != 0 {
			t.Fatalf("after %d failures: locked", n+1)
		}
	}
	// The right code, refused unchecked during every wait, still works, and
	// a success starts the count again.
	e.verify(svc, e.jill, e.code(secret, 0), nil)
	e.clock.Advance(30 * time.Second)
	e.verify(svc, e.jill, wrong(e.code(secret, 0)), mfa.ErrInvalidCode)
	e.wantWait(svc, e.jill, e.code(secret, 0), time.Second, false)
	if n := len(e.log.actions("totp.locked")); n != 0 {
		t.Errorf("%d lock events, want none", n)
	}
}

// TestLock: MaxFailures failures lock the user for LockFor, on every node,
// and the lock is audited once; the lock ends by itself.
func TestLock(t *testing.T) {
	e := newEnv(t)
	secret, _ := e.enrol(e.jill)
	other := e.node(func(*mfa.Config) {})
	fail(e, e.jill, secret, mfa.DefaultMaxFailures)

	for _, svc := range []*mfa.Service{e.svc, other} {
		e.wantWait(svc, e.jill, e.code(secret, 0), mfa.DefaultLockFor, true)
		e.wantWait(svc, e.jill, wrong(e.code(secret, 0)), mfa.DefaultLockFor, true)
	}
	if st := e.status(e.jill); st.LockedFor != mfa.DefaultLockFor {
		t.Errorf("Status.LockedFor = %v, want %v", st.LockedFor, mfa.DefaultLockFor)
	}
	e.clock.Advance(5 * time.Minute)
	e.wantWait(other, e.jill, e.code(secret, 0), mfa.DefaultLockFor-5*time.Minute, true)

	evs := e.log.actions("totp.locked")
	if len(evs) != 1 {
		t.Fatalf("%d lock events, want 1", len(evs))
	}
	if ev := evs[0]; ev.Actor != "system" || ev.Target != e.jill.UserID || ev.TenantID != e.jill.TenantID ||
		ev.Details["failures"] != "5" || ev.Details["locked_for"] != "15m0s" {
		t.Errorf("lock event = %+v", ev)
	}
	// Another user is not locked.
	e.verify(e.svc, e.john, "123456", mfa.ErrNotEnrolled)

	e.clock.Advance(10 * time.Minute)
	e.verify(e.svc, e.jill, e.code(secret, 0), nil)
	if st := e.status(e.jill); st.LockedFor != 0 {
		t.Errorf("Status after the lock = %+v", st)
	}
}

// TestLockAgain: the failures are remembered past the lock, so that a
// guesser gets one try per lock period, not MaxFailures; each lock is
// audited.
func TestLockAgain(t *testing.T) {
	e := newEnv(t)
	secret, _ := e.enrol(e.jill)
	fail(e, e.jill, secret, mfa.DefaultMaxFailures)
	e.clock.Advance(mfa.DefaultLockFor)
	e.verify(e.svc, e.jill, wrong(e.code(secret, 0)), mfa.ErrInvalidCode)
	e.wantWait(e.svc, e.jill, e.code(secret, 0), mfa.DefaultLockFor, true)
	if n := len(e.log.actions("totp.locked")); n != 2 {
		t.Errorf("%d lock events, want 2", n)
	}
}

// TestParallelGuessesTakeTurns: wrong codes sent at once from several
// nodes are taken one at a time: one is checked and counted, the others are
// refused unchecked with a wait, so a burst of guesses gets no more tries
// than guesses one after the other. With MaxFailures 1 the one checked
// locks the user, audited once.
func TestParallelGuessesTakeTurns(t *testing.T) {
	const racers = 8
	e := newEnv(t)
	secret, _ := e.enrol(e.jill)
	var nodes []*mfa.Service
	for range racers {
		nodes = append(nodes, e.node(func(c *mfa.Config) { c.MaxFailures = 1 }))
	}
	var (
		mu              sync.Mutex
		checked, waited int
		unexpected      []error
		wg              sync.WaitGroup
		start           = make(chan struct{})
	)
	for _, n := range nodes {
		wg.Go(func() {
			<-start
			_, err := n.Verify(t.Context(), e.jill, wrong(e.code(secret, 0)))
			var we *mfa.WaitError
			mu.Lock()
			defer mu.Unlock()
			switch {
			case errors.Is(err, mfa.ErrInvalidCode):
				checked++
			case errors.As(err, &we):
				waited++
			default:
				unexpected = append(unexpected, err)
			}
		})
	}
	close(start)
	wg.Wait()
	if err := errors.Join(unexpected...); err != nil {
		t.Fatal(err)
	}
	if checked < 1 || checked+waited != racers {
		t.Fatalf("checked %d, refused unchecked %d, of %d", checked, waited, racers)
	}
	// Every attempt after the first failure meets the lock: only one can be
	// checked, whatever the interleaving.
	if checked != 1 {
		t.Errorf("%d parallel guesses were checked, want 1", checked)
	}
	if n := len(e.log.actions("totp.locked")); n != 1 {
		t.Errorf("%d lock events, want 1", n)
	}
	e.wantWait(e.svc, e.jill, e.code(secret, 0), mfa.DefaultLockFor, true)
}

// TestRecoveryCodeThrottled: a recovery code is subject to the same wait
// and lock, and one refused unchecked is not spent.
func TestRecoveryCodeThrottled(t *testing.T) {
	e := newEnv(t)
	secret, codes := e.enrol(e.jill)
	e.verify(e.svc, e.jill, "00000-00000", mfa.ErrInvalidCode)
	e.wantWait(e.svc, e.jill, codes[0], time.Second, false)
	e.clock.Advance(time.Second)
	for range mfa.DefaultMaxFailures - 1 {
		// A wrong recovery code counts as a wrong TOTP code does.
		e.verify(e.svc, e.jill, "00000-00000", mfa.ErrInvalidCode)
		e.clock.Advance(30 * time.Second)
	}
	e.wantWait(e.svc, e.jill, codes[0], mfa.DefaultLockFor-30*time.Second, true)
	if st := e.status(e.jill); st.RecoveryCodesLeft != 10 {
		t.Errorf("%d recovery codes left, want 10", st.RecoveryCodesLeft)
	}
	e.clock.Advance(mfa.DefaultLockFor)
	e.verify(e.svc, e.jill, codes[0], nil)
	e.verify(e.svc, e.jill, e.code(secret, 0), nil)
}

func TestUnlock(t *testing.T) {
	e := newEnv(t)
	secret, _ := e.enrol(e.jill)
	fail(e, e.jill, secret, mfa.DefaultMaxFailures)
	if err := e.node(func(*mfa.Config) {}).Unlock(t.Context(), admin, e.jill); err != nil {
		t.Fatal(err)
	}
	if st := e.status(e.jill); st.LockedFor != 0 || !st.Enrolled {
		t.Errorf("Status after Unlock = %+v", st)
	}
	e.verify(e.svc, e.jill, e.code(secret, 0), nil)
	// The failures are forgotten too: a new failure waits one second.
	e.clock.Advance(30 * time.Second)
	e.verify(e.svc, e.jill, wrong(e.code(secret, 0)), mfa.ErrInvalidCode)
	e.wantWait(e.svc, e.jill, e.code(secret, 0), time.Second, false)

	if err := e.svc.Unlock(t.Context(), mfa.Actor{ID: "operator"}, e.john); err != nil {
		t.Fatal(err)
	}
	evs := e.log.actions("totp.unlocked")
	if len(evs) != 2 {
		t.Fatalf("unlock events = %+v, want 2", evs)
	}
	if ev := evs[0]; ev.Actor != admin.ID || ev.ActorName != admin.Name || ev.Target != e.jill.UserID ||
		ev.TargetName != "jill" || ev.Details["was_locked"] != "true" {
		t.Errorf("unlock event = %+v", ev)
	}
	if ev := evs[1]; ev.Actor != "operator" || ev.Target != e.john.UserID || ev.Details["was_locked"] != "false" {
		t.Errorf("unlock event = %+v", ev)
	}
}

// fail makes n wrong attempts for sub, waiting out each wait.
func fail(e *env, sub mfa.Subject, secret string, n int) {
	e.t.Helper()
	for i := range n {
		e.verify(e.svc, sub, wrong(e.code(secret, 0)), mfa.ErrInvalidCode)
		if i < n-1 {
			e.clock.Advance(30 * time.Second)
		}
	}
}
