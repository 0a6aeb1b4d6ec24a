package grantstest

import (
	"testing"

	"github.com/gatehouse-id/gatehouse/grants"
)

func testRevoke(t *testing.T, newStore func(t *testing.T) grants.Store) {
	// Four tokens: fam-1 and fam-2 share session sid-a, fam-3 is in sid-b.
	fixture := func(t *testing.T) grants.Store {
		s := newStore(t)
		for _, tc := range []struct{ id, family, session string }{
			{"rt-1", "fam-1", "sid-a"},
			{"rt-2", "fam-1", "sid-a"},
			{"rt-3", "fam-2", "sid-a"},
			{"rt-4", "fam-3", "sid-b"},
		} {
			rt := token(tc.id, tc.family)
			rt.SessionID = tc.session
			mustDo(t, s.CreateRefreshToken(t.Context(), rt))
		}
		return s
	}
	all := []string{"rt-1", "rt-2", "rt-3", "rt-4"}

	for _, tc := range []struct {
		name   string
		revoke func(t *testing.T, s grants.Store) error
		want   string // revoked token ids afterwards
	}{
		{"by hash", func(t *testing.T, s grants.Store) error {
			return s.RevokeRefreshToken(t.Context(), hash("rt-2"), at(5))
		}, "[rt-2]"},
		{"unknown hash is no error", func(t *testing.T, s grants.Store) error {
			return s.RevokeRefreshToken(t.Context(), hash("rt-nope"), at(5))
		}, "[]"},
		{"by family", func(t *testing.T, s grants.Store) error {
			return s.RevokeRefreshFamily(t.Context(), "fam-1", at(5))
		}, "[rt-1 rt-2]"},
		{"unknown family", func(t *testing.T, s grants.Store) error {
			return s.RevokeRefreshFamily(t.Context(), "fam-nope", at(5))
		}, "[]"},
		{"by session", func(t *testing.T, s grants.Store) error {
			return s.RevokeSessionRefreshTokens(t.Context(), "sid-a", at(5))
		}, "[rt-1 rt-2 rt-3]"},
		{"unknown session", func(t *testing.T, s grants.Store) error {
			return s.RevokeSessionRefreshTokens(t.Context(), "sid-nope", at(5))
		}, "[]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := fixture(t)
			mustDo(t, tc.revoke(t, s))
			if got := revoked(t, s, all...); got != tc.want {
				t.Fatalf("revoked = %s, want %s", got, tc.want)
			}
			for _, id := range all {
				if got := get(t, s, hash(id)).RevokedAt; !got.IsZero() && !got.Equal(at(5)) {
					t.Errorf("%s RevokedAt = %v, want %v", id, got, at(5))
				}
			}
		})
	}

	t.Run("AgainKeepsFirstTime", func(t *testing.T) {
		s := fixture(t)
		mustDo(t, s.RevokeRefreshToken(t.Context(), hash("rt-1"), at(5)))
		mustDo(t, s.RevokeRefreshToken(t.Context(), hash("rt-1"), at(6)))
		mustDo(t, s.RevokeRefreshFamily(t.Context(), "fam-1", at(7)))
		mustDo(t, s.RevokeSessionRefreshTokens(t.Context(), "sid-a", at(8)))
		for id, want := range map[string]int{"rt-1": 5, "rt-2": 7, "rt-3": 8} {
			if got := get(t, s, hash(id)).RevokedAt; !got.Equal(at(want)) {
				t.Errorf("%s RevokedAt = %v, want %v", id, got, at(want))
			}
		}
	})
}

func testDeleteExpired(t *testing.T, newStore func(t *testing.T) grants.Store) {
	s := newStore(t)
	for i, exp := range []int{10, 20, 30, 40} {
		rt := token("rt-"+string(rune('a'+i)), "fam-1")
		rt.ExpiresAt = at(exp)
		mustDo(t, s.CreateRefreshToken(t.Context(), rt))
	}
	// rt-b expires exactly at the cut-off, so it stays: only tokens that
	// expired before it go.
	n, err := s.DeleteExpiredRefreshTokens(t.Context(), at(20))
	mustDo(t, err)
	if n != 1 {
		t.Errorf("deleted %d, want 1", n)
	}
	for _, tc := range []struct {
		id   string
		want error
	}{{"rt-a", grants.ErrNotFound}, {"rt-b", nil}, {"rt-c", nil}, {"rt-d", nil}} {
		_, err := s.RefreshTokenByHash(t.Context(), hash(tc.id))
		wantErr(t, err, tc.want)
	}
	n, err = s.DeleteExpiredRefreshTokens(t.Context(), at(35))
	mustDo(t, err)
	if n != 2 {
		t.Errorf("deleted %d, want 2", n)
	}
}
