package provider

import (
	"context"
	"errors"
	"fmt"
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
// No token outlives the support session: access and ID tokens expire with
// it at the latest, and a support refresh family keeps its first token's
// expiry through every rotation. Every token issued, and every refusal, is
// audited with the actor written "jill$john".

// supportGrant is the support access a grant is issued in.
type supportGrant struct {
	access directory.Support
	reason string
	// until is when the support session ends; no token outlives it.
	until time.Time
}

// actor is the act claim (RFC 8693 §4.1) naming the support user.
func (g *supportGrant) actor() *claims.Actor {
	a := g.access.Actor
	return &claims.Actor{Subject: a.ID, PreferredUsername: a.Username,
		Tenant: &claims.ActorTenant{ID: g.access.ActorTenant.ID, Slug: g.access.ActorTenant.Slug}}
}

// Audit actions of support access at the token endpoint.
const (
	actionSupportToken           = "support.token_issued"
	actionSupportTokenRefused    = "support.token_refused"
	actionSupportExchange        = "support.exchange"
	actionSupportExchangeRefused = "support.exchange_refused"
)

// supportUntil is when a support access that began at authTime (the
// support user's sign-in) ends: a support session's end, and the latest
// any token of it may live.
func (s *Server) supportUntil(authTime time.Time) time.Time {
	return authTime.Add(s.store.cfg.SupportLifetime)
}

// recheckSupport decides again whether actorID may act as targetID, for a
// grant of grantType by client c, with the support user authenticated as
// amr; until is the end of the support session. A refusal is audited and
// answered invalid_grant.
func (s *Server) recheckSupport(ctx context.Context, actorID, targetID, reason string, amr []string, until time.Time,
	c *directory.Client, grantType string) (*supportGrant, error) {
	now := s.store.cfg.Now()
	if !now.Before(until) {
		return nil, oidc.ErrInvalidGrant().WithDescription("the support session has ended")
	}
	d := map[string]string{"grant_type": grantType, "client_id": c.ID}
	access, err := s.store.dir.RecheckSupport(ctx, actorID, targetID, now)
	if refusal := directory.RefusalOf(err); refusal != "" {
		s.auditSupportRefusal(ctx, actionSupportTokenRefused, actorID, targetID, refusal, d)
		return nil, oidc.ErrInvalidGrant().WithDescription("support access to this user is no longer allowed")
	}
	if err != nil {
		return nil, s.serverError(ctx, "decide support access", err)
	}
	// TOTP may have become required (of either person) since the login.
	if err := s.checkSupportMFA(ctx, access, amr); errors.Is(err, errSupportMFA) {
		s.recordRefusal(ctx, actionSupportTokenRefused, actorID, access.Target, access.Tenant.ID, directory.RefusedMFARequired, d)
		return nil, oidc.ErrInvalidGrant().WithDescription("two-factor authentication is now required: sign in again")
	} else if err != nil {
		return nil, s.serverError(ctx, "decide TOTP policy", err)
	}
	return &supportGrant{access: access, reason: reason, until: until}, nil
}

// auditSupportToken records a token issued in a support session. The
// tokens are only handed out once it is recorded.
func (s *Server) auditSupportToken(ctx context.Context, action string, g grant, grantType string) error {
	sg := g.support
	d := map[string]string{"client_id": g.client.ID, "actor_tenant": sg.access.ActorTenant.Slug, "address": clientAddress(ctx)}
	if action == actionSupportToken {
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

// auditSupportRefusal records a refused support access at the token
// endpoint. It names what it can: the target's tenant is where the event
// belongs, so a refusal for a target that no longer exists is only logged.
func (s *Server) auditSupportRefusal(ctx context.Context, action, actorID, targetID string, refusal directory.SupportRefusal, d map[string]string) {
	target, err := s.store.dir.Store().UserByID(ctx, targetID)
	if err != nil {
		s.store.log.WarnContext(ctx, "support access refused", "refusal", string(refusal), "actor_id", actorID)
		return
	}
	s.recordRefusal(ctx, action, actorID, target, target.TenantID, refusal, d)
}

// recordRefusal records, in tenantID, a refusal of actorID acting as
// target (the zero User when there is none to name), with the refusal,
// the client address and the actor's home tenant added to d. A refusal
// changes nothing, so a failure to record it is logged and the refusal
// stands.
func (s *Server) recordRefusal(ctx context.Context, action, actorID string, target directory.User, tenantID string,
	refusal directory.SupportRefusal, d map[string]string) {
	name := ""
	if actor, err := s.store.dir.Store().UserByID(ctx, actorID); err == nil {
		name = actor.Username
		if t, err := s.store.dir.Store().TenantByID(ctx, actor.TenantID); err == nil {
			d["actor_tenant"] = t.Slug
		}
	}
	d["refusal"] = string(refusal)
	d["address"] = clientAddress(ctx)
	err := s.store.audit(ctx, audit.Event{
		Action: action, TenantID: tenantID, Actor: actorID, ActorName: directory.SupportName(name, target.Username),
		Target: target.ID, TargetName: target.Username, Details: d,
	})
	if err != nil {
		s.store.log.ErrorContext(ctx, "audit support refusal", "err", err)
	}
	s.store.log.WarnContext(ctx, "support access refused", "refusal", string(refusal), "actor_id", actorID, "user_id", target.ID)
}

// capped returns t, or until if that is earlier and set.
func capped(t, until time.Time) time.Time {
	if !until.IsZero() && until.Before(t) {
		return until
	}
	return t
}

// errSupportMFA: the support user's authentication does not meet the
// TOTP requirement of the user it would act as.
var errSupportMFA = errors.New("support access needs two-factor authentication")

// checkSupportMFA refuses a support access whose authentication (amr)
// lacks TOTP where the supported user's tenant or roles, or the support
// user's own, require it.
func (s *Server) checkSupportMFA(ctx context.Context, sup directory.Support, amr []string) error {
	for _, v := range amr {
		if v == "mfa" {
			return nil
		}
	}
	for _, who := range []directory.User{sup.Target, sup.Actor} {
		dec, err := s.store.dir.DecideMFAFor(ctx, who.ID, "", false)
		if err != nil {
			return err
		}
		if dec.Required {
			return errSupportMFA
		}
	}
	return nil
}
