package onetimetest

import (
	"errors"
	"sync"
	"testing"

	"github.com/gatehouse-id/gatehouse/onetime"
)

// testVerdicts checks that PeekToken and RedeemToken agree on every token
// that is not live, and that neither changes it.
func testVerdicts(t *testing.T, newStore func(t *testing.T) onetime.Store) {
	for _, tc := range []struct {
		name    string
		hash    []byte
		purpose onetime.Purpose
		used    int // minute ot-1 was redeemed at, or 0
		now     int
		want    error
	}{
		{"unknown hash", hash("ot-nope"), onetime.PurposeInvitation, 0, 1, onetime.ErrNotFound},
		{"truncated hash", hash("ot-1")[:31], onetime.PurposeInvitation, 0, 1, onetime.ErrNotFound},
		{"nil hash (a malformed secret)", nil, onetime.PurposeInvitation, 0, 1, onetime.ErrNotFound},
		{"wrong purpose", hash("ot-1"), onetime.PurposePasswordReset, 0, 1, onetime.ErrNotFound},
		{"empty purpose", hash("ot-1"), "", 0, 1, onetime.ErrNotFound},
		{"wrong purpose, used", hash("ot-1"), onetime.PurposePasswordReset, 5, 10, onetime.ErrNotFound},
		{"wrong purpose, expired", hash("ot-1"), onetime.PurposePasswordReset, 0, 90, onetime.ErrNotFound},
		{"expires exactly now", hash("ot-1"), onetime.PurposeInvitation, 0, 60, onetime.ErrExpired},
		{"expired", hash("ot-1"), onetime.PurposeInvitation, 0, 61, onetime.ErrExpired},
		{"used", hash("ot-1"), onetime.PurposeInvitation, 5, 10, onetime.ErrUsed},
		{"used, expired since", hash("ot-1"), onetime.PurposeInvitation, 5, 90, onetime.ErrUsed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newStore(t)
			mustDo(t, s.CreateToken(t.Context(), token("ot-1")))
			if tc.used != 0 {
				_, err := s.RedeemToken(t.Context(), hash("ot-1"), onetime.PurposeInvitation, at(tc.used))
				mustDo(t, err)
			}
			for _, op := range []struct {
				name string
				do   func() (onetime.Token, error)
			}{
				{"PeekToken", func() (onetime.Token, error) {
					return s.PeekToken(t.Context(), tc.hash, tc.purpose, at(tc.now))
				}},
				{"RedeemToken", func() (onetime.Token, error) {
					return s.RedeemToken(t.Context(), tc.hash, tc.purpose, at(tc.now))
				}},
			} {
				got, err := op.do()
				if !errors.Is(err, tc.want) {
					t.Fatalf("%s: error = %v, want one wrapping %v", op.name, err, tc.want)
				}
				wantToken(t, op.name+" token", got, onetime.Token{})
			}
			// Nothing was written: an unused token is still live
			// before it expires. (A used one keeps its first UsedAt,
			// which the contract cannot show.)
			if tc.used == 0 {
				wantToken(t, "stored token", peek(t, s, "ot-1", 0), token("ot-1"))
			}
		})
	}
}

func testRedeem(t *testing.T, newStore func(t *testing.T) onetime.Store) {
	s := newStore(t)
	in := token("ot-1")
	mustDo(t, s.CreateToken(t.Context(), in))
	// A bystander: the same user's reset link stays live.
	other := token("ot-2")
	other.Purpose = onetime.PurposePasswordReset
	mustDo(t, s.CreateToken(t.Context(), other))

	// Peeking, even often, uses nothing.
	for range 2 {
		wantToken(t, "PeekToken", peek(t, s, "ot-1", 10), in)
	}

	got, err := s.RedeemToken(t.Context(), hash("ot-1"), onetime.PurposeInvitation, at(59))
	mustDo(t, err)
	in.UsedAt = at(59)
	wantToken(t, "RedeemToken", got, in)

	for _, m := range []int{59, 60} {
		_, err = s.RedeemToken(t.Context(), hash("ot-1"), onetime.PurposeInvitation, at(m))
		wantErr(t, err, onetime.ErrUsed)
		_, err = s.PeekToken(t.Context(), hash("ot-1"), onetime.PurposeInvitation, at(m))
		wantErr(t, err, onetime.ErrUsed)
	}

	got, err = s.PeekToken(t.Context(), hash("ot-2"), onetime.PurposePasswordReset, at(59))
	mustDo(t, err)
	wantToken(t, "bystander", got, other)
}

// testRedeemRace redeems one token from several goroutines at once: exactly
// one gets it, every other is told it was used.
func testRedeemRace(t *testing.T, newStore func(t *testing.T) onetime.Store) {
	s := newStore(t)
	mustDo(t, s.CreateToken(t.Context(), token("ot-1")))

	const n = 8
	var (
		wg    sync.WaitGroup
		start = make(chan struct{})
		toks  [n]onetime.Token
		errs  [n]error
	)
	for i := range n {
		wg.Go(func() {
			<-start
			toks[i], errs[i] = s.RedeemToken(t.Context(), hash("ot-1"), onetime.PurposeInvitation, at(10))
		})
	}
	close(start)
	wg.Wait()

	winners := 0
	for i, err := range errs {
		switch {
		case err == nil:
			winners++
			want := token("ot-1")
			want.UsedAt = at(10)
			wantToken(t, "winner's token", toks[i], want)
		case !errors.Is(err, onetime.ErrUsed):
			t.Errorf("redeem %d: error = %v, want one wrapping %v", i, err, onetime.ErrUsed)
		}
	}
	if winners != 1 {
		t.Fatalf("%d redeems succeeded, want 1: %v", winners, errs)
	}
}
