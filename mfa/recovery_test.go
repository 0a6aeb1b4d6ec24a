package mfa_test

import (
	"errors"
	"strconv"
	"testing"
	"time"

	"github.com/gatehouse-id/gatehouse/mfa"
)

// TestRecoveryCodesOnce: each of the ten codes works once, each use is
// audited with the number left, and a spent code is a wrong code.
func TestRecoveryCodesOnce(t *testing.T) {
	e := newEnv(t)
	_, codes := e.enrol(e.jill)
	other := e.node(func(*mfa.Config) {})
	for i, c := range codes {
		if m := e.verify(e.svc, e.jill, c, nil); m != mfa.MethodRecovery {
			t.Fatalf("method %q, want recovery", m)
		}
		if st := e.status(e.jill); st.RecoveryCodesLeft != 9-i {
			t.Fatalf("after %d codes: %d left", i+1, st.RecoveryCodesLeft)
		}
	}
	evs := e.log.actions("totp.recovery_code_used")
	if len(evs) != 10 {
		t.Fatalf("%d recovery-code events, want 10", len(evs))
	}
	for i, ev := range evs {
		if ev.Actor != e.jill.UserID || ev.Target != e.jill.UserID || ev.Details["remaining"] != strconv.Itoa(9-i) {
			t.Errorf("event %d = %+v", i, ev)
		}
	}
	e.log.wantNoSecrets(t, codes...)
	for _, c := range codes[:3] {
		e.verify(other, e.jill, c, mfa.ErrInvalidCode)
		e.clock.Advance(30 * time.Second)
	}
	// Another user's codes are not jill's.
	_, johns := e.enrol(e.john)
	e.verify(e.svc, e.jill, johns[0], mfa.ErrInvalidCode)
}

// TestRecoveryCodeRace: one recovery code submitted on several nodes at
// once is accepted once.
func TestRecoveryCodeRace(t *testing.T) {
	e := newEnv(t)
	_, codes := e.enrol(e.jill)
	if accepted := e.race(8, e.jill, codes[0], mfa.ErrInvalidCode); accepted != 1 {
		t.Fatalf("one recovery code accepted %d times, want 1", accepted)
	}
}

// TestRegenerateRecoveryCodes: new codes need a current TOTP code and
// replace every old one.
func TestRegenerateRecoveryCodes(t *testing.T) {
	e := newEnv(t)
	secret, old := e.enrol(e.jill)
	e.verify(e.svc, e.jill, old[0], nil)
	ctx := t.Context()

	if _, err := e.svc.RegenerateRecoveryCodes(ctx, e.jill, old[1]); !errors.Is(err, mfa.ErrMalformed) {
		t.Fatalf("RegenerateRecoveryCodes with a recovery code: error = %v, want ErrMalformed", err)
	}
	if _, err := e.svc.RegenerateRecoveryCodes(ctx, e.jill, wrong(e.code(secret, 0))); !errors.Is(err, mfa.ErrInvalidCode) {
		t.Fatalf("RegenerateRecoveryCodes with a wrong code: error = %v, want ErrInvalidCode", err)
	}
	e.clock.Advance(time.Second)
	if _, err := e.svc.RegenerateRecoveryCodes(ctx, e.john, "123456"); !errors.Is(err, mfa.ErrNotEnrolled) {
		t.Fatalf("RegenerateRecoveryCodes of a user not enrolled: error = %v, want ErrNotEnrolled", err)
	}
	if st := e.status(e.jill); st.RecoveryCodesLeft != 9 {
		t.Fatalf("%d codes left after refused regenerations, want 9", st.RecoveryCodesLeft)
	}

	code := e.code(secret, 0)
	fresh, err := e.svc.RegenerateRecoveryCodes(ctx, e.jill, code)
	if err != nil {
		t.Fatal(err)
	}
	if len(fresh) != 10 {
		t.Fatalf("%d new codes, want 10", len(fresh))
	}
	if st := e.status(e.jill); st.RecoveryCodesLeft != 10 {
		t.Errorf("%d codes left after regeneration, want 10", st.RecoveryCodesLeft)
	}
	if n := len(e.log.actions("totp.recovery_codes_regenerated")); n != 1 {
		t.Errorf("%d regeneration events, want 1", n)
	}
	// The TOTP code that allowed it is spent.
	e.verify(e.svc, e.jill, code, mfa.ErrReplayed)
	e.clock.Advance(time.Second)
	for _, c := range old[1:4] {
		e.verify(e.svc, e.jill, c, mfa.ErrInvalidCode)
		e.clock.Advance(30 * time.Second)
	}
	e.verify(e.svc, e.jill, fresh[0], nil)
	e.log.wantNoSecrets(t, append(append(fresh, old...), secret, code)...)
}
