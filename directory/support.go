package directory

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Support (seed 004's "jill$john"): a user of a system or provider tenant
// who holds the support permission acts as a user of a tenant strictly
// below its own, to see what that user sees. This file is the one place
// that decides who may act as whom; the login ("jill$john"), single
// sign-on, every code exchange and refresh, and token exchange all ask it,
// every time.

// SupportMode says what a tenant's users must do before support may act as
// them.
type SupportMode string

// The modes, from the loosest: with permission, the support permission
// alone lets a support user in; with consent, the user (or a tenant
// administrator, for the whole tenant) must also have enabled support
// access, and the window must still be open.
const (
	SupportInherit      SupportMode = ""
	SupportByPermission SupportMode = "permission"
	SupportByConsent    SupportMode = "consent"
)

// Valid reports whether m is a mode (or inherit).
func (m SupportMode) Valid() bool {
	return m == SupportInherit || m == SupportByPermission || m == SupportByConsent
}

// Limits of a consent window, and its default (seed 004: "Support will be
// active for 24 hours").
const (
	DefaultConsentWindow = 24 * time.Hour
	MinConsentWindow     = time.Hour
	MaxConsentWindow     = 30 * 24 * time.Hour
	// MaxSupportReason bounds the reason (a ticket reference) a support
	// login gives.
	MaxSupportReason = 200
)

// SupportPolicy is a tenant's own support settings; each field left empty
// inherits the parent's (see EffectiveSupport).
type SupportPolicy struct {
	Mode SupportMode
	// RequireReason makes every support login give a reason, such as a
	// ticket reference. Once an ancestor requires it, a child cannot
	// waive it.
	RequireReason bool
	// ConsentWindow is how long a consent lasts; zero inherits.
	ConsentWindow time.Duration
}

// Validate reports a field error for a policy that cannot be stored.
func (p SupportPolicy) Validate() error {
	if !p.Mode.Valid() {
		return fieldErr("support.mode", "must be permission or consent (or empty to inherit the parent's)")
	}
	if p.ConsentWindow != 0 && (p.ConsentWindow < MinConsentWindow || p.ConsentWindow > MaxConsentWindow) {
		return fieldErr("support.consent_window", "must be between %s and %s (or empty to inherit)", MinConsentWindow, MaxConsentWindow)
	}
	return nil
}

// EffectiveSupportPolicy is the policy that applies in a tenant once its
// ancestors' are taken into account.
type EffectiveSupportPolicy struct {
	Mode          SupportMode
	RequireReason bool
	ConsentWindow time.Duration
}

// EffectiveSupport returns the support policy of tenant t: the strictest
// mode of its own and its ancestors' (a provider that requires consent
// requires it of every customer), a reason if any of them requires one, and
// the consent window of the nearest tenant that sets one. With nothing set
// anywhere: permission, no reason, 24 hours.
func (d *Directory) EffectiveSupport(ctx context.Context, t Tenant) (EffectiveSupportPolicy, error) {
	eff := EffectiveSupportPolicy{Mode: SupportByPermission}
	lineage, err := d.lineage(ctx, t)
	if err != nil {
		return EffectiveSupportPolicy{}, err
	}
	for _, anc := range lineage {
		pol := anc.Settings.Support
		switch pol.Mode {
		case SupportInherit, SupportByPermission:
		default: // consent, or a value that is not a mode: never looser
			eff.Mode = SupportByConsent
		}
		eff.RequireReason = eff.RequireReason || pol.RequireReason
		if pol.ConsentWindow > 0 {
			eff.ConsentWindow = pol.ConsentWindow
		}
	}
	if eff.ConsentWindow <= 0 {
		eff.ConsentWindow = DefaultConsentWindow
	}
	return eff, nil
}

// SupportConsent is an open window in which support may act as one user
// (UserID set) or as any user of a tenant (UserID empty): seed 004's
// "Enable support".
type SupportConsent struct {
	TenantID string
	// UserID is the user who enabled support for itself, or empty for a
	// tenant administrator's consent for the whole tenant.
	UserID string
	// GrantedBy is the user who gave it.
	GrantedBy string
	GrantedAt time.Time
	ExpiresAt time.Time
}

// Live reports whether the consent is open at now.
func (c SupportConsent) Live(now time.Time) bool { return now.Before(c.ExpiresAt) }

// SupportRefusal is why support may not act: written to the audit log,
// never shown to the person, who reads one message for all of them.
type SupportRefusal string

// The refusals.
const (
	// RefusedNoPermission: the support user does not hold support:read and
	// support:change in its home tenant.
	RefusedNoPermission SupportRefusal = "no_permission"
	// RefusedNotBelow: the tenant is not strictly below the support user's
	// home tenant (its own, a parent, a sibling or the system tenant).
	RefusedNotBelow SupportRefusal = "not_below"
	// RefusedUnknownUser: no such user in the tenant.
	RefusedUnknownUser SupportRefusal = "unknown_user"
	// RefusedUserDisabled: the user is disabled.
	RefusedUserDisabled SupportRefusal = "user_disabled"
	// RefusedUserPending: the user has not set a password yet (invited).
	RefusedUserPending SupportRefusal = "user_pending"
	// RefusedNoAdministrator: "jill$" found no administrator to act as.
	RefusedNoAdministrator SupportRefusal = "no_administrator"
	// RefusedNoConsent: the tenant requires consent and none is open.
	RefusedNoConsent SupportRefusal = "no_consent"
	// RefusedReasonRequired: the policy requires a reason and none was given.
	RefusedReasonRequired SupportRefusal = "reason_required"
	// RefusedFromSupport: a support session (or a token issued in one)
	// tried to start another impersonation.
	RefusedFromSupport SupportRefusal = "from_support_session"
	// RefusedActorInactive: the support user is disabled or gone.
	RefusedActorInactive SupportRefusal = "actor_inactive"
	// RefusedMFARequired: token exchange with a token issued without TOTP
	// where the supported user's or the support user's policy requires it.
	RefusedMFARequired SupportRefusal = "mfa_required"
)

// ErrSupportRefused is wrapped by every *SupportRefusedError.
var ErrSupportRefused = errors.New("support access refused")

// SupportRefusedError says why support may not act.
type SupportRefusedError struct{ Reason SupportRefusal }

func (e *SupportRefusedError) Error() string { return "support access refused: " + string(e.Reason) }

// Is makes errors.Is(err, ErrSupportRefused) true.
func (e *SupportRefusedError) Is(target error) bool { return target == ErrSupportRefused }

func refuse(r SupportRefusal) error { return &SupportRefusedError{Reason: r} }

// ActorSide reports whether r is about the support user itself (its
// permission, its place in the tree, its account) rather than about the
// user it would act as. Such a refusal is decided before anything about
// the target is looked up, and belongs in the support user's own tenant's
// audit log, not in the tenant it tried: anyone who can sign in could
// otherwise write into any tenant's log.
func (r SupportRefusal) ActorSide() bool {
	return r == RefusedNoPermission || r == RefusedNotBelow || r == RefusedActorInactive
}

// RefusalOf returns the refusal err carries, or "".
func RefusalOf(err error) SupportRefusal {
	var e *SupportRefusedError
	if errors.As(err, &e) {
		return e.Reason
	}
	return ""
}

// Support is an authorized support access: Actor (in ActorTenant, its
// home) acts as Target in Tenant.
type Support struct {
	Actor       User
	ActorTenant Tenant
	Target      User
	Tenant      Tenant
	Policy      EffectiveSupportPolicy
	// ByConsent is true when a consent let support in (the tenant requires
	// one); false when the permission alone did.
	ByConsent bool
}

// Name is how the audit log writes the access: "jill$john".
func (s Support) Name() string { return SupportName(s.Actor.Username, s.Target.Username) }

// SupportName writes a support access as the audit log and seed 004 do:
// "jill$john", or "jill$" when no target is known.
func SupportName(actor, target string) string { return actor + "$" + target }

// CheckReason normalizes a support login's reason and checks it against
// the policy: required if the policy says so, one line of at most
// MaxSupportReason characters of printable text.
func (s Support) CheckReason(reason string) (string, error) {
	reason = strings.TrimSpace(reason)
	if reason == "" {
		if s.Policy.RequireReason {
			return "", refuse(RefusedReasonRequired)
		}
		return "", nil
	}
	if utf8.RuneCountInString(reason) > MaxSupportReason || !utf8.ValidString(reason) ||
		strings.ContainsFunc(reason, func(r rune) bool { return !unicode.IsPrint(r) }) {
		return "", fieldErr("reason", "must be one line of at most %d printable characters", MaxSupportReason)
	}
	return reason, nil
}

// SplitSupportLogin reads a support login's username: "jill$john" is Jill
// acting as John, "jill$" Jill acting as an administrator. ok is false for
// a username without '$' (usernames cannot hold one).
func SplitSupportLogin(username string) (actor, target string, ok bool) {
	actor, target, ok = strings.Cut(username, "$")
	if !ok {
		return "", "", false
	}
	return NormalizeUsername(actor), NormalizeUsername(target), true
}

// SupportActorIn finds the support user called username for a login at
// tenant: the nearest system or provider tenant above it (never the tenant
// itself, and never a customer: only those levels hold the support
// permission, and a customer's user must not shadow its provider's) that
// has a user by that name. It returns ErrNotFound if none has; it tells
// nothing about permissions.
func (d *Directory) SupportActorIn(ctx context.Context, tenant Tenant, username string) (User, Tenant, error) {
	username = NormalizeUsername(username)
	lineage, err := d.lineage(ctx, tenant)
	if err != nil {
		return User{}, Tenant{}, err
	}
	for i := len(lineage) - 2; i >= 0; i-- { // nearest first, never tenant itself
		anc := lineage[i]
		if anc.Level != LevelSystem && anc.Level != LevelProvider {
			continue
		}
		u, err := d.store.UserByUsername(ctx, anc.ID, username)
		if err == nil {
			return u, anc, nil
		}
		if !errors.Is(err, ErrNotFound) {
			return User{}, Tenant{}, err
		}
	}
	return User{}, Tenant{}, fmt.Errorf("support user %q above %s: %w", username, tenant.Slug, ErrNotFound)
}

// AuthorizeSupport decides whether the user actorID may act as the user
// called targetUsername in tenantID ("" for an administrator of the
// tenant, seed 004's "jill$"), at now. The rules, each a refusal:
//
//   - the actor is active and holds support:read and support:change in its
//     home tenant, which is a system or provider tenant;
//   - the target tenant lies strictly below the actor's home tenant: never
//     the actor's own, a parent, a sibling or the system tenant;
//   - the target is a user of that tenant (its home), neither disabled nor
//     pending (no password yet);
//   - if the tenant's effective policy requires consent, the target user
//     or a tenant administrator (for the whole tenant) has given one that
//     is still open.
//
// For "jill$" the administrator is the first, by username, of the
// tenant's active administrators that the rules allow.
//
// It does not check the reason (Support.CheckReason does, once the person
// has given one) nor whether the actor is itself in a support session (the
// caller knows that).
func (d *Directory) AuthorizeSupport(ctx context.Context, actorID, tenantID, targetUsername string, now time.Time) (Support, error) {
	s, err := d.supportActor(ctx, actorID, tenantID)
	if err != nil {
		return Support{}, err
	}
	if targetUsername != "" {
		if ValidateUsername(NormalizeUsername(targetUsername)) != nil {
			return Support{}, refuse(RefusedUnknownUser) // no user could have that name
		}
		u, err := d.store.UserByUsername(ctx, tenantID, NormalizeUsername(targetUsername))
		if errors.Is(err, ErrNotFound) {
			return Support{}, refuse(RefusedUnknownUser)
		}
		if err != nil {
			return Support{}, err
		}
		return d.supportTarget(ctx, s, u, now)
	}
	users, err := d.store.ListUsers(ctx, tenantID)
	if err != nil {
		return Support{}, err
	}
	b, err := d.bookOf(ctx, d.store, s.Tenant)
	if err != nil {
		return Support{}, err
	}
	last := refuse(RefusedNoAdministrator)
	for _, u := range users {
		if p := b.Resolve(u.Assignment()); !p.IsAdmin() {
			continue
		}
		got, err := d.supportTarget(ctx, s, u, now)
		if err == nil {
			return got, nil
		}
		if RefusalOf(err) == "" {
			return Support{}, err
		}
		if RefusalOf(err) == RefusedNoConsent {
			last = err
		}
	}
	return Support{}, last
}

// RecheckSupport decides again for a support access already granted, by
// ids: single sign-on, refresh and every token in a support session ask
// it, so that a revoked consent, a lost permission or a disabled user ends
// the access at the next token.
func (d *Directory) RecheckSupport(ctx context.Context, actorID, targetID string, now time.Time) (Support, error) {
	u, err := d.store.UserByID(ctx, targetID)
	if errors.Is(err, ErrNotFound) {
		return Support{}, refuse(RefusedUnknownUser)
	}
	if err != nil {
		return Support{}, err
	}
	s, err := d.supportActor(ctx, actorID, u.TenantID)
	if err != nil {
		return Support{}, err
	}
	return d.supportTarget(ctx, s, u, now)
}

// supportActor checks the actor's side: active, permitted, above tenantID.
func (d *Directory) supportActor(ctx context.Context, actorID, tenantID string) (Support, error) {
	actor, p, err := d.PrincipalOf(ctx, actorID, "")
	if errors.Is(err, ErrUserDisabled) || errors.Is(err, ErrNotFound) {
		return Support{}, refuse(RefusedActorInactive)
	}
	if err != nil {
		return Support{}, err
	}
	if (p.Tenant.Level != LevelSystem && p.Tenant.Level != LevelProvider) ||
		!p.Permissions.Has(ResourceSupport, AccessRead) || !p.Permissions.Has(ResourceSupport, AccessChange) {
		return Support{}, refuse(RefusedNoPermission)
	}
	t, err := d.store.TenantByID(ctx, tenantID)
	if errors.Is(err, ErrNotFound) {
		return Support{}, refuse(RefusedNotBelow)
	}
	if err != nil {
		return Support{}, err
	}
	if t.ID == p.Tenant.ID || !slices.Contains(t.Path, p.Tenant.ID) {
		return Support{}, refuse(RefusedNotBelow)
	}
	pol, err := d.EffectiveSupport(ctx, t)
	if err != nil {
		return Support{}, err
	}
	return Support{Actor: actor, ActorTenant: p.Tenant, Tenant: t, Policy: pol}, nil
}

// supportTarget checks the target's side for s.
func (d *Directory) supportTarget(ctx context.Context, s Support, u User, now time.Time) (Support, error) {
	switch {
	case u.TenantID != s.Tenant.ID, u.Deleted(): // a deleted user no longer exists for support
		return Support{}, refuse(RefusedUnknownUser)
	case u.Disabled:
		return Support{}, refuse(RefusedUserDisabled)
	case u.PasswordHash == "":
		return Support{}, refuse(RefusedUserPending)
	}
	s.Target = u
	if s.Policy.Mode != SupportByConsent {
		return s, nil
	}
	for _, who := range []string{u.ID, ""} {
		c, err := d.store.SupportConsentOf(ctx, s.Tenant.ID, who)
		if errors.Is(err, ErrNotFound) {
			continue
		}
		if err != nil {
			return Support{}, err
		}
		if c.Live(now) {
			s.ByConsent = true
			return s, nil
		}
	}
	return Support{}, refuse(RefusedNoConsent)
}

// ErrSupportSession refuses a change that a support session must not make:
// a consent, and (in the account page) the person's credentials. It is an
// ErrForbidden: errors.Is(ErrSupportSession, ErrForbidden) holds, so that
// a caller that need not tell the two apart tests for ErrForbidden alone.
var ErrSupportSession error = supportSessionError{}

type supportSessionError struct{}

func (supportSessionError) Error() string        { return "not allowed while support acts as the user" }
func (supportSessionError) Is(target error) bool { return target == ErrForbidden }

// SupportCaller is who asks to change a consent: the user of the session,
// and the support user acting as it, if one is.
type SupportCaller struct {
	UserID  string
	ActorID string
}

// EnableSupport opens a consent window from now in the caller's home
// tenant, for the caller's own account (forTenant false) or, for a tenant
// administrator, for the whole tenant (forTenant true). A window already open is
// replaced by the new one. A support session may not consent for the
// person it acts as.
func (d *Directory) EnableSupport(ctx context.Context, by SupportCaller, forTenant bool, now time.Time) (SupportConsent, error) {
	u, t, err := d.consentScope(ctx, by, forTenant)
	if err != nil {
		return SupportConsent{}, err
	}
	pol, err := d.EffectiveSupport(ctx, t)
	if err != nil {
		return SupportConsent{}, err
	}
	c := SupportConsent{TenantID: t.ID, GrantedBy: u.ID, GrantedAt: now.UTC(), ExpiresAt: now.UTC().Add(pol.ConsentWindow)}
	if !forTenant {
		c.UserID = u.ID
	}
	if err := d.store.PutSupportConsent(ctx, c); err != nil {
		return SupportConsent{}, err
	}
	return c, nil
}

// DisableSupport closes the caller's own consent (forTenant false) or, for
// a tenant administrator, the tenant's (forTenant true). It reports
// whether a consent was open.
func (d *Directory) DisableSupport(ctx context.Context, by SupportCaller, forTenant bool, now time.Time) (bool, error) {
	u, t, err := d.consentScope(ctx, by, forTenant)
	if err != nil {
		return false, err
	}
	who := u.ID
	if forTenant {
		who = ""
	}
	c, err := d.store.SupportConsentOf(ctx, t.ID, who)
	if errors.Is(err, ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if err := d.store.DeleteSupportConsent(ctx, t.ID, who); err != nil && !errors.Is(err, ErrNotFound) {
		return false, err
	}
	return c.Live(now), nil
}

// SupportConsents returns the consents of the caller's home tenant that
// concern the caller: its own and the tenant's (either may be absent:
// the zero SupportConsent), and the tenant's effective policy.
func (d *Directory) SupportConsents(ctx context.Context, userID string) (own, tenant SupportConsent, pol EffectiveSupportPolicy, err error) {
	u, err := d.store.UserByID(ctx, userID)
	if err != nil {
		return own, tenant, pol, err
	}
	t, err := d.store.TenantByID(ctx, u.TenantID)
	if err != nil {
		return own, tenant, pol, err
	}
	if pol, err = d.EffectiveSupport(ctx, t); err != nil {
		return own, tenant, pol, err
	}
	if own, err = d.store.SupportConsentOf(ctx, t.ID, u.ID); err != nil && !errors.Is(err, ErrNotFound) {
		return own, tenant, pol, err
	}
	if tenant, err = d.store.SupportConsentOf(ctx, t.ID, ""); err != nil && !errors.Is(err, ErrNotFound) {
		return own, tenant, pol, err
	}
	return own, tenant, pol, nil
}

// consentScope checks who may change which consent: anyone its own, a
// tenant administrator its home tenant's; a support session neither.
func (d *Directory) consentScope(ctx context.Context, by SupportCaller, forTenant bool) (User, Tenant, error) {
	if by.ActorID != "" {
		return User{}, Tenant{}, ErrSupportSession
	}
	u, p, err := d.PrincipalOf(ctx, by.UserID, "")
	if err != nil {
		return User{}, Tenant{}, err
	}
	if forTenant && !p.IsAdmin() {
		return User{}, Tenant{}, fmt.Errorf("consent for tenant %s: %w: only a tenant administrator may", p.Tenant.Slug, ErrForbidden)
	}
	return u, p.Tenant, nil
}
