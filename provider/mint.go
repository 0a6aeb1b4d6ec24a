package provider

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/zitadel/oidc/v3/pkg/oidc"

	"github.com/gatehouse-id/gatehouse/claims"
	"github.com/gatehouse-id/gatehouse/directory"
)

// grant is what a token is issued for: who, through which client, with
// which scopes, after which authentication. The code, refresh and client
// credentials grants each build one.
type grant struct {
	client    *directory.Client
	subject   string // user id, or the client id for client credentials
	scopes    []string
	nonce     string
	authTime  time.Time // zero for machine clients
	amr       []string
	acr       string
	sessionID string
	tenantID  string
	// person is who a person's tokens speak of, loaded once by the grant
	// (which also uses it to refuse a disabled user); nil for client
	// credentials: no ID token, no profile.
	person *claims.Subject
	// machine is what a machine client's token says of it (its tenant and
	// roles, machine_access.go); nil for a person, and for a client
	// without a tenant.
	machine *claims.Access
	// support is set when a support user acts as the person (support.go):
	// the tokens carry act and expire with the support session.
	support *supportGrant
	// accessOnly issues no ID token (token exchange).
	accessOnly bool
}

// tokenSet is what the token endpoint returns.
type tokenSet struct {
	accessToken string
	jti         string
	expiresAt   time.Time
	idToken     string
}

