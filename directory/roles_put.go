package directory

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// EnsureTenantDefaults gives every tenant that has no global roles at all
// what a new tenant starts with: the default roles, the administrators
// group and default user roles. Tenants created before roles existed (a
// data folder from an earlier version) are the only ones without roles,
// since admins cannot be removed. It runs in one transaction and is a
// no-op when there is nothing to do.
func (d *Directory) EnsureTenantDefaults(ctx context.Context) error {
	return d.store.InTx(ctx, func(s Store) error {
		tenants, err := s.ListTenants(ctx)
		if err != nil {
			return err
		}
		for _, t := range tenants {
			roles, err := s.ListGlobalRoles(ctx, t.ID)
			if err != nil {
				return err
			}
			if len(roles) > 0 {
				continue
			}
			if len(t.Settings.UserRoles) == 0 {
				t.Settings.UserRoles = []string{RoleReaders}
				if err := s.UpdateTenant(ctx, t); err != nil {
					return err
				}
			}
			if err := d.storeDefaults(ctx, s, t); err != nil {
				return err
			}
		}
		return nil
	})
}

// storeTenant creates t with what every tenant starts with: the default
// global roles, the administrators group, and settings that give users the
// readers role.
func (d *Directory) storeTenant(ctx context.Context, s Store, t Tenant) error {
	if t.Settings.UserRoles == nil {
		t.Settings.UserRoles = []string{RoleReaders}
	}
	if err := s.CreateTenant(ctx, t); err != nil {
		return err
	}
	return d.storeDefaults(ctx, s, t)
}

// storeDefaults creates the default roles and the administrators group of
// the stored tenant t.
func (d *Directory) storeDefaults(ctx context.Context, s Store, t Tenant) error {
	resources, err := s.ListResources(ctx)
	if err != nil {
		return err
	}
	for _, r := range defaultRoles(NewCatalog(resources), t.Level) {
		r.ID, r.TenantID, r.CreatedAt, r.UpdatedAt = NewID(), t.ID, t.CreatedAt, t.CreatedAt
		if err := s.CreateGlobalRole(ctx, r); err != nil {
			return fmt.Errorf("default role %q of tenant %q: %w", r.Name, t.Slug, err)
		}
	}
	g := Group{ID: NewID(), TenantID: t.ID, Name: GroupAdministrators,
		Description: "Administers the tenant fully", CreatedAt: t.CreatedAt, UpdatedAt: t.CreatedAt}
	if err := s.CreateGroup(ctx, g); err != nil {
		return fmt.Errorf("group %q of tenant %q: %w", g.Name, t.Slug, err)
	}
	return nil
}

// tenantBySlug returns the tenant slug, or a *FieldError on field when
// there is none.
func tenantBySlug(ctx context.Context, s Store, field, slug string) (Tenant, error) {
	t, err := s.TenantBySlug(ctx, NormalizeSlug(slug))
	if errors.Is(err, ErrNotFound) {
		return Tenant{}, fieldErr(field, "no tenant %q", slug)
	}
	return t, err
}

// MaxUserQuota is the largest user quota a tenant may be given: far above
// any real tenant, low enough that no count overflows anywhere.
const MaxUserQuota = 10_000_000

// PutTenantSettings replaces the settings of tenant slug. Every default
// user role must exist in the tenant.
func (d *Directory) PutTenantSettings(ctx context.Context, s Store, slug string, settings TenantSettings) (Change, error) {
	t, err := tenantBySlug(ctx, s, "tenant", slug)
	if err != nil {
		return Unchanged, err
	}
	roles, err := s.ListGlobalRoles(ctx, t.ID)
	if err != nil {
		return Unchanged, err
	}
	for _, r := range settings.UserRoles {
		if r == RoleAdmins {
			return Unchanged, fieldErr("user_roles", "admins cannot be a default user role: it would make every user an administrator in all but name")
		}
		if !slices.ContainsFunc(roles, func(g GlobalRole) bool { return g.Name == r }) {
			return Unchanged, fieldErr("user_roles", "tenant %q has no global role %q", t.Slug, r)
		}
	}
	if !settings.MFA.Valid() {
		return Unchanged, fieldErr("mfa", "must be off, optional or required (or empty to inherit the parent's)")
	}
	if err := settings.Support.Validate(); err != nil {
		return Unchanged, err
	}
	if settings.MaxUsers < 0 || settings.MaxUsers > MaxUserQuota {
		return Unchanged, fieldErr("max_users", "must be from 0 (no limit) to %d", MaxUserQuota)
	}
	branding := NormalizeBranding(settings.Branding)
	if err := branding.Validate(); err != nil {
		return Unchanged, err
	}
	next := sortedNames(settings.UserRoles)
	if next == nil { // stored as "no default roles", not "unset"
		next = []string{}
	}
	if slices.Equal(next, t.Settings.UserRoles) && settings.MFA == t.Settings.MFA && settings.Support == t.Settings.Support &&
		settings.MaxUsers == t.Settings.MaxUsers && branding.Equal(t.Settings.Branding) {
		return Unchanged, nil
	}
	// A quota below the users a tenant has already refuses new ones and
	// removes nobody.
	t.Settings.UserRoles, t.Settings.MFA, t.Settings.Support = next, settings.MFA, settings.Support
	t.Settings.MaxUsers, t.Settings.Branding, t.UpdatedAt = settings.MaxUsers, branding, d.now().UTC()
	if err := s.UpdateTenant(ctx, t); err != nil {
		return Unchanged, err
	}
	return Updated, nil
}

