package directory

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
)

// validateNames checks the shape of role, service and group names, before
// anything is looked up.
func validateNames(globalRoles []string, sr ServiceRoles, groups []string) error {
	for _, r := range globalRoles {
		if err := ValidateName("global_roles", r); err != nil {
			return err
		}
	}
	for svc, roles := range sr {
		if err := ValidateName("service_roles", svc); err != nil {
			return err
		}
		for _, r := range roles {
			if err := ValidateName("service_roles", r); err != nil {
				return err
			}
		}
	}
	for _, g := range groups {
		if err := ValidateName("groups", g); err != nil {
			return err
		}
	}
	return nil
}

// checkUserRoles checks u's assignment against its tenant, resolves
// ownerUsername into u.OwnerID, and checks that the owner holds everything
// u would hold. u.ID is empty for a user not yet stored.
func (d *Directory) checkUserRoles(ctx context.Context, s Store, tenant Tenant, u *User, ownerUsername string) error {
	b, err := d.bookOf(ctx, s, tenant)
	if err != nil {
		return err
	}
	if err := b.CheckAssignment(u.Assignment(), false); err != nil {
		return err
	}
	u.OwnerID = ""
	if ownerUsername == "" {
		return nil
	}
	owner, err := s.UserByUsername(ctx, tenant.ID, NormalizeUsername(ownerUsername))
	if errors.Is(err, ErrNotFound) {
		return fieldErr("owner", "tenant %q has no user %q", tenant.Slug, ownerUsername)
	}
	if err != nil {
		return err
	}
	if err := d.checkOwner(ctx, s, b, owner, u); err != nil {
		return err
	}
	u.OwnerID = owner.ID
	return nil
}

// checkOwner checks that owner may own u: no cycle of owners, and u holds
// at most what owner holds in b's tenant (its home).
func (d *Directory) checkOwner(ctx context.Context, s Store, b *Book, owner User, u *User) error {
	var err error
	// The owner chain must not come back to u: owners manage their
	// sub-users, and nobody manages themselves.
	seen := map[string]bool{}
	for o := owner; o.OwnerID != ""; {
		if o.OwnerID == u.ID && u.ID != "" || seen[o.OwnerID] {
			return fieldErr("owner", "%q is owned, directly or not, by %q: owners cannot form a cycle", owner.Username, u.Username)
		}
		seen[o.OwnerID] = true
		if o, err = s.UserByID(ctx, o.OwnerID); err != nil {
			return fmt.Errorf("owner chain of %q: %w", u.Username, err)
		}
	}
	if owner.ID == u.ID && u.ID != "" {
		return fieldErr("owner", "a user cannot own itself")
	}
	return ownerGrant(b, owner.Username, owner.Assignment(), u.Assignment())
}

// ownerGrant is the owner rule in b's tenant: what a holds must be
// grantable by an owner holding ownerHolds; the error names the owner.
func ownerGrant(b *Book, owner string, ownerHolds, a Assignment) error {
	if err := b.CheckGrant(b.Resolve(ownerHolds), a); err != nil {
		var fe *FieldError
		if errors.As(err, &fe) {
			return fieldErr(fe.Field, "owner %q: %s (a sub-user holds at most what its owner holds)", owner, fe.Reason)
		}
		return err
	}
	return nil
}

// checkClientRefs checks what a client refers to: the services it consumes,
// and the roles a machine client holds in its tenant.
func (d *Directory) checkClientRefs(ctx context.Context, s Store, c *Client) error {
	if c.TenantID == "" {
		if len(c.GlobalRoles) > 0 || len(c.ServiceRoles) > 0 {
			return fieldErr("tenant", "a client that holds roles must be assigned a tenant")
		}
		services, err := s.ListServices(ctx)
		if err != nil {
			return err
		}
		return checkServicesExist(c.Services, services)
	}
	b, err := d.Book(ctx, s, c.TenantID)
	if errors.Is(err, ErrNotFound) {
		return fieldErr("tenant", "no tenant with id %q", c.TenantID)
	}
	if err != nil {
		return err
	}
	if err := checkServicesExist(c.Services, slices.Collect(maps.Values(b.Services))); err != nil {
		return err
	}
	return b.CheckAssignment(Assignment{GlobalRoles: c.GlobalRoles, ServiceRoles: c.ServiceRoles}, true)
}

