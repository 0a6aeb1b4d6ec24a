package directory

import (
	"bytes"
	"context"
	"errors"
	"slices"
	"strings"
)

// Change says what a Put method did to the store, so that an import can count
// what it created and updated and applying the same input twice can be seen
// to change nothing.
type Change int

// The outcomes of a Put.
const (
	Unchanged Change = iota
	Created
	Updated
)

func (c Change) String() string {
	switch c {
	case Created:
		return "created"
	case Updated:
		return "updated"
	}
	return "unchanged"
}

// The Put methods create an entity by its natural key or bring an existing
// one up to date. They take the Store to write to, rather than using the
// Directory's own, so that a caller can run many of them inside one
// Store.InTx and keep a whole import all-or-nothing. Each validates its input
// completely before its first write: a *FieldError means nothing was written,
// so a caller may record it and go on checking the rest of its input in the
// same transaction.

// PutTenant creates the tenant slug below parentSlug, or renames it if it
// exists. A tenant's level and parent are part of its identity (its id is in
// every descendant's path, and tokens carry that path), so a Put that asks
// for another level or parent is refused rather than applied.
func (d *Directory) PutTenant(ctx context.Context, s Store, slug, name string, level Level, parentSlug string) (Tenant, Change, error) {
	cur, err := s.TenantBySlug(ctx, NormalizeSlug(slug))
	if errors.Is(err, ErrNotFound) {
		t, err := d.newTenant(ctx, s, slug, name, level, parentSlug)
		if err != nil {
			return Tenant{}, Unchanged, err
		}
		if err := d.storeTenant(ctx, s, t); err != nil {
			return Tenant{}, Unchanged, err
		}
		return t, Created, nil
	}
	if err != nil {
		return Tenant{}, Unchanged, err
	}
	if level != cur.Level {
		return Tenant{}, Unchanged, fieldErr("level", "tenant %q is a %s tenant; a tenant's level cannot change", cur.Slug, cur.Level)
	}
	curParent := ""
	if cur.ParentID != "" {
		p, err := s.TenantByID(ctx, cur.ParentID)
		if err != nil {
			return Tenant{}, Unchanged, err
		}
		curParent = p.Slug
	}
	if NormalizeSlug(parentSlug) != curParent {
		if curParent == "" {
			return Tenant{}, Unchanged, fieldErr("parent", "tenant %q has no parent; a tenant cannot move", cur.Slug)
		}
		return Tenant{}, Unchanged, fieldErr("parent", "tenant %q is below %q; a tenant cannot move to another parent", cur.Slug, curParent)
	}
	name = strings.TrimSpace(name)
	if name == "" {
		return Tenant{}, Unchanged, fieldErr("name", "is required")
	}
	if name == cur.Name {
		return cur, Unchanged, nil
	}
	cur.Name, cur.UpdatedAt = name, d.now().UTC()
	if err := s.UpdateTenant(ctx, cur); err != nil {
		return Tenant{}, Unchanged, err
	}
	return cur, Updated, nil
}

// PutUser creates the user nu.Username in tenant nu.TenantSlug, or updates an
// existing one's profile, roles, groups, owner and disabled flag. Roles,
// groups and service roles must exist in the tenant, and a user with an
// owner may hold only what the owner holds. Password and PasswordHash
// are initial credentials: they are used when the user is created and
// ignored afterwards, so that re-applying an import never resets a password
// its owner has since changed.
func (d *Directory) PutUser(ctx context.Context, s Store, nu NewUser) (User, Change, error) {
	tenant, err := s.TenantBySlug(ctx, NormalizeSlug(nu.TenantSlug))
	if err != nil {
		if errors.Is(err, ErrNotFound) {
			return User{}, Unchanged, fieldErr("tenant", "no tenant %q", nu.TenantSlug)
		}
		return User{}, Unchanged, err
	}
	cur, err := s.UserByUsername(ctx, tenant.ID, NormalizeUsername(nu.Username))
	if errors.Is(err, ErrNotFound) {
		// Check cheaply before paying for a password hash.
		built, err := checker().BuildUser(tenant, nu)
		if err != nil {
			return User{}, Unchanged, err
		}
		if err := d.checkUserRoles(ctx, s, tenant, &built, nu.Owner); err != nil {
			return User{}, Unchanged, err
		}
		// Valid: now the password hash at the directory's real cost, and
		// the directory's clock.
		u := built
		u.PasswordHash, u.PasswordStrength, err = d.initialPassword(nu.Password, nu.PasswordHash,
			passwordInputs(tenant, built.Username, built.Email, built.GivenName, built.FamilyName, built.DisplayName))
		if err != nil {
			return User{}, Unchanged, err
		}
		now := d.now().UTC()
		u.CreatedAt, u.UpdatedAt = now, now
		if err := s.CreateUser(ctx, u); err != nil {
			return User{}, Unchanged, err
		}
		return u, Created, nil
	}
	if err != nil {
		return User{}, Unchanged, err
	}
	// An existing user gets the same checks, initial password included (a
	// file should not name an invalid one, used or not), but without paying
	// for a password hash that would be thrown away.
	built, err := checker().BuildUser(tenant, nu)
	if err != nil {
		return User{}, Unchanged, err
	}
	built.ID = cur.ID
	if err := d.checkUserRoles(ctx, s, tenant, &built, nu.Owner); err != nil {
		return User{}, Unchanged, err
	}
	next := cur
	next.Email, next.EmailVerified = built.Email, built.EmailVerified
	next.GivenName, next.FamilyName, next.DisplayName = built.GivenName, built.FamilyName, built.DisplayName
	next.PreferredLanguage, next.Disabled = built.PreferredLanguage, built.Disabled
	next.Phone, next.JobTitle, next.OfficeLocation = built.Phone, built.JobTitle, built.OfficeLocation
	next.SetAssignment(built.Assignment())
	next.OwnerID = built.OwnerID
	if sameProfile(cur, next) {
		return cur, Unchanged, nil
	}
	next.UpdatedAt = d.now().UTC()
	if next.Disabled && !cur.Disabled {
		next.RevokedBefore = next.UpdatedAt // as UpdateUserFor: enabling again revives no session
	}
	if err := storeUser(ctx, s, cur, next, next.UpdatedAt); err != nil {
		return User{}, Unchanged, err
	}
	return next, Updated, nil
}

