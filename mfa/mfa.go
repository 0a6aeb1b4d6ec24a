package mfa

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/gatehouse-id/gatehouse/audit"
	"github.com/gatehouse-id/gatehouse/ephemeral"
	"github.com/gatehouse-id/gatehouse/keys"
)

// Defaults of Config.
const (
	DefaultMaxFailures = 5
	DefaultLockFor     = 15 * time.Minute
)

// Config is what a Service needs.
type Config struct {
	Store     Store
	Ephemeral ephemeral.Store
	// Sealer encrypts TOTP secrets at rest under the key-encryption key.
	Sealer *keys.Sealer
	// RecoveryKey is the HMAC-SHA256 key of recovery-code hashes, at least
	// 32 bytes, the same on every node. Without it a copy of the database
	// does not reveal codes by brute force over their 50 bits.
	RecoveryKey []byte
	// Issuer is shown in authenticator apps ("Gatehouse"). It may not hold
	// ':', which separates it from the account name in the app's label.
	Issuer string
	// Audit records an event; required. It is called for enrolment,
	// removal, reset, unlock, lock, regenerated recovery codes and each
	// recovery code used. The Service fills in ID and Time.
	Audit func(ctx context.Context, e audit.Event) error
	// Now is the clock (time.Now if nil).
	Now func() time.Time
	// MaxFailures is how many consecutive failures lock a user
	// (DefaultMaxFailures if 0; 1 locks at the first failure).
	MaxFailures int
	// LockFor is how long a lock lasts (DefaultLockFor if 0).
	LockFor time.Duration
	// OnFailure, if not nil, is called for each wrong (or replayed) code
	// counted against its user, and OnThrottled for each attempt refused
	// unchecked because its user must wait, is locked, or has another
	// attempt being checked: for metrics, which nothing else here feeds
	// (failures below the lock are not audited). Both must be quick.
	OnFailure, OnThrottled func()
}

// Service is TOTP two-factor authentication for every user. It keeps no
// state of its own: any number of Services on any number of nodes, sharing
// the stores, behave as one. It is safe for concurrent use.
type Service struct {
	store       Store
	kv          ephemeral.Store
	sealer      *keys.Sealer
	recoveryKey []byte
	issuer      string
	audit       func(context.Context, audit.Event) error
	now         func() time.Time
	maxFailures int
	lockFor     time.Duration
	onFailure   func()
	onThrottled func()
}

