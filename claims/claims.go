package claims

import (
	"slices"
	"strings"
	"time"
)

// Scopes Gatehouse understands beyond OpenID Connect's openid, profile, email
// and offline_access.
const (
	// ScopeTenant releases the tenant the session acts in and the user's
	// tenant role there.
	ScopeTenant = "tenant"
)

// Standard OpenID Connect scopes (OIDC Core §5.4).
const (
	ScopeOpenID        = "openid"
	ScopeProfile       = "profile"
	ScopeEmail         = "email"
	ScopeOfflineAccess = "offline_access"
)

// Tenant is the "tenant" claim: where in the System > Provider > Customer >
// Sub-Customer tree the session acts. Path holds the ids from the root down
// to this tenant, so a portal can tell whether a resource's tenant lies in
// the user's subtree without calling back.
type Tenant struct {
	ID    string   `json:"id"`
	Slug  string   `json:"slug"`
	Name  string   `json:"name"`
	Level string   `json:"level"`
	Path  []string `json:"path"`
}

// Subject is what Gatehouse knows about a person (or a machine client) that
// tokens may tell.
type Subject struct {
	ID            string
	Username      string
	Email         string
	EmailVerified bool
	GivenName     string
	FamilyName    string
	Name          string
	Locale        string
	UpdatedAt     time.Time
	Tenant        *Tenant
	TenantRole    string
}

// Profile holds the claims released by the profile, email and tenant
// scopes. It is embedded in IDToken and UserInfo.
type Profile struct {
	Name              string  `json:"name,omitempty"`
	GivenName         string  `json:"given_name,omitempty"`
	FamilyName        string  `json:"family_name,omitempty"`
	PreferredUsername string  `json:"preferred_username,omitempty"`
	Locale            string  `json:"locale,omitempty"`
	UpdatedAt         int64   `json:"updated_at,omitempty"`
	Email             string  `json:"email,omitempty"`
	EmailVerified     *bool   `json:"email_verified,omitempty"`
	Tenant            *Tenant `json:"tenant,omitempty"`
	TenantRole        string  `json:"tenant_role,omitempty"`
}

// ProfileFor returns the claims of s that scopes release.
func ProfileFor(s Subject, scopes []string) Profile {
	var p Profile
	if slices.Contains(scopes, ScopeProfile) {
		p.Name, p.GivenName, p.FamilyName = s.Name, s.GivenName, s.FamilyName
		p.PreferredUsername, p.Locale = s.Username, s.Locale
		if !s.UpdatedAt.IsZero() {
			p.UpdatedAt = s.UpdatedAt.Unix()
		}
	}
	if slices.Contains(scopes, ScopeEmail) && s.Email != "" {
		v := s.EmailVerified
		p.Email, p.EmailVerified = s.Email, &v
	}
	if slices.Contains(scopes, ScopeTenant) {
		p.Tenant, p.TenantRole = s.Tenant, s.TenantRole
	}
	return p
}

// AccessToken is the payload of a Gatehouse JWT access token, following
// RFC 9068 §2.2: iss, exp, aud, sub, client_id, iat and jti always; scope,
// auth_time, acr and amr when a person authenticated. Its JOSE header has
// typ "at+jwt".
type AccessToken struct {
	Issuer    string   `json:"iss"`
	Subject   string   `json:"sub"`
	Audience  []string `json:"aud"`
	Expiry    int64    `json:"exp"`
	IssuedAt  int64    `json:"iat"`
	JWTID     string   `json:"jti"`
	ClientID  string   `json:"client_id"`
	Scope     string   `json:"scope,omitempty"`
	AuthTime  int64    `json:"auth_time,omitempty"`
	ACR       string   `json:"acr,omitempty"`
	AMR       []string `json:"amr,omitempty"`
	SessionID string   `json:"sid,omitempty"`
	// Tenant and TenantRole are present when the tenant scope was granted
	// (for a machine client: the tenant it is assigned to).
	Tenant     *Tenant `json:"tenant,omitempty"`
	TenantRole string  `json:"tenant_role,omitempty"`
}

// Scopes splits the token's scope claim.
func (t *AccessToken) Scopes() []string { return strings.Fields(t.Scope) }

// IDToken is the payload of an OpenID Connect ID token (OIDC Core §2).
type IDToken struct {
	Issuer    string   `json:"iss"`
	Subject   string   `json:"sub"`
	Audience  []string `json:"aud"`
	Expiry    int64    `json:"exp"`
	IssuedAt  int64    `json:"iat"`
	AuthTime  int64    `json:"auth_time,omitempty"`
	Nonce     string   `json:"nonce,omitempty"`
	ACR       string   `json:"acr,omitempty"`
	AMR       []string `json:"amr,omitempty"`
	AZP       string   `json:"azp,omitempty"`
	SessionID string   `json:"sid,omitempty"`
	// AccessTokenHash is at_hash (OIDC Core §3.1.3.6): the left half of the
	// SHA-256 of the access token, base64url.
	AccessTokenHash string `json:"at_hash,omitempty"`
	Profile
}

// UserInfo is the userinfo response (OIDC Core §5.3.2).
type UserInfo struct {
	Subject string `json:"sub"`
	Profile
}

// Introspection is the introspection response (RFC 7662 §2.2) for an active
// token; an inactive token is answered with {"active": false} only.
type Introspection struct {
	Active     bool     `json:"active"`
	Scope      string   `json:"scope,omitempty"`
	ClientID   string   `json:"client_id,omitempty"`
	Username   string   `json:"username,omitempty"`
	TokenType  string   `json:"token_type,omitempty"`
	Expiry     int64    `json:"exp,omitempty"`
	IssuedAt   int64    `json:"iat,omitempty"`
	Subject    string   `json:"sub,omitempty"`
	Audience   []string `json:"aud,omitempty"`
	Issuer     string   `json:"iss,omitempty"`
	JWTID      string   `json:"jti,omitempty"`
	AuthTime   int64    `json:"auth_time,omitempty"`
	ACR        string   `json:"acr,omitempty"`
	AMR        []string `json:"amr,omitempty"`
	SessionID  string   `json:"sid,omitempty"`
	Tenant     *Tenant  `json:"tenant,omitempty"`
	TenantRole string   `json:"tenant_role,omitempty"`
}

// Introspect returns the introspection response for a live access token.
func Introspect(at *AccessToken, username string) Introspection {
	return Introspection{
		Active: true, Scope: at.Scope, ClientID: at.ClientID, Username: username, TokenType: "Bearer",
		Expiry: at.Expiry, IssuedAt: at.IssuedAt, Subject: at.Subject, Audience: at.Audience,
		Issuer: at.Issuer, JWTID: at.JWTID, AuthTime: at.AuthTime, ACR: at.ACR, AMR: at.AMR,
		SessionID: at.SessionID, Tenant: at.Tenant, TenantRole: at.TenantRole,
	}
}
