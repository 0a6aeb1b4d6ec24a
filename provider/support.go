package provider

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/zitadel/oidc/v3/pkg/oidc"

	"github.com/gatehouse-id/gatehouse/audit"
	"github.com/gatehouse-id/gatehouse/claims"
	"github.com/gatehouse-id/gatehouse/directory"
)

// Support sessions at the token endpoint. A support session (seed 004's
// "jill$john") gives tokens whose sub is John and whose act names Jill. The
// provider decides again, at every token, whether Jill may still act as
// John (directory.RecheckSupport): a revoked consent, a lost permission or
// a disabled user ends the access at the next code exchange or refresh.
// No token outlives the support session, which ends SupportLifetime after
// Jill's sign-in: access and ID tokens expire then at the latest, and so
// does every refresh token of a support family, whatever its rotations.
// Every token issued, and every refusal, is audited with the actor written
// "jill$john".

// supportGrant is the support access a grant is issued in.
type supportGrant struct {
	access directory.Support
	reason string
	// until is when the support session ends; no token outlives it.
	until time.Time
}

// actorClaim is the act claim (RFC 8693 §4.1) naming the support user of
// access.
func actorClaim(access directory.Support) *claims.Actor {
	a := access.Actor
	return &claims.Actor{Subject: a.ID, PreferredUsername: a.Username,
		Tenant: &claims.ActorTenant{ID: access.ActorTenant.ID, Slug: access.ActorTenant.Slug}}
}

// Audit actions of support access at the token endpoint.
const (
	actionSupportToken           = "support.token_issued"
	actionSupportTokenRefused    = "support.token_refused"
	actionSupportExchange        = "support.exchange"
	actionSupportExchangeRefused = "support.exchange_refused"
)

// supportUntil is when a support access that began at authTime (the
// support user's sign-in, which is also when its support session began)
// ends: the session's end, and the latest any token of it may live.
func (s *Server) supportUntil(authTime time.Time) time.Time {
	return authTime.Add(s.store.cfg.SupportLifetime)
}

// recheckSupport decides again whether actorID may act as the person of g,
// who is target acting as p (as subject loaded them), for a grant of
// grantType; g's authTime is the support user's sign-in, and its amr how
// the support user authenticated. A refusal is audited and answered
// invalid_grant.
func (s *Server) recheckSupport(ctx context.Context, g grant, actorID, reason string, target directory.User, p directory.Principal,
	grantType string) (*supportGrant, error) {
	now := s.store.cfg.Now()
	until := s.supportUntil(g.authTime)
	if !now.Before(until) {
		return nil, oidc.ErrInvalidGrant().WithDescription("the support session has ended")
	}
	d := map[string]string{"grant_type": grantType, "client_id": g.client.ID}
	access, err := s.store.dir.RecheckSupport(ctx, actorID, target.ID, now)
	if refusal := directory.RefusalOf(err); refusal != "" {
		s.recordRefusal(ctx, actionSupportTokenRefused, s.supportParties(ctx, actorID, target.ID), refusal, d)
		return nil, oidc.ErrInvalidGrant().WithDescription("support access to this user is no longer allowed")
	}
	if err != nil {
		return nil, s.serverError(ctx, "decide support access", err)
	}
	if access.Actor.Revoked(g.authTime) {
		// The support user was deleted or disabled since signing in.
		return nil, oidc.ErrInvalidGrant().WithDescription("the support user's sessions were revoked: sign in again")
	}
	if access.Actor.MustChangePassword {
		return nil, errNewPassword()
	}
	// TOTP may have become required (of either person) since the login.
	if err := s.checkSupportMFA(ctx, g.amr, target, p, actorID); errors.Is(err, errSupportMFA) {
		s.recordRefusal(ctx, actionSupportTokenRefused, access, directory.RefusedMFARequired, d)
		return nil, oidc.ErrInvalidGrant().WithDescription("two-factor authentication is now required: sign in again")
	} else if err != nil {
		return nil, s.serverError(ctx, "decide TOTP policy", err)
	}
	return &supportGrant{access: access, reason: reason, until: until}, nil
}