func checkServicesExist(names []string, services []Service) error {
	for _, n := range names {
		if !slices.ContainsFunc(services, func(s Service) bool { return s.Name == n }) {
			return fieldErr("services", "there is no service %q", n)
		}
	}
	return nil
}

// PutLink makes the user username of tenant homeSlug an external user of
// tenant tenantSlug holding a there, or updates what it holds.
func (d *Directory) PutLink(ctx context.Context, s Store, homeSlug, username, tenantSlug string, a Assignment) (Link, Change, error) {
	home, err := tenantBySlug(ctx, s, "home", homeSlug)
	if err != nil {
		return Link{}, Unchanged, err
	}
	u, err := s.UserByUsername(ctx, home.ID, NormalizeUsername(username))
	if errors.Is(err, ErrNotFound) {
		return Link{}, Unchanged, fieldErr("username", "tenant %q has no user %q", home.Slug, username)
	}
	if err != nil {
		return Link{}, Unchanged, err
	}
	t, err := tenantBySlug(ctx, s, "tenant", tenantSlug)
	if err != nil {
		return Link{}, Unchanged, err
	}
	if t.ID == u.TenantID {
		return Link{}, Unchanged, fieldErr("tenant", "%q is the home tenant of %q; a link is to another tenant", t.Slug, u.Username)
	}
	if err := validateNames(a.GlobalRoles, a.ServiceRoles, a.Groups); err != nil {
		return Link{}, Unchanged, err
	}
	b, err := d.bookOf(ctx, s, t)
	if err != nil {
		return Link{}, Unchanged, err
	}
	if err := b.CheckAssignment(a, false); err != nil {
		return Link{}, Unchanged, err
	}
	if u.OwnerID != "" {
		if err := d.checkLinkOwner(ctx, s, b, u, a); err != nil {
			return Link{}, Unchanged, err
		}
	}
	now := d.now().UTC()
	next := Link{UserID: u.ID, TenantID: t.ID, TenantRole: a.TenantRole, GlobalRoles: sortedNames(a.GlobalRoles),
		ServiceRoles: a.ServiceRoles.Normalize(), Groups: sortedNames(a.Groups), CreatedAt: now, UpdatedAt: now}
	cur, err := s.LinkOf(ctx, u.ID, t.ID)
	if errors.Is(err, ErrNotFound) {
		if err := s.CreateLink(ctx, next); err != nil {
			return Link{}, Unchanged, err
		}
		return next, Created, nil
	}
	if err != nil {
		return Link{}, Unchanged, err
	}
	if sameAssignment(cur.Assignment(), next.Assignment()) {
		return cur, Unchanged, nil
	}
	next.CreatedAt = cur.CreatedAt
	if err := s.UpdateLink(ctx, next); err != nil {
		return Link{}, Unchanged, err
	}
	return next, Updated, nil
}

// checkLinkOwner applies the owner rule to a sub-user's link: in the
// linked tenant too, it holds at most what its owner holds there, and
// nothing where its owner holds nothing.
func (d *Directory) checkLinkOwner(ctx context.Context, s Store, b *Book, u User, a Assignment) error {
	owner, err := s.UserByID(ctx, u.OwnerID)
	if err != nil {
		return fmt.Errorf("owner of %q: %w", u.Username, err)
	}
	ownerHolds := owner.Assignment()
	if owner.TenantID != b.Tenant.ID {
		l, err := s.LinkOf(ctx, owner.ID, b.Tenant.ID)
		if errors.Is(err, ErrNotFound) {
			return fieldErr("tenant", "owner %q has no access to tenant %q, so its sub-user %q cannot have any either", owner.Username, b.Tenant.Slug, u.Username)
		}
		if err != nil {
			return err
		}
		ownerHolds = l.Assignment()
	}
	return ownerGrant(b, owner.Username, ownerHolds, a)
}

func sameAssignment(a, b Assignment) bool {
	return a.TenantRole == b.TenantRole && slices.Equal(sortedNames(a.GlobalRoles), sortedNames(b.GlobalRoles)) &&
		a.ServiceRoles.Equal(b.ServiceRoles) && slices.Equal(sortedNames(a.Groups), sortedNames(b.Groups))
}
