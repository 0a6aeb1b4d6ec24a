package directory

import (
	"context"
	"fmt"
	"strings"
)

// Tenants as the administration API manages them, for a Caller (caller.go).

// TenantsFor returns the caller's subtree, parents before children.
func (d *Directory) TenantsFor(ctx context.Context, c Caller) ([]Tenant, error) {
	if err := c.authorize(c.Principal.Tenant, "tenants", AccessRead); err != nil {
		return nil, err
	}
	all, err := d.store.ListTenants(ctx)
	if err != nil {
		return nil, err
	}
	var out []Tenant
	for _, t := range all {
		if c.Reaches(t) {
			out = append(out, t)
		}
	}
	return out, nil
}

// TenantFor returns the tenant with slug, if the caller may read it.
func (d *Directory) TenantFor(ctx context.Context, c Caller, slug string) (Tenant, error) {
	return d.tenantFor(ctx, d.store, c, slug, "tenants", AccessRead)
}

// CreateTenantFor creates a child of the tenant parentSlug, one level
// below it, for a caller holding tenants:create there. A slug that is
// taken is ErrConflict.
func (d *Directory) CreateTenantFor(ctx context.Context, c Caller, slug, name, parentSlug string) (Tenant, error) {
	if strings.TrimSpace(parentSlug) == "" {
		return Tenant{}, fieldErr("parent", "is required: the tenant to create the new one below")
	}
	var created Tenant
	err := d.store.InTx(ctx, func(s Store) error {
		// A parent out of reach is 404, like one that does not exist.
		parent, err := d.tenantFor(ctx, s, c, parentSlug, "tenants", AccessCreate)
		if err != nil {
			return err
		}
		level, ok := parent.Level.ChildLevel()
		if !ok {
			return fieldErr("parent", "a %s tenant cannot have children", parent.Level)
		}
		created, err = d.addTenant(ctx, s, slug, name, level, parent.Slug)
		return err
	})
	return created, err
}

// UpdateTenantFor renames the tenant slug and replaces its settings, for a
// caller holding tenants:change there. A caller may change the settings
// of the tenants below it, not its own: its own policies are its parent's
// to set (the system tenant's, the operator's). The logo is kept as it
// is, whatever settings.Branding.Logo holds: it has a call of its own
// (SetTenantLogoFor), so that a change of a policy need not send an image
// back.
func (d *Directory) UpdateTenantFor(ctx context.Context, c Caller, slug, name string, settings TenantSettings) (Tenant, error) {
	var out Tenant
	err := d.store.InTx(ctx, func(s Store) error {
		t, err := d.settingsFor(ctx, s, c, slug)
		if err != nil {
			return err
		}
		if strings.TrimSpace(name) == "" {
			return fieldErr("name", "is required")
		}
		settings.Branding.Logo = t.Settings.Branding.Logo
		if _, err := d.PutTenantSettings(ctx, s, t.Slug, settings); err != nil {
			return err
		}
		if t, err = s.TenantByID(ctx, t.ID); err != nil {
			return err
		}
		// The default user roles are given to every user of the tenant:
		// the caller may set only defaults it could grant a user itself,
		// or it (or anyone below) gains through the setting what it lacks.
		b, err := d.bookOf(ctx, s, t)
		if err != nil {
			return err
		}
		if err := reframe(b.CheckGrant(c.Principal, Assignment{TenantRole: TenantRoleUser}), "user_roles", "%s"); err != nil {
			return err
		}
		if name = strings.TrimSpace(name); name != t.Name {
			t.Name, t.UpdatedAt = name, d.now().UTC()
			if err := s.UpdateTenant(ctx, t); err != nil {
				return err
			}
		}
		out = t
		return nil
	})
	return out, err
}

// SetTenantLogoFor sets the logo of tenant slug (a zero logo removes it:
// the tenant inherits its parent's), for a caller who may change the
// tenant's settings (UpdateTenantFor). It returns the tenant as it was and
// as it is.
func (d *Directory) SetTenantLogoFor(ctx context.Context, c Caller, slug string, logo Logo) (before, after Tenant, err error) {
	err = d.store.InTx(ctx, func(s Store) error {
		t, err := d.settingsFor(ctx, s, c, slug)
		if err != nil {
			return err
		}
		settings := t.Settings
		settings.Branding.Logo = logo
		if _, err := d.PutTenantSettings(ctx, s, t.Slug, settings); err != nil {
			return err
		}
		before = t
		after, err = s.TenantByID(ctx, t.ID)
		return err
	})
	return before, after, err
}

// settingsFor returns the tenant slug, whose settings c means to change:
// c needs tenants:change there, and may not change its own tenant's
// (but for the system tenant's): they are its parent's to set.
func (d *Directory) settingsFor(ctx context.Context, s Store, c Caller, slug string) (Tenant, error) {
	t, err := d.tenantFor(ctx, s, c, slug, "tenants", AccessChange)
	if err != nil {
		return Tenant{}, err
	}
	if t.ID == c.Principal.Tenant.ID && t.Level != LevelSystem {
		return Tenant{}, fmt.Errorf("tenant %s is the caller's own: its parent sets its policies: %w", t.Slug, ErrForbidden)
	}
	return t, nil
}
