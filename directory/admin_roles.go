package directory

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Global roles, groups and services as the administration API manages
// them, for a Caller (caller.go). Besides the rules of caller.go:
//
//   - nobody escalates: a role may only hold permissions the caller holds,
//     and a group only global roles and service roles the caller could
//     grant (Book.CheckGrant). Nor does anyone touch what it could not
//     grant: changing or deleting a role needs every permission the role
//     has now, and changing or deleting a group needs being able to grant
//     the group as it is now (so only an administrator changes the
//     administrators group or the admins role). Otherwise a caller holding
//     roles:change could strip, or rewrite the description of, a role more
//     powerful than its own;
//   - the admins role and the administrators group are built in: neither
//     can be deleted, admins holds every permission (none are listed) and
//     administrators carries no roles (PutGlobalRole, PutGroup). Names are
//     identities and never change, so nothing is renamed;
//   - deleting is refused, with a *FieldError naming who, while anything
//     still uses the role or group: users (home or linked), groups,
//     machine clients, or the tenant's default user roles. The caller
//     removes it from them first, each removal its own audited change,
//     rather than a delete silently changing what people hold;
//   - services are the platform's catalog, shared by every tenant: anyone
//     holding roles:read reads it (every assignment names services), and
//     only a caller acting in the system tenant with roles:change changes
//     it (creating and deleting included); a service, or a role of one, is
//     removed only while nothing holds it (admin_services.go).
//
// Every operation runs in one transaction: a refused one writes nothing.

// GlobalRolesFor lists the global roles of tenant slug, by name
// (roles:read).
func (d *Directory) GlobalRolesFor(ctx context.Context, c Caller, slug string) ([]GlobalRole, error) {
	t, err := d.tenantFor(ctx, d.store, c, slug, "roles", AccessRead)
	if err != nil {
		return nil, err
	}
	return d.store.ListGlobalRoles(ctx, t.ID)
}

// GlobalRoleFor returns the global role name of tenant slug (roles:read).
func (d *Directory) GlobalRoleFor(ctx context.Context, c Caller, slug, name string) (GlobalRole, error) {
	t, err := d.tenantFor(ctx, d.store, c, slug, "roles", AccessRead)
	if err != nil {
		return GlobalRole{}, err
	}
	return d.store.GlobalRoleByName(ctx, t.ID, name)
}

// CreateGlobalRoleFor creates the global role r.Name in tenant slug with
// r's description, permissions and RequireMFA (roles:create). The caller
// must hold every permission it gives the role; a name taken in the tenant
// is ErrConflict.
func (d *Directory) CreateGlobalRoleFor(ctx context.Context, c Caller, slug string, r GlobalRole) (GlobalRole, error) {
	var out GlobalRole
	err := d.store.InTx(ctx, func(s Store) error {
		t, err := d.tenantFor(ctx, s, c, slug, "roles", AccessCreate)
		if err != nil {
			return err
		}
		if err := ValidateName("name", r.Name); err != nil {
			return err
		}
		_, err = s.GlobalRoleByName(ctx, t.ID, r.Name)
		if err := taken(err, "name", "tenant %s already has a global role %q", t.Slug, r.Name); err != nil {
			return err
		}
		created, _, err := d.PutGlobalRole(ctx, s, t.Slug, r)
		if err != nil {
			return err
		}
		if err := checkRoleGrant(c, created); err != nil {
			return err
		}
		out = created
		return nil
	})
	return out, err
}

// UpdateGlobalRoleFor replaces the description, permissions and
// RequireMFA of the global role name of tenant slug (roles:change),
// returning it before and after. The caller must hold every permission the
// role has now and every one it is given.
func (d *Directory) UpdateGlobalRoleFor(ctx context.Context, c Caller, slug, name string, r GlobalRole) (GlobalRole, GlobalRole, error) {
	var before, after GlobalRole
	err := d.store.InTx(ctx, func(s Store) error {
		t, cur, err := d.roleFor(ctx, s, c, slug, name)
		if err != nil {
			return err
		}
		before = cur
		r.Name = cur.Name
		next, _, err := d.PutGlobalRole(ctx, s, t.Slug, r)
		if err != nil {
			return err
		}
		if err := checkRoleGrant(c, next); err != nil {
			return err
		}
		after = next
		return nil
	})
	return before, after, err
}

// DeleteGlobalRoleFor deletes the global role name of tenant slug
// (roles:change), returning it. The admins role cannot be deleted, nor a
// role that anything still uses (see roleUses): the caller removes it from
// them first.
func (d *Directory) DeleteGlobalRoleFor(ctx context.Context, c Caller, slug, name string) (GlobalRole, error) {
	var out GlobalRole
	err := d.store.InTx(ctx, func(s Store) error {
		t, cur, err := d.roleFor(ctx, s, c, slug, name)
		if err != nil {
			return err
		}
		if cur.Name == RoleAdmins {
			return fieldErr("name", "the admins role cannot be deleted: every tenant administrator holds it")
		}
		uses, err := roleUses(ctx, s, t, cur.Name)
		if err != nil {
			return err
		}
		if uses != "" {
			return fieldErr("name", "global role %q is still used by %s: remove it from them first", cur.Name, uses)
		}
		if err := s.DeleteGlobalRole(ctx, cur.ID); err != nil {
			return err
		}
		out = cur
		return nil
	})
	return out, err
}