// PutGlobalRole creates the role r.Name in tenant slug, or updates its
// description and permissions. Every permission must name a resource of
// the catalog that applies at the tenant's level. The admins role holds
// every permission by definition: its description may change, its
// permissions may not be listed.
func (d *Directory) PutGlobalRole(ctx context.Context, s Store, tenantSlug string, r GlobalRole) (GlobalRole, Change, error) {
	if err := ValidateName("name", r.Name); err != nil {
		return GlobalRole{}, Unchanged, err
	}
	t, err := tenantBySlug(ctx, s, "tenant", tenantSlug)
	if err != nil {
		return GlobalRole{}, Unchanged, err
	}
	if r.Name == RoleAdmins && len(r.Permissions) > 0 {
		return GlobalRole{}, Unchanged, fieldErr("permissions", "the admins role holds every permission; its permissions cannot be listed or reduced")
	}
	resources, err := s.ListResources(ctx)
	if err != nil {
		return GlobalRole{}, Unchanged, err
	}
	catalog := NewCatalog(resources)
	for _, p := range r.Permissions {
		res, ok := catalog.Resource(p.Resource)
		switch {
		case !ok:
			return GlobalRole{}, Unchanged, fieldErr("permissions", "%q: there is no resource %q in the catalog", p.String(), p.Resource)
		case !p.Access.Valid():
			return GlobalRole{}, Unchanged, fieldErr("permissions", "%q: access must be read, change, create or admin", p.String())
		case !res.AppliesTo(t.Level):
			return GlobalRole{}, Unchanged, fieldErr("permissions", "%q: resource %q does not apply to a %s tenant", p.String(), p.Resource, t.Level)
		}
	}
	r.Description = strings.TrimSpace(r.Description)
	r.Permissions = normalizePermissions(r.Permissions)
	now := d.now().UTC()
	cur, err := s.GlobalRoleByName(ctx, t.ID, r.Name)
	if errors.Is(err, ErrNotFound) {
		r.ID, r.TenantID, r.CreatedAt, r.UpdatedAt = NewID(), t.ID, now, now
		if err := s.CreateGlobalRole(ctx, r); err != nil {
			return GlobalRole{}, Unchanged, err
		}
		return r, Created, nil
	}
	if err != nil {
		return GlobalRole{}, Unchanged, err
	}
	if cur.Description == r.Description && slices.Equal(normalizePermissions(cur.Permissions), r.Permissions) && cur.RequireMFA == r.RequireMFA {
		return cur, Unchanged, nil
	}
	next := cur
	next.Description, next.Permissions, next.RequireMFA, next.UpdatedAt = r.Description, r.Permissions, r.RequireMFA, now
	if err := s.UpdateGlobalRole(ctx, next); err != nil {
		return GlobalRole{}, Unchanged, err
	}
	return next, Updated, nil
}

// normalizePermissions sorts and de-duplicates, so that equal roles compare
// equal.
func normalizePermissions(ps []Permission) []Permission {
	out := slices.Clone(ps)
	slices.SortFunc(out, func(a, b Permission) int { return strings.Compare(a.String(), b.String()) })
	return slices.Compact(out)
}

// PutGroup creates the group g.Name in tenant slug, or updates its
// description and what it grants. The administrators group grants full
// administration by definition and carries nothing else.
func (d *Directory) PutGroup(ctx context.Context, s Store, tenantSlug string, g Group) (Group, Change, error) {
	if err := ValidateName("name", g.Name); err != nil {
		return Group{}, Unchanged, err
	}
	t, err := tenantBySlug(ctx, s, "tenant", tenantSlug)
	if err != nil {
		return Group{}, Unchanged, err
	}
	if g.Name == GroupAdministrators && (len(g.GlobalRoles) > 0 || len(g.ServiceRoles) > 0) {
		// (RequireMFA is allowed: "administrators must use TOTP".)
		field := "global_roles"
		if len(g.GlobalRoles) == 0 {
			field = "service_roles"
		}
		return Group{}, Unchanged, fieldErr(field, "the administrators group grants full administration and carries no other roles")
	}
	b, err := d.bookOf(ctx, s, t)
	if err != nil {
		return Group{}, Unchanged, err
	}
	if err := b.CheckAssignment(Assignment{GlobalRoles: g.GlobalRoles, ServiceRoles: g.ServiceRoles}, true); err != nil {
		return Group{}, Unchanged, err
	}
	g.Description = strings.TrimSpace(g.Description)
	g.GlobalRoles, g.ServiceRoles = sortedNames(g.GlobalRoles), g.ServiceRoles.Normalize()
	now := d.now().UTC()
	cur, ok := b.Groups[g.Name]
	if !ok {
		g.ID, g.TenantID, g.CreatedAt, g.UpdatedAt = NewID(), t.ID, now, now
		if err := s.CreateGroup(ctx, g); err != nil {
			return Group{}, Unchanged, err
		}
		return g, Created, nil
	}
	if cur.Description == g.Description && slices.Equal(sortedNames(cur.GlobalRoles), g.GlobalRoles) && cur.ServiceRoles.Equal(g.ServiceRoles) &&
		cur.RequireMFA == g.RequireMFA {
		return cur, Unchanged, nil
	}
	next := cur
	next.Description, next.GlobalRoles, next.ServiceRoles, next.RequireMFA, next.UpdatedAt = g.Description, g.GlobalRoles, g.ServiceRoles, g.RequireMFA, now
	if err := s.UpdateGroup(ctx, next); err != nil {
		return Group{}, Unchanged, err
	}
	return next, Updated, nil
}

// sortedNames returns a sorted copy without duplicates (nil for none).
func sortedNames(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	out := slices.Clone(s)
	slices.Sort(out)
	return slices.Compact(out)
}
