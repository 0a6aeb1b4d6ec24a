package provider

import (
	"context"
	"errors"
	"net/http"
	"slices"

	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"

	"github.com/gatehouse-id/gatehouse/claims"
	"github.com/gatehouse-id/gatehouse/directory"
	backend "github.com/gatehouse-id/gatehouse/storage"
)

// Server is Gatehouse's op.Server: the library's LegacyServer for authorize,
// end_session, discovery, JWKS and the callback, with Gatehouse's own client
// authentication, grants, userinfo, introspection and revocation.
type Server struct {
	*op.LegacyServer
	// store holds everything the overrides work with: the configuration,
	// the directory, refresh tokens, keys and the ephemeral store.
	store *storage
	// assertions authenticates private_key_jwt clients
	// (client_assertion.go).
	assertions *assertionVerifier
	// verified remembers the access tokens whose signatures this node has
	// checked (verified_tokens.go).
	verified verifiedTokens
	// machines remembers machine clients' access claims
	// (machine_access.go).
	machines machineAccesses
	// libraryOnly turns the direct client-credentials path off
	// (token_client_credentials_direct.go), for the test that compares it
	// with the library's.
	libraryOnly bool
}

// errUnsupportedGrant answers grants Gatehouse does not offer (yet).
func errUnsupportedGrant(g oidc.GrantType) error {
	return oidc.ErrUnsupportedGrantType().WithDescription("grant_type %q is not supported", g)
}

// invalidClient is 401, as RFC 6749 §5.2 requires when the client tried to
// authenticate; the middleware adds WWW-Authenticate.
func invalidClient(desc string) error {
	return op.NewStatusError(oidc.ErrInvalidClient().WithDescription("%s", desc), http.StatusUnauthorized)
}

// serverError logs the cause and hands the library an error whose text
// reveals nothing.
func (s *Server) serverError(ctx context.Context, msg string, err error) error {
	if errors.Is(err, backend.ErrUnavailable) {
		// A database or Redis outage: nothing was changed, and the client
		// may simply try again.
		s.store.log.WarnContext(ctx, msg, "err", err)
		return op.NewStatusError(oidc.ErrServerError().WithDescription("the server is temporarily unavailable; try again shortly"),
			http.StatusServiceUnavailable)
	}
	s.store.log.ErrorContext(ctx, msg, "err", err)
	return oidc.ErrServerError().WithDescription("the server could not complete the request")
}

// VerifyClient authenticates the client at the token, revocation and
// introspection endpoints. A client uses exactly the method it is registered
// with: a confidential client registered for client_secret_basic that sends
// its secret in the body is refused, and so is a public client sending a
// secret, or a private_key_jwt client sending one (client assertions:
// client_assertion.go).
func (s *Server) VerifyClient(ctx context.Context, r *op.Request[op.ClientCredentials]) (op.Client, error) {
	cc := r.Data
	if cc.ClientAssertion != "" || cc.ClientAssertionType != "" {
		c, err := s.verifyClientAssertion(ctx, r)
		if err != nil {
			return nil, err
		}
		return s.opClient(c), nil
	}
	c, err := s.store.dir.Store().ClientByID(ctx, cc.ClientID)
	if errors.Is(err, directory.ErrNotFound) {
		return nil, invalidClient("client authentication failed")
	}
	if err != nil {
		return nil, s.serverError(ctx, "load client", err)
	}
	used := directory.AuthNone
	if basicScheme(r.Header.Get("Authorization")) {
		used = directory.AuthSecretBasic
	} else if r.Form.Has("client_secret") {
		used = directory.AuthSecretPost
	}
	if used != c.AuthMethod {
		return nil, invalidClient("this client must authenticate with " + string(c.AuthMethod))
	}
	if c.AuthMethod != directory.AuthNone {
		if err := s.store.dir.CheckClientSecret(&c, cc.ClientSecret); err != nil {
			s.store.log.WarnContext(ctx, "client authentication failed", "client_id", c.ID)
			return nil, invalidClient("client authentication failed")
		}
	}
	return s.opClient(c), nil
}