// New returns a Service for cfg, or an error naming what is missing or
// invalid in it.
func New(cfg Config) (*Service, error) {
	switch {
	case cfg.Store == nil:
		return nil, errors.New("mfa: no Store")
	case cfg.Ephemeral == nil:
		return nil, errors.New("mfa: no Ephemeral store")
	case cfg.Sealer == nil:
		return nil, errors.New("mfa: no Sealer")
	case len(cfg.RecoveryKey) < 32:
		return nil, fmt.Errorf("mfa: the recovery-code key must be at least 32 bytes, got %d", len(cfg.RecoveryKey))
	case cfg.Issuer == "" || strings.Contains(cfg.Issuer, ":"):
		return nil, errors.New("mfa: the issuer must be set and hold no ':'")
	case cfg.Audit == nil:
		return nil, errors.New("mfa: no Audit function")
	case cfg.MaxFailures < 0:
		return nil, fmt.Errorf("mfa: MaxFailures must not be negative, got %d", cfg.MaxFailures)
	case cfg.LockFor < 0:
		return nil, fmt.Errorf("mfa: LockFor must not be negative, got %v", cfg.LockFor)
	}
	s := &Service{
		store: cfg.Store, kv: cfg.Ephemeral, sealer: cfg.Sealer,
		recoveryKey: append([]byte(nil), cfg.RecoveryKey...),
		issuer:      cfg.Issuer, audit: cfg.Audit, now: cfg.Now,
		maxFailures: cfg.MaxFailures, lockFor: cfg.LockFor,
		onFailure: cfg.OnFailure, onThrottled: cfg.OnThrottled,
	}
	if s.onFailure == nil {
		s.onFailure = func() {}
	}
	if s.onThrottled == nil {
		s.onThrottled = func() {}
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.maxFailures == 0 {
		s.maxFailures = DefaultMaxFailures
	}
	if s.lockFor == 0 {
		s.lockFor = DefaultLockFor
	}
	return s, nil
}

// Subject is the person whose second factor is concerned: the id keys
// every record, the names are for the authenticator app's label and the
// audit log.
type Subject struct {
	UserID     string
	Username   string
	TenantID   string
	TenantSlug string
}

// Actor is who acts on someone else's second factor: an administrator
// (their user id and username), or {ID: "operator"} for the operator's
// command line.
type Actor struct {
	ID   string
	Name string
}

// Method is how a code was accepted.
type Method string

// The methods Verify reports.
const (
	MethodTOTP     Method = "totp"
	MethodRecovery Method = "recovery"
)

// Status is what the account page and administrators see of a user's
// second factor.
type Status struct {
	Enrolled          bool
	RecoveryCodesLeft int
	// LockedFor is how long the user stays locked after too many failed
	// codes; 0 when not locked.
	LockedFor time.Duration
}

// Errors of verification. Callers tell them apart with errors.Is, and
// WaitError with errors.As; any other error is the Service's (a store that
// does not answer, a secret that does not unseal) and no fault of the
// person.
var (
	// ErrMalformed: the input is neither six digits nor a recovery code
	// (letters, a wrong length, nothing). It is not checked and does not
	// count as an attempt. Where only a TOTP code will do (enrolment,
	// removal, new recovery codes), a recovery code is malformed too.
	ErrMalformed = errors.New("mfa: not a six-digit code or a recovery code")
	// ErrInvalidCode: a wrong, expired or future code, or a recovery code
	// that is not one of the user's unused ones. It counts.
	ErrInvalidCode = errors.New("mfa: wrong code")
	// ErrReplayed: a TOTP code already accepted for the user (on any node),
	// or older than one accepted. It counts.
	ErrReplayed = errors.New("mfa: code already used")
	// ErrNotEnrolled: the user has no TOTP credential.
	ErrNotEnrolled = errors.New("mfa: not enrolled")
	// ErrEnrolled: CompleteEnrolment for a user who has a credential; the
	// old one must be removed (with a code from it) or reset by an
	// administrator first, so that a session without the second factor
	// cannot replace it.
	ErrEnrolled = errors.New("mfa: already enrolled")
)

// WaitError says the attempt came too soon after a failure, or while the
// user is locked. The code was not checked and the attempt does not count.
type WaitError struct {
	Wait   time.Duration // how long until the next attempt is taken
	Locked bool          // locked after too many failures (an administrator may unlock)
}

func (e *WaitError) Error() string {
	wait := e.Wait.Round(time.Second)
	if wait < time.Second {
		wait = time.Second
	}
	if e.Locked {
		return fmt.Sprintf("mfa: locked after too many wrong codes; try again in %v", wait)
	}
	return fmt.Sprintf("mfa: too soon after a wrong code; try again in %v", wait)
}

// record audits an event about sub, filling in its id, time and target.
func (s *Service) record(ctx context.Context, sub Subject, actorID, actorName, action string, details map[string]string) error {
	e := audit.Event{
		ID: uuid.Must(uuid.NewV7()).String(), Time: s.now().UTC(), Action: action,
		TenantID: sub.TenantID, Actor: actorID, ActorName: actorName,
		Target: sub.UserID, TargetName: sub.Username, Details: details,
	}
	if err := s.audit(ctx, e); err != nil {
		return fmt.Errorf("mfa: audit %s of user %s: %w", action, sub.UserID, err)
	}
	return nil
}

// Enrolment is a new, unconfirmed TOTP secret, to show the person once.
// It holds the secret, so it logs as "[redacted]".
type Enrolment struct {
	Secret string // base32, no padding: for typing into an app
	URL    string // otpauth://totp/…: what the QR code holds
	QR     []byte // PNG
}

// LogValue keeps the secret out of logs.
func (Enrolment) LogValue() slog.Value { return slog.StringValue("[redacted]") }

// String keeps the secret out of formatted errors and debug prints.
func (Enrolment) String() string { return "mfa.Enrolment{[redacted]}" }

// GoString keeps the secret out of %#v.
func (e Enrolment) GoString() string { return e.String() }
