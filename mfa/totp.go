package mfa

import (
	"context"
	"crypto/subtle"
	"encoding/base32"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/gatehouse-id/gatehouse/ephemeral"
)

// The TOTP parameters every authenticator app understands (and the only
// ones many understand): HMAC-SHA-1, six digits, 30-second steps, a
// 160-bit secret (RFC 4226 §4: "This document RECOMMENDs a shared secret
// length of 160 bits").
const (
	period     = 30 * time.Second
	secretSize = 20
	// skew is how many steps either side of now a code may be from, for
	// clocks that drift and people who type slowly (RFC 6238 §5.2 "We
	// RECOMMEND that at most one time step is allowed as the network
	// delay").
	skew = 1
	// minSecretSize is RFC 4226 §4 R6: "The length of the shared secret
	// MUST be at least 128 bits."
	minSecretSize = 16
)

// totpOpts is how codes are computed, for generation and verification.
var totpOpts = totp.ValidateOpts{Period: uint(period / time.Second), Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1}

// The replay guard, in the ephemeral store: totp-used:<user>:<counter>
// marks a counter accepted, totp-last:<user> holds the highest counter
// accepted. Both outlive the window in which their counter could be
// accepted: a counter c accepted during step t (c <= t+1) stops being
// acceptable when step c+2 <= t+3 begins, at most replayTTL later.
const (
	usedPrefix = "totp-used:"
	lastPrefix = "totp-last:"
	replayTTL  = 3 * period
)

func usedKey(userID string, counter uint64) string {
	return usedPrefix + userID + ":" + strconv.FormatUint(counter, 10)
}

// counterAt is the RFC 6238 time step of t: floor(unix time / 30 s).
func counterAt(t time.Time) uint64 { return uint64(t.Unix()) / uint64(period/time.Second) }

// matchCounter returns the counter among now's step and its neighbours
// whose code is code, comparing each in constant time and all of them
// always.
func matchCounter(secret, code string, now time.Time) (uint64, bool, error) {
	var (
		counter uint64
		found   bool
	)
	t := counterAt(now)
	for c := t - min(t, skew); c <= t+skew; c++ {
		want, err := totp.GenerateCodeCustom(secret, time.Unix(int64(c)*int64(period/time.Second), 0), totpOpts)
		if err != nil {
			return 0, false, fmt.Errorf("mfa: compute code: %w", err)
		}
		if subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 {
			counter, found = c, true
		}
	}
	return counter, found, nil
}

// checkTOTP checks a six-digit code of sub against secret: it counts a
// wrong or replayed code as a failure, and on success claims the counter
// and forgets sub's failures. The throttle must have been checked.
func (s *Service) checkTOTP(ctx context.Context, sub Subject, secret, code string) error {
	counter, ok, err := matchCounter(secret, code, s.now())
	if err != nil {
		return err
	}
	if !ok {
		return s.failed(ctx, sub, ErrInvalidCode)
	}
	if err := s.claimCounter(ctx, sub.UserID, counter); err != nil {
		if errors.Is(err, ErrReplayed) {
			return s.failed(ctx, sub, ErrReplayed)
		}
		return err
	}
	return s.succeeded(ctx, sub.UserID)
}

// claimCounter accepts counter for userID once: ErrReplayed if it is not
// above the last counter accepted, or if another request, on any node,
// claimed it first (SetNX decides).
//
// The last counter is raised after the claim with a read and a write that
// are not one atomic step: two different counters accepted at the same
// instant may leave the lower one as the last. Each of them is still
// accepted only once, and a code older than both is still refused.
func (s *Service) claimCounter(ctx context.Context, userID string, counter uint64) error {
	last, haveLast, err := s.lastCounter(ctx, userID)
	if err != nil {
		return err
	}
	if haveLast && counter <= last {
		return ErrReplayed
	}
	won, err := s.kv.SetNX(ctx, usedKey(userID, counter), []byte("1"), replayTTL)
	if err != nil {
		return fmt.Errorf("mfa: claim code of user %s: %w", userID, err)
	}
	if !won {
		return ErrReplayed
	}
	if err := s.kv.Set(ctx, lastPrefix+userID, []byte(strconv.FormatUint(counter, 10)), replayTTL); err != nil {
		return fmt.Errorf("mfa: record code of user %s: %w", userID, err)
	}
	return nil
}

func (s *Service) lastCounter(ctx context.Context, userID string) (uint64, bool, error) {
	b, err := s.kv.Get(ctx, lastPrefix+userID)
	if errors.Is(err, ephemeral.ErrNotFound) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, fmt.Errorf("mfa: read last code of user %s: %w", userID, err)
	}
	last, err := strconv.ParseUint(string(b), 10, 64)
	if err != nil {
		return 0, false, fmt.Errorf("mfa: read last code of user %s: %w", userID, err)
	}
	return last, true, nil
}

// forgetCodes deletes userID's replay guard, after its credential was
// removed: a new secret's first codes must not be refused because the old
// one's were accepted in the same steps. The counters deleted cover every
// used-key still alive (set at most replayTTL ago for a counter at most one
// step ahead) and a little more.
func (s *Service) forgetCodes(ctx context.Context, userID string) error {
	t := counterAt(s.now())
	ks := []string{lastPrefix + userID}
	for c := t - 4; c <= t+2; c++ {
		ks = append(ks, usedKey(userID, c))
	}
	if err := s.kv.Delete(ctx, ks...); err != nil {
		return fmt.Errorf("mfa: forget codes of user %s: %w", userID, err)
	}
	return nil
}

var b32NoPadding = base32.StdEncoding.WithPadding(base32.NoPadding)

// canonicalSecret checks a base32 TOTP secret (case-insensitive, padding
// optional) and returns it upper-case without padding. The secret comes
// from the login's own sealed state, so a bad one is a bug or tampering,
// not a person's mistake.
func canonicalSecret(secret string) (string, error) {
	s := strings.TrimRight(strings.ToUpper(strings.TrimSpace(secret)), "=")
	b, err := b32NoPadding.DecodeString(s)
	if err != nil || len(b) < minSecretSize {
		return "", errors.New("mfa: the TOTP secret is not base32 of at least 128 bits")
	}
	return s, nil
}
