// Package mfatest is the conformance suite for mfa.Store. Every backend
// (SQLite, PostgreSQL) runs the same Run from its own tests:
//
//	func TestMFA(t *testing.T) {
//		mfatest.Run(t, func(t *testing.T) (mfa.Store, func(userID string) error) {
//			s := openFresh(t)
//			return s, func(id string) error { return createUser(t, s, id) }
//		})
//	}
//
// It imports nothing but the contract and the standard library. What it
// expects beyond the interface's doc comments, so that backends agree:
//   - times come back in UTC, the same instant to the microsecond;
//   - hashes and sealed secrets are bytes, any bytes, kept exactly;
//   - a credential refers to a user the backend knows (addUser makes one),
//     and a user without one, or unknown, has no credential and no codes;
//   - Put replaces the credential and all codes, used ones included; so
//     does ReplaceRecoveryCodes for the codes, keeping the credential;
//     ResealTOTPCredential changes the sealed secret only;
//   - ListTOTPCredentials orders by user id in byte order;
//   - of concurrent uses of one code exactly one succeeds.
package mfatest

import (
	"bytes"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse-id/gatehouse/internal/check"
	"github.com/gatehouse-id/gatehouse/mfa"
)

// Run runs the suite. newStore must return a new, empty store for each call
// and a function that makes a user with the given id exist in it; it is
// called once per subtest, and should register its cleanup with t.
func Run(t *testing.T, newStore func(t *testing.T) (mfa.Store, func(userID string) error)) {
	for _, tc := range []struct {
		name string
		fn   func(t *testing.T, s mfa.Store, addUser func(string) error)
	}{
		{"RoundTrip", testRoundTrip},
		{"NotFound", testNotFound},
		{"MissingUser", testMissingUser},
		{"PutReplaces", testPutReplaces},
		{"ReplaceRecoveryCodes", testReplaceRecoveryCodes},
		{"UseOnce", testUseOnce},
		{"Delete", testDelete},
		{"UsersApart", testUsersApart},
		{"Copies", testCopies},
		{"UseRace", testUseRace},
		{"List", testList},
		{"Reseal", testReseal},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, addUser := newStore(t)
			tc.fn(t, s, addUser)
		})
	}
}

// at returns a fixed instant plus m minutes, with microseconds and no
// nanoseconds (see the package doc).
func at(m int) time.Time {
	return time.Date(2025, 3, 14, 15, 9, 26, 535897000, time.UTC).Add(time.Duration(m) * time.Minute)
}

// hash stands in for HMAC-SHA256: 32 bytes, distinct per (set, i),
// including a zero byte and high bytes so that a backend storing text would
// be caught.
func hash(set string, i int) []byte {
	h := make([]byte, 32)
	h[0], h[1], h[2] = 0x00, 0xff, byte(i)
	copy(h[3:], set)
	return h
}

// hashes returns n hashes of set.
func hashes(set string, n int) [][]byte {
	hs := make([][]byte, n)
	for i := range hs {
		hs[i] = hash(set, i)
	}
	return hs
}

// credential returns a credential of userID with every field set.
func credential(userID string, m int) mfa.Credential {
	return mfa.Credential{UserID: userID, SealedSecret: []byte{0x01, 0x00, 0xfe, 0xff, byte(m), 's'}, CreatedAt: at(m)}
}

func wantCredential(t *testing.T, s mfa.Store, want mfa.Credential) {
	t.Helper()
	got, err := s.TOTPCredential(t.Context(), want.UserID)
	mustDo(t, err)
	if got.UserID != want.UserID || !bytes.Equal(got.SealedSecret, want.SealedSecret) ||
		got.CreatedAt != want.CreatedAt {
		t.Fatalf("TOTPCredential:\n got %+v\nwant %+v", got, want)
	}
}

func wantLeft(t *testing.T, s mfa.Store, userID string, want int) {
	t.Helper()
	got, err := s.RecoveryCodesLeft(t.Context(), userID)
	if err != nil || got != want {
		t.Fatalf("RecoveryCodesLeft(%s) = %d, %v; want %d", userID, got, err, want)
	}
}

// wantUse uses the code with hash h of userID and checks the outcome.
func wantUse(t *testing.T, s mfa.Store, userID string, h []byte, want bool) {
	t.Helper()
	got, err := s.UseRecoveryCode(t.Context(), userID, h, at(30))
	if err != nil || got != want {
		t.Fatalf("UseRecoveryCode(%s, %x) = %v, %v; want %v", userID, h[2:], got, err, want)
	}
}

