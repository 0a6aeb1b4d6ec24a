// Package onetimetest is the conformance suite for onetime.Store. Every
// backend runs the same Run from its own tests:
//
//	func TestOnetime(t *testing.T) {
//		onetimetest.Run(t, func(t *testing.T) onetime.Store { return openFresh(t) })
//	}
//
// It imports nothing but the contract and the standard library. What it
// expects beyond the interface's doc comments, so that backends agree:
//   - times come back in UTC, the same instant to the microsecond;
//   - a token expires at ExpiresAt: at now == ExpiresAt it is ErrExpired;
//     DeleteExpiredTokens removes ExpiresAt < before;
//   - a used token reports ErrUsed even once it has expired, so that every
//     loser of a race, and every later replay, is told so;
//   - every error but success comes with a zero Token.
package onetimetest

import (
	"reflect"
	"testing"
	"time"

	"github.com/gatehouse-id/gatehouse/internal/check"
	"github.com/gatehouse-id/gatehouse/onetime"
)

// Run runs the suite. newStore must return a new, empty store for each call.
func Run(t *testing.T, newStore func(t *testing.T) onetime.Store) {
	t.Run("RoundTrip", func(t *testing.T) { testRoundTrip(t, newStore) })
	t.Run("Verdicts", func(t *testing.T) { testVerdicts(t, newStore) })
	t.Run("Redeem", func(t *testing.T) { testRedeem(t, newStore) })
	t.Run("RedeemRace", func(t *testing.T) { testRedeemRace(t, newStore) })
	t.Run("Revoke", func(t *testing.T) { testRevoke(t, newStore) })
	t.Run("DeleteExpired", func(t *testing.T) { testDeleteExpired(t, newStore) })
	t.Run("Copies", func(t *testing.T) { testCopies(t, newStore) })
}

// at returns a fixed instant plus m minutes, with microseconds (see the
// package doc).
func at(m int) time.Time {
	return time.Date(2025, 3, 14, 15, 9, 26, 535897000, time.UTC).Add(time.Duration(m) * time.Minute)
}

// token returns an unused invitation for u-jill in t-acme with every field
// set, created at at(0) and expiring at at(60). Its hash is derived from id.
func token(id string) onetime.Token {
	return onetime.Token{
		Hash: hash(id), Purpose: onetime.PurposeInvitation, UserID: "u-jill", TenantID: "t-acme",
		CreatedBy: "u-admin", ClientID: "portal", RedirectURI: "https://portal.example/welcome?tab=‘alarms’",
		CreatedAt: at(0), ExpiresAt: at(60),
	}
}

// hash stands in for SHA-256: 32 bytes, distinct per id, including a zero
// byte and high bytes so that a backend storing text would be caught.
func hash(id string) []byte {
	h := make([]byte, 32)
	h[0], h[1] = 0x00, 0xff
	copy(h[2:], id)
	return h
}

func wantToken(t *testing.T, what string, got, want onetime.Token) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%s:\n got %+v\nwant %+v", what, got, want)
	}
}

// peek returns the token with id (an invitation) as PeekToken sees it at
// at(m), failing the test unless it is live.
func peek(t *testing.T, s onetime.Store, id string, m int) onetime.Token {
	t.Helper()
	got, err := s.PeekToken(t.Context(), hash(id), onetime.PurposeInvitation, at(m))
	mustDo(t, err)
	return got
}

func testRoundTrip(t *testing.T, newStore func(t *testing.T) onetime.Store) {
	for _, tc := range []struct {
		name  string
		token onetime.Token
	}{
		{"invitation, every field", token("ot-1")},
		{"self-service reset, no continuation", func() onetime.Token {
			tk := token("ot-1")
			tk.Purpose, tk.CreatedBy, tk.ClientID, tk.RedirectURI = onetime.PurposePasswordReset, "", "", ""
			return tk
		}()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newStore(t)
			mustDo(t, s.CreateToken(t.Context(), tc.token))
			got, err := s.PeekToken(t.Context(), tc.token.Hash, tc.token.Purpose, at(1))
			mustDo(t, err)
			wantToken(t, "PeekToken", got, tc.token)
		})
	}

	t.Run("DuplicateHash", func(t *testing.T) {
		s := newStore(t)
		mustDo(t, s.CreateToken(t.Context(), token("ot-1")))
		dup := token("ot-2")
		dup.Hash, dup.Purpose, dup.UserID = hash("ot-1"), onetime.PurposePasswordReset, "u-john"
		wantErr(t, s.CreateToken(t.Context(), dup), onetime.ErrConflict)
		wantToken(t, "first token", peek(t, s, "ot-1", 1), token("ot-1"))
	})
}

func testCopies(t *testing.T, newStore func(t *testing.T) onetime.Store) {
	s := newStore(t)
	in := token("ot-1")
	mustDo(t, s.CreateToken(t.Context(), in))
	want := token("ot-1")
	in.Hash[5] ^= 0xff
	for range 2 {
		got := peek(t, s, "ot-1", 1)
		wantToken(t, "token", got, want)
		got.Hash[5] ^= 0xff
	}
	got, err := s.RedeemToken(t.Context(), hash("ot-1"), onetime.PurposeInvitation, at(1))
	mustDo(t, err)
	got.Hash[5] ^= 0xff
	_, err = s.PeekToken(t.Context(), want.Hash, onetime.PurposeInvitation, at(1))
	wantErr(t, err, onetime.ErrUsed)
}

// mustDo and wantErr are the suites' shared assertions (internal/check).
var mustDo, wantErr = check.MustDo, check.WantErr