func newTokenID() string {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// accessTokenLifetime is the client's, or the server's default; never
// more than directory.MaxTokenLifetime, which retired signing keys stay
// published for (a client stored before that limit existed may ask more).
func (s *Server) accessTokenLifetime(c *directory.Client) time.Duration {
	if c.AccessTokenLifetime > 0 {
		return min(c.AccessTokenLifetime, directory.MaxTokenLifetime)
	}
	return min(s.store.cfg.AccessTokenLifetime, directory.MaxTokenLifetime)
}

// mint signs the access token (and, for a person with the openid scope, the
// ID token) for g. It reads and writes nothing: the grant has loaded its
// subject.
func (s *Server) mint(g grant) (tokenSet, error) {
	now := s.store.cfg.Now()
	var until time.Time
	if g.support != nil {
		until = g.support.until
		if g.person != nil {
			g.person.Actor = actorClaim(g.support.access)
		}
	}
	exp := capped(now.Add(s.accessTokenLifetime(g.client)), until)
	audience := []string{g.client.ID}
	if slices.Contains(g.scopes, claims.ScopeAdmin) {
		// For the administration API as well (RFC 9068 §3: aud names the
		// resource servers that accept the token).
		audience = append(audience, adminAudience(s.store.cfg.Issuer))
	}
	at := claims.AccessToken{
		Issuer: s.store.cfg.Issuer, Subject: g.subject, Audience: audience,
		Expiry: exp.Unix(), IssuedAt: now.Unix(), JWTID: newTokenID(), ClientID: g.client.ID,
		Scope: strings.Join(g.scopes, " "), ACR: g.acr, AMR: g.amr, SessionID: g.sessionID,
	}
	if !g.authTime.IsZero() {
		at.AuthTime = g.authTime.Unix()
	}
	var access claims.Access // a person's, for both tokens
	switch {
	case g.person != nil:
		access = claims.AccessFor(*g.person, g.scopes)
		at.Access = access
	case g.machine != nil:
		at.Access = *g.machine
	}
	// One key for both tokens: the ID token's at_hash follows its
	// algorithm, and a rotation may fall between the two signatures.
	key, ok := s.store.keys.Active()
	if !ok {
		return tokenSet{}, errors.New("no active signing key")
	}
	signed, err := s.store.keys.SignWith(key, at, "at+jwt")
	if err != nil {
		return tokenSet{}, fmt.Errorf("sign access token: %w", err)
	}
	out := tokenSet{accessToken: signed, jti: at.JWTID, expiresAt: exp}
	if g.person == nil || g.accessOnly || !slices.Contains(g.scopes, oidc.ScopeOpenID) {
		return out, nil
	}
	idt := claims.IDToken{
		Issuer: s.store.cfg.Issuer, Subject: g.subject, Audience: []string{g.client.ID},
		Expiry: capped(now.Add(s.idTokenLifetime(g.client)), until).Unix(), IssuedAt: now.Unix(), AuthTime: g.authTime.Unix(),
		Nonce: g.nonce, ACR: g.acr, AMR: g.amr, AZP: g.client.ID, SessionID: g.sessionID,
		Profile: claims.ProfileFor(*g.person, g.scopes), Access: access,
	}
	if idt.AccessTokenHash, err = oidc.ClaimHash(signed, key.Algorithm); err != nil {
		return tokenSet{}, err
	}
	if out.idToken, err = s.store.keys.SignWith(key, idt, "JWT"); err != nil {
		return tokenSet{}, fmt.Errorf("sign ID token: %w", err)
	}
	return out, nil
}

// idTokenLifetime is accessTokenLifetime's twin for ID tokens.
func (s *Server) idTokenLifetime(c *directory.Client) time.Duration {
	if c.IDTokenLifetime > 0 {
		return min(c.IDTokenLifetime, directory.MaxTokenLifetime)
	}
	return min(s.store.cfg.IDTokenLifetime, directory.MaxTokenLifetime)
}

// subject loads what tokens for client c may say about user id acting in
// tenantID: the profile, and the principal resolved there with the service
// roles narrowed to the services c consumes. It also returns the user and
// principal, for the decisions a grant makes on them (TOTP policy).
// authTime is when the grant's person signed in: a grant the user's
// deletion or disabling revoked since is ErrNotFound (zero for a grant
// that begins now).
func (s *Server) subject(ctx context.Context, userID, tenantID string, authTime time.Time, c *directory.Client) (claims.Subject, directory.User, directory.Principal, error) {
	u, p, err := s.store.dir.PrincipalSince(ctx, userID, tenantID, authTime)
	if err != nil {
		return claims.Subject{}, directory.User{}, directory.Principal{}, err
	}
	name := u.DisplayName
	if name == "" {
		name = strings.TrimSpace(u.GivenName + " " + u.FamilyName)
	}
	subj := claims.Subject{
		ID: u.ID, Username: u.Username, Email: u.Email, EmailVerified: u.EmailVerified,
		GivenName: u.GivenName, FamilyName: u.FamilyName, Name: name, Locale: u.PreferredLanguage,
		UpdatedAt: u.UpdatedAt,
	}
	withPrincipal(&subj, p, p.ServiceRoles.Only(c.Services))
	return subj, u, p, nil
}

// withPrincipal copies a resolved principal into subj, with the service
// roles the tokens' client may see.
func withPrincipal(subj *claims.Subject, p directory.Principal, services directory.ServiceRoles) {
	subj.Tenant, subj.TenantRole = tenantClaim(p.Tenant), string(p.TenantRole)
	subj.GlobalRoles, subj.Groups = p.GlobalRoles, p.Groups
	subj.Permissions = p.Permissions.Strings()
	subj.ServiceRoles = services
}

func tenantClaim(t directory.Tenant) *claims.Tenant {
	return &claims.Tenant{ID: t.ID, Slug: t.Slug, Name: t.Name, Level: string(t.Level), Path: t.Path}
}

// tokenResponse is the token endpoint's answer (RFC 6749 §5.1).
func tokenResponse(ts tokenSet, refreshToken string, scopes []string, now time.Time) *oidc.AccessTokenResponse {
	return &oidc.AccessTokenResponse{
		AccessToken: ts.accessToken, TokenType: oidc.BearerToken, RefreshToken: refreshToken,
		ExpiresIn: expiresIn(ts.expiresAt, now), IDToken: ts.idToken,
		Scope: scopes,
	}
}

// expiresIn is expires_in: whole seconds from now to exp, never negative
// (which as unsigned would read as centuries).
func expiresIn(exp, now time.Time) uint64 {
	return uint64(max(0, exp.Sub(now).Round(time.Second).Seconds()))
}

// hashToken is how refresh tokens are looked up: by SHA-256, never stored
// in clear.
func hashToken(t string) []byte {
	h := sha256.Sum256([]byte(t))
	return h[:]
}

func joinScopes(s []string) string { return strings.Join(s, " ") }

func timeUnix(sec int64) time.Time { return time.Unix(sec, 0) }
