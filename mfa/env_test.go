package mfa_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/gatehouse-id/gatehouse/audit"
	"github.com/gatehouse-id/gatehouse/directory"
	"github.com/gatehouse-id/gatehouse/ephemeral/ephemeraltest"
	"github.com/gatehouse-id/gatehouse/ephemeral/memory"
	"github.com/gatehouse-id/gatehouse/keys"
	"github.com/gatehouse-id/gatehouse/mfa"
	"github.com/gatehouse-id/gatehouse/storage/sqlite"
)

// env is one installation: a SQLite database (the embedded backend), an
// in-memory ephemeral store and a fake clock shared by every node, and the
// audit log they write to. Each test makes its own.
type env struct {
	t     *testing.T
	clock *ephemeraltest.FakeClock
	kv    *memory.Store
	db    *sqlite.Store
	kek   []byte
	log   *auditLog
	svc   *mfa.Service // the first node
	jill  mfa.Subject
	john  mfa.Subject
}

var (
	kek         = []byte("0123456789abcdef0123456789abcdef")
	recoveryKey = []byte("recovery-key-recovery-key-recovery-key")
	admin       = mfa.Actor{ID: "u-admin", Name: "ada"}
)

func newEnv(t *testing.T) *env {
	t.Helper()
	e := &env{t: t, clock: ephemeraltest.NewFakeClock(), kek: kek, log: &auditLog{}}
	// Stand in the middle of a 30-second step, as a person usually does.
	e.clock.Advance(10 * time.Second)
	e.kv = memory.New(e.clock.Now)
	t.Cleanup(func() { e.kv.Close() })
	db, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "gatehouse.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	e.db = db

	tn := directory.Tenant{ID: "t-acme", Slug: "acme", Level: directory.LevelSystem, Path: []string{"t-acme"}}
	if err := db.CreateTenant(t.Context(), tn); err != nil {
		t.Fatal(err)
	}
	for _, u := range []string{"jill", "john"} {
		if err := db.CreateUser(t.Context(), directory.User{ID: "u-" + u, TenantID: tn.ID, Username: u,
			TenantRole: directory.TenantRoleUser}); err != nil {
			t.Fatal(err)
		}
	}
	e.jill = mfa.Subject{UserID: "u-jill", Username: "jill", TenantID: tn.ID, TenantSlug: tn.Slug}
	e.john = mfa.Subject{UserID: "u-john", Username: "john", TenantID: tn.ID, TenantSlug: tn.Slug}
	e.svc = e.node(func(*mfa.Config) {})
	return e
}

// node returns another Service on the same stores, as another Gatehouse
// node would have; change adjusts its Config.
func (e *env) node(change func(*mfa.Config)) *mfa.Service {
	e.t.Helper()
	sealer, err := keys.NewSealer(e.kek)
	if err != nil {
		e.t.Fatal(err)
	}
	cfg := mfa.Config{
		Store: e.db, Ephemeral: e.kv, Sealer: sealer, RecoveryKey: recoveryKey, Issuer: "Gatehouse",
		Audit: audit.New(e.log, e.clock.Now, nil).Record, Now: e.clock.Now,
	}
	change(&cfg)
	s, err := mfa.New(cfg)
	if err != nil {
		e.t.Fatal(err)
	}
	return s
}

// code is the TOTP code of secret, steps 30-second steps from now.
func (e *env) code(secret string, steps int) string {
	e.t.Helper()
	c, err := totp.GenerateCodeCustom(secret, e.clock.Now().Add(time.Duration(steps)*30*time.Second),
		totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		e.t.Fatal(err)
	}
	return c
}

// enrol enrols sub on the first node and moves the clock two steps on, so
// that the codes of the current step and of the one before are fresh. It
// returns the secret and the recovery codes.
func (e *env) enrol(sub mfa.Subject) (string, []string) {
	e.t.Helper()
	en, err := e.svc.NewEnrolment(sub)
	if err != nil {
		e.t.Fatal(err)
	}
	codes, err := e.svc.CompleteEnrolment(e.t.Context(), sub, en.Secret, e.code(en.Secret, 0))
	if err != nil {
		e.t.Fatal(err)
	}
	e.clock.Advance(2 * 30 * time.Second)
	return en.Secret, codes
}

