package directory

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"
)

// Principal is what someone holds in the tenant it acts in, with direct
// assignments, groups and defaults resolved into one: the single answer that
// the login, the token endpoint and the administration API all use.
type Principal struct {
	Tenant Tenant
	// TenantRole is empty for a machine client.
	TenantRole   TenantRole
	GlobalRoles  []string // sorted
	Permissions  PermissionSet
	ServiceRoles ServiceRoles // every service; see ServiceRoles.Only for a client's view
	Groups       []string     // sorted
	// MFARequiredBy names a global role or group held that requires TOTP
	// (RequireMFA), or is empty when none does.
	MFARequiredBy string
}

// IsAdmin reports whether the principal administers its tenant.
func (p *Principal) IsAdmin() bool { return p.TenantRole == TenantRoleAdmin }

// holdsAdmins reports whether the principal holds the admins role.
func (p *Principal) holdsAdmins() bool { return slices.Contains(p.GlobalRoles, RoleAdmins) }

// lacks returns the permissions of ps that p does not hold, in the order
// given. A principal holding the admins role holds every permission, of
// every level: a provider's administrator lacks nothing a customer's role
// may hold, even a resource that applies only at customer level. Its
// Permissions list only what applies at its own level, since they are what
// its tokens carry.
func (p *Principal) lacks(ps []Permission) []Permission {
	if p.holdsAdmins() {
		return nil
	}
	return p.Permissions.Missing(ps)
}

// Book is everything about one tenant that resolving and checking
// assignments there needs: its roles and groups, the service catalog and the
// permission catalog. Building it takes a few reads; resolving with it
// takes none, which is what makes resolution testable as a pure function.
type Book struct {
	Tenant   Tenant
	Catalog  *Catalog
	Roles    map[string]GlobalRole
	Groups   map[string]Group
	Services map[string]Service
}

// NewBook indexes what it is given; Catalog nil means the built-in one.
func NewBook(t Tenant, c *Catalog, roles []GlobalRole, groups []Group, services []Service) *Book {
	if c == nil {
		c = NewCatalog(nil)
	}
	b := &Book{Tenant: t, Catalog: c, Roles: map[string]GlobalRole{}, Groups: map[string]Group{}, Services: map[string]Service{}}
	for _, r := range roles {
		b.Roles[r.Name] = r
	}
	for _, g := range groups {
		b.Groups[g.Name] = g
	}
	for _, s := range services {
		b.Services[s.Name] = s
	}
	return b
}

// Resolve turns an assignment in the book's tenant into a principal:
//
//   - the tenant role is the assigned one, raised to admin by membership of
//     the administrators group;
//   - the global roles are the assigned ones, those of the groups, and the
//     defaults of the tenant role: admins for an administrator, the
//     tenant's default user roles (Settings.UserRoles) for a user; a machine
//     client (no tenant role) gets no defaults;
//   - the permissions are those of the global roles (admins: every resource
//     that applies at the tenant's level);
//   - the service roles are the assigned ones and those of the groups.
//
// Names the book does not know (a role deleted since it was assigned) are
// left out rather than trusted.
func (b *Book) Resolve(a Assignment) Principal {
	p := Principal{Tenant: b.Tenant, TenantRole: a.TenantRole}
	roles := map[string]bool{}
	service := ServiceRoles{}
	addService := func(sr ServiceRoles) {
		for svc, rs := range sr {
			s, ok := b.Services[svc]
			if !ok {
				continue
			}
			for _, r := range rs {
				if s.HasRole(r) {
					service.Add(svc, r)
				}
			}
		}
	}
	for _, name := range a.Groups {
		g, ok := b.Groups[name]
		if !ok {
			continue
		}
		p.Groups = append(p.Groups, name)
		if g.RequireMFA && p.MFARequiredBy == "" {
			p.MFARequiredBy = "group " + name
		}
		if name == GroupAdministrators {
			p.TenantRole = TenantRoleAdmin
		}
		for _, r := range g.GlobalRoles {
			roles[r] = true
		}
		addService(g.ServiceRoles)
	}
	for _, r := range a.GlobalRoles {
		roles[r] = true
	}
	switch p.TenantRole {
	case TenantRoleAdmin:
		roles[RoleAdmins] = true
	case TenantRoleUser:
		for _, r := range b.Tenant.Settings.UserRoles {
			roles[r] = true
		}
	}
	addService(a.ServiceRoles)
	for name := range roles {
		r, ok := b.Roles[name]
		if !ok {
			continue
		}
		p.GlobalRoles = append(p.GlobalRoles, name)
		p.Permissions.AddAll(r.effectivePermissions(b.Catalog, b.Tenant.Level))
	}
	slices.Sort(p.GlobalRoles)
	for _, name := range p.GlobalRoles { // sorted, so the reason is stable
		if b.Roles[name].RequireMFA && p.MFARequiredBy == "" {
			p.MFARequiredBy = "role " + name
		}
	}
	slices.Sort(p.Groups)
	p.Groups = slices.Compact(p.Groups)
	p.ServiceRoles = service.Normalize()
	return p
}

// Book loads the book of the tenant with id tenantID from s.
func (d *Directory) Book(ctx context.Context, s Store, tenantID string) (*Book, error) {
	if cs, ok := s.(*cachedStore); ok && cs.c == d.cache {
		// Outside a transaction: the cache may answer (cache.go).
		return d.cache.book(ctx, tenantID, func(ctx context.Context, id string) (*Book, error) {
			return d.loadBook(ctx, s, id)
		})
	}
	return d.loadBook(ctx, s, tenantID)
}

