package session_test

import (
	"testing"
	"time"

	"github.com/gatehouse-id/gatehouse/ephemeral/memory"
	"github.com/gatehouse-id/gatehouse/session"
)

// TestCreateAfterRevocation: a session that starts in the second of the
// person's last revocation is dated the start of the next second, so that
// the whole-second auth_time of its tokens is not before the revocation;
// any other session is dated when it starts.
func TestCreateAfterRevocation(t *testing.T) {
	revoked := time.Date(2026, 3, 1, 9, 0, 0, 700_000_000, time.UTC)
	for _, tc := range []struct {
		name     string
		now      time.Time
		revoked  time.Time
		wantAuth time.Time
	}{
		{"never revoked", revoked, time.Time{}, revoked},
		{"same second, after", revoked.Add(100 * time.Millisecond), revoked, revoked.Truncate(time.Second).Add(time.Second)},
		{"at the revocation", revoked, revoked, revoked.Truncate(time.Second).Add(time.Second)},
		{"a later second", revoked.Add(2 * time.Second), revoked, revoked.Add(2 * time.Second)},
		// A clock behind the revocation (another node's): dated as it is,
		// and refused, rather than moved past a revocation it preceded.
		{"before the revocation", revoked.Add(-100 * time.Millisecond), revoked, revoked.Add(-100 * time.Millisecond)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			now := func() time.Time { return tc.now }
			s := session.New(memory.New(now), session.Config{Now: now})
			_, sess, err := s.Create(t.Context(), "u1", "t1", []string{"pwd"}, "pwd", nil, tc.revoked)
			if err != nil {
				t.Fatal(err)
			}
			if !sess.AuthTime.Equal(tc.wantAuth) {
				t.Errorf("AuthTime = %v, want %v", sess.AuthTime, tc.wantAuth)
			}
			if tokenAuth := time.Unix(sess.AuthTime.Unix(), 0); tc.name != "before the revocation" && tokenAuth.Before(tc.revoked) {
				t.Errorf("a token's auth_time %v is before the revocation %v", tokenAuth, tc.revoked)
			}
		})
	}
}
