package mfa_test

import (
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-id/gatehouse/mfa"
)

func TestVerifyTOTP(t *testing.T) {
	e := newEnv(t)
	secret, _ := e.enrol(e.jill)
	code := e.code(secret, 0)
	if m := e.verify(e.svc, e.jill, code, nil); m != mfa.MethodTOTP {
		t.Errorf("method = %q, want %q", m, mfa.MethodTOTP)
	}
	// The same code again, on this node and on another sharing the stores.
	e.verify(e.svc, e.jill, code, mfa.ErrReplayed)
	e.clock.Advance(time.Second) // the wait after that failure
	e.verify(e.node(func(*mfa.Config) {}), e.jill, code, mfa.ErrReplayed)

	// A new step, a new code; a success forgets the failures.
	e.clock.Advance(30 * time.Second)
	e.verify(e.svc, e.jill, e.code(secret, 0), nil)
	e.clock.Advance(30 * time.Second)
	e.verify(e.svc, e.jill, wrong(e.code(secret, 0)), mfa.ErrInvalidCode)
	e.wantWait(e.svc, e.jill, e.code(secret, 0), time.Second, false)

	// Not enrolled.
	e.verify(e.svc, e.john, e.code(secret, 0), mfa.ErrNotEnrolled)
}

// TestReplayOnAnotherNode: several nodes verify the same code at the same
// moment; exactly one accepts it (the others wait their turn, or find it
// used).
func TestReplayOnAnotherNode(t *testing.T) {
	e := newEnv(t)
	secret, _ := e.enrol(e.jill)
	if accepted := e.race(4, e.jill, e.code(secret, 0), mfa.ErrReplayed); accepted != 1 {
		t.Fatalf("%d nodes accepted one code, want 1", accepted)
	}
}

// TestSkew: one 30-second step either way is accepted, two are not.
func TestSkew(t *testing.T) {
	for _, tc := range []struct {
		steps int
		want  error
	}{
		{-2, mfa.ErrInvalidCode},
		{-1, nil},
		{0, nil},
		{1, nil},
		{2, mfa.ErrInvalidCode},
	} {
		t.Run(time.Duration(tc.steps*30*int(time.Second)).String(), func(t *testing.T) {
			e := newEnv(t)
			secret, _ := e.enrol(e.jill)
			e.verify(e.svc, e.jill, e.code(secret, tc.steps), tc.want)
		})
	}
}

// TestOlderCodeAfterNewer: once a code of a later step was accepted, a code
// of an earlier step, though inside the skew window, is refused.
func TestOlderCodeAfterNewer(t *testing.T) {
	for _, tc := range []struct {
		name         string
		newer, older int
	}{
		{"now after next", 1, 0},
		{"previous after now", 0, -1},
		{"previous after next", 1, -1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			secret, _ := e.enrol(e.jill)
			e.verify(e.svc, e.jill, e.code(secret, tc.newer), nil)
			e.verify(e.node(func(*mfa.Config) {}), e.jill, e.code(secret, tc.older), mfa.ErrReplayed)
		})
	}

	// Later steps are accepted in turn, the guard moving with them.
	e := newEnv(t)
	secret, _ := e.enrol(e.jill)
	e.verify(e.svc, e.jill, e.code(secret, -1), nil)
	e.verify(e.svc, e.jill, e.code(secret, 0), nil)
	e.verify(e.svc, e.jill, e.code(secret, 1), nil)
	// Long after, the guard has expired with its step, and today's code
	// works.
	e.clock.Advance(time.Hour)
	e.verify(e.svc, e.jill, e.code(secret, 0), nil)
}

// TestInputNormalized: what a person types around a code does not matter.
func TestInputNormalized(t *testing.T) {
	e := newEnv(t)
	secret, _ := e.enrol(e.jill)
	c := e.code(secret, 0)
	e.verify(e.svc, e.jill, " "+c[:3]+" - "+c[3:]+"\t", nil)

	for _, tc := range []struct {
		name  string
		typed func(code string) string
	}{
		{"as shown", func(c string) string { return c }},
		{"upper case", strings.ToUpper},
		{"without the dash", func(c string) string { return strings.ReplaceAll(c, "-", "") }},
		{"spaced", func(c string) string { return " " + c[:2] + " " + c[2:] + " " }},
		{"look-alikes", strings.NewReplacer("0", "O", "1", "l").Replace},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			_, codes := e.enrol(e.jill)
			if m := e.verify(e.svc, e.jill, tc.typed(codes[0]), nil); m != mfa.MethodRecovery {
				t.Errorf("method %q, want recovery", m)
			}
		})
	}
}

// TestMalformedNotCounted: input that is no code at all is refused without
// counting, however often, and leaves a wait as it was.
func TestMalformedNotCounted(t *testing.T) {
	e := newEnv(t)
	secret, _ := e.enrol(e.jill)
	malformed := []string{
		"", " ", "-", "12345", "1234567", "12345a", "abcdef", "12 34 5", "123456789",
		"abcde-fghju", "abcde-fghjkm", "abcd-fghjk", "abcde_fghjk", // u is not in the alphabet; lengths; '_'
		"１２３４５６", // full-width digits
		"123456123456123456123456123456123456123456123456123456123456123456",
	}
	for range 3 {
		for _, in := range malformed {
			e.verify(e.svc, e.jill, in, mfa.ErrMalformed)
		}
	}
	if st := e.status(e.jill); st.LockedFor != 0 {
		t.Fatalf("locked after malformed input: %+v", st)
	}
	e.verify(e.svc, e.jill, e.code(secret, 0), nil) // no wait

	e.clock.Advance(30 * time.Second)
	e.verify(e.svc, e.jill, wrong(e.code(secret, 0)), mfa.ErrInvalidCode)
	for _, in := range malformed {
		e.verify(e.svc, e.jill, in, mfa.ErrMalformed)
	}
	e.wantWait(e.svc, e.jill, e.code(secret, 0), time.Second, false)
}