// roleFor loads the role name of tenant slug for a change by the caller:
// roles:change there, and holding every permission the role has now.
func (d *Directory) roleFor(ctx context.Context, s Store, c Caller, slug, name string) (Tenant, GlobalRole, error) {
	t, err := d.tenantFor(ctx, s, c, slug, "roles", AccessChange)
	if err != nil {
		return Tenant{}, GlobalRole{}, err
	}
	r, err := s.GlobalRoleByName(ctx, t.ID, name)
	if err != nil {
		return Tenant{}, GlobalRole{}, err
	}
	resources, err := s.ListResources(ctx)
	if err != nil {
		return Tenant{}, GlobalRole{}, err
	}
	if m := c.Principal.lacks(r.effectivePermissions(NewCatalog(resources), t.Level)); len(m) > 0 {
		return Tenant{}, GlobalRole{}, fieldErr("name",
			"global role %q includes %s, which you do not hold: only someone holding all of a role may change or delete it", r.Name, m[0])
	}
	return t, r, nil
}

// checkRoleGrant refuses the role r, as the caller would give it, if it
// holds a permission the caller does not.
func checkRoleGrant(c Caller, r GlobalRole) error {
	if m := c.Principal.lacks(r.Permissions); len(m) > 0 {
		return fieldErr("permissions", "you cannot give a role %s, which you do not hold", m[0])
	}
	return nil
}

// roleUses says what in tenant t still uses the global role name: users
// (home or linked), groups, machine clients and the default user roles;
// "" for nothing.
func roleUses(ctx context.Context, s Store, t Tenant, name string) (string, error) {
	var uses []string
	if slices.Contains(t.Settings.UserRoles, name) {
		uses = append(uses, "the tenant's default user roles")
	}
	holders, err := holdersIn(ctx, s, t, func(a Assignment) bool { return slices.Contains(a.GlobalRoles, name) })
	if err != nil {
		return "", err
	}
	if holders != "" {
		uses = append(uses, holders)
	}
	groups, err := s.ListGroups(ctx, t.ID)
	if err != nil {
		return "", err
	}
	var gs []string
	for _, g := range groups {
		if slices.Contains(g.GlobalRoles, name) {
			gs = append(gs, g.Name)
		}
	}
	if len(gs) > 0 {
		uses = append(uses, "groups "+nameList(gs))
	}
	clients, err := s.ListClients(ctx)
	if err != nil {
		return "", err
	}
	var cs []string
	for _, cl := range clients {
		if cl.TenantID == t.ID && slices.Contains(cl.GlobalRoles, name) {
			cs = append(cs, cl.ID)
		}
	}
	if len(cs) > 0 {
		uses = append(uses, "clients "+nameList(cs))
	}
	return strings.Join(uses, "; "), nil
}

// holdersIn names the users of tenant t whose assignment there (their
// home one, or their link to t) matches: "users a, b; external users c",
// or "".
func holdersIn(ctx context.Context, s Store, t Tenant, match func(Assignment) bool) (string, error) {
	users, err := s.ListUsers(ctx, t.ID)
	if err != nil {
		return "", err
	}
	var home, external []string
	for _, u := range users {
		if match(u.Assignment()) {
			home = append(home, u.Username)
		}
	}
	links, err := s.LinksToTenant(ctx, t.ID)
	if err != nil {
		return "", err
	}
	homes := map[string]string{} // slugs by tenant id: external users often share a home
	for _, l := range links {
		if !match(l.Assignment()) {
			continue
		}
		name := l.UserID
		if u, err := s.UserByID(ctx, l.UserID); err == nil {
			name = u.Username
			home, ok := homes[u.TenantID]
			if !ok {
				if h, err := s.TenantByID(ctx, u.TenantID); err == nil {
					home = h.Slug
				}
				homes[u.TenantID] = home
			}
			if home != "" {
				name += " (of " + home + ")"
			}
		} else if !errors.Is(err, ErrNotFound) {
			return "", err
		}
		external = append(external, name)
	}
	var out []string
	if len(home) > 0 {
		out = append(out, "users "+nameList(home))
	}
	if len(external) > 0 {
		out = append(out, "external users "+nameList(external))
	}
	return strings.Join(out, "; "), nil
}

