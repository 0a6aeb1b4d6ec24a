package claims

import (
	"maps"
	"slices"
	"strings"
	"time"
)

// Scopes Gatehouse understands beyond OpenID Connect's openid, profile, email
// and offline_access. A client may be registered to receive any of them on
// every request (its default scopes).
const (
	// ScopeTenant releases the tenant the session acts in and the tenant
	// role there.
	ScopeTenant = "tenant"
	// ScopeRoles releases global_roles, service_roles, groups and the flat
	// roles projection.
	ScopeRoles = "roles"
	// ScopePermissions releases the effective permissions of the global
	// roles.
	ScopePermissions = "permissions"
	// ScopeAdmin makes an access token good for Gatehouse's administration
	// API as well: its aud then names the API ({issuer}/api/v1). What the
	// bearer may do there is decided by its roles, not by the scope.
	ScopeAdmin = "gatehouse.admin"
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

// Actor is the "act" claim (RFC 8693 §4.1): present exactly when a support
// user acts as the token's subject, and naming that support user.
type Actor struct {
	Subject           string       `json:"sub"`
	PreferredUsername string       `json:"preferred_username,omitempty"`
	Tenant            *ActorTenant `json:"tenant,omitempty"`
}

// ActorTenant is the support user's own (home) tenant.
type ActorTenant struct {
	ID   string `json:"id"`
	Slug string `json:"slug"`
}

// Subject is what Gatehouse knows about a person (or a machine client) that
// tokens may tell: the profile, and the principal resolved for the tenant
// the session acts in. ServiceRoles holds only the services of the client
// the tokens are for.
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
	GlobalRoles   []string
	Permissions   []string
	ServiceRoles  map[string][]string
	Groups        []string
	Actor         *Actor
}

// Profile holds the claims released by the profile and email scopes. It is
// embedded in IDToken and UserInfo.
type Profile struct {
	Name              string `json:"name,omitempty"`
	GivenName         string `json:"given_name,omitempty"`
	FamilyName        string `json:"family_name,omitempty"`
	PreferredUsername string `json:"preferred_username,omitempty"`
	Locale            string `json:"locale,omitempty"`
	UpdatedAt         int64  `json:"updated_at,omitempty"`
	Email             string `json:"email,omitempty"`
	EmailVerified     *bool  `json:"email_verified,omitempty"`
}

// ProfileFor returns the profile claims of s that scopes release.
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
	return p
}

// Access holds the claims portals authorize by: the tenant, the roles and
// the actor. It is embedded, with the same JSON names, in the ID token, the
// access token, userinfo and introspection, so that a portal reads them the
// same way wherever they come from. An absent list means an empty one.
type Access struct {
	Tenant     *Tenant `json:"tenant,omitempty"`
	TenantRole string  `json:"tenant_role,omitempty"`
	// GlobalRoles are the names of the tenant's global roles the subject
	// holds, directly, through groups or by default; sorted.
	GlobalRoles []string `json:"global_roles,omitempty"`
	// Permissions are "resource:level" strings (level read, change, create
	// or admin, admin meaning all three); sorted.
	Permissions []string `json:"permissions,omitempty"`
	// ServiceRoles maps a service to the subject's roles in it, for the
	// services the client is configured for; each list sorted.
	ServiceRoles map[string][]string `json:"service_roles,omitempty"`
	Groups       []string            `json:"groups,omitempty"`
	// Roles is the flat projection: the global roles, then "service:role"
	// for each service role; sorted.
	Roles []string `json:"roles,omitempty"`
	Act   *Actor   `json:"act,omitempty"`
}

// AccessFor returns the access claims of s that scopes release. The roles,
// permissions and gatehouse.admin scopes release the tenant too: roles are
// held in one tenant, and a token must never leave a portal (or the
// administration API) to guess which. act is
// released whatever the scopes: a portal must always be able to tell that
// support is acting.
func AccessFor(s Subject, scopes []string) Access {
	a := Access{Act: s.Actor}
	if slices.Contains(scopes, ScopeTenant) || slices.Contains(scopes, ScopeRoles) || slices.Contains(scopes, ScopePermissions) ||
		slices.Contains(scopes, ScopeAdmin) {
		a.Tenant, a.TenantRole = s.Tenant, s.TenantRole
	}
	if slices.Contains(scopes, ScopeRoles) {
		a.GlobalRoles = sortedCopy(s.GlobalRoles)
		a.Groups = sortedCopy(s.Groups)
		if len(s.ServiceRoles) > 0 {
			a.ServiceRoles = make(map[string][]string, len(s.ServiceRoles))
			for svc, roles := range s.ServiceRoles {
				if len(roles) > 0 {
					a.ServiceRoles[svc] = sortedCopy(roles)
				}
			}
			if len(a.ServiceRoles) == 0 {
				a.ServiceRoles = nil
			}
		}
		a.Roles = FlatRoles(a.GlobalRoles, a.ServiceRoles)
	}
	if slices.Contains(scopes, ScopePermissions) {
		a.Permissions = sortedCopy(s.Permissions)
	}
	return a
}

// FlatRoles is the roles claim: the global roles, and "service:role" for
// each service role, sorted.
func FlatRoles(global []string, service map[string][]string) []string {
	out := slices.Clone(global)
	for _, svc := range slices.Sorted(maps.Keys(service)) {
		for _, r := range service[svc] {
			out = append(out, svc+":"+r)
		}
	}
	if len(out) == 0 {
		return nil
	}
	slices.Sort(out)
	return slices.Compact(out)
}

func sortedCopy(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	out := slices.Clone(s)
	slices.Sort(out)
	return slices.Compact(out)
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
	Access
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
	Access
}

// UserInfo is the userinfo response (OIDC Core §5.3.2).
type UserInfo struct {
	Subject string `json:"sub"`
	Profile
	Access
}

// Introspection is the introspection response (RFC 7662 §2.2) for an active
// token; an inactive token is answered with {"active": false} only.
type Introspection struct {
	Active    bool     `json:"active"`
	Scope     string   `json:"scope,omitempty"`
	ClientID  string   `json:"client_id,omitempty"`
	Username  string   `json:"username,omitempty"`
	TokenType string   `json:"token_type,omitempty"`
	Expiry    int64    `json:"exp,omitempty"`
	IssuedAt  int64    `json:"iat,omitempty"`
	Subject   string   `json:"sub,omitempty"`
	Audience  []string `json:"aud,omitempty"`
	Issuer    string   `json:"iss,omitempty"`
	JWTID     string   `json:"jti,omitempty"`
	AuthTime  int64    `json:"auth_time,omitempty"`
	ACR       string   `json:"acr,omitempty"`
	AMR       []string `json:"amr,omitempty"`
	SessionID string   `json:"sid,omitempty"`
	Access
}

// Introspect returns the introspection response for a live access token.
func Introspect(at *AccessToken, username string) Introspection {
	return Introspection{
		Active: true, Scope: at.Scope, ClientID: at.ClientID, Username: username, TokenType: "Bearer",
		Expiry: at.Expiry, IssuedAt: at.IssuedAt, Subject: at.Subject, Audience: at.Audience,
		Issuer: at.Issuer, JWTID: at.JWTID, AuthTime: at.AuthTime, ACR: at.ACR, AMR: at.AMR,
		SessionID: at.SessionID, Access: at.Access,
	}
}
