package directory

import (
	"errors"
	"time"

	"github.com/gatehouse-id/gatehouse/password"
)

// Sentinel errors. Stores wrap them with context (fmt.Errorf("get user %q: %w",
// id, ErrNotFound)); callers test with errors.Is.
var (
	// ErrNotFound means the thing asked for does not exist (or is outside the
	// caller's reach, which callers must not be able to tell apart).
	ErrNotFound = errors.New("not found")
	// ErrConflict means a uniqueness rule would be broken: a slug, a username
	// within a tenant, an email within a tenant, a client id.
	ErrConflict = errors.New("conflict")
	// ErrForbidden refuses what the caller may not do where it may see
	// (outside its reach it is ErrNotFound instead).
	ErrForbidden = errors.New("forbidden")
)

// Level is a tenant's place in the System > Provider > Customer >
// Sub-Customer tree (seed 001).
type Level string

// The four levels, from the root down.
const (
	LevelSystem      Level = "system"
	LevelProvider    Level = "provider"
	LevelCustomer    Level = "customer"
	LevelSubcustomer Level = "subcustomer"
)

// Levels lists the levels from the root down; a child is always exactly one
// step after its parent in this list.
var Levels = []Level{LevelSystem, LevelProvider, LevelCustomer, LevelSubcustomer}

// Valid reports whether l is one of the four levels.
func (l Level) Valid() bool { return l.depth() >= 0 }

func (l Level) depth() int {
	for i, v := range Levels {
		if v == l {
			return i
		}
	}
	return -1
}

// ChildLevel returns the level a child of a tenant at l must have, and false
// for a sub-customer, which has no children.
func (l Level) ChildLevel() (Level, bool) {
	d := l.depth()
	if d < 0 || d+1 >= len(Levels) {
		return "", false
	}
	return Levels[d+1], true
}

// Tenant is one node of the tenant tree.
type Tenant struct {
	ID       string
	Slug     string // unique, lower-case, used at login and in URLs
	Name     string
	Level    Level
	ParentID string // empty only for the system tenant
	// Path is the ancestry from the root down to and including this tenant,
	// as ids. Portals use it (in the token's tenant claim) to decide whether a
	// resource lies in the user's subtree without calling back.
	Path []string
	// Settings are the tenant's own policies; later work adds the user
	// quota here.
	Settings  TenantSettings
	CreatedAt time.Time
	UpdatedAt time.Time
}

// TenantSettings are a tenant's policies.
type TenantSettings struct {
	// UserRoles are the global roles every user (tenant role "user") of the
	// tenant holds by default, linked external users included. A new tenant
	// starts with ["readers"]: a read-only user reads (seed 001). A tenant
	// administrator always holds "admins" and needs no default.
	UserRoles []string
	// MFA is the tenant's two-factor policy; empty inherits the parent's.
	// A child may tighten its parent's policy, never loosen it (see
	// EffectiveMFA).
	MFA MFAPolicy
	// Support is the tenant's support policy (support.go): whether support
	// needs the user's consent, whether it must give a reason, and how
	// long a consent lasts. Empty fields inherit the parent's.
	Support SupportPolicy
	// MaxUsers is the tenant's user quota (seed 002): how many users may
	// have it as their home tenant, deleted users not counted (they are
	// restored only within the quota). 0 means no limit. The quota is the
	// tenant's own: its children's users do not count against it.
	MaxUsers int
	// Branding is how the tenant's pages look (branding.go): each field
	// left empty inherits the parent's (see EffectiveBranding).
	Branding Branding
}

// MFAPolicy says whether people of a tenant use TOTP.
type MFAPolicy string

// The policies, from the loosest: off (TOTP is not offered; a person who
// enrolled still uses it), optional (a person may enrol from the account
// page) and required (every login needs TOTP; a person without it enrols
// before any token is issued).
const (
	MFAInherit  MFAPolicy = ""
	MFAOff      MFAPolicy = "off"
	MFAOptional MFAPolicy = "optional"
	MFARequired MFAPolicy = "required"
)

