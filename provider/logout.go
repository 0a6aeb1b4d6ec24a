package provider

import (
	"context"
	"slices"

	"github.com/zitadel/oidc/v3/pkg/oidc"

	"github.com/gatehouse-id/gatehouse/logout"
)

// Back-channel logout (OpenID Connect Back-Channel Logout 1.0, package
// logout): the code exchange records which client gets an ID token in
// which session, and TerminateSessionFromRequest (storage.go) tells those
// clients when the session ends. The refresh grant issues ID tokens in a
// session the code exchange already recorded; client credentials and
// token exchange issue none, and write nothing.

// recordParticipation records that g's client gets an ID token in g's
// session, with the session's end: the support session's (g.support), or
// the ordinary session's absolute end (sessions last Lifetime from
// AuthTime, whatever single sign-on or a tenant switch does).
func (s *Server) recordParticipation(ctx context.Context, g grant) error {
	st := s.store
	if st.logout == nil || g.sessionID == "" || g.person == nil || !slices.Contains(g.scopes, oidc.ScopeOpenID) {
		return nil
	}
	end := g.authTime.Add(st.sessions.Lifetime())
	if g.support != nil {
		end = g.support.until
	}
	return st.logout.Record(ctx, logout.Participation{SessionID: g.sessionID, ClientID: g.client.ID, UserID: g.subject,
		TenantID: g.tenantID, Support: g.support != nil, CreatedAt: st.cfg.Now().UTC(), ExpiresAt: end.UTC()})
}