// verify runs Verify on svc and checks its outcome: the method on
// success, or an error wrapping want.
func (e *env) verify(svc *mfa.Service, sub mfa.Subject, code string, want error) mfa.Method {
	e.t.Helper()
	m, err := svc.Verify(e.t.Context(), sub, code)
	if (want == nil && err != nil) || (want != nil && !errors.Is(err, want)) {
		e.t.Fatalf("Verify(%q) = %q, %v; want error %v", code, m, err, want)
	}
	return m
}

// wantWait checks that Verify on svc refuses code unchecked with a
// *WaitError of wait and locked.
func (e *env) wantWait(svc *mfa.Service, sub mfa.Subject, code string, wait time.Duration, locked bool) {
	e.t.Helper()
	_, err := svc.Verify(e.t.Context(), sub, code)
	var we *mfa.WaitError
	if !errors.As(err, &we) || we.Wait != wait || we.Locked != locked {
		e.t.Fatalf("Verify(%q) error = %v; want WaitError{Wait: %v, Locked: %v}", code, err, wait, locked)
	}
}

// race verifies code for sub on n new nodes at the same moment and returns
// how many accepted it. A node may refuse it with lost (the code was spent
// by another) or a *WaitError (its turn came after another node's failure);
// any other error fails the test.
func (e *env) race(n int, sub mfa.Subject, code string, lost error) int {
	e.t.Helper()
	var (
		mu       sync.Mutex
		accepted int
		errs     []error
		wg       sync.WaitGroup
		gate     = make(chan struct{})
	)
	for range n {
		node := e.node(func(*mfa.Config) {})
		wg.Go(func() {
			<-gate
			_, err := node.Verify(e.t.Context(), sub, code)
			mu.Lock()
			defer mu.Unlock()
			var we *mfa.WaitError
			switch {
			case err == nil:
				accepted++
			case errors.Is(err, lost), errors.As(err, &we):
			default:
				errs = append(errs, err)
			}
		})
	}
	close(gate)
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		e.t.Fatal(err)
	}
	return accepted
}

func (e *env) status(sub mfa.Subject) mfa.Status {
	e.t.Helper()
	st, err := e.svc.Status(e.t.Context(), sub)
	if err != nil {
		e.t.Fatal(err)
	}
	return st
}

// auditLog is the audit.Appender of a test, behind the real audit.Log
// (which refuses malformed events and details that look like secrets): it
// keeps every event, and fails while failing is set.
type auditLog struct {
	mu      sync.Mutex
	events  []audit.Event
	failing bool
}

var errAudit = errors.New("audit store down")

func (l *auditLog) AppendEvent(_ context.Context, ev audit.Event) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.failing {
		return errAudit
	}
	l.events = append(l.events, ev)
	return nil
}

func (l *auditLog) setFailing(f bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.failing = f
}

// actions returns the events with action, in order.
func (l *auditLog) actions(action string) []audit.Event {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []audit.Event
	for _, ev := range l.events {
		if ev.Action == action {
			out = append(out, ev)
		}
	}
	return out
}

// wantNoSecrets fails if any event carries one of secrets, in any field.
func (l *auditLog) wantNoSecrets(t *testing.T, secrets ...string) {
	t.Helper()
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, ev := range l.events {
		// Not the id: a UUID may hold six digits in a row.
		fields := []string{ev.Action, ev.TenantID, ev.Actor, ev.ActorName, ev.Target, ev.TargetName}
		for k, v := range ev.Details {
			fields = append(fields, k, v)
		}
		for _, f := range fields {
			for _, s := range secrets {
				if s != "" && strings.Contains(strings.ToLower(f), strings.ToLower(s)) {
					t.Errorf("audit event %s carries a secret or code in %q", ev.Action, f)
				}
			}
		}
	}
}
