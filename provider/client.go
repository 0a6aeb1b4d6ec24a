package provider

import (
	"net/url"
	"time"

	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"

	"github.com/gatehouse-id/gatehouse/directory"
)

// client adapts a directory.Client to op.Client.
type client struct {
	c         directory.Client
	loginPath string // absolute URL of the login page
	idTTL     time.Duration
}

var _ op.Client = (*client)(nil)

func (c *client) GetID() string                    { return c.c.ID }
func (c *client) RedirectURIs() []string           { return c.c.RedirectURIs }
func (c *client) PostLogoutRedirectURIs() []string { return c.c.PostLogoutRedirectURIs }

// ApplicationType maps public clients to the library's "native" type, the
// one that accepts loopback http and private-use scheme redirect URIs (RFC
// 8252 §7), which registration already limits to those; "user agent" would
// refuse a single-page portal on http://localhost during development.
func (c *client) ApplicationType() op.ApplicationType {
	if c.c.Type == directory.ClientPublic {
		return op.ApplicationTypeNative
	}
	return op.ApplicationTypeWeb
}

func (c *client) AuthMethod() oidc.AuthMethod { return oidc.AuthMethod(c.c.AuthMethod) }

// ResponseTypes is code only: no implicit or hybrid flow (OAuth 2.0 Security
// BCP, RFC 9700 §2.1.2).
func (c *client) ResponseTypes() []oidc.ResponseType {
	if c.c.HasGrant(directory.GrantAuthorizationCode) {
		return []oidc.ResponseType{oidc.ResponseTypeCode}
	}
	return nil
}

func (c *client) GrantTypes() []oidc.GrantType {
	out := make([]oidc.GrantType, 0, len(c.c.GrantTypes))
	for _, g := range c.c.GrantTypes {
		out = append(out, oidc.GrantType(g))
	}
	return out
}

func (c *client) LoginURL(id string) string {
	return c.loginPath + "?authRequestID=" + url.QueryEscape(id)
}

// AccessTokenType is always JWT: tokens that portals verify offline.
func (c *client) AccessTokenType() op.AccessTokenType { return op.AccessTokenTypeJWT }

func (c *client) IDTokenLifetime() time.Duration {
	if c.c.IDTokenLifetime > 0 {
		return c.c.IDTokenLifetime
	}
	return c.idTTL
}

// DevMode is off: redirect URIs match exactly, always.
func (c *client) DevMode() bool { return false }

func (c *client) RestrictAdditionalIdTokenScopes() func([]string) []string {
	return func(s []string) []string { return s }
}

func (c *client) RestrictAdditionalAccessTokenScopes() func([]string) []string {
	return func(s []string) []string { return s }
}

func (c *client) IsScopeAllowed(scope string) bool { return c.c.AllowsScope(scope) }

func (c *client) IDTokenUserinfoClaimsAssertion() bool { return true }

// ClockSkew is zero: the library would shift iat and auth_time by it.
func (c *client) ClockSkew() time.Duration { return 0 }