// loadBook reads the tenant's Book from s.
func (d *Directory) loadBook(ctx context.Context, s Store, tenantID string) (*Book, error) {
	t, err := s.TenantByID(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	return d.bookOf(ctx, s, t)
}

func (d *Directory) bookOf(ctx context.Context, s Store, t Tenant) (*Book, error) {
	roles, err := s.ListGlobalRoles(ctx, t.ID)
	if err != nil {
		return nil, fmt.Errorf("roles of tenant %s: %w", t.Slug, err)
	}
	groups, err := s.ListGroups(ctx, t.ID)
	if err != nil {
		return nil, fmt.Errorf("groups of tenant %s: %w", t.Slug, err)
	}
	services, err := s.ListServices(ctx)
	if err != nil {
		return nil, fmt.Errorf("services: %w", err)
	}
	resources, err := s.ListResources(ctx)
	if err != nil {
		return nil, fmt.Errorf("resources: %w", err)
	}
	return NewBook(t, NewCatalog(resources), roles, groups, services), nil
}

// PrincipalSince is PrincipalOf for a session or token of the user that
// signed in at authTime: one that the user's deletion or disabling revoked
// (User.Revoked) is ErrNotFound, even once the user is restored or
// enabled again. A zero authTime (a token minted now) is never revoked.
func (d *Directory) PrincipalSince(ctx context.Context, userID, tenantID string, authTime time.Time) (User, Principal, error) {
	u, p, err := d.PrincipalOf(ctx, userID, tenantID)
	if err == nil && !authTime.IsZero() && u.Revoked(authTime) {
		return User{}, Principal{}, fmt.Errorf("user %s: sessions before %s were revoked: %w", userID,
			u.RevokedBefore.Format(time.RFC3339), ErrNotFound)
	}
	return u, p, err
}

// PrincipalOf resolves what the active user userID holds in tenantID: its
// home tenant when tenantID is empty or the home, otherwise a tenant it is
// linked to. A user that is not linked to tenantID gets ErrNotFound; a
// disabled user ErrUserDisabled.
func (d *Directory) PrincipalOf(ctx context.Context, userID, tenantID string) (User, Principal, error) {
	u, err := d.ActiveUser(ctx, userID)
	if err != nil {
		return User{}, Principal{}, err
	}
	a := u.Assignment()
	if tenantID == "" {
		tenantID = u.TenantID
	}
	if tenantID != u.TenantID {
		l, err := d.store.LinkOf(ctx, u.ID, tenantID)
		if err != nil {
			return User{}, Principal{}, fmt.Errorf("user %s in tenant %s: %w", u.ID, tenantID, err)
		}
		a = l.Assignment()
	}
	b, err := d.Book(ctx, d.store, tenantID)
	if err != nil {
		return User{}, Principal{}, err
	}
	return u, b.Resolve(a), nil
}

// ClientPrincipal resolves what the machine client c holds in its tenant.
// A client without a tenant has no principal (ErrNotFound).
func (d *Directory) ClientPrincipal(ctx context.Context, c *Client) (Principal, error) {
	if c.TenantID == "" {
		return Principal{}, fmt.Errorf("client %s has no tenant: %w", c.ID, ErrNotFound)
	}
	b, err := d.Book(ctx, d.store, c.TenantID)
	if err != nil {
		return Principal{}, err
	}
	return b.Resolve(Assignment{GlobalRoles: c.GlobalRoles, ServiceRoles: c.ServiceRoles}), nil
}

// SystemTenant returns the root of the tenant tree, or ErrNotFound before
// one is created.
func (d *Directory) SystemTenant(ctx context.Context) (Tenant, error) {
	return systemTenant(ctx, d.store)
}

// systemTenant is SystemTenant from s.
func systemTenant(ctx context.Context, s Store) (Tenant, error) {
	all, err := s.ListTenants(ctx)
	if err != nil {
		return Tenant{}, err
	}
	for _, t := range all {
		if t.Level == LevelSystem {
			return t, nil
		}
	}
	return Tenant{}, fmt.Errorf("system tenant: %w", ErrNotFound)
}

// TenantBySlug returns the tenant called slug (normalized first).
func (d *Directory) TenantBySlug(ctx context.Context, slug string) (Tenant, error) {
	slug = NormalizeSlug(slug)
	if ValidateSlug(slug) != nil {
		return Tenant{}, fmt.Errorf("tenant %q: %w", slug, ErrNotFound)
	}
	return d.store.TenantBySlug(ctx, slug)
}

// TenantByID returns the tenant with id.
func (d *Directory) TenantByID(ctx context.Context, id string) (Tenant, error) {
	return d.store.TenantByID(ctx, id)
}

// TenantsOf returns the tenants the user may act in: its home tenant first,
// then those it is linked to, by slug.
func (d *Directory) TenantsOf(ctx context.Context, u User) ([]Tenant, error) {
	home, err := d.store.TenantByID(ctx, u.TenantID)
	if err != nil {
		return nil, err
	}
	links, err := d.store.LinksOfUser(ctx, u.ID)
	if err != nil {
		return nil, err
	}
	out := []Tenant{home}
	for _, l := range links {
		t, err := d.store.TenantByID(ctx, l.TenantID)
		if errors.Is(err, ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	slices.SortFunc(out[1:], func(a, b Tenant) int {
		switch {
		case a.Slug < b.Slug:
			return -1
		case a.Slug > b.Slug:
			return 1
		}
		return 0
	})
	return out, nil
}
