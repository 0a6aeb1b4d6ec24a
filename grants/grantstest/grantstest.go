// Package grantstest is the conformance suite for grants.Store. Every backend
// runs the same Run from its own tests:
//
//	func TestGrants(t *testing.T) {
//		grantstest.Run(t, func(t *testing.T) grants.Store { return openFresh(t) })
//	}
//
// It imports nothing but the contract and the standard library. What it
// expects beyond the interface's doc comments, so that backends agree:
//   - times come back in UTC, the same instant to the microsecond;
//   - a nil and an empty list may come back either way;
//   - a token "expired at now" has ExpiresAt <= now; DeleteExpiredRefreshTokens
//     removes ExpiresAt < before;
//   - revoking an already revoked token keeps its first RevokedAt;
//   - a used token reports ErrReused even when it is also revoked or expired,
//     so that every loser of a race, and every later replay, is told so.
package grantstest

import (
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/gatehouse-id/gatehouse/grants"
	"github.com/gatehouse-id/gatehouse/internal/check"
)

// Run runs the suite. newStore must return a new, empty store for each call.
func Run(t *testing.T, newStore func(t *testing.T) grants.Store) {
	t.Run("RoundTrip", func(t *testing.T) { testRoundTrip(t, newStore) })
	t.Run("Rotate", func(t *testing.T) { testRotate(t, newStore) })
	t.Run("RotateRace", func(t *testing.T) { testRotateRace(t, newStore) })
	t.Run("Revoke", func(t *testing.T) { testRevoke(t, newStore) })
	t.Run("DeleteExpired", func(t *testing.T) { testDeleteExpired(t, newStore) })
	t.Run("Copies", func(t *testing.T) { testCopies(t, newStore) })
}

// at returns a fixed instant plus m minutes, with microseconds (see the
// package doc).
func at(m int) time.Time {
	return time.Date(2025, 3, 14, 15, 9, 26, 535897000, time.UTC).Add(time.Duration(m) * time.Minute)
}

// token returns a live token of family with every field set, created at
// at(0) and expiring at at(60): a support user's, since ActorID and
// SupportReason are fields too. Its hash is derived from id.
func token(id, family string) grants.RefreshToken {
	return grants.RefreshToken{
		ID: id, Hash: hash(id), FamilyID: family, ClientID: "portal", Subject: "u-jill", TenantID: "t-acme",
		SessionID: "sid-" + family, Scopes: []string{"openid", "offline_access", "tenant"},
		Audience: []string{"portal", "api"}, AMR: []string{"pwd", "otp", "mfa"}, ACR: "urn:gatehouse:mfa",
		AuthTime: at(-5), ActorID: "u-root", SupportReason: "TICKET-1234: cannot see the ‘alarms’ page",
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

func get(t *testing.T, s grants.Store, h []byte) grants.RefreshToken {
	t.Helper()
	got, err := s.RefreshTokenByHash(t.Context(), h)
	mustDo(t, err)
	return got
}

func wantToken(t *testing.T, what string, got, want grants.RefreshToken) {
	t.Helper()
	g, w := normalize(got), normalize(want)
	if !reflect.DeepEqual(g, w) {
		t.Fatalf("%s:\n got %+v\nwant %+v", what, g, w)
	}
}

func normalize(t grants.RefreshToken) grants.RefreshToken {
	for _, l := range []*[]string{&t.Scopes, &t.Audience, &t.AMR} {
		if len(*l) == 0 {
			*l = nil
		}
	}
	return t
}

func testRoundTrip(t *testing.T, newStore func(t *testing.T) grants.Store) {
	for _, tc := range []struct {
		name  string
		token grants.RefreshToken
	}{
		{"live token, every field", token("rt-1", "fam-1")},
		{"used and revoked token", func() grants.RefreshToken {
			rt := token("rt-1", "fam-1")
			rt.UsedAt, rt.RevokedAt = at(1), at(2)
			return rt
		}()},
		{"not a support session", func() grants.RefreshToken {
			rt := token("rt-1", "fam-1")
			rt.ActorID, rt.SupportReason = "", ""
			return rt
		}()},
		{"support session without a reason", func() grants.RefreshToken {
			rt := token("rt-1", "fam-1")
			rt.SupportReason = ""
			return rt
		}()},
		{"empty lists", func() grants.RefreshToken {
			rt := token("rt-1", "fam-1")
			rt.Scopes, rt.Audience, rt.AMR, rt.ACR = nil, []string{}, nil, ""
			return rt
		}()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newStore(t)
			mustDo(t, s.CreateRefreshToken(t.Context(), tc.token))
			wantToken(t, "RefreshTokenByHash", get(t, s, tc.token.Hash), tc.token)
		})
	}

	t.Run("NotFound", func(t *testing.T) {
		s := newStore(t)
		mustDo(t, s.CreateRefreshToken(t.Context(), token("rt-1", "fam-1")))
		for _, h := range [][]byte{hash("rt-2"), hash("rt-1")[:31], nil} {
			_, err := s.RefreshTokenByHash(t.Context(), h)
			wantErr(t, err, grants.ErrNotFound)
		}
	})

	t.Run("DuplicateHash", func(t *testing.T) {
		s := newStore(t)
		mustDo(t, s.CreateRefreshToken(t.Context(), token("rt-1", "fam-1")))
		dup := token("rt-2", "fam-2")
		dup.Hash = hash("rt-1")
		if err := s.CreateRefreshToken(t.Context(), dup); err == nil {
			t.Fatal("a second token with the same hash was stored")
		}
	})
}

func testCopies(t *testing.T, newStore func(t *testing.T) grants.Store) {
	s := newStore(t)
	in := token("rt-1", "fam-1")
	mustDo(t, s.CreateRefreshToken(t.Context(), in))
	want := token("rt-1", "fam-1")
	in.Hash[5] ^= 0xff
	in.Scopes[0] = "admin"
	for range 2 {
		got := get(t, s, want.Hash)
		wantToken(t, "token", got, want)
		got.Hash[5] ^= 0xff
		got.Audience[0] = "evil"
		got.AMR[0] = "none"
	}
}

// revoked returns which of the tokens with the given ids are revoked, as
// text for short failure messages.
func revoked(t *testing.T, s grants.Store, ids ...string) string {
	t.Helper()
	var out []string
	for _, id := range ids {
		if !get(t, s, hash(id)).RevokedAt.IsZero() {
			out = append(out, id)
		}
	}
	return fmt.Sprint(out)
}

// mustDo and wantErr are the suites' shared assertions (internal/check).
var mustDo, wantErr = check.MustDo, check.WantErr