func testRoundTrip(t *testing.T, s mfa.Store, addUser func(string) error) {
	for _, tc := range []struct {
		name, uid string
		codes     [][]byte
	}{
		{"ten codes", "u-1", hashes("a", 10)},
		{"no codes", "u-2", nil},
		{"empty list of codes", "u-3", [][]byte{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			uid := tc.uid
			mustDo(t, addUser(uid))
			want := credential(uid, 1)
			mustDo(t, s.PutTOTPCredential(t.Context(), want, tc.codes))
			wantCredential(t, s, want)
			wantLeft(t, s, uid, len(tc.codes))
		})
	}

	t.Run("TimesComeBackInUTC", func(t *testing.T) {
		mustDo(t, addUser("u-zone"))
		in := credential("u-zone", 2)
		in.CreatedAt = in.CreatedAt.In(time.FixedZone("CET", 3600))
		mustDo(t, s.PutTOTPCredential(t.Context(), in, nil))
		got, err := s.TOTPCredential(t.Context(), in.UserID)
		mustDo(t, err)
		if !got.CreatedAt.Equal(in.CreatedAt) || got.CreatedAt.Location() != time.UTC {
			t.Fatalf("CreatedAt = %v, want %v in UTC", got.CreatedAt, in.CreatedAt)
		}
	})
}

func testNotFound(t *testing.T, s mfa.Store, addUser func(string) error) {
	mustDo(t, addUser("u-plain")) // a user, but no credential
	for _, uid := range []string{"u-plain", "u-nope"} {
		t.Run(uid, func(t *testing.T) {
			_, err := s.TOTPCredential(t.Context(), uid)
			wantErr(t, err, mfa.ErrNotFound)
			wantLeft(t, s, uid, 0)
			wantUse(t, s, uid, hash("a", 0), false)
			wantErr(t, s.ReplaceRecoveryCodes(t.Context(), uid, hashes("a", 3)), mfa.ErrNotFound)
			wantErr(t, s.ReplaceRecoveryCodes(t.Context(), uid, nil), mfa.ErrNotFound)
			wantLeft(t, s, uid, 0)
			// Deleting what is not there is no error.
			mustDo(t, s.DeleteTOTPCredential(t.Context(), uid))
		})
	}
}

func testMissingUser(t *testing.T, s mfa.Store, _ func(string) error) {
	err := s.PutTOTPCredential(t.Context(), credential("u-nope", 1), hashes("a", 3))
	wantErr(t, err, mfa.ErrNotFound)
	_, err = s.TOTPCredential(t.Context(), "u-nope")
	wantErr(t, err, mfa.ErrNotFound)
	wantLeft(t, s, "u-nope", 0)
}

func testPutReplaces(t *testing.T, s mfa.Store, addUser func(string) error) {
	mustDo(t, addUser("u-1"))
	mustDo(t, s.PutTOTPCredential(t.Context(), credential("u-1", 1), hashes("old", 10)))
	wantUse(t, s, "u-1", hash("old", 0), true)

	next := credential("u-1", 2)
	mustDo(t, s.PutTOTPCredential(t.Context(), next, hashes("new", 4)))
	wantCredential(t, s, next)
	wantLeft(t, s, "u-1", 4)
	// The old codes are gone, used or not; the new ones work.
	wantUse(t, s, "u-1", hash("old", 0), false)
	wantUse(t, s, "u-1", hash("old", 1), false)
	wantUse(t, s, "u-1", hash("new", 0), true)
	wantLeft(t, s, "u-1", 3)

	// A new set may hold a hash of the old one: it comes back unused.
	mustDo(t, s.PutTOTPCredential(t.Context(), credential("u-1", 3), hashes("new", 2)))
	wantLeft(t, s, "u-1", 2)
	wantUse(t, s, "u-1", hash("new", 0), true)
}

func testReplaceRecoveryCodes(t *testing.T, s mfa.Store, addUser func(string) error) {
	mustDo(t, addUser("u-1"))
	cred := credential("u-1", 1)
	mustDo(t, s.PutTOTPCredential(t.Context(), cred, hashes("old", 10)))
	wantUse(t, s, "u-1", hash("old", 0), true)

	mustDo(t, s.ReplaceRecoveryCodes(t.Context(), "u-1", hashes("new", 10)))
	wantCredential(t, s, cred)
	wantLeft(t, s, "u-1", 10)
	wantUse(t, s, "u-1", hash("old", 0), false)
	wantUse(t, s, "u-1", hash("old", 1), false)
	wantUse(t, s, "u-1", hash("new", 9), true)
	wantLeft(t, s, "u-1", 9)

	mustDo(t, s.ReplaceRecoveryCodes(t.Context(), "u-1", nil))
	wantLeft(t, s, "u-1", 0)
	wantCredential(t, s, cred)
}

