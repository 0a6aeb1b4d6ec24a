package directoryfile

import (
	"context"

	"github.com/gatehouse-id/gatehouse/directory"
)

// The steps of Apply that set up the platform and its tenants: what users
// and clients then refer to.

func (a *applier) resources(ctx context.Context, f *File) error {
	for _, r := range f.Resources {
		_, ch, err := a.d.PutResource(ctx, a.s, r.resource())
		if ok, err := a.put(r.src, ref{kind: "resource", name: r.Name}, err, nil); !ok {
			if err != nil {
				return err
			}
			continue
		}
		count(ch, &a.res.ResourcesCreated, &a.res.ResourcesUpdated)
	}
	return nil
}

func (a *applier) services(ctx context.Context, f *File) error {
	for _, s := range f.Services {
		_, ch, err := a.d.PutService(ctx, a.s, s.service())
		if ok, err := a.put(s.src, ref{kind: "service", name: s.Name}, err, nil); !ok {
			if err != nil {
				return err
			}
			continue
		}
		count(ch, &a.res.ServicesCreated, &a.res.ServicesUpdated)
	}
	return nil
}

// tenants applies the tenants parents first, so that a file may list them
// in any order. A tenant whose parents form a cycle within the file is
// reported and left out.
func (a *applier) tenants(ctx context.Context, f *File) error {
	index := map[string]int{}
	for i, t := range f.Tenants {
		if _, dup := index[directory.NormalizeSlug(t.Slug)]; !dup {
			index[directory.NormalizeSlug(t.Slug)] = i
		}
	}
	parent := func(i int) int {
		if j, ok := index[directory.NormalizeSlug(f.Tenants[i].Parent)]; ok && f.Tenants[i].Parent != "" {
			return j
		}
		return -1
	}
	cyclic := func(i int) {
		t := f.Tenants[i]
		a.add(t.src.pos("parent"), join(t.src.path, "parent"), "the parents form a cycle: a tenant cannot be its own ancestor")
		a.failed[tenantRef(t.Slug)] = true
	}
	for _, i := range parentsFirst(len(f.Tenants), parent, cyclic) {
		t := f.Tenants[i]
		self := tenantRef(t.Slug)
		if t.Parent != "" && a.failed[tenantRef(t.Parent)] {
			a.failed[self] = true
			continue
		}
		_, ch, err := a.d.PutTenant(ctx, a.s, t.Slug, t.Name, t.Level, t.Parent)
		if ok, err := a.put(t.src, self, err, nil); !ok {
			if err != nil {
				return err
			}
			continue
		}
		a.tenantChange[self.name] = ch
		count(ch, &a.res.TenantsCreated, &a.res.TenantsUpdated)
	}
	return nil
}

func (a *applier) roles(ctx context.Context, f *File) error {
	for _, r := range f.Roles {
		self := ref{kind: "role", tenant: directory.NormalizeSlug(r.Tenant), name: r.Name}
		refs := []ref{tenantRef(r.Tenant)}
		for _, p := range r.Permissions {
			refs = append(refs, ref{kind: "resource", name: p.Resource})
		}
		if a.anyFailed(refs...) {
			a.failed[self] = true
			continue
		}
		_, ch, err := a.d.PutGlobalRole(ctx, a.s, r.Tenant, r.role())
		if ok, err := a.put(r.src, self, err, nil); !ok {
			if err != nil {
				return err
			}
			continue
		}
		count(ch, &a.res.RolesCreated, &a.res.RolesUpdated)
	}
	return nil
}

func (a *applier) groups(ctx context.Context, f *File) error {
	for _, g := range f.Groups {
		self := ref{kind: "group", tenant: directory.NormalizeSlug(g.Tenant), name: g.Name}
		if a.anyFailed(assignmentRefs(g.Tenant, g.GlobalRoles, g.ServiceRoles, nil)...) {
			a.failed[self] = true
			continue
		}
		_, ch, err := a.d.PutGroup(ctx, a.s, g.Tenant, g.group())
		if ok, err := a.put(g.src, self, err, nil); !ok {
			if err != nil {
				return err
			}
			continue
		}
		count(ch, &a.res.GroupsCreated, &a.res.GroupsUpdated)
	}
	return nil
}

// settings applies the tenants' settings, once their roles exist. A change
// counts as an update of a tenant that Apply did not create.
func (a *applier) settings(ctx context.Context, f *File) error {
	for _, t := range f.Tenants {
		self := tenantRef(t.Slug)
		if a.anyFailed(assignmentRefs(t.Slug, t.Settings.UserRoles, nil, nil)...) {
			continue
		}
		ch, err := a.d.PutTenantSettings(ctx, a.s, t.Slug, t.Settings)
		// Without settings in the file, blame the tenant's settings key.
		alias := map[string]string{}
		if t.settings.path == t.src.path {
			alias["user_roles"] = "settings"
		}
		if ok, err := a.put(t.settings, ref{kind: "settings", name: self.name}, err, alias); !ok {
			if err != nil {
				return err
			}
			continue
		}
		if ch == directory.Updated && a.tenantChange[self.name] == directory.Unchanged {
			a.res.TenantsUpdated++
		}
	}
	return nil
}
