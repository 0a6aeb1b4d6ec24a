package provider

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"

	"github.com/gatehouse-id/gatehouse/directory"
)

// Token exchange (RFC 8693) for support tools: the same support access as
// a "jill$john" login, for a program. A confidential client registered
// for the token-exchange grant presents the support user's access token
// (issued to that same client) as subject_token and names the user to act
// as in requested_subject, as "tenant/username" ("tenant/" for an
// administrator, like "jill$"); reason gives the ticket reference where
// the policy asks for one. The answer is an access token for that user
// with act naming the support user, which lives no longer than a support
// session; no refresh token and no ID token. requested_subject follows
// Keycloak's impersonation parameter of the same name: RFC 8693 has no
// way to name a subject without a token of its own.
//
// Refusals: a token that is not a live Gatehouse access token of a person
// (forged, expired, revoked, a machine's, another client's) is
// invalid_request, as RFC 8693 §2.2.2 says; a token issued in a support
// session (act present) cannot start another impersonation; the support
// rules (directory.AuthorizeSupport) and the TOTP requirement answer
// invalid_grant. Every exchange is audited, and so is every refusal by
// the support rules but one about an unknown user (see recordRefusal for
// where).

// Parameters of the exchange beyond RFC 8693's.
const (
	paramRequestedSubject = "requested_subject"
	paramReason           = "reason"
)

