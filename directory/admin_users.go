package directory

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Users as the administration API manages them, for a Caller (caller.go).

// UserFilter narrows a list of users. Empty fields match everything.
type UserFilter struct {
	// Query matches, case-insensitively, part of the username, the name or
	// the email address.
	Query      string
	GlobalRole string // holds this global role directly
	Group      string // is in this group
	Enabled    *bool
	// After is the cursor: the username the previous page ended with.
	After string
	// Limit is the page size; 50 if zero, at most 500.
	Limit int
}

// MaxUserPage is the largest page of users.
const MaxUserPage = 500

// UsersFor lists the users of the tenant slug, by username, a page at a
// time: the page, and the cursor of the next one ("" after the last).
func (d *Directory) UsersFor(ctx context.Context, c Caller, slug string, f UserFilter) ([]User, string, error) {
	t, err := d.tenantFor(ctx, d.store, c, slug)
	if err != nil {
		return nil, "", err
	}
	if err := c.authorize(t, "users", AccessRead); err != nil {
		return nil, "", err
	}
	if f.Limit <= 0 {
		f.Limit = 50
	}
	f.Limit = min(f.Limit, MaxUserPage)
	all, err := d.store.ListUsers(ctx, t.ID)
	if err != nil {
		return nil, "", err
	}
	q := strings.ToLower(strings.TrimSpace(f.Query))
	var page []User
	for _, u := range all {
		switch {
		case f.After != "" && u.Username <= f.After:
		case q != "" && !matchesQuery(u, q):
		case f.GlobalRole != "" && !slices.Contains(u.GlobalRoles, f.GlobalRole):
		case f.Group != "" && !slices.Contains(u.Groups, f.Group):
		case f.Enabled != nil && *f.Enabled == u.Disabled:
		default:
			if len(page) == f.Limit {
				return page, page[len(page)-1].Username, nil
			}
			page = append(page, u)
		}
	}
	return page, "", nil
}

func matchesQuery(u User, q string) bool {
	for _, v := range []string{u.Username, u.Email, u.GivenName, u.FamilyName, u.DisplayName,
		u.GivenName + " " + u.FamilyName} {
		if strings.Contains(strings.ToLower(v), q) {
			return true
		}
	}
	return false
}

// UserFor returns the user with id, if the caller may read the users of
// its tenant.
func (d *Directory) UserFor(ctx context.Context, c Caller, id string) (User, error) {
	u, _, err := d.userFor(ctx, d.store, c, id, AccessRead)
	return u, err
}

// ManagedUserFor returns the user with id if the caller may manage it
// (users:change in its tenant, or users:create and owning it): what every
// change to a user, the TOTP reset included, checks first.
func (d *Directory) ManagedUserFor(ctx context.Context, c Caller, id string) (User, error) {
	u, _, err := d.userFor(ctx, d.store, c, id, AccessChange)
	return u, err
}

// userFor loads the user with id and its tenant for access a by the
// caller: a user outside the caller's subtree is ErrNotFound. For change,
// users:create is enough for a user the caller owns.
func (d *Directory) userFor(ctx context.Context, s Store, c Caller, id string, a Access) (User, Tenant, error) {
	u, err := s.UserByID(ctx, id)
	if err != nil {
		return User{}, Tenant{}, err
	}
	t, err := s.TenantByID(ctx, u.TenantID)
	if err != nil {
		return User{}, Tenant{}, err
	}
	err = c.authorize(t, "users", a)
	if errors.Is(err, ErrForbidden) && a == AccessChange && c.UserID != "" && u.OwnerID == c.UserID && c.Can("users", AccessCreate) {
		err = nil // seed 004: create means managing the users one created
	}
	if err != nil {
		return User{}, Tenant{}, fmt.Errorf("user %s: %w", id, err)
	}
	return u, t, nil
}