func (s *Server) opClient(c directory.Client) *client { return s.store.opClient(c) }

// JWTProfile (RFC 7523 jwt-bearer grant) is not offered.
func (s *Server) JWTProfile(context.Context, *op.Request[oidc.JWTProfileGrantRequest]) (*op.Response, error) {
	return nil, errUnsupportedGrant(oidc.GrantTypeBearer)
}

// Discovery advertises what Gatehouse supports, not the library's defaults
// (which list the implicit flow, jwt-bearer and private_key_jwt).
func (s *Server) Discovery(ctx context.Context, r *op.Request[struct{}]) (*op.Response, error) {
	resp, err := s.LegacyServer.Discovery(ctx, r)
	if err != nil {
		return nil, err
	}
	d, ok := resp.Data.(*oidc.DiscoveryConfiguration)
	if !ok {
		return nil, s.serverError(ctx, "discovery", errors.New("unexpected discovery type"))
	}
	var algs []string
	for _, a := range s.store.keys.PublishedAlgorithms() {
		algs = append(algs, string(a))
	}
	authMethods := []oidc.AuthMethod{oidc.AuthMethodBasic, oidc.AuthMethodPost}
	d.ResponseTypesSupported = []string{string(oidc.ResponseTypeCode)}
	d.ResponseModesSupported = []string{string(oidc.ResponseModeQuery), string(oidc.ResponseModeFormPost)}
	d.GrantTypesSupported = []oidc.GrantType{oidc.GrantTypeCode, oidc.GrantTypeRefreshToken, oidc.GrantTypeClientCredentials,
		oidc.GrantTypeTokenExchange, oidc.GrantTypeDeviceCode}
	d.TokenEndpointAuthMethodsSupported = append(slices.Clone(authMethods), oidc.AuthMethodNone)
	d.TokenEndpointAuthSigningAlgValuesSupported = nil
	d.RevocationEndpointAuthMethodsSupported = append(slices.Clone(authMethods), oidc.AuthMethodNone)
	d.RevocationEndpointAuthSigningAlgValuesSupported = nil
	d.IntrospectionEndpointAuthMethodsSupported = authMethods
	d.IntrospectionEndpointAuthSigningAlgValuesSupported = nil
	d.CodeChallengeMethodsSupported = []oidc.CodeChallengeMethod{oidc.CodeChallengeMethodS256}
	d.IDTokenSigningAlgValuesSupported = algs
	d.RequestObjectSigningAlgValuesSupported = nil
	d.RequestParameterSupported = false
	d.RequestURIParameterSupported = false
	d.ScopesSupported = []string{oidc.ScopeOpenID, oidc.ScopeProfile, oidc.ScopeEmail, oidc.ScopeOfflineAccess,
		claims.ScopeTenant, claims.ScopeRoles, claims.ScopePermissions, claims.ScopeAdmin}
	d.ClaimsSupported = []string{
		"iss", "sub", "aud", "exp", "iat", "auth_time", "nonce", "acr", "amr", "azp", "sid", "at_hash",
		"name", "given_name", "family_name", "preferred_username", "locale", "updated_at",
		"email", "email_verified", "tenant", "tenant_role", "global_roles", "permissions", "service_roles",
		"groups", "roles", "act",
	}
	d.SubjectTypesSupported = []string{"public"}
	d.ACRValuesSupported = []string{ACRPassword, ACRMFA}
	d.DeviceAuthorizationEndpoint = s.store.cfg.Issuer + pathDeviceAuthorization
	advertiseClientAssertions(d)
	// OpenID Connect Back-Channel Logout 1.0 §2.1 (logout.go).
	d.BackChannelLogoutSupported = s.store.logout != nil
	d.BackChannelLogoutSessionSupported = s.store.logout != nil
	return resp, nil
}
