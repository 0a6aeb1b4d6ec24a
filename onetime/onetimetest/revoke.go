package onetimetest

import (
	"errors"
	"fmt"
	"testing"

	"github.com/gatehouse-id/gatehouse/onetime"
)

func testRevoke(t *testing.T, newStore func(t *testing.T) onetime.Store) {
	type fixture struct {
		id      string
		user    string
		purpose onetime.Purpose
		used    bool // redeemed at(5)
		expires int
	}
	fixtures := []fixture{
		{"ot-1", "u-jill", onetime.PurposeInvitation, false, 60},
		{"ot-2", "u-jill", onetime.PurposeInvitation, false, 60},
		{"ot-3", "u-jill", onetime.PurposeInvitation, true, 60},     // used: keeps its UsedAt
		{"ot-4", "u-jill", onetime.PurposeInvitation, false, 8},     // expired, unused: revoked too
		{"ot-5", "u-jill", onetime.PurposePasswordReset, false, 60}, // another purpose
		{"ot-6", "u-john", onetime.PurposeInvitation, false, 60},    // another user
	}

	for _, tc := range []struct {
		name    string
		user    string
		purpose onetime.Purpose
		n       int
		want    string // ids of the tokens it revoked
	}{
		{"invitations of a user", "u-jill", onetime.PurposeInvitation, 3, "[ot-1 ot-2 ot-4]"},
		{"resets of a user", "u-jill", onetime.PurposePasswordReset, 1, "[ot-5]"},
		{"another user", "u-john", onetime.PurposeInvitation, 1, "[ot-6]"},
		{"unknown user", "u-nope", onetime.PurposeInvitation, 0, "[]"},
		{"purpose nobody has", "u-jill", "", 0, "[]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newStore(t)
			for _, f := range fixtures {
				tk := token(f.id)
				tk.UserID, tk.Purpose, tk.ExpiresAt = f.user, f.purpose, at(f.expires)
				mustDo(t, s.CreateToken(t.Context(), tk))
				if f.used {
					_, err := s.RedeemToken(t.Context(), tk.Hash, tk.Purpose, at(5))
					mustDo(t, err)
				}
			}

			n, err := s.RevokeTokens(t.Context(), tc.user, tc.purpose, at(10))
			mustDo(t, err)
			if n != tc.n {
				t.Errorf("RevokeTokens = %d, want %d", n, tc.n)
			}

			// Read every token back at(1), before any expires, so
			// that the verdict tells used from live.
			var revoked []string
			for _, f := range fixtures {
				_, err := s.PeekToken(t.Context(), hash(f.id), f.purpose, at(1))
				switch {
				case f.used:
					if !errors.Is(err, onetime.ErrUsed) {
						t.Errorf("%s, used before: error = %v, want ErrUsed", f.id, err)
					}
				case errors.Is(err, onetime.ErrUsed):
					revoked = append(revoked, f.id)
				case err != nil:
					t.Fatalf("%s: %v", f.id, err)
				}
			}
			if got := fmt.Sprint(revoked); got != tc.want {
				t.Errorf("revoked %s, want %s", got, tc.want)
			}

			// Revoking again finds nothing left to revoke.
			n, err = s.RevokeTokens(t.Context(), tc.user, tc.purpose, at(11))
			mustDo(t, err)
			if n != 0 {
				t.Errorf("second RevokeTokens = %d, want 0", n)
			}
		})
	}
}

func testDeleteExpired(t *testing.T, newStore func(t *testing.T) onetime.Store) {
	s := newStore(t)
	for i, exp := range []int{10, 20, 30, 40} {
		tk := token("ot-" + string(rune('a'+i)))
		tk.ExpiresAt = at(exp)
		mustDo(t, s.CreateToken(t.Context(), tk))
	}
	// Used or not makes no difference.
	_, err := s.RedeemToken(t.Context(), hash("ot-a"), onetime.PurposeInvitation, at(5))
	mustDo(t, err)

	// ot-b expires exactly at the cut-off, so it stays: only tokens that
	// expired before it go.
	n, err := s.DeleteExpiredTokens(t.Context(), at(20))
	mustDo(t, err)
	if n != 1 {
		t.Errorf("deleted %d, want 1", n)
	}
	for _, tc := range []struct {
		id   string
		want error
	}{{"ot-a", onetime.ErrNotFound}, {"ot-b", onetime.ErrExpired}, {"ot-c", nil}, {"ot-d", nil}} {
		_, err := s.PeekToken(t.Context(), hash(tc.id), onetime.PurposeInvitation, at(20))
		wantErr(t, err, tc.want)
	}
	n, err = s.DeleteExpiredTokens(t.Context(), at(35))
	mustDo(t, err)
	if n != 2 {
		t.Errorf("deleted %d, want 2", n)
	}
}
