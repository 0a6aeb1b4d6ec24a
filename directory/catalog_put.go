package directory

import (
	"context"
	"errors"
	"slices"
	"strings"
)

// PutResource adds an operator-defined resource to the permission catalog,
// or updates its description and levels. Built-in resources cannot be
// redefined.
func (d *Directory) PutResource(ctx context.Context, s Store, r Resource) (Resource, Change, error) {
	if err := ValidateName("name", r.Name); err != nil {
		return Resource{}, Unchanged, err
	}
	for _, b := range BuiltinResources {
		if b.Name == r.Name {
			return Resource{}, Unchanged, fieldErr("name", "%q is a built-in resource and cannot be redefined", r.Name)
		}
	}
	for _, l := range r.Levels {
		if !l.Valid() {
			return Resource{}, Unchanged, fieldErr("levels", "%q is not a level (system, provider, customer, subcustomer)", l)
		}
	}
	r.Description, r.Builtin = strings.TrimSpace(r.Description), false
	r.Levels = slices.Clone(r.Levels)
	all, err := s.ListResources(ctx)
	if err != nil {
		return Resource{}, Unchanged, err
	}
	i := slices.IndexFunc(all, func(o Resource) bool { return o.Name == r.Name })
	if i < 0 {
		if err := s.CreateResource(ctx, r); err != nil {
			return Resource{}, Unchanged, err
		}
		return r, Created, nil
	}
	cur := all[i]
	if cur.Description == r.Description && slices.Equal(cur.Levels, r.Levels) {
		return cur, Unchanged, nil
	}
	if err := s.UpdateResource(ctx, r); err != nil {
		return Resource{}, Unchanged, err
	}
	return r, Updated, nil
}

// PutService adds a service to the platform's catalog, or updates its
// display name and adds roles. Roles are never removed here: users, groups
// and clients may hold them, and removing one is a deliberate act of the
// administration API (UpdateServiceFor), which refuses while anything
// holds it.
func (d *Directory) PutService(ctx context.Context, s Store, svc Service) (Service, Change, error) {
	if err := ValidateName("name", svc.Name); err != nil {
		return Service{}, Unchanged, err
	}
	svc.DisplayName = strings.TrimSpace(svc.DisplayName)
	if svc.DisplayName == "" {
		svc.DisplayName = svc.Name
	}
	if len(svc.Roles) == 0 {
		return Service{}, Unchanged, fieldErr("roles", "a service needs at least one role")
	}
	seen := map[string]bool{}
	for _, r := range svc.Roles {
		if err := ValidateName("roles", r); err != nil {
			return Service{}, Unchanged, err
		}
		if seen[r] {
			return Service{}, Unchanged, fieldErr("roles", "role %q is listed twice", r)
		}
		seen[r] = true
	}
	now := d.now().UTC()
	cur, err := s.ServiceByName(ctx, svc.Name)
	if errors.Is(err, ErrNotFound) {
		svc.Roles = slices.Clone(svc.Roles)
		svc.CreatedAt, svc.UpdatedAt = now, now
		if err := s.CreateService(ctx, svc); err != nil {
			return Service{}, Unchanged, err
		}
		return svc, Created, nil
	}
	if err != nil {
		return Service{}, Unchanged, err
	}
	for _, r := range cur.Roles {
		if !seen[r] {
			return Service{}, Unchanged, fieldErr("roles", "service %q has role %q; a role, once given, is never removed: users and clients may hold it", cur.Name, r)
		}
	}
	if cur.DisplayName == svc.DisplayName && slices.Equal(cur.Roles, svc.Roles) {
		return cur, Unchanged, nil
	}
	next := cur
	next.DisplayName, next.Roles, next.UpdatedAt = svc.DisplayName, slices.Clone(svc.Roles), now
	if err := s.UpdateService(ctx, next); err != nil {
		return Service{}, Unchanged, err
	}
	return next, Updated, nil
}
