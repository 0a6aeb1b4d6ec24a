package directory

import (
	"context"
	"fmt"
	"slices"
	"strings"
)

// Services as the administration API manages them, for a Caller
// (caller.go). The catalog is the platform's, shared by every tenant:
// anyone holding roles:read reads it (every assignment names services),
// and only a caller acting in the system tenant with roles:change changes
// it (authorizeCatalog), creating and deleting included.
//
// A service, or a role of one, goes only while nothing holds it: no user
// (at home or through a link), group or machine client of any tenant holds
// a role of it, and, for the service, no client consumes it
// (Client.Services). Otherwise the change is refused with a *FieldError
// naming the holders, as deleting a global role in use is (admin_roles.go):
// the operator takes it away from them first, each removal its own audited
// change, rather than a catalog change silently changing what people hold
// on every tenant.
//
// Built-in services there are none: SeedServices is a starting point the
// demo loads, and an operator that does not use one deletes it like any
// other. A service the directory file lists comes back, with its roles,
// when the file is applied again (PutService only adds).

// ServicesFor lists the platform's services, by name (roles:read in the
// caller's tenant).
func (d *Directory) ServicesFor(ctx context.Context, c Caller) ([]Service, error) {
	if err := c.authorize(c.Principal.Tenant, "roles", AccessRead); err != nil {
		return nil, err
	}
	return d.store.ListServices(ctx)
}

// ServiceFor returns the service name (roles:read in the caller's tenant).
func (d *Directory) ServiceFor(ctx context.Context, c Caller, name string) (Service, error) {
	if err := c.authorize(c.Principal.Tenant, "roles", AccessRead); err != nil {
		return Service{}, err
	}
	return d.store.ServiceByName(ctx, name)
}

// CreateServiceFor adds svc to the platform's services, for a caller acting
// in the system tenant with roles:change. A name taken is ErrConflict.
func (d *Directory) CreateServiceFor(ctx context.Context, c Caller, svc Service) (Service, error) {
	if err := authorizeCatalog(c); err != nil {
		return Service{}, err
	}
	if err := ValidateName("name", svc.Name); err != nil {
		return Service{}, err
	}
	var out Service
	err := d.store.InTx(ctx, func(s Store) error {
		_, err := s.ServiceByName(ctx, svc.Name)
		if err := taken(err, "name", "there is already a service %q", svc.Name); err != nil {
			return err
		}
		out, _, err = d.PutService(ctx, s, svc)
		return err
	})
	return out, err
}

// UpdateServiceFor replaces the display name and the roles of the service
// name, for a caller acting in the system tenant with roles:change, and
// returns it before and after. A role left out of svc.Roles is removed if
// nothing holds it, anywhere; otherwise the update is refused, on roles,
// naming the roles and what holds them.
//
// Removing a role reads every tenant's users, links and groups, and every
// client (serviceUses), inside the transaction, so that an assignment made
// meanwhile cannot slip in: PostgreSQL runs it SERIALIZABLE and aborts one
// of the two, SQLite has one writer. That is a lot of reading, but an
// administrative act of the system tenant, and rare; an update that only
// adds roles reads none of it.
func (d *Directory) UpdateServiceFor(ctx context.Context, c Caller, name string, svc Service) (Service, Service, error) {
	if err := authorizeCatalog(c); err != nil {
		return Service{}, Service{}, err
	}
	var before, after Service
	err := d.store.InTx(ctx, func(s Store) error {
		cur, err := s.ServiceByName(ctx, name)
		if err != nil {
			return err
		}
		before, svc.Name = cur, cur.Name
		// What PutService would refuse, refused before reading the
		// platform for the roles left out.
		if len(svc.Roles) == 0 {
			return fieldErr("roles", "a service needs at least one role")
		}
		for _, r := range svc.Roles {
			if err := ValidateName("roles", r); err != nil {
				return err
			}
		}
		removed := slices.DeleteFunc(slices.Clone(cur.Roles), func(r string) bool { return slices.Contains(svc.Roles, r) })
		if len(removed) > 0 {
			if err := checkRolesUnused(ctx, s, cur.Name, removed); err != nil {
				return err
			}
			// PutService only adds roles (the directory file never removes
			// one): take these away first, in the same transaction.
			kept := cur
			kept.Roles = slices.DeleteFunc(slices.Clone(cur.Roles), func(r string) bool { return slices.Contains(removed, r) })
			kept.UpdatedAt = d.now().UTC()
			if err := s.UpdateService(ctx, kept); err != nil {
				return err
			}
		}
		after, _, err = d.PutService(ctx, s, svc)
		return err
	})
	if err != nil {
		return Service{}, Service{}, err
	}
	return before, after, nil
}

