package directory

import (
	"context"
	"fmt"
	"slices"
	"strings"
)

// Deleting a tenant, as the administration API does it, for a Caller
// (caller.go). Besides the rules there:
//
//   - it needs tenants:change, and a caller deletes only tenants below its
//     own: never its own (nor so the system tenant), and never the tenant
//     its own home is in or below, which would delete the caller;
//   - a tenant that holds anything (child tenants, users, machine clients,
//     other tenants' users linked to it) is refused with ErrConflict, as a
//     *FieldError on "cascade" naming what is in it; its own global roles,
//     groups and support consents do not count: every tenant has some;
//   - with cascade, the tenant and its whole subtree go, leaves first (the
//     Store refuses a tenant with children), with everything that belongs
//     only to them (Store.DeleteTenant). The subtree lies within the
//     caller's reach, since the tenant does.
//
// All of it runs in one transaction: a refused or failed delete removes
// nothing. Refresh tokens of the removed users and clients are not
// deleted (they are grants.Store's, which may live elsewhere): a refresh
// resolves its user in its tenant, and its client, again, and a removed
// one ends the family. The audit log keeps the removed tenants' events
// under their ids.

// TenantDeletion is what DeleteTenantFor removed.
type TenantDeletion struct {
	// Tenant is the tenant deleted, as it was.
	Tenant Tenant
	// Removed lists every tenant removed, the tenant first, then its
	// subtree, parents before children.
	Removed []Tenant
	// Users counts the users whose home was a removed tenant; Links the
	// links of other users to removed tenants; Clients the machine clients
	// of removed tenants.
	Users, Links, Clients int
}

// DeleteTenantFor deletes the tenant slug for a caller holding
// tenants:change there. Without cascade, only an empty tenant is deleted.
func (d *Directory) DeleteTenantFor(ctx context.Context, c Caller, slug string, cascade bool) (TenantDeletion, error) {
	var out TenantDeletion
	err := d.store.InTx(ctx, func(s Store) error {
		out = TenantDeletion{}
		t, err := d.tenantFor(ctx, s, c, slug, "tenants", AccessChange)
		if err != nil {
			return err
		}
		if t.Level == LevelSystem || t.ParentID == "" {
			return fmt.Errorf("tenant %s is the system tenant: %w", t.Slug, ErrForbidden)
		}
		if t.ID == c.Principal.Tenant.ID {
			return fmt.Errorf("tenant %s is the caller's own: its parent deletes it: %w", t.Slug, ErrForbidden)
		}
		all, err := s.ListTenants(ctx)
		if err != nil {
			return err
		}
		// The subtree, parents before children (ListTenants' order).
		removed := map[string]bool{}
		for _, x := range all {
			if slices.Contains(x.Path, t.ID) {
				out.Removed = append(out.Removed, x)
				removed[x.ID] = true
			}
		}
		var children []string
		var own TenantDeletion    // what t itself holds
		gone := map[string]bool{} // the users whose home is removed
		for _, x := range out.Removed {
			if x.ParentID == t.ID {
				children = append(children, x.Slug)
			}
			users, err := s.ListUsers(ctx, x.ID)
			if err != nil {
				return err
			}
			for _, u := range users {
				gone[u.ID] = true
			}
			out.Users += len(users)
			if x.ID == t.ID {
				own.Users = len(users)
			}
		}
		if gone[c.UserID] {
			return fmt.Errorf("deleting tenant %s would delete the caller, whose home is in it: %w", t.Slug, ErrForbidden)
		}
		for _, x := range out.Removed {
			links, err := s.LinksToTenant(ctx, x.ID)
			if err != nil {
				return err
			}
			n := 0 // links of users who stay
			for _, l := range links {
				if !gone[l.UserID] {
					n++
				}
			}
			out.Links += n
			if x.ID == t.ID {
				own.Links = n
			}
		}
		clients, err := s.ListClients(ctx)
		if err != nil {
			return err
		}
		for _, cl := range clients {
			if removed[cl.TenantID] {
				out.Clients++
				if cl.TenantID == t.ID {
					own.Clients++
				}
			}
		}
		if !cascade {
			if what := tenantContents(children, own); what != "" {
				return fieldErrIs("cascade", ErrConflict,
					"tenant %s is not empty: it has %s; delete them first, or delete it with cascade", t.Slug, what)
			}
		} else if (out.Users > 0 || out.Clients > 0 || len(out.Removed) > 1) && !c.Principal.holdsAdmins() {
			// A cascade removes people and machines the caller might not
			// be allowed to touch one by one: only an administrator,
			// who may, cascades.
			return fmt.Errorf("deleting tenant %s with everything in it needs an administrator: %w", t.Slug, ErrForbidden)
		}
		// Leaves first: the Store refuses a tenant with children.
		for _, x := range slices.Backward(out.Removed) {
			if err := s.DeleteTenant(ctx, x.ID); err != nil {
				return err
			}
		}
		out.Tenant = t
		return nil
	})
	if err != nil {
		return TenantDeletion{}, err
	}
	return out, nil
}

// tenantContents says what a tenant holds: "2 child tenants (a, b), 3
// users, 1 client and 1 linked user of another tenant", or "" for nothing.
func tenantContents(children []string, own TenantDeletion) string {
	var parts []string
	count := func(n int, one, many string) {
		switch {
		case n == 1:
			parts = append(parts, "1 "+one)
		case n > 1:
			parts = append(parts, fmt.Sprintf("%d %s", n, many))
		}
	}
	if len(children) > 0 {
		count(len(children), "child tenant", "child tenants")
		parts[0] += " (" + strings.Join(children, ", ") + ")"
	}
	count(own.Users, "user", "users")
	count(own.Clients, "client", "clients")
	count(own.Links, "linked user of another tenant", "linked users of other tenants")
	switch len(parts) {
	case 0:
		return ""
	case 1:
		return parts[0]
	}
	return strings.Join(parts[:len(parts)-1], ", ") + " and " + parts[len(parts)-1]
}
