package provider

import (
	"context"

	"github.com/gatehouse-id/gatehouse/directory"

	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"
)

// ClientCredentialsExchange issues a machine client its access token (RFC
// 6749 §4.4). This is the hot path of device fleets: the client was
// authenticated with a keyed hash; its tenant and roles are read, and mint
// signs; nothing is written. Without a scope parameter the client gets
// every scope it is registered for (RFC 6749 §3.3 lets the server pick a
// default).
func (s *Server) ClientCredentialsExchange(ctx context.Context, r *op.ClientRequest[oidc.ClientCredentialsRequest]) (*op.Response, error) {
	resp, err := s.clientCredentials(ctx, r.Client.(*client).c, r.Data.Scope)
	if err != nil {
		return nil, err
	}
	return op.NewResponse(resp), nil
}

// clientCredentials issues c, an authenticated client registered for the
// grant, its token for the requested scopes: the one body of the grant,
// behind the library's token endpoint and the direct path
// (token_client_credentials_direct.go) alike.
func (s *Server) clientCredentials(ctx context.Context, c directory.Client, requested []string) (*oidc.AccessTokenResponse, error) {
	scopes := requested
	if len(scopes) == 0 {
		scopes = c.Scopes
	}
	scopes = withDefaultScopes(scopes, c.DefaultScopes)
	for _, sc := range scopes {
		if sc == oidc.ScopeOpenID || sc == oidc.ScopeOfflineAccess || !c.AllowsScope(sc) {
			return nil, oidc.ErrInvalidScope().WithDescription("scope %q is not available to this client", sc)
		}
	}
	g := grant{client: &c, subject: c.ID, scopes: scopes, tenantID: c.TenantID}
	if c.TenantID != "" {
		m, err := s.machineAccess(ctx, &c, scopes)
		if err != nil {
			return nil, s.serverError(ctx, "load machine client", err)
		}
		g.machine = &m
	}
	ts, err := s.mint(g)
	if err != nil {
		return nil, s.serverError(ctx, "mint client credentials token", err)
	}
	s.store.issued("client_credentials", c.ID)
	return tokenResponse(ts, "", scopes, s.store.cfg.Now()), nil
}
