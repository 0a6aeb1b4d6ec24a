package grantstest

import (
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/gatehouse-id/gatehouse/grants"
)

// next returns the token that replaces a rotated one in family at minute m.
func next(id, family string, m int) grants.RefreshToken {
	rt := token(id, family)
	rt.CreatedAt, rt.ExpiresAt = at(m), at(m+60)
	return rt
}

func testRotate(t *testing.T, newStore func(t *testing.T) grants.Store) {
	t.Run("HappyPath", func(t *testing.T) {
		s := newStore(t)
		old := token("rt-1", "fam-1")
		mustDo(t, s.CreateRefreshToken(t.Context(), old))
		n := next("rt-2", "fam-1", 10)
		mustDo(t, s.RotateRefreshToken(t.Context(), old.Hash, n, at(10)))

		old.UsedAt = at(10)
		wantToken(t, "old token", get(t, s, old.Hash), old)
		wantToken(t, "next token", get(t, s, n.Hash), n)

		// The chain goes on from the new token.
		mustDo(t, s.RotateRefreshToken(t.Context(), n.Hash, next("rt-3", "fam-1", 20), at(20)))
	})

	t.Run("Refused", func(t *testing.T) {
		for _, tc := range []struct {
			name  string
			setup func(t *testing.T, s grants.Store) // after rt-1 (expiring at(60)) is stored
			old   []byte
			now   int
		}{
			{"unknown token", nil, hash("rt-nope"), 10},
			{"expired", nil, hash("rt-1"), 61},
			{"expires exactly now", nil, hash("rt-1"), 60},
			{"revoked", func(t *testing.T, s grants.Store) {
				mustDo(t, s.RevokeRefreshToken(t.Context(), hash("rt-1"), at(5)))
			}, hash("rt-1"), 10},
			{"family revoked", func(t *testing.T, s grants.Store) {
				mustDo(t, s.RevokeRefreshFamily(t.Context(), "fam-1", at(5)))
			}, hash("rt-1"), 10},
		} {
			t.Run(tc.name, func(t *testing.T) {
				s := newStore(t)
				mustDo(t, s.CreateRefreshToken(t.Context(), token("rt-1", "fam-1")))
				if tc.setup != nil {
					tc.setup(t, s)
				}
				before := get(t, s, hash("rt-1"))
				n := next("rt-2", "fam-1", tc.now)
				wantErr(t, s.RotateRefreshToken(t.Context(), tc.old, n, at(tc.now)), grants.ErrNotFound)

				// Nothing written: the old token is as it was, the next
				// one does not exist.
				wantToken(t, "old token", get(t, s, hash("rt-1")), before)
				_, err := s.RefreshTokenByHash(t.Context(), n.Hash)
				wantErr(t, err, grants.ErrNotFound)
			})
		}
	})

	t.Run("ReuseRevokesFamily", func(t *testing.T) {
		for _, tc := range []struct {
			name  string
			reuse string // id of the token presented again
			now   int
		}{
			{"first token of the chain", "rt-1", 30},
			{"middle of the chain", "rt-2", 30},
			{"used token, expired since", "rt-1", 500},
		} {
			t.Run(tc.name, func(t *testing.T) {
				s := newStore(t)
				mustDo(t, s.CreateRefreshToken(t.Context(), token("rt-1", "fam-1")))
				mustDo(t, s.RotateRefreshToken(t.Context(), hash("rt-1"), next("rt-2", "fam-1", 10), at(10)))
				mustDo(t, s.RotateRefreshToken(t.Context(), hash("rt-2"), next("rt-3", "fam-1", 20), at(20)))
				// Bystanders: another family, in another session.
				mustDo(t, s.CreateRefreshToken(t.Context(), token("rt-x", "fam-2")))

				err := s.RotateRefreshToken(t.Context(), hash(tc.reuse), next("rt-4", "fam-1", tc.now), at(tc.now))
				wantErr(t, err, grants.ErrReused)

				// The revocation was committed although an error was
				// returned: every token of the family, the live one
				// included, is revoked at now.
				for _, id := range []string{"rt-1", "rt-2", "rt-3"} {
					if got := get(t, s, hash(id)).RevokedAt; !got.Equal(at(tc.now)) {
						t.Errorf("%s RevokedAt = %v, want %v", id, got, at(tc.now))
					}
				}
				if got := revoked(t, s, "rt-x"); got != "[]" {
					t.Errorf("revoked outside the family: %s", got)
				}
				_, err = s.RefreshTokenByHash(t.Context(), hash("rt-4"))
				wantErr(t, err, grants.ErrNotFound)

				// The live token of the family is dead now, and a replay
				// of the used one is still reported as reuse.
				wantErr(t, s.RotateRefreshToken(t.Context(), hash("rt-3"), next("rt-5", "fam-1", tc.now), at(tc.now)), grants.ErrNotFound)
				wantErr(t, s.RotateRefreshToken(t.Context(), hash(tc.reuse), next("rt-6", "fam-1", tc.now), at(tc.now)), grants.ErrReused)
			})
		}
	})
}

// testRotateRace rotates one token from 8 goroutines at once, as a client and
// an attacker (or a client retrying) would: exactly one wins, the others see
// ErrReused, and the family ends revoked.
func testRotateRace(t *testing.T, newStore func(t *testing.T) grants.Store) {
	const n = 8
	s := newStore(t)
	mustDo(t, s.CreateRefreshToken(t.Context(), token("rt-0", "fam-1")))

	var (
		wg    sync.WaitGroup
		start = make(chan struct{})
		errs  = make([]error, n)
	)
	for i := range n {
		wg.Go(func() {
			<-start
			errs[i] = s.RotateRefreshToken(t.Context(), hash("rt-0"), next(fmt.Sprintf("rt-%d", i+1), "fam-1", 10), at(10))
		})
	}
	close(start)
	wg.Wait()

	winner := -1
	for i, err := range errs {
		switch {
		case err == nil:
			if winner >= 0 {
				t.Fatalf("rotations %d and %d both succeeded", winner, i)
			}
			winner = i
		case !errors.Is(err, grants.ErrReused):
			t.Errorf("rotation %d: error = %v, want ErrReused", i, err)
		}
	}
	if winner < 0 {
		t.Fatalf("no rotation succeeded: %v", errs)
	}
	if got := get(t, s, hash("rt-0")).UsedAt; !got.Equal(at(10)) {
		t.Errorf("rt-0 UsedAt = %v, want %v", got, at(10))
	}
	for i := range n {
		id := fmt.Sprintf("rt-%d", i+1)
		if i != winner {
			if _, err := s.RefreshTokenByHash(t.Context(), hash(id)); !errors.Is(err, grants.ErrNotFound) {
				t.Errorf("loser %s: stored (error %v), want ErrNotFound", id, err)
			}
			continue
		}
		if get(t, s, hash(id)).RevokedAt.IsZero() {
			t.Errorf("winner %s not revoked after the reuse", id)
		}
	}
	if get(t, s, hash("rt-0")).RevokedAt.IsZero() {
		t.Error("rt-0 not revoked after the reuse")
	}
}
