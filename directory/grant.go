package directory

import (
	"strings"
)

// Who may hold what. Two rules, both enforced here so that every caller
// (the directory file, the administration API, copying roles) gets them:
//
//   - an assignment names only roles, groups and service roles that exist
//     in its tenant (CheckAssignment);
//   - nobody grants a tenant role, permission or service role that they do
//     not hold themselves (CheckGrant, seed 004): a sub-user holds at most
//     what its owner holds. An administrator counts as holding every
//     service role: it could grant any to itself.

// CheckAssignment reports the first name in a that the book's tenant does
// not know, as a *FieldError naming the field and the item. machine is true
// for a machine client, which has no tenant role and no groups.
func (b *Book) CheckAssignment(a Assignment, machine bool) error {
	if machine {
		if a.TenantRole != "" {
			return fieldErr("tenant_role", "a machine client has no tenant role")
		}
		if len(a.Groups) > 0 {
			return fieldErr("groups", "a machine client cannot be in a group")
		}
	} else if !a.TenantRole.Valid() {
		return fieldErr("role", "must be admin or user")
	}
	for _, r := range a.GlobalRoles {
		if _, ok := b.Roles[r]; !ok {
			return fieldErr("global_roles", "tenant %q has no global role %q", b.Tenant.Slug, r)
		}
	}
	for _, g := range a.Groups {
		if _, ok := b.Groups[g]; !ok {
			return fieldErr("groups", "tenant %q has no group %q", b.Tenant.Slug, g)
		}
	}
	return b.checkServiceRoles("service_roles", a.ServiceRoles)
}

func (b *Book) checkServiceRoles(field string, sr ServiceRoles) error {
	var err error
	sr.Each(func(svc, role string) {
		if err != nil {
			return
		}
		s, ok := b.Services[svc]
		switch {
		case !ok:
			err = fieldErr(field, "there is no service %q", svc)
		case !s.HasRole(role):
			err = fieldErr(field, "service %q has no role %q (it has %s)", svc, role, strings.Join(s.Roles, ", "))
		}
	})
	return err
}

// CheckGrant reports, as a *FieldError naming the offending item, the first
// thing that holding a in the book's tenant would give and that granter
// does not hold: the admin tenant role, a permission (of a role, of a
// group's roles, or of the tenant's default roles) or a service role. a
// must have passed CheckAssignment.
func (b *Book) CheckGrant(granter Principal, a Assignment) error {
	if a.TenantRole == TenantRoleAdmin && !granter.IsAdmin() {
		return fieldErr("role", "cannot make anyone an administrator without being one")
	}
	for _, name := range a.GlobalRoles {
		if err := b.checkRole(granter, "global_roles", name, ""); err != nil {
			return err
		}
	}
	for _, name := range a.Groups {
		if name == GroupAdministrators && !granter.IsAdmin() {
			return fieldErr("groups", "cannot add anyone to %q without being an administrator", GroupAdministrators)
		}
		g := b.Groups[name]
		for _, r := range g.GlobalRoles {
			if err := b.checkRole(granter, "groups", r, name); err != nil {
				return err
			}
		}
		if err := checkServiceGrant(granter, "groups", g.ServiceRoles, name); err != nil {
			return err
		}
	}
	if err := checkServiceGrant(granter, "service_roles", a.ServiceRoles, ""); err != nil {
		return err
	}
	// Whatever remains comes with the tenant role: the tenant's defaults.
	got := b.Resolve(a)
	if missing := granter.lacks(got.Permissions.Permissions()); len(missing) > 0 {
		if a.TenantRole == "" {
			return fieldErr("global_roles", "the roles given in tenant %q (%s) include %s, which you do not hold",
				b.Tenant.Slug, strings.Join(got.GlobalRoles, ", "), missing[0])
		}
		return fieldErr("role", "the default roles of a %s in tenant %q (%s) include %s, which you do not hold",
			a.TenantRole, b.Tenant.Slug, strings.Join(got.GlobalRoles, ", "), missing[0])
	}
	return nil
}

func (b *Book) checkRole(granter Principal, field, name, group string) error {
	r, ok := b.Roles[name]
	if !ok {
		return nil
	}
	missing := granter.lacks(r.effectivePermissions(b.Catalog, b.Tenant.Level))
	if len(missing) == 0 {
		return nil
	}
	if group != "" {
		return fieldErr(field, "cannot grant group %q: its role %q includes %s, which you do not hold", group, name, missing[0])
	}
	return fieldErr(field, "cannot grant %q: it includes %s, which you do not hold", name, missing[0])
}

// checkServiceGrant: a service role is granted by holding it, or by being
// an administrator, who may grant itself any service role of its tenant and
// so gains nothing by being refused.
func checkServiceGrant(granter Principal, field string, sr ServiceRoles, group string) error {
	if granter.IsAdmin() {
		return nil
	}
	var err error
	sr.Each(func(svc, role string) {
		if err != nil || granter.ServiceRoles.Has(svc, role) {
			return
		}
		if group != "" {
			err = fieldErr(field, "cannot grant group %q: it includes service role %s:%s, which you do not hold", group, svc, role)
			return
		}
		err = fieldErr(field, "cannot grant service role %s:%s, which you do not hold", svc, role)
	})
	return err
}
