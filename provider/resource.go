package provider

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"time"

	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"

	"github.com/gatehouse-id/gatehouse/claims"
	"github.com/gatehouse-id/gatehouse/directory"
	"github.com/gatehouse-id/gatehouse/grants"
)

// invalidToken is the RFC 6750 §3.1 answer to a missing, expired, revoked
// or foreign access token; the middleware adds WWW-Authenticate.
func invalidToken() error {
	return op.NewStatusError(&oidc.Error{ErrorType: "invalid_token", Description: "the access token is invalid, expired or revoked"}, http.StatusUnauthorized)
}

// UserInfo answers with the claims the access token's scopes release, read
// from the directory now: a renamed user shows the new name at once, a
// disabled user gets nothing.
func (s *Server) UserInfo(ctx context.Context, r *op.Request[oidc.UserInfoRequest]) (*op.Response, error) {
	at, err := s.verifyAccessToken(ctx, r.Data.AccessToken)
	if errors.Is(err, errInvalidToken) {
		return nil, invalidToken()
	}
	if err != nil {
		return nil, s.serverError(ctx, "verify access token", err)
	}
	scopes := at.Scopes()
	if !slices.Contains(scopes, oidc.ScopeOpenID) {
		return nil, op.NewStatusError(&oidc.Error{ErrorType: "insufficient_scope", Description: "userinfo needs an access token with the openid scope"}, http.StatusForbidden)
	}
	tenantID := ""
	if at.Tenant != nil {
		tenantID = at.Tenant.ID
	}
	c, err := s.store.dir.Store().ClientByID(ctx, at.ClientID)
	if errors.Is(err, directory.ErrNotFound) {
		return nil, invalidToken()
	}
	if err != nil {
		return nil, s.serverError(ctx, "load client", err)
	}
	subj, _, _, err := s.subject(ctx, at.Subject, tenantID, authTimeOf(at), &c)
	if errors.Is(err, directory.ErrNotFound) || errors.Is(err, directory.ErrUserDisabled) {
		return nil, invalidToken()
	}
	if err != nil {
		return nil, s.serverError(ctx, "load user", err)
	}
	if at.Act != nil {
		if _, err := s.store.dir.RecheckSupport(ctx, at.Act.Subject, at.Subject, s.store.cfg.Now()); directory.RefusalOf(err) != "" {
			return nil, invalidToken()
		} else if err != nil {
			return nil, s.serverError(ctx, "decide support access", err)
		}
	}
	subj.Actor = at.Act
	return op.NewResponse(claims.UserInfo{Subject: at.Subject, Profile: claims.ProfileFor(subj, scopes),
		Access: claims.AccessFor(subj, scopes)}), nil
}

