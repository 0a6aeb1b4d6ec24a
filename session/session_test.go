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

// TestSwitch: the new session acts in the new tenant, with a new id and
// token and the same authentication and end; the old token is dead; a
// support session does not switch.
func TestSwitch(t *testing.T) {
	now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	s := session.New(memory.New(clock), session.Config{Now: clock})
	token, orig, err := s.Create(t.Context(), "u1", "t1", []string{"pwd", "otp", "mfa"}, "mfa", nil, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	now = now.Add(time.Hour)
	newToken, sess, old, err := s.Switch(t.Context(), token, "t2")
	if err != nil {
		t.Fatal(err)
	}
	if old.ID != orig.ID || old.TenantID != "t1" {
		t.Errorf("old = %+v, want the original", old)
	}
	if sess.ID == orig.ID || newToken == token || sess.TenantID != "t2" || sess.UserID != "u1" ||
		!sess.AuthTime.Equal(orig.AuthTime) || !sess.ExpiresAt.Equal(orig.ExpiresAt) || sess.ACR != "mfa" || len(sess.AMR) != 3 {
		t.Errorf("switched = %+v, from %+v", sess, orig)
	}
	if len(sess.Earlier) != 1 || sess.Earlier[0] != orig.ID {
		t.Errorf("Earlier = %v, want [%s]", sess.Earlier, orig.ID)
	}
	if got, err := s.Lookup(t.Context(), newToken); err != nil || got.ID != sess.ID {
		t.Errorf("Lookup(new) = %+v, %v", got, err)
	}
	if _, err := s.Lookup(t.Context(), token); err != session.ErrNotFound {
		t.Errorf("Lookup(old) = %v, want ErrNotFound", err)
	}
	if _, _, _, err := s.Switch(t.Context(), token, "t3"); err != session.ErrNotFound {
		t.Errorf("Switch(old token) = %v, want ErrNotFound", err)
	}

	sup, _, err := s.Create(t.Context(), "u1", "t1", []string{"pwd"}, "", &session.Support{ActorID: "a1"}, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := s.Switch(t.Context(), sup, "t2"); err != session.ErrSupportSession {
		t.Errorf("Switch(support) = %v, want ErrSupportSession", err)
	}
}
