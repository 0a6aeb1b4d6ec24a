package mfa

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/gatehouse-id/gatehouse/ephemeral"
)

// The per-user throttle lives in the ephemeral store, so that every node
// sees the same count:
//   - totp-fail:<user> counts consecutive failures (Incr). It lives for
//     failureMemory from the first failure of a streak and is deleted by a
//     success, an unlock or a reset;
//   - totp-wait:<user> exists while the next attempt must wait after a
//     failure; its ttl is the wait;
//   - totp-lock:<user> exists while the user is locked; set with SetNX, so
//     that of the nodes seeing the failure that reaches the limit exactly
//     one audits the lock;
//   - totp-attempt:<user> exists while one attempt is being checked (SetNX):
//     attempts of one user are taken one at a time, on every node, so that
//     a burst of parallel guesses cannot all be checked before the first
//     failure is counted. A second attempt meanwhile waits a second.
//
// Keys hold user ids, which are opaque (UUIDs), not usernames.
const (
	failPrefix    = "totp-fail:"
	waitPrefix    = "totp-wait:"
	lockPrefix    = "totp-lock:"
	attemptPrefix = "totp-attempt:"

	// attemptHold bounds how long one attempt holds the user's turn; it
	// is released as soon as the attempt is counted, and only outlives a
	// node that dies mid-attempt.
	attemptHold = 10 * time.Second

	// failureMemory is how long a streak of failures is remembered from its
	// first failure. It outlasts a lock, so that after a lock ends one more
	// failure locks again at once: a guesser gets about one try per lock
	// period, not MaxFailures. A success forgets the streak.
	failureMemory = 24 * time.Hour
	// maxWait caps the growing wait between failures below the lock.
	maxWait = 30 * time.Second
)

// waitAfter is the wait after the n-th consecutive failure: 1 s, 2 s, 4 s,
// … up to maxWait.
func waitAfter(n int64) time.Duration {
	if n < 1 {
		return 0
	}
	if n > 6 { // 2^5 s = 32 s is already past maxWait
		return maxWait
	}
	return min(time.Duration(1<<(n-1))*time.Second, maxWait)
}

// checkThrottle returns a *WaitError if userID may not try now. A store
// that does not answer is an error: the attempt is refused rather than let
// through unthrottled.
//
// It also takes the user's turn (totp-attempt:<user>); the caller must call
// the release function it returns once the attempt is counted (failed or
// succeeded) or abandoned. On a refusal there is nothing to release.
func (s *Service) checkThrottle(ctx context.Context, userID string) (release func(), err error) {
	// The turn first, then the lock and the wait: checked the other way
	// round, an attempt could read "no wait" just before another one's
	// failure sets it, and then take the turn that failure released.
	won, err := s.kv.SetNX(ctx, attemptPrefix+userID, []byte("1"), attemptHold)
	if err != nil {
		return nil, fmt.Errorf("mfa: take attempt of user %s: %w", userID, err)
	}
	if !won {
		s.onThrottled()
		return nil, &WaitError{Wait: time.Second}
	}
	release = func() {
		// A context that has ended must not keep the turn held.
		_ = s.kv.Delete(context.WithoutCancel(ctx), attemptPrefix+userID)
	}
	for _, k := range []struct {
		prefix string
		locked bool
	}{{lockPrefix, true}, {waitPrefix, false}} {
		d, err := s.kv.TTL(ctx, k.prefix+userID)
		if errors.Is(err, ephemeral.ErrNotFound) {
			continue
		}
		if err != nil {
			release()
			return nil, fmt.Errorf("mfa: read throttle of user %s: %w", userID, err)
		}
		if d > 0 {
			release()
			s.onThrottled()
			return nil, &WaitError{Wait: d, Locked: k.locked}
		}
	}
	return release, nil
}
func (s *Service) failed(ctx context.Context, sub Subject, cause error) error {
	n, err := s.kv.Incr(ctx, failPrefix+sub.UserID, failureMemory)
	if err != nil {
		return fmt.Errorf("mfa: count failed attempt of user %s: %w", sub.UserID, err)
	}
	s.onFailure()
	if n < int64(s.maxFailures) {
		if err := s.kv.Set(ctx, waitPrefix+sub.UserID, []byte(strconv.FormatInt(n, 10)), waitAfter(n)); err != nil {
			return fmt.Errorf("mfa: count failed attempt of user %s: %w", sub.UserID, err)
		}
		return cause
	}
	won, err := s.kv.SetNX(ctx, lockPrefix+sub.UserID, []byte(strconv.FormatInt(n, 10)), s.lockFor)
	if err != nil {
		return fmt.Errorf("mfa: lock user %s: %w", sub.UserID, err)
	}
	if won {
		// The lock stands even if the audit fails; the error then
		// reaches the caller, to be logged.
		if err := s.record(ctx, sub, "system", "", "totp.locked", map[string]string{
			"failures": strconv.FormatInt(n, 10), "locked_for": s.lockFor.String(),
		}); err != nil {
			return err
		}
	}
	return cause
}

// succeeded forgets sub's failures after an accepted code.
func (s *Service) succeeded(ctx context.Context, userID string) error {
	if err := s.kv.Delete(ctx, failPrefix+userID, waitPrefix+userID); err != nil {
		return fmt.Errorf("mfa: reset throttle of user %s: %w", userID, err)
	}
	return nil
}

// lockedFor is how long userID stays locked; 0 if not locked.
func (s *Service) lockedFor(ctx context.Context, userID string) (time.Duration, error) {
	d, err := s.kv.TTL(ctx, lockPrefix+userID)
	if errors.Is(err, ephemeral.ErrNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("mfa: read lock of user %s: %w", userID, err)
	}
	return d, nil
}
