package provider

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"slices"

	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"

	"github.com/gatehouse-id/gatehouse/directory"
	"github.com/gatehouse-id/gatehouse/grants"
)

// newRefreshToken makes a refresh token for g in family (a new family if
// empty): 256 random bits for the client, a hashed record for the store.
func (s *Server) newRefreshToken(g grant, family string) (string, grants.RefreshToken) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	token := base64.RawURLEncoding.EncodeToString(b)
	if family == "" {
		family = newTokenID()
	}
	lifetime := s.store.cfg.RefreshTokenLifetime
	if g.client.RefreshTokenLifetime > 0 {
		lifetime = g.client.RefreshTokenLifetime
	}
	now := s.store.cfg.Now().UTC()
	rt := grants.RefreshToken{
		ID: newTokenID(), Hash: hashToken(token), FamilyID: family, ClientID: g.client.ID,
		Subject: g.subject, TenantID: g.tenantID, SessionID: g.sessionID, Scopes: g.scopes,
		Audience: []string{g.client.ID}, AMR: g.amr, ACR: g.acr, AuthTime: g.authTime,
		CreatedAt: now, ExpiresAt: now.Add(lifetime),
	}
	if g.support != nil {
		// A support family ends with its session, rotation or not.
		rt.ActorID, rt.SupportReason = g.support.access.Actor.ID, g.support.reason
		rt.ExpiresAt = capped(rt.ExpiresAt, g.support.until.UTC())
	}
	return token, rt
}