// DeleteServiceFor deletes the service name, for a caller acting in the
// system tenant with roles:change, and returns it. It is refused, on name,
// while any user (at home or through a link), group or machine client
// holds a role of it, or any client consumes it; the refusal names them.
//
// Like removing a role (UpdateServiceFor), this reads every tenant's
// users, links and groups, and every client, inside the transaction: a
// concurrent assignment of one of its roles either commits first, and is
// seen, or fails.
func (d *Directory) DeleteServiceFor(ctx context.Context, c Caller, name string) (Service, error) {
	if err := authorizeCatalog(c); err != nil {
		return Service{}, err
	}
	var out Service
	err := d.store.InTx(ctx, func(s Store) error {
		cur, err := s.ServiceByName(ctx, name)
		if err != nil {
			return err
		}
		uses, err := serviceUses(ctx, s, cur.Name, func(roles []string) bool { return len(roles) > 0 })
		if err != nil {
			return err
		}
		clients, err := s.ListClients(ctx)
		if err != nil {
			return err
		}
		var consumers []string
		for _, cl := range clients {
			if slices.Contains(cl.Services, cur.Name) {
				consumers = append(consumers, cl.ID)
			}
		}
		if len(consumers) > 0 {
			uses = append(uses, "consumed by clients "+nameList(consumers))
		}
		if len(uses) > 0 {
			return fieldErr("name", "service %q is still used: %s: remove it from them first", cur.Name, strings.Join(uses, "; "))
		}
		if err := s.DeleteService(ctx, cur.Name); err != nil {
			return err
		}
		out = cur
		return nil
	})
	return out, err
}

// checkRolesUnused refuses, on roles, the removal of the roles of service
// svc if anything holds one of them, naming those held and what holds them.
func checkRolesUnused(ctx context.Context, s Store, svc string, roles []string) error {
	held := map[string]bool{}
	uses, err := serviceUses(ctx, s, svc, func(have []string) bool {
		hit := false
		for _, r := range roles {
			if slices.Contains(have, r) {
				held[r], hit = true, true
			}
		}
		return hit
	})
	if err != nil || len(uses) == 0 {
		return err
	}
	var names []string
	for _, r := range roles {
		if held[r] {
			names = append(names, svc+":"+r)
		}
	}
	if len(names) == 1 {
		return fieldErr("roles", "service role %s is still held: %s: take it from them first, or keep it in roles",
			names[0], strings.Join(uses, "; "))
	}
	return fieldErr("roles", "service roles %s are still held: %s: take them from their holders first, or keep them in roles",
		nameList(names), strings.Join(uses, "; "))
}

// serviceUses says what, on the whole platform, holds roles of service svc
// that match (given the roles held in svc, never empty): per tenant, its
// users (home or linked: holdersIn) and groups, then the machine clients.
// Every tenant is read, but the answer names those of the first few
// tenants only, and how many more there are.
//
// It reads every tenant's users, links and groups, and every client: the
// price of a platform-wide catalog without foreign keys, paid only when a
// service or a role of one is removed.
func serviceUses(ctx context.Context, s Store, svc string, match func(roles []string) bool) ([]string, error) {
	const most = 3 // tenants named
	matches := func(sr ServiceRoles) bool { return len(sr[svc]) > 0 && match(sr[svc]) }
	tenants, err := s.ListTenants(ctx)
	if err != nil {
		return nil, err
	}
	var uses []string
	more := 0
	for _, t := range tenants {
		var in []string
		holders, err := holdersIn(ctx, s, t, func(a Assignment) bool { return matches(a.ServiceRoles) })
		if err != nil {
			return nil, err
		}
		if holders != "" {
			in = append(in, holders)
		}
		groups, err := s.ListGroups(ctx, t.ID)
		if err != nil {
			return nil, err
		}
		var gs []string
		for _, g := range groups {
			if matches(g.ServiceRoles) {
				gs = append(gs, g.Name)
			}
		}
		if len(gs) > 0 {
			in = append(in, "groups "+nameList(gs))
		}
		switch {
		case len(in) == 0:
		case len(uses) < most:
			uses = append(uses, fmt.Sprintf("in %s (%s)", t.Slug, strings.Join(in, "; ")))
		default:
			more++
		}
	}
	if more > 0 {
		uses = append(uses, fmt.Sprintf("in %d more tenants", more))
	}
	clients, err := s.ListClients(ctx)
	if err != nil {
		return nil, err
	}
	var cs []string
	for _, cl := range clients {
		if matches(cl.ServiceRoles) {
			cs = append(cs, cl.ID)
		}
	}
	if len(cs) > 0 {
		uses = append(uses, "clients "+nameList(cs))
	}
	return uses, nil
}

// authorizeCatalog: the platform's catalog is the operator's, changed from
// the system tenant with roles:change.
func authorizeCatalog(c Caller) error {
	if err := c.authorize(c.Principal.Tenant, "roles", AccessChange); err != nil {
		return err
	}
	if c.Principal.Tenant.Level != LevelSystem {
		return fmt.Errorf("services are the platform's, changed from the system tenant: %w", ErrForbidden)
	}
	return nil
}