// auditSupportToken records a token issued in a support session (grantType
// says how) or by token exchange (grantType ""). The tokens are only
// handed out once it is recorded.
func (s *Server) auditSupportToken(ctx context.Context, action string, g grant, grantType string) error {
	sg := g.support
	d := map[string]string{"client_id": g.client.ID, "actor_tenant": sg.access.ActorTenant.Slug, "address": clientAddress(ctx)}
	if grantType != "" {
		d["grant_type"] = grantType
	}
	if sg.reason != "" {
		d["reason"] = sg.reason
	}
	if g.sessionID != "" {
		d["session_id"] = g.sessionID
	}
	err := s.store.audit(ctx, audit.Event{
		Action: action, TenantID: sg.access.Tenant.ID,
		Actor: sg.access.Actor.ID, ActorName: sg.access.Name(),
		Target: sg.access.Target.ID, TargetName: sg.access.Target.Username, Details: d,
	})
	if err != nil {
		return fmt.Errorf("audit support token: %w", err)
	}
	return nil
}

// supportParties loads, for the record of a refusal, who a refused support
// access was about: the support user actorID in its home tenant, and the
// user targetID ("" for none) in its tenant. Whatever cannot be loaded is
// left zero (the actor keeps its id).
func (s *Server) supportParties(ctx context.Context, actorID, targetID string) directory.Support {
	st := s.store.dir.Store()
	sup := directory.Support{Actor: directory.User{ID: actorID}}
	if a, err := st.UserByID(ctx, actorID); err == nil {
		sup.Actor = a
		if t, err := st.TenantByID(ctx, a.TenantID); err == nil {
			sup.ActorTenant = t
		}
	}
	if targetID == "" {
		return sup
	}
	if u, err := st.UserByID(ctx, targetID); err == nil {
		sup.Target = u
		if t, err := st.TenantByID(ctx, u.TenantID); err == nil {
			sup.Tenant = t
		}
	}
	return sup
}

// recordRefusal records a refused support access: sup says what is known
// of it (the support user and its home tenant, the tenant tried and the
// user, if one is named), d the details of the request. A refusal about
// the target is recorded in the tenant tried; one about the support user
// itself (SupportRefusal.ActorSide) in the support user's home tenant,
// naming the tenant tried and nobody in it, as the login does: anyone who
// can sign in could otherwise write into any tenant's log. Where that
// tenant is unknown, the refusal is only logged. A refusal changes
// nothing, so a failure to record it is logged and the refusal stands.
func (s *Server) recordRefusal(ctx context.Context, action string, sup directory.Support, refusal directory.SupportRefusal, d map[string]string) {
	s.store.log.WarnContext(ctx, "support access refused", "refusal", string(refusal), "actor_id", sup.Actor.ID, "user_id", sup.Target.ID)
	d["refusal"] = string(refusal)
	d["address"] = clientAddress(ctx)
	if sup.ActorTenant.Slug != "" {
		d["actor_tenant"] = sup.ActorTenant.Slug
	}
	e := audit.Event{Action: action, TenantID: sup.Tenant.ID, Actor: sup.Actor.ID, ActorName: sup.Name(),
		Target: sup.Target.ID, TargetName: sup.Target.Username, Details: d}
	if refusal.ActorSide() {
		e.TenantID, e.ActorName, e.Target, e.TargetName = sup.ActorTenant.ID, directory.SupportName(sup.Actor.Username, ""), "", ""
		d["tenant"] = sup.Tenant.Slug
	}
	if e.TenantID == "" {
		return
	}
	if err := s.store.audit(ctx, e); err != nil {
		s.store.log.ErrorContext(ctx, "audit support refusal", "err", err)
	}
}

// capped returns t, or until if that is earlier and set.
func capped(t, until time.Time) time.Time {
	if !until.IsZero() && until.Before(t) {
		return until
	}
	return t
}

// errSupportMFA: the support user's authentication does not meet the
// TOTP requirement of the user it would act as, or its own.
var errSupportMFA = errors.New("support access needs two-factor authentication")

// checkSupportMFA refuses a support access whose authentication (amr)
// lacks TOTP where the supported user's tenant or roles (target acting as
// p, as subject loaded them), or the support user's own, require it.
func (s *Server) checkSupportMFA(ctx context.Context, amr []string, target directory.User, p directory.Principal, actorID string) error {
	if slices.Contains(amr, "mfa") {
		return nil
	}
	dec, err := s.store.dir.DecideMFAOf(ctx, target, p, false)
	if err == nil && !dec.Required {
		dec, err = s.store.dir.DecideMFAFor(ctx, actorID, "", false)
	}
	if err != nil {
		return err
	}
	if dec.Required {
		return errSupportMFA
	}
	return nil
}