// Valid reports whether p is a policy (or inherit).
func (p MFAPolicy) Valid() bool {
	return p == MFAInherit || p == MFAOff || p == MFAOptional || p == MFARequired
}

// strength orders the policies. A value that is not a policy (a hand edit
// of the database) counts as required: unknown must never mean looser.
func (p MFAPolicy) strength() int {
	switch p {
	case MFAInherit, MFAOff:
		return 0
	case MFAOptional:
		return 1
	}
	return 2
}

// TenantRole is what a user may do at its home tenant's level and below
// (seed 001): an administrator reads, writes and deletes; a user only reads.
type TenantRole string

// The two tenant roles.
const (
	TenantRoleAdmin TenantRole = "admin"
	TenantRoleUser  TenantRole = "user"
)

// Valid reports whether r is a known tenant role.
func (r TenantRole) Valid() bool { return r == TenantRoleAdmin || r == TenantRoleUser }

// User is a person who signs in. Usernames are unique within their tenant and
// never change (seed 004).
type User struct {
	ID                string
	TenantID          string
	Username          string
	Email             string
	EmailVerified     bool
	GivenName         string
	FamilyName        string
	DisplayName       string
	PreferredLanguage string // BCP 47 tag, optional
	// Phone, JobTitle and OfficeLocation are optional profile fields: a
	// phone number of at most 32 digits, spaces and + - ( ), a job title
	// and an office location of at most 100 printable characters each
	// (validateProfile). Administrators see them; tokens do not carry
	// them (the profile scope releases standard claims only).
	Phone          string
	JobTitle       string
	OfficeLocation string
	// TenantRole, GlobalRoles, ServiceRoles and Groups are what the user
	// holds in its home tenant (see Assignment); a Link holds the same for
	// another tenant.
	TenantRole   TenantRole
	GlobalRoles  []string
	ServiceRoles ServiceRoles
	Groups       []string
	// OwnerID is the user that owns this one (seed 004's user hierarchies):
	// an owner manages its sub-users, who hold at most what it holds. Empty
	// for a user without an owner. An owner lives in the same tenant.
	OwnerID string
	// PasswordHash is a PHC-format argon2id string (package password); empty
	// means the user cannot log in with a password (yet).
	PasswordHash string
	// PasswordStrength is the strength estimate of the password when it
	// was set (package password), shown to administrators (seed 004);
	// password.StrengthUnknown for a password imported as a hash, and for
	// a user without a password.
	PasswordStrength password.Strength
	// MustChangePassword makes the next login ask for a new password
	// before any token is issued (an administrator's "reset at next
	// login"); setting a new password clears it.
	MustChangePassword bool
	Disabled           bool
	// DeletedAt is when the user was deleted (soft delete, seed 000), zero
	// while it is not. A deleted user cannot sign in, holds no session or
	// token, keeps its username and email taken, and can be restored until
	// it is purged (DeletedUsersBefore, PurgeUser).
	DeletedAt time.Time
	// RevokedBefore ends every session and token of the user whose
	// sign-in (auth_time) is earlier: set when the user is deleted or
	// disabled, so that restoring or enabling it revives none of them.
	// Zero: nothing revoked.
	RevokedBefore time.Time
	CreatedAt     time.Time
	UpdatedAt     time.Time
	// The login statistics are Store.RecordLogin's alone: a user is
	// created without any, and Store.UpdateUser leaves them as they are,
	// so that a change made from a copy read before a login does not undo
	// it. LoginCount counts the successful password logins to the user's
	// own account (a support login acting as the user is not one of
	// them); LastLoginAt and LastLoginAddress are the latest one's time
	// and client address, zero and empty before the first. LastSeenAt is
	// when the user was last seen; for now that is the last login (single
	// sign-on and refresh do not move it).
	LoginCount       int
	LastLoginAt      time.Time
	LastLoginAddress string
	LastSeenAt       time.Time
}