// nameList writes at most five names, then how many more.
func nameList(names []string) string {
	const most = 5
	if len(names) <= most {
		return strings.Join(names, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(names[:most], ", "), len(names)-most)
}

// GroupsFor lists the groups of tenant slug, by name (groups:read).
func (d *Directory) GroupsFor(ctx context.Context, c Caller, slug string) ([]Group, error) {
	t, err := d.tenantFor(ctx, d.store, c, slug, "groups", AccessRead)
	if err != nil {
		return nil, err
	}
	return d.store.ListGroups(ctx, t.ID)
}

// GroupFor returns the group name of tenant slug (groups:read).
func (d *Directory) GroupFor(ctx context.Context, c Caller, slug, name string) (Group, error) {
	t, err := d.tenantFor(ctx, d.store, c, slug, "groups", AccessRead)
	if err != nil {
		return Group{}, err
	}
	return d.store.GroupByName(ctx, t.ID, name)
}

// CreateGroupFor creates the group g.Name in tenant slug with g's
// description, global roles, service roles and RequireMFA (groups:create).
// The group carries only what the caller could grant; a name taken in the
// tenant is ErrConflict.
func (d *Directory) CreateGroupFor(ctx context.Context, c Caller, slug string, g Group) (Group, error) {
	var out Group
	err := d.store.InTx(ctx, func(s Store) error {
		t, err := d.tenantFor(ctx, s, c, slug, "groups", AccessCreate)
		if err != nil {
			return err
		}
		if err := ValidateName("name", g.Name); err != nil {
			return err
		}
		_, err = s.GroupByName(ctx, t.ID, g.Name)
		if err := taken(err, "name", "tenant %s already has a group %q", t.Slug, g.Name); err != nil {
			return err
		}
		b, err := d.bookOf(ctx, s, t)
		if err != nil {
			return err
		}
		if err := checkGroupGrant(b, c, g); err != nil {
			return err
		}
		created, _, err := d.PutGroup(ctx, s, t.Slug, g)
		out = created
		return err
	})
	return out, err
}

// UpdateGroupFor replaces the description, global roles, service roles and
// RequireMFA of the group name of tenant slug (groups:change), returning it
// before and after. The caller must be able to grant the group as it is
// and as it becomes.
func (d *Directory) UpdateGroupFor(ctx context.Context, c Caller, slug, name string, g Group) (Group, Group, error) {
	var before, after Group
	err := d.store.InTx(ctx, func(s Store) error {
		b, cur, err := d.groupFor(ctx, s, c, slug, name)
		if err != nil {
			return err
		}
		before = cur
		g.Name = cur.Name
		if err := checkGroupGrant(b, c, g); err != nil {
			return err
		}
		next, _, err := d.PutGroup(ctx, s, b.Tenant.Slug, g)
		after = next
		return err
	})
	return before, after, err
}

// DeleteGroupFor deletes the group name of tenant slug (groups:change),
// returning it. The administrators group cannot be deleted, nor a group
// that still has members (home or linked users): the caller removes them
// first.
func (d *Directory) DeleteGroupFor(ctx context.Context, c Caller, slug, name string) (Group, error) {
	var out Group
	err := d.store.InTx(ctx, func(s Store) error {
		b, cur, err := d.groupFor(ctx, s, c, slug, name)
		if err != nil {
			return err
		}
		if cur.Name == GroupAdministrators {
			return fieldErr("name", "the administrators group is built in and cannot be deleted")
		}
		members, err := holdersIn(ctx, s, b.Tenant, func(a Assignment) bool { return slices.Contains(a.Groups, cur.Name) })
		if err != nil {
			return err
		}
		if members != "" {
			return fieldErr("name", "group %q still has members (%s): remove them first", cur.Name, members)
		}
		if err := s.DeleteGroup(ctx, cur.ID); err != nil {
			return err
		}
		out = cur
		return nil
	})
	return out, err
}

// groupFor loads the group name of tenant slug, and the tenant's book, for
// a change by the caller: groups:change there, and able to grant the group
// as it is.
func (d *Directory) groupFor(ctx context.Context, s Store, c Caller, slug, name string) (*Book, Group, error) {
	t, err := d.tenantFor(ctx, s, c, slug, "groups", AccessChange)
	if err != nil {
		return nil, Group{}, err
	}
	g, err := s.GroupByName(ctx, t.ID, name)
	if err != nil {
		return nil, Group{}, err
	}
	b, err := d.bookOf(ctx, s, t)
	if err != nil {
		return nil, Group{}, err
	}
	if err := reframe(b.CheckGrant(c.Principal, Assignment{Groups: []string{g.Name}}), "name",
		"only someone who could grant group %q may change or delete it: %s", g.Name); err != nil {
		return nil, Group{}, err
	}
	return b, g, nil
}

// checkGroupGrant checks that g names roles and service roles of b's
// tenant, all of which the caller could grant.
func checkGroupGrant(b *Book, c Caller, g Group) error {
	a := Assignment{GlobalRoles: g.GlobalRoles, ServiceRoles: g.ServiceRoles}
	if err := b.CheckAssignment(a, true); err != nil {
		return err
	}
	return b.CheckGrant(c.Principal, a)
}
