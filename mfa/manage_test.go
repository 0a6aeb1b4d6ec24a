package mfa_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/gatehouse-id/gatehouse/audit"
	"github.com/gatehouse-id/gatehouse/mfa"
)

func TestRemove(t *testing.T) {
	e := newEnv(t)
	secret, codes := e.enrol(e.jill)
	ctx := t.Context()
	for _, tc := range []struct {
		code string
		want error
	}{
		{codes[0], mfa.ErrMalformed}, // a recovery code will not do
		{"", mfa.ErrMalformed},
		{wrong(e.code(secret, 0)), mfa.ErrInvalidCode},
	} {
		if err := e.svc.Remove(ctx, e.jill, tc.code); !errors.Is(err, tc.want) {
			t.Fatalf("Remove(%q): error = %v, want %v", tc.code, err, tc.want)
		}
	}
	if !e.status(e.jill).Enrolled {
		t.Fatal("refused Remove removed the credential")
	}
	e.clock.Advance(time.Second)
	if err := e.svc.Remove(ctx, e.jill, e.code(secret, 0)); err != nil {
		t.Fatal(err)
	}
	if st := e.status(e.jill); st != (mfa.Status{}) {
		t.Errorf("Status after Remove = %+v", st)
	}
	e.verify(e.svc, e.jill, codes[1], mfa.ErrNotEnrolled)
	if evs := e.log.actions("totp.removed"); len(evs) != 1 || evs[0].Actor != e.jill.UserID {
		t.Errorf("removal events = %+v", evs)
	}
	if err := e.svc.Remove(ctx, e.jill, e.code(secret, 1)); !errors.Is(err, mfa.ErrNotEnrolled) {
		t.Errorf("Remove when not enrolled: error = %v, want ErrNotEnrolled", err)
	}
	reenrolAtOnce(t, e, e.jill)
}

func TestReset(t *testing.T) {
	e := newEnv(t)
	secret, codes := e.enrol(e.jill)
	e.verify(e.svc, e.jill, e.code(secret, 0), nil)
	fail(e, e.jill, secret, mfa.DefaultMaxFailures)

	if err := e.node(func(*mfa.Config) {}).Reset(t.Context(), admin, e.jill); err != nil {
		t.Fatal(err)
	}
	if st := e.status(e.jill); st != (mfa.Status{}) {
		t.Errorf("Status after Reset = %+v, want not enrolled, not locked", st)
	}
	e.verify(e.svc, e.jill, codes[0], mfa.ErrNotEnrolled)
	evs := e.log.actions("totp.reset")
	if len(evs) != 1 || evs[0].Actor != admin.ID || evs[0].ActorName != admin.Name || evs[0].Target != e.jill.UserID {
		t.Errorf("reset events = %+v", evs)
	}
	// Resetting someone not enrolled is no error (and is audited).
	if err := e.svc.Reset(t.Context(), mfa.Actor{ID: "operator"}, e.john); err != nil {
		t.Fatal(err)
	}
	reenrolAtOnce(t, e, e.jill)
	// Reset in the step of the enrolment code, and enrol again in it.
	if err := e.svc.Reset(t.Context(), admin, e.jill); err != nil {
		t.Fatal(err)
	}
	reenrolAtOnce(t, e, e.jill)
}

// reenrolAtOnce enrols sub again in the very step in which its old
// credential was used and removed: the old credential's replay guard must
// not refuse the new one's first code.
func reenrolAtOnce(t *testing.T, e *env, sub mfa.Subject) {
	t.Helper()
	en, err := e.svc.NewEnrolment(sub)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.CompleteEnrolment(t.Context(), sub, en.Secret, e.code(en.Secret, 0)); err != nil {
		t.Fatalf("enrolling again at once: %v", err)
	}
}

// TestAuditFailureStopsChange: an administrative change that cannot be
// audited is not made.
func TestAuditFailureStopsChange(t *testing.T) {
	e := newEnv(t)
	secret, _ := e.enrol(e.jill)
	fail(e, e.jill, secret, mfa.DefaultMaxFailures)
	e.log.setFailing(true)
	ctx := t.Context()
	if err := e.svc.Reset(ctx, admin, e.jill); !errors.Is(err, errAudit) {
		t.Errorf("Reset: error = %v, want the audit's", err)
	}
	if err := e.svc.Unlock(ctx, admin, e.jill); !errors.Is(err, errAudit) {
		t.Errorf("Unlock: error = %v, want the audit's", err)
	}
	if st := e.status(e.jill); !st.Enrolled || st.LockedFor == 0 {
		t.Errorf("Status after unaudited Reset and Unlock = %+v, want enrolled and locked", st)
	}
	en, err := e.svc.NewEnrolment(e.john)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.CompleteEnrolment(ctx, e.john, en.Secret, e.code(en.Secret, 0)); !errors.Is(err, errAudit) {
		t.Errorf("CompleteEnrolment: error = %v, want the audit's", err)
	}
	if e.status(e.john).Enrolled {
		t.Error("enrolled without an audit event")
	}
}

func TestNewConfig(t *testing.T) {
	e := newEnv(t)
	valid := func() mfa.Config {
		var c mfa.Config
		e.node(func(cfg *mfa.Config) { c = *cfg })
		return c
	}
	for _, tc := range []struct {
		name   string
		change func(c *mfa.Config)
	}{
		{"no store", func(c *mfa.Config) { c.Store = nil }},
		{"no ephemeral store", func(c *mfa.Config) { c.Ephemeral = nil }},
		{"no sealer", func(c *mfa.Config) { c.Sealer = nil }},
		{"short recovery key", func(c *mfa.Config) { c.RecoveryKey = make([]byte, 31) }},
		{"no issuer", func(c *mfa.Config) { c.Issuer = "" }},
		{"issuer with a colon", func(c *mfa.Config) { c.Issuer = "Gate:house" }},
		{"no audit", func(c *mfa.Config) { c.Audit = nil }},
		{"negative failures", func(c *mfa.Config) { c.MaxFailures = -1 }},
		{"negative lock", func(c *mfa.Config) { c.LockFor = -time.Minute }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := valid()
			tc.change(&c)
			if _, err := mfa.New(c); err == nil {
				t.Error("New accepted it")
			}
		})
	}

	// The recovery key is copied: changing the caller's slice later
	// changes nothing.
	c := valid()
	c.RecoveryKey = append([]byte(nil), recoveryKey...)
	c.Audit = func(context.Context, audit.Event) error { return nil }
	svc, err := mfa.New(c)
	if err != nil {
		t.Fatal(err)
	}
	_, codes := e.enrol(e.jill)
	c.RecoveryKey[0] ^= 0xff
	e.verify(svc, e.jill, codes[0], nil)
}