// CreateUserFor creates a user in the tenant nu.TenantSlug for a caller
// holding users:create there. A caller without users:change becomes the
// new user's owner (it may only manage users it owns), which needs it to
// be a user of the same tenant. The caller grants nothing it does not
// hold. A username taken in the tenant is ErrConflict.
func (d *Directory) CreateUserFor(ctx context.Context, c Caller, nu NewUser) (User, error) {
	var out User
	err := d.store.InTx(ctx, func(s Store) error {
		t, err := d.tenantFor(ctx, s, c, nu.TenantSlug)
		if err != nil {
			return err
		}
		if err := c.authorize(t, "users", AccessCreate); err != nil {
			return err
		}
		if !c.Can("users", AccessChange) {
			if c.UserID == "" || c.Principal.Tenant.ID != t.ID {
				return fmt.Errorf("users:create alone creates users of one's own tenant, which one then owns: %w", ErrForbidden)
			}
			me, err := s.UserByID(ctx, c.UserID)
			if err != nil {
				return err
			}
			nu.Owner = me.Username
		}
		if err := ValidateUsername(NormalizeUsername(nu.Username)); err != nil {
			return err
		}
		if _, err := s.UserByUsername(ctx, t.ID, NormalizeUsername(nu.Username)); err == nil {
			return fieldErrIs("username", ErrConflict, "%q is taken in tenant %s", NormalizeUsername(nu.Username), t.Slug)
		} else if !errors.Is(err, ErrNotFound) {
			return err
		}
		b, err := d.bookOf(ctx, s, t)
		if err != nil {
			return err
		}
		if err := b.CheckGrant(c.Principal, Assignment{TenantRole: nu.TenantRole, GlobalRoles: nu.GlobalRoles,
			ServiceRoles: nu.ServiceRoles, Groups: nu.Groups}); err != nil {
			return err
		}
		u, _, err := d.PutUser(ctx, s, nu)
		out = u
		return err
	})
	return out, err
}

// UserUpdate changes a user's profile and whether it may sign in. Nil
// fields stay as they are; the username never changes (seed 004).
type UserUpdate struct {
	Email             *string
	EmailVerified     *bool
	GivenName         *string
	FamilyName        *string
	DisplayName       *string
	PreferredLanguage *string
	Enabled           *bool
}

// UpdateUserFor applies up to the user with id, for a caller that manages
// it. A caller cannot disable itself.
func (d *Directory) UpdateUserFor(ctx context.Context, c Caller, id string, up UserUpdate) (User, User, error) {
	var before, after User
	err := d.store.InTx(ctx, func(s Store) error {
		u, _, err := d.userFor(ctx, s, c, id, AccessChange)
		if err != nil {
			return err
		}
		before, after = u, u
		set := func(dst *string, v *string) {
			if v != nil {
				*dst = strings.TrimSpace(*v)
			}
		}
		set(&after.Email, up.Email)
		set(&after.GivenName, up.GivenName)
		set(&after.FamilyName, up.FamilyName)
		set(&after.DisplayName, up.DisplayName)
		set(&after.PreferredLanguage, up.PreferredLanguage)
		if up.EmailVerified != nil {
			after.EmailVerified = *up.EmailVerified
		}
		if up.Enabled != nil {
			if !*up.Enabled && u.ID == c.UserID {
				return fieldErr("enabled", "you cannot disable yourself")
			}
			after.Disabled = !*up.Enabled
		}
		if err := validateEmail(after.Email); err != nil {
			return err
		}
		if sameProfile(before, after) {
			return nil
		}
		after.UpdatedAt = d.now().UTC()
		return s.UpdateUser(ctx, after)
	})
	return before, after, err
}

// SetRolesFor replaces what the user with id holds in its tenant, for a
// caller that manages it (see SetRoles: the caller grants nothing it does
// not hold).
func (d *Directory) SetRolesFor(ctx context.Context, c Caller, id string, a Assignment) (User, User, error) {
	var before, after User
	err := d.store.InTx(ctx, func(s Store) error {
		u, _, err := d.userFor(ctx, s, c, id, AccessChange)
		if err != nil {
			return err
		}
		before = u
		after, err = d.setRoles(ctx, s, nil, id, a)
		if err != nil {
			return err
		}
		t, err := s.TenantByID(ctx, u.TenantID)
		if err != nil {
			return err
		}
		b, err := d.bookOf(ctx, s, t)
		if err != nil {
			return err
		}
		return b.CheckGrant(c.Principal, a)
	})
	return before, after, err
}