// PutClient registers c, or brings an existing client with c.ID up to date.
//
// A non-empty secret is (re)applied each time; since the hash is keyed and
// deterministic, the same secret is no change. Without one, a new
// confidential client (or a public client turned confidential) gets a
// generated secret, returned here and nowhere else, and an existing
// confidential client keeps the secret it has.
func (d *Directory) PutClient(ctx context.Context, s Store, c Client, secret string) (Client, string, Change, error) {
	// BuildClient validates c and the secret and hashes the secret, or
	// generates one when none is given.
	built, generated, err := d.BuildClient(c, secret)
	if err != nil {
		return Client{}, "", Unchanged, err
	}
	if err := d.checkClientRefs(ctx, s, &built); err != nil {
		return Client{}, "", Unchanged, err
	}
	if secret != "" || built.Type != ClientConfidential {
		generated = ""
	}
	cur, err := s.ClientByID(ctx, c.ID)
	if errors.Is(err, ErrNotFound) {
		if err := s.CreateClient(ctx, built); err != nil {
			return Client{}, "", Unchanged, err
		}
		return built, generated, Created, nil
	}
	if err != nil {
		return Client{}, "", Unchanged, err
	}
	if generated != "" && len(cur.SecretHash) > 0 {
		built.SecretHash, generated = cur.SecretHash, ""
	}
	built.CreatedAt, built.UpdatedAt = cur.CreatedAt, cur.UpdatedAt
	if sameClient(cur, built) {
		return cur, "", Unchanged, nil
	}
	built.UpdatedAt = d.now().UTC()
	if err := s.UpdateClient(ctx, built); err != nil {
		return Client{}, "", Unchanged, err
	}
	return built, generated, Updated, nil
}

// sameClient reports whether a and b register the same client. A nil and an
// empty list are the same: a store may hand back either.
func sameClient(a, b Client) bool {
	return a.ID == b.ID && a.Name == b.Name && a.TenantID == b.TenantID &&
		a.Type == b.Type && a.AuthMethod == b.AuthMethod && bytes.Equal(a.SecretHash, b.SecretHash) &&
		a.JWKS == b.JWKS && a.JWKSURI == b.JWKSURI &&
		slices.Equal(a.RedirectURIs, b.RedirectURIs) &&
		slices.Equal(a.PostLogoutRedirectURIs, b.PostLogoutRedirectURIs) &&
		a.InitiateLoginURI == b.InitiateLoginURI && a.ThirdParty == b.ThirdParty &&
		a.BackchannelLogoutURI == b.BackchannelLogoutURI && a.BackchannelLogoutSessionRequired == b.BackchannelLogoutSessionRequired &&
		slices.Equal(a.GrantTypes, b.GrantTypes) && slices.Equal(a.Scopes, b.Scopes) &&
		slices.Equal(a.DefaultScopes, b.DefaultScopes) && slices.Equal(a.Services, b.Services) &&
		slices.Equal(a.GlobalRoles, b.GlobalRoles) && a.ServiceRoles.Equal(b.ServiceRoles) &&
		a.InsecureSkipPKCE == b.InsecureSkipPKCE && a.AccessTokenLifetime == b.AccessTokenLifetime &&
		a.IDTokenLifetime == b.IDTokenLifetime && a.RefreshTokenLifetime == b.RefreshTokenLifetime
}

// sameProfile reports whether a and b agree on everything PutUser updates.
func sameProfile(a, b User) bool {
	return a.Email == b.Email && a.EmailVerified == b.EmailVerified && a.GivenName == b.GivenName &&
		a.FamilyName == b.FamilyName && a.DisplayName == b.DisplayName &&
		a.PreferredLanguage == b.PreferredLanguage && a.Phone == b.Phone && a.JobTitle == b.JobTitle &&
		a.OfficeLocation == b.OfficeLocation && a.TenantRole == b.TenantRole && a.Disabled == b.Disabled &&
		slices.Equal(a.GlobalRoles, b.GlobalRoles) && a.ServiceRoles.Equal(b.ServiceRoles) &&
		slices.Equal(a.Groups, b.Groups) && a.OwnerID == b.OwnerID
}