// RefreshToken exchanges a refresh token for new tokens and a new refresh
// token (rotation). A refresh token that was already exchanged once revokes
// its whole family: whoever holds a copy, attacker or client, is cut off
// (RFC 9700 §4.14.2). A refresh may narrow the scopes, never widen them.
func (s *Server) RefreshToken(ctx context.Context, r *op.ClientRequest[oidc.RefreshTokenRequest]) (*op.Response, error) {
	c := r.Client.(*client).c
	hash := hashToken(r.Data.RefreshToken)
	old, err := s.store.grants.RefreshTokenByHash(ctx, hash)
	if errors.Is(err, grants.ErrNotFound) {
		return nil, oidc.ErrInvalidGrant().WithDescription("the refresh token is invalid")
	}
	if err != nil {
		return nil, s.serverError(ctx, "load refresh token", err)
	}
	if old.ClientID != c.ID {
		s.store.log.WarnContext(ctx, "refresh token presented by another client", "client_id", c.ID)
		return nil, oidc.ErrInvalidGrant().WithDescription("the refresh token is invalid")
	}
	// A token that cannot be rotated issues nothing: it is answered as
	// RotateRefreshToken would answer it, before anything is decided or
	// audited for it (a support family records every token issued). The
	// rotation still catches a reuse that races this one.
	switch now := s.store.cfg.Now(); {
	case !old.UsedAt.IsZero():
		if err := s.store.grants.RevokeRefreshFamily(ctx, old.FamilyID, now.UTC()); err != nil {
			return nil, s.serverError(ctx, "revoke reused refresh token's family", err)
		}
		return nil, s.refreshReused(ctx, c.ID, old)
	case !old.RevokedAt.IsZero() || !now.Before(old.ExpiresAt):
		return nil, errRefreshDead()
	}
	scopes := old.Scopes
	if len(r.Data.Scopes) > 0 {
		for _, sc := range r.Data.Scopes {
			if !slices.Contains(old.Scopes, sc) {
				return nil, oidc.ErrInvalidScope().WithDescription("scope %q was not granted to this refresh token", sc)
			}
		}
		// A client's default scopes are granted on every request, a
		// narrowed refresh included (those the grant holds).
		scopes = withDefaultScopes(r.Data.Scopes, slices.DeleteFunc(slices.Clone(c.DefaultScopes),
			func(sc string) bool { return !slices.Contains(old.Scopes, sc) }))
	}
	// The user must still be allowed in: a disabled or deleted user's
	// refresh fails and takes the family with it.
	person, u, p, err := s.subject(ctx, old.Subject, old.TenantID, old.AuthTime, &c)
	if errors.Is(err, directory.ErrUserDisabled) || errors.Is(err, directory.ErrNotFound) {
		_ = s.store.grants.RevokeRefreshFamily(ctx, old.FamilyID, s.store.cfg.Now().UTC())
		return nil, oidc.ErrInvalidGrant().WithDescription("the user can no longer sign in")
	}
	if err != nil {
		return nil, s.serverError(ctx, "load user", err)
	}
	g := grant{
		client: &c, subject: old.Subject, scopes: old.Scopes, authTime: old.AuthTime, amr: old.AMR,
		acr: old.ACR, sessionID: old.SessionID, tenantID: old.TenantID, person: &person,
	}
	if old.ActorID == "" && u.MustChangePassword {
		// The person must choose a new password first (a support user
		// hers: recheckSupport): the family ends, and the login that
		// asks for the password starts a new one.
		_ = s.store.grants.RevokeRefreshFamily(ctx, old.FamilyID, s.store.cfg.Now().UTC())
		return nil, errNewPassword()
	}
	switch {
	case old.ActorID != "":
		// A support family: support must still be allowed (TOTP included,
		// of either person), and nothing in it outlives the support
		// session, which began at AuthTime. A refusal ends the family.
		if g.support, err = s.recheckSupport(ctx, g, old.ActorID, old.SupportReason, u, p, "refresh_token"); err != nil {
			if errors.Is(err, oidc.ErrInvalidGrant()) {
				_ = s.store.grants.RevokeRefreshFamily(ctx, old.FamilyID, s.store.cfg.Now().UTC())
			}
			return nil, err
		}
		// Recorded before the rotation: once rotated, the old token is
		// spent, and a failure to audit after it would leave the client
		// unable to retry without looking like a reuse.
		if err := s.auditSupportToken(ctx, actionSupportToken, g, "refresh_token"); err != nil {
			return nil, s.serverError(ctx, "audit support token", err)
		}
	case !slices.Contains(old.AMR, "mfa"):
		// TOTP became required since this grant began (a tenant policy,
		// a role): a password-only grant must sign in again.
		dec, err := s.store.dir.DecideMFAOf(ctx, u, p, false)
		if err != nil {
			return nil, s.serverError(ctx, "decide TOTP policy", err)
		}
		if dec.Required {
			return nil, oidc.ErrInvalidGrant().WithDescription("two-factor authentication is now required: sign in again")
		}
	}
	token, next := s.newRefreshToken(g, old.FamilyID)
	switch err := s.store.grants.RotateRefreshToken(ctx, hash, next, s.store.cfg.Now().UTC()); {
	case errors.Is(err, grants.ErrReused):
		return nil, s.refreshReused(ctx, c.ID, old)
	case errors.Is(err, grants.ErrNotFound):
		return nil, errRefreshDead()
	case err != nil:
		return nil, s.serverError(ctx, "rotate refresh token", err)
	}
	g.scopes = scopes
	ts, err := s.mint(g)
	if err != nil {
		return nil, s.serverError(ctx, "mint tokens", err)
	}
	s.store.log.InfoContext(ctx, "tokens issued", "grant_type", "refresh_token", "client_id", c.ID, "user_id", old.Subject, "sid", old.SessionID)
	s.store.issued("refresh_token", c.ID)
	return op.NewResponse(tokenResponse(ts, token, scopes, s.store.cfg.Now())), nil
}

// refreshReused answers a refresh token that was already used once, whose
// family has been revoked (RFC 9700 §4.14.2).
func (s *Server) refreshReused(ctx context.Context, clientID string, old grants.RefreshToken) error {
	s.store.log.WarnContext(ctx, "refresh token reused; its family is revoked", "client_id", clientID, "user_id", old.Subject, "family", old.FamilyID)
	return oidc.ErrInvalidGrant().WithDescription("the refresh token was already used")
}

// errRefreshDead answers a refresh token that is revoked or expired.
func errRefreshDead() error {
	return oidc.ErrInvalidGrant().WithDescription("the refresh token is invalid or expired")
}

// errNewPassword refuses a grant of a person who must choose a new
// password (an administrator's "change at next login") before any token.
func errNewPassword() error {
	return oidc.ErrInvalidGrant().WithDescription("a new password must be chosen: sign in again")
}