func testUseOnce(t *testing.T, s mfa.Store, addUser func(string) error) {
	mustDo(t, addUser("u-1"))
	mustDo(t, s.PutTOTPCredential(t.Context(), credential("u-1", 1), hashes("a", 10)))
	for i := range 10 {
		wantUse(t, s, "u-1", hash("a", i), true)
		wantUse(t, s, "u-1", hash("a", i), false)
		wantLeft(t, s, "u-1", 9-i)
	}
	wantUse(t, s, "u-1", hash("a", 10), false)     // never issued
	wantUse(t, s, "u-1", hash("a", 0)[:31], false) // a prefix is not the hash
}

func testDelete(t *testing.T, s mfa.Store, addUser func(string) error) {
	mustDo(t, addUser("u-1"))
	mustDo(t, s.PutTOTPCredential(t.Context(), credential("u-1", 1), hashes("a", 10)))
	mustDo(t, s.DeleteTOTPCredential(t.Context(), "u-1"))
	_, err := s.TOTPCredential(t.Context(), "u-1")
	wantErr(t, err, mfa.ErrNotFound)
	// The codes went with the credential.
	wantLeft(t, s, "u-1", 0)
	wantUse(t, s, "u-1", hash("a", 0), false)
	wantErr(t, s.ReplaceRecoveryCodes(t.Context(), "u-1", hashes("b", 1)), mfa.ErrNotFound)
	mustDo(t, s.DeleteTOTPCredential(t.Context(), "u-1"))

	// Enrolling again starts afresh: the old codes do not come back.
	again := credential("u-1", 2)
	mustDo(t, s.PutTOTPCredential(t.Context(), again, hashes("b", 2)))
	wantCredential(t, s, again)
	wantLeft(t, s, "u-1", 2)
	wantUse(t, s, "u-1", hash("a", 1), false)
}

func testUsersApart(t *testing.T, s mfa.Store, addUser func(string) error) {
	mustDo(t, addUser("u-1"))
	mustDo(t, addUser("u-2"))
	c1, c2 := credential("u-1", 1), credential("u-2", 2)
	// The same hashes for both: a code is the user's, not global.
	mustDo(t, s.PutTOTPCredential(t.Context(), c1, hashes("a", 3)))
	mustDo(t, s.PutTOTPCredential(t.Context(), c2, hashes("a", 3)))
	wantUse(t, s, "u-1", hash("a", 0), true)
	wantLeft(t, s, "u-2", 3)
	wantUse(t, s, "u-2", hash("a", 0), true)

	mustDo(t, s.ReplaceRecoveryCodes(t.Context(), "u-1", hashes("b", 5)))
	wantLeft(t, s, "u-2", 2)
	mustDo(t, s.DeleteTOTPCredential(t.Context(), "u-1"))
	wantCredential(t, s, c2)
	wantLeft(t, s, "u-2", 2)
	wantUse(t, s, "u-2", hash("a", 1), true)
}

// testCopies: a caller changing what it passed or got back changes nothing
// stored.
func testCopies(t *testing.T, s mfa.Store, addUser func(string) error) {
	mustDo(t, addUser("u-1"))
	in := credential("u-1", 1)
	want := credential("u-1", 1)
	hs := hashes("a", 2)
	mustDo(t, s.PutTOTPCredential(t.Context(), in, hs))
	in.SealedSecret[0] = 0x42
	hs[0][0] = 0x42
	got, err := s.TOTPCredential(t.Context(), "u-1")
	mustDo(t, err)
	got.SealedSecret[0] = 0x43
	wantCredential(t, s, want)
	wantUse(t, s, "u-1", hash("a", 0), true)
}

// testUseRace is one recovery code submitted by many requests at once,
// perhaps on several nodes: exactly one may succeed, in every round.
func testUseRace(t *testing.T, s mfa.Store, addUser func(string) error) {
	const (
		racers = 16
		rounds = 5
	)
	mustDo(t, addUser("u-1"))
	mustDo(t, s.PutTOTPCredential(t.Context(), credential("u-1", 1), hashes("a", rounds)))
	for r := range rounds {
		var (
			mu      sync.Mutex
			winners int
			errs    []error
			wg      sync.WaitGroup
			gate    = make(chan struct{})
		)
		for range racers {
			wg.Go(func() {
				<-gate
				ok, err := s.UseRecoveryCode(t.Context(), "u-1", hash("a", r), at(r))
				mu.Lock()
				defer mu.Unlock()
				if err != nil {
					errs = append(errs, err)
				} else if ok {
					winners++
				}
			})
		}
		close(gate)
		wg.Wait()
		if err := errors.Join(errs...); err != nil {
			t.Fatalf("round %d: %v", r, err)
		}
		if winners != 1 {
			t.Fatalf("round %d: %d of %d concurrent uses of one code succeeded, want 1", r, winners, racers)
		}
	}
	wantLeft(t, s, "u-1", 0)
}