// Introspect answers RFC 7662 for Gatehouse's access tokens and for refresh
// tokens of the calling client. Any confidential client may introspect
// access tokens (resource servers need to); a refresh token is only active
// to the client it was issued to. Anything else is {"active": false}.
func (s *Server) Introspect(ctx context.Context, r *op.Request[op.IntrospectionRequest]) (*op.Response, error) {
	caller, err := s.VerifyClient(ctx, &op.Request[op.ClientCredentials]{
		Method: r.Method, URL: r.URL, Header: r.Header, Form: r.Form, Data: r.Data.ClientCredentials,
	})
	if err != nil {
		return nil, err
	}
	inactive := op.NewResponse(claims.Introspection{Active: false})
	token := r.Data.Token
	at, err := s.verifyAccessToken(ctx, token)
	if err == nil {
		username := ""
		switch {
		case at.Act != nil:
			// Issued in a support session: active while support may
			// still act as the person, who the decision loads.
			access, err := s.store.dir.RecheckSupport(ctx, at.Act.Subject, at.Subject, s.store.cfg.Now())
			if directory.RefusalOf(err) != "" {
				return inactive, nil
			}
			if err != nil {
				return nil, s.serverError(ctx, "decide support access", err)
			}
			username = access.Target.Username
		case at.AuthTime != 0: // a person: tell the resource server who
			if u, err := s.store.dir.ActiveUser(ctx, at.Subject); err == nil && !u.Revoked(authTimeOf(at)) {
				username = u.Username
			} else {
				return inactive, nil
			}
		}
		return op.NewResponse(claims.Introspect(at, username)), nil
	}
	if !errors.Is(err, errInvalidToken) {
		return nil, s.serverError(ctx, "verify access token", err)
	}
	rt, err := s.store.grants.RefreshTokenByHash(ctx, hashToken(token))
	now := s.store.cfg.Now()
	if err != nil || rt.ClientID != caller.GetID() || !rt.UsedAt.IsZero() || !rt.RevokedAt.IsZero() || !now.Before(rt.ExpiresAt) {
		if err != nil && !errors.Is(err, grants.ErrNotFound) {
			return nil, s.serverError(ctx, "load refresh token", err)
		}
		return inactive, nil
	}
	out := claims.Introspection{
		Active: true, TokenType: "refresh_token", ClientID: rt.ClientID, Subject: rt.Subject,
		Scope: joinScopes(rt.Scopes), Expiry: rt.ExpiresAt.Unix(), IssuedAt: rt.CreatedAt.Unix(), Issuer: s.store.cfg.Issuer,
	}
	if rt.ActorID != "" { // a support family: say who acts, while support may
		access, err := s.store.dir.RecheckSupport(ctx, rt.ActorID, rt.Subject, now)
		if directory.RefusalOf(err) != "" {
			return inactive, nil
		}
		if err != nil {
			return nil, s.serverError(ctx, "decide support access", err)
		}
		out.Act = actorClaim(access)
	}
	return op.NewResponse(out), nil
}

// Revocation implements RFC 7009 for the calling client's own tokens. An
// access token is remembered as revoked until it expires; a refresh token
// revokes its whole family (the grant). Tokens that are unknown, expired or
// issued to another client are answered 200 and left alone (RFC 7009 §2.2),
// so revocation tells nobody whether a token exists.
func (s *Server) Revocation(ctx context.Context, r *op.ClientRequest[oidc.RevocationRequest]) (*op.Response, error) {
	clientID := r.Client.GetID()
	token := r.Data.Token
	at, err := s.verifyAccessToken(ctx, token)
	if err != nil && !errors.Is(err, errInvalidToken) {
		// Could not tell (Redis or the key store down): answering 200 would
		// tell the client its token is revoked when it is not.
		return nil, s.serverError(ctx, "verify access token for revocation", err)
	}
	if err == nil {
		if at.ClientID == clientID {
			if err := s.revokeJTI(ctx, at.JWTID, timeUnix(at.Expiry)); err != nil {
				return nil, s.serverError(ctx, "revoke access token", err)
			}
			s.store.log.InfoContext(ctx, "access token revoked", "client_id", clientID, "user_id", at.Subject)
		}
		return op.NewResponse(nil), nil
	}
	rt, err := s.store.grants.RefreshTokenByHash(ctx, hashToken(token))
	if err == nil && rt.ClientID == clientID {
		if err := s.store.grants.RevokeRefreshFamily(ctx, rt.FamilyID, s.store.cfg.Now().UTC()); err != nil {
			return nil, s.serverError(ctx, "revoke refresh token", err)
		}
		s.store.log.InfoContext(ctx, "refresh token revoked", "client_id", clientID, "user_id", rt.Subject, "family", rt.FamilyID)
	} else if err != nil && !errors.Is(err, grants.ErrNotFound) {
		return nil, s.serverError(ctx, "load refresh token", err)
	}
	return op.NewResponse(nil), nil
}

// authTimeOf is when the person of access token at signed in; zero for a
// machine's token, which has no sign-in.
func authTimeOf(at *claims.AccessToken) time.Time {
	if at.AuthTime == 0 {
		return time.Time{}
	}
	return time.Unix(at.AuthTime, 0)
}