// Deleted reports whether u is deleted (soft delete), and so may not sign
// in or hold a token.
func (u User) Deleted() bool { return !u.DeletedAt.IsZero() }

// Revoked reports whether a session or token of u that signed in at
// authTime has been revoked (RevokedBefore). Tokens carry auth_time in
// whole seconds, cut down, so a token of a sign-in made earlier in the
// second of the revocation is revoked too. A sign-in made after the
// revocation in that same second is dated the next whole second
// (session.Store.Create), so that its tokens are not.
func (u User) Revoked(authTime time.Time) bool { return authTime.Before(u.RevokedBefore) }

// Assignment returns what u holds in its home tenant.
func (u User) Assignment() Assignment {
	return Assignment{TenantRole: u.TenantRole, GlobalRoles: u.GlobalRoles, ServiceRoles: u.ServiceRoles, Groups: u.Groups}
}

// SetAssignment replaces what u holds in its home tenant by a.
func (u *User) SetAssignment(a Assignment) {
	u.TenantRole, u.GlobalRoles, u.ServiceRoles, u.Groups = a.TenantRole, a.GlobalRoles, a.ServiceRoles, a.Groups
}

// Link makes a user an external user of a tenant other than its home
// (seed 003's external support users): it holds a tenant role, roles and
// groups there, and may choose that tenant to act in at login. A user has
// at most one link per tenant, and never one to its home tenant.
type Link struct {
	UserID       string
	TenantID     string
	TenantRole   TenantRole
	GlobalRoles  []string
	ServiceRoles ServiceRoles
	Groups       []string
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// Assignment returns what the link grants.
func (l Link) Assignment() Assignment {
	return Assignment{TenantRole: l.TenantRole, GlobalRoles: l.GlobalRoles, ServiceRoles: l.ServiceRoles, Groups: l.Groups}
}

// ClientType tells whether a client can keep a secret (RFC 6749 §2.1).
type ClientType string

// The two client types.
const (
	ClientConfidential ClientType = "confidential"
	ClientPublic       ClientType = "public"
)

// AuthMethod is how a client authenticates at the token endpoint. A client is
// registered with exactly one and may use no other.
type AuthMethod string

// The supported client authentication methods.
const (
	AuthSecretBasic AuthMethod = "client_secret_basic"
	AuthSecretPost  AuthMethod = "client_secret_post"
	AuthNone        AuthMethod = "none" // public clients only
	// AuthPrivateKeyJWT (RFC 7523 §2.2, OpenID Connect Core §9): a
	// confidential client signs a short-lived assertion with its private
	// key; Gatehouse holds the public keys (Client.JWKS or JWKSURI) and
	// no secret.
	AuthPrivateKeyJWT AuthMethod = "private_key_jwt"
)

// Grant types a client may be registered for.
const (
	GrantAuthorizationCode = "authorization_code"
	GrantRefreshToken      = "refresh_token"
	GrantClientCredentials = "client_credentials"
	// GrantTokenExchange (RFC 8693) lets a support tool exchange a support
	// user's access token for a token acting as a user it supports; only
	// confidential clients may hold it.
	GrantTokenExchange = "urn:ietf:params:oauth:grant-type:token-exchange"
	// GrantDeviceCode (RFC 8628) signs a person in on a device without a
	// browser (a gateway, a field tool, a CLI): the person approves on
	// Gatehouse's /device page while the device polls the token endpoint.
	// Public clients may hold it: a device cannot keep a secret.
	GrantDeviceCode = "urn:ietf:params:oauth:grant-type:device_code"
)

// Client is a relying party: a portal (authorization code) or a machine
// (client credentials).
type Client struct {
	ID         string
	Name       string
	TenantID   string // the tenant a machine client acts in; optional for portals
	Type       ClientType
	AuthMethod AuthMethod
	// SecretHash is the keyed hash of the client secret (see SecretHasher);
	// nil for public clients. The secret itself is never stored.
	SecretHash []byte
	// JWKS is the public keys a private_key_jwt client signs its
	// assertions with: a JSON Web Key Set (RFC 7517 §5) as JSON text,
	// checked by clientkeys.Parse. JWKSURI is instead where the client
	// publishes that set (https), fetched and cached by a
	// clientkeys.Fetcher. A private_key_jwt client has exactly one of
	// them; any other client neither.
	JWKS                   string
	JWKSURI                string
	RedirectURIs           []string
	PostLogoutRedirectURIs []string
	// InitiateLoginURI is the portal's own page that starts a login at
	// Gatehouse (OpenID Connect Core §4, registration metadata
	// initiate_login_uri): where a person goes once an invitation or a
	// password reset that came from this portal is done, with iss and
	// login_hint. Empty for none (machine clients, portals without one).
	InitiateLoginURI string
	// ThirdParty marks a client that is not the platform's own (an
	// integrator's application): a person must consent, on Gatehouse's
	// consent page, to what it asks for before it gets a code, and that
	// consent is remembered per user and client (ConsentStore). The
	// platform's own portals (false, the default) never ask. Only a
	// client that signs people in (authorization_code) can be one.
	ThirdParty bool
	GrantTypes []string
	// Scopes lists the scopes the client may ask for beyond openid.
	Scopes []string
	// DefaultScopes are granted on every request whether asked for or not
	// (a subset of Scopes): a portal that always needs the tenant and roles
	// claims need not ask for them.
	DefaultScopes []string
	// Services are the services the client consumes: its tokens carry the
	// person's roles in these services only, so that tokens stay small and
	// a portal learns nothing about services that are not its business.
	Services []string
	// GlobalRoles and ServiceRoles are what a machine client holds in its
	// tenant (client credentials tokens carry them); portals hold none.
	GlobalRoles  []string
	ServiceRoles ServiceRoles
	// InsecureSkipPKCE lets a confidential legacy client use the code flow
	// without PKCE. PKCE S256 is required for every other client; "plain" is
	// never accepted.
	InsecureSkipPKCE bool
	// Lifetimes; zero means the server default.
	AccessTokenLifetime  time.Duration
	IDTokenLifetime      time.Duration
	RefreshTokenLifetime time.Duration
	CreatedAt            time.Time
	UpdatedAt            time.Time

	// BackchannelLogoutURI is where Gatehouse POSTs a logout token when a
	// session in which this client got an ID token ends (OpenID Connect
	// Back-Channel Logout 1.0 §2.2, backchannel_logout_uri): an absolute
	// https URL (http for loopback hosts), no fragment. Empty for none.
	BackchannelLogoutURI string
	// BackchannelLogoutSessionRequired: the client needs the sid claim in
	// its logout tokens (§2.2, backchannel_logout_session_required).
	// Gatehouse always sends sid for a session's end; the flag is kept
	// and published so that a client states what it relies on.
	BackchannelLogoutSessionRequired bool
}

// MaxTokenLifetime is the longest an access or ID token may live, for any
// client. Signing keys stay published this long after they stop signing,
// so that every token they signed still verifies (package keys).
const MaxTokenLifetime = 24 * time.Hour

// AccountClientID is the client Gatehouse's own account page signs in
// with; Gatehouse registers it at start, and a directory file may not
// define it.
const AccountClientID = "gatehouse-account"

// HasGrant reports whether the client is registered for grant type g.
func (c *Client) HasGrant(g string) bool {
	for _, v := range c.GrantTypes {
		if v == g {
			return true
		}
	}
	return false
}

// SignsPeopleIn reports whether the client gets tokens for people: by the
// authorization code grant, or the device authorization grant.
func (c *Client) SignsPeopleIn() bool {
	return c.HasGrant(GrantAuthorizationCode) || c.HasGrant(GrantDeviceCode)
}

// AllowsScope reports whether the client may ask for scope s. openid is
// allowed for every client that may use the authorization code grant.
func (c *Client) AllowsScope(s string) bool {
	if s == "openid" && c.SignsPeopleIn() {
		return true
	}
	for _, v := range c.Scopes {
		if v == s {
			return true
		}
	}
	return false
}