// TokenExchange serves grant_type=urn:ietf:params:oauth:grant-type:token-exchange.
func (s *Server) TokenExchange(ctx context.Context, r *op.ClientRequest[oidc.TokenExchangeRequest]) (*op.Response, error) {
	c := r.Client.(*client).c
	req := r.Data
	switch {
	case !c.HasGrant(directory.GrantTokenExchange):
		return nil, oidc.ErrUnauthorizedClient().WithDescription("this client may not use token exchange")
	case req.ActorToken != "" || req.ActorTokenType != "":
		return nil, oidc.ErrInvalidRequest().WithDescription("actor_token is not used: send the support user's access token as subject_token and name the user in requested_subject")
	case req.SubjectTokenType != oidc.AccessTokenType:
		return nil, oidc.ErrInvalidRequest().WithDescription("subject_token_type must be %s", oidc.AccessTokenType)
	case req.RequestedTokenType != "" && req.RequestedTokenType != oidc.AccessTokenType:
		return nil, oidc.ErrInvalidRequest().WithDescription("requested_token_type must be %s", oidc.AccessTokenType)
	case len(req.Resource) > 0 || slices.ContainsFunc(req.Audience, func(a string) bool { return a != c.ID }):
		return nil, &oidc.Error{ErrorType: "invalid_target", Description: "tokens from token exchange are for the exchanging client only"}
	}
	tenantSlug, username, ok := strings.Cut(r.Form.Get(paramRequestedSubject), "/")
	if !ok || directory.ValidateSlug(directory.NormalizeSlug(tenantSlug)) != nil {
		return nil, oidc.ErrInvalidRequest().WithDescription("requested_subject must be tenant/username, or tenant/ for an administrator")
	}
	at, err := s.verifyAccessToken(ctx, req.SubjectToken)
	if errors.Is(err, errInvalidToken) {
		return nil, oidc.ErrInvalidRequest().WithDescription("subject_token is not a valid access token")
	}
	if err != nil {
		return nil, s.serverError(ctx, "verify subject token", err)
	}
	if at.ClientID != c.ID || at.AuthTime == 0 {
		return nil, oidc.ErrInvalidRequest().WithDescription("subject_token must be a person's access token issued to this client")
	}
	notAllowed := oidc.ErrInvalidGrant().WithDescription("support access to this user is not allowed")
	d := map[string]string{"client_id": c.ID}
	if at.Act != nil {
		// A token issued in a support session speaks for the supported
		// user; it must never start another impersonation. Recorded in
		// the tenant of that session, where its support user already acts.
		s.recordRefusal(ctx, actionSupportExchangeRefused, s.supportParties(ctx, at.Act.Subject, at.Subject), directory.RefusedFromSupport, d)
		return nil, notAllowed
	}
	now := s.store.cfg.Now()
	until := s.supportUntil(timeUnix(at.AuthTime))
	if !now.Before(until) {
		// Support is time-boxed from the support user's sign-in, as a
		// support session is: an old session's fresh token does not do.
		return nil, oidc.ErrInvalidGrant().WithDescription("the support user signed in too long ago for support access: sign in again")
	}
	tenant, err := s.store.dir.Store().TenantBySlug(ctx, directory.NormalizeSlug(tenantSlug))
	if errors.Is(err, directory.ErrNotFound) {
		return nil, notAllowed
	}
	if err != nil {
		return nil, s.serverError(ctx, "load tenant", err)
	}
	access, err := s.store.dir.AuthorizeSupport(ctx, at.Subject, tenant.ID, username, now)
	if refusal := directory.RefusalOf(err); refusal != "" {
		// A refusal about the caller itself was decided before anything
		// about the target was looked up, and recordRefusal keeps it out
		// of the tenant named; one about a user who does not exist names
		// nobody, and is not recorded (docs/support.md).
		if refusal != directory.RefusedUnknownUser {
			sup := s.supportParties(ctx, at.Subject, "")
			sup.Tenant = tenant
			if !refusal.ActorSide() && username != "" {
				if u, err := s.store.dir.UserIn(ctx, tenant.ID, username); err == nil {
					sup.Target = u
				}
			}
			s.recordRefusal(ctx, actionSupportExchangeRefused, sup, refusal, d)
		}
		return nil, notAllowed
	}
	if err != nil {
		return nil, s.serverError(ctx, "decide support access", err)
	}
	reason, err := access.CheckReason(r.Form.Get(paramReason))
	if directory.RefusalOf(err) != "" {
		s.recordRefusal(ctx, actionSupportExchangeRefused, access, directory.RefusedReasonRequired, d)
		return nil, oidc.ErrInvalidRequest().WithDescription("reason is required: give the ticket this support access is for")
	}
	if err != nil {
		return nil, oidc.ErrInvalidRequest().WithDescription("reason must be one line of at most %d printable characters", directory.MaxSupportReason)
	}
	person, target, p, err := s.subject(ctx, access.Target.ID, access.Tenant.ID, time.Time{}, &c)
	if err != nil {
		return nil, s.serverError(ctx, "load supported user", err)
	}
	if err := s.checkSupportMFA(ctx, at.AMR, target, p, access.Actor.ID); errors.Is(err, errSupportMFA) {
		s.recordRefusal(ctx, actionSupportExchangeRefused, access, directory.RefusedMFARequired, d)
		return nil, oidc.ErrInvalidGrant().WithDescription("support access to this user needs a sign-in with two-factor authentication")
	} else if err != nil {
		return nil, s.serverError(ctx, "decide TOTP policy", err)
	}
	scopes, err := exchangeScopes(req.Scopes, at.Scopes(), &c)
	if err != nil {
		return nil, err
	}
	g := grant{
		client: &c, subject: access.Target.ID, scopes: scopes, tenantID: access.Tenant.ID, person: &person,
		authTime: timeUnix(at.AuthTime), amr: at.AMR, acr: at.ACR, accessOnly: true,
		support: &supportGrant{access: access, reason: reason, until: until},
	}
	if err := s.auditSupportToken(ctx, actionSupportExchange, g, ""); err != nil {
		return nil, s.serverError(ctx, "audit token exchange", err)
	}
	ts, err := s.mint(g)
	if err != nil {
		return nil, s.serverError(ctx, "mint exchanged token", err)
	}
	s.store.log.InfoContext(ctx, "tokens issued", "grant_type", "token_exchange", "client_id", c.ID,
		"user_id", access.Target.ID, "actor_id", access.Actor.ID)
	s.store.issued("token_exchange", c.ID)
	return op.NewResponse(&oidc.TokenExchangeResponse{
		AccessToken: ts.accessToken, IssuedTokenType: oidc.AccessTokenType, TokenType: oidc.BearerToken,
		ExpiresIn: expiresIn(ts.expiresAt, s.store.cfg.Now()), Scopes: scopes,
	}), nil
}

// exchangeScopes are the scopes of an exchanged token: those asked for, or
// else those of the subject token; never offline_access, and only what
// the client may ask for.
func exchangeScopes(asked, had []string, c *directory.Client) ([]string, error) {
	scopes := asked
	if len(scopes) == 0 {
		scopes = slices.DeleteFunc(slices.Clone(had), func(sc string) bool { return sc == oidc.ScopeOfflineAccess })
	}
	scopes = withDefaultScopes(scopes, c.DefaultScopes)
	for _, sc := range scopes {
		if sc == oidc.ScopeOfflineAccess || !c.AllowsScope(sc) {
			return nil, oidc.ErrInvalidScope().WithDescription("scope %q is not available to this client", sc)
		}
	}
	return scopes, nil
}