func testList(t *testing.T, s mfa.Store, addUser func(string) error) {
	cs, err := s.ListTOTPCredentials(t.Context())
	mustDo(t, err)
	if len(cs) != 0 {
		t.Fatalf("ListTOTPCredentials of an empty store = %+v", cs)
	}
	// Stored out of order; u-plain has no credential, u-gone had one.
	for _, uid := range []string{"u-b", "u-a", "u-plain", "U-c", "u-gone", "u-a2"} {
		mustDo(t, addUser(uid))
	}
	for i, uid := range []string{"u-b", "u-a", "U-c", "u-gone", "u-a2"} {
		mustDo(t, s.PutTOTPCredential(t.Context(), credential(uid, i), hashes(uid, 2)))
	}
	mustDo(t, s.DeleteTOTPCredential(t.Context(), "u-gone"))
	in := credential("u-a2", 4)
	in.CreatedAt = in.CreatedAt.In(time.FixedZone("CET", 3600))
	mustDo(t, s.PutTOTPCredential(t.Context(), in, nil)) // replaced, times in UTC

	want := []mfa.Credential{credential("U-c", 2), credential("u-a", 1), credential("u-a2", 4), credential("u-b", 0)}
	cs, err = s.ListTOTPCredentials(t.Context())
	mustDo(t, err)
	if len(cs) != len(want) {
		t.Fatalf("ListTOTPCredentials = %+v\nwant %+v", cs, want)
	}
	for i := range want {
		if cs[i].UserID != want[i].UserID || !bytes.Equal(cs[i].SealedSecret, want[i].SealedSecret) ||
			cs[i].CreatedAt != want[i].CreatedAt {
			t.Fatalf("ListTOTPCredentials[%d] = %+v, want %+v", i, cs[i], want[i])
		}
	}
	cs[0].SealedSecret[0] ^= 0xff // a copy: changes nothing stored
	wantCredential(t, s, want[0])
}

func testReseal(t *testing.T, s mfa.Store, addUser func(string) error) {
	mustDo(t, addUser("u-1"))
	mustDo(t, addUser("u-2"))
	mustDo(t, addUser("u-plain"))
	c1, c2 := credential("u-1", 1), credential("u-2", 2)
	mustDo(t, s.PutTOTPCredential(t.Context(), c1, hashes("a", 4)))
	mustDo(t, s.PutTOTPCredential(t.Context(), c2, hashes("a", 4)))
	wantUse(t, s, "u-1", hash("a", 0), true)

	sealed := []byte{0x02, 0x00, 0xff, 'r', 'e', 's', 'e', 'a', 'l'}
	// Not while the stored secret is another than the one read.
	wantErr(t, s.ResealTOTPCredential(t.Context(), "u-1", []byte("stale"), sealed), mfa.ErrNotFound)
	wantCredential(t, s, c1)
	mustDo(t, s.ResealTOTPCredential(t.Context(), "u-1", c1.SealedSecret, sealed))
	sealed[0] = 0x42 // a copy was stored
	resealed := mfa.Credential{UserID: "u-1", SealedSecret: []byte{0x02, 0x00, 0xff, 'r', 'e', 's', 'e', 'a', 'l'},
		CreatedAt: c1.CreatedAt}
	wantCredential(t, s, resealed)
	// The recovery codes are as they were: the used one used, the
	// others usable.
	wantLeft(t, s, "u-1", 3)
	wantUse(t, s, "u-1", hash("a", 0), false)
	wantUse(t, s, "u-1", hash("a", 1), true)
	wantLeft(t, s, "u-1", 2)
	// The other user's credential and codes are untouched.
	wantCredential(t, s, c2)
	wantLeft(t, s, "u-2", 4)

	for _, uid := range []string{"u-plain", "u-nope"} {
		wantErr(t, s.ResealTOTPCredential(t.Context(), uid, nil, []byte{0x01}), mfa.ErrNotFound)
		_, err := s.TOTPCredential(t.Context(), uid)
		wantErr(t, err, mfa.ErrNotFound)
	}
	// A deleted credential is not resealed back into existence.
	mustDo(t, s.DeleteTOTPCredential(t.Context(), "u-2"))
	wantErr(t, s.ResealTOTPCredential(t.Context(), "u-2", c2.SealedSecret, []byte{0x01}), mfa.ErrNotFound)
	_, err := s.TOTPCredential(t.Context(), "u-2")
	wantErr(t, err, mfa.ErrNotFound)
}

// mustDo and wantErr are the suites' shared assertions (internal/check).
var mustDo, wantErr = check.MustDo, check.WantErr
