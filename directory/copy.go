package directory

import (
	"context"
	"errors"
	"fmt"
)

// SetRoles replaces what the user userID holds in its home tenant by a, as
// granter. granter nil means the operator (an import, the command line),
// who may grant anything; otherwise CheckGrant applies. The owner rule
// applies either way.
func (d *Directory) SetRoles(ctx context.Context, granter *Principal, userID string, a Assignment) (User, error) {
	var out User
	err := d.store.InTx(ctx, func(s Store) error {
		u, err := s.UserByID(ctx, userID)
		if err != nil {
			return err
		}
		t, err := s.TenantByID(ctx, u.TenantID)
		if err != nil {
			return err
		}
		if err := validateNames(a.GlobalRoles, a.ServiceRoles, a.Groups); err != nil {
			return err
		}
		next := u
		next.SetAssignment(Assignment{TenantRole: a.TenantRole, GlobalRoles: sortedNames(a.GlobalRoles),
			ServiceRoles: a.ServiceRoles.Normalize(), Groups: sortedNames(a.Groups)})
		owner := ""
		if u.OwnerID != "" {
			o, err := s.UserByID(ctx, u.OwnerID)
			if err != nil {
				return fmt.Errorf("owner of %q: %w", u.Username, err)
			}
			owner = o.Username
		}
		if err := d.checkUserRoles(ctx, s, t, &next, owner); err != nil {
			return err
		}
		if granter != nil {
			b, err := d.bookOf(ctx, s, t)
			if err != nil {
				return err
			}
			if err := b.CheckGrant(*granter, next.Assignment()); err != nil {
				return err
			}
		}
		if sameAssignment(u.Assignment(), next.Assignment()) {
			out = u
			return nil
		}
		next.UpdatedAt = d.now().UTC()
		if err := s.UpdateUser(ctx, next); err != nil {
			return err
		}
		out = next
		return nil
	})
	return out, err
}

// CopyMode says what CopyRoles does with what the target already holds.
type CopyMode int

// The two ways of copying roles (seed 004's "merge or replace").
const (
	// CopyMerge adds the source's roles, groups and service roles to the
	// target's.
	CopyMerge CopyMode = iota
	// CopyReplace makes the target hold exactly the source's.
	CopyReplace
)

// CopyRoles copies the global roles, service roles and groups of user
// fromID onto user toID, both of the same tenant; the tenant role is not
// copied (making someone an administrator is its own decision). The rules of
// SetRoles apply, granter's included.
func (d *Directory) CopyRoles(ctx context.Context, granter *Principal, fromID, toID string, mode CopyMode) (User, error) {
	from, err := d.store.UserByID(ctx, fromID)
	if err != nil {
		return User{}, err
	}
	to, err := d.store.UserByID(ctx, toID)
	if err != nil {
		return User{}, err
	}
	if from.TenantID != to.TenantID {
		return User{}, fieldErr("from", "roles can only be copied between users of the same tenant")
	}
	if from.ID == to.ID {
		return User{}, fieldErr("from", "a user cannot copy roles from itself")
	}
	next := Assignment{TenantRole: to.TenantRole, GlobalRoles: from.GlobalRoles, ServiceRoles: from.ServiceRoles, Groups: from.Groups}
	if mode == CopyMerge {
		next.GlobalRoles = append(append([]string(nil), to.GlobalRoles...), from.GlobalRoles...)
		next.Groups = append(append([]string(nil), to.Groups...), from.Groups...)
		next.ServiceRoles = to.ServiceRoles.Merge(from.ServiceRoles)
	} else if mode != CopyReplace {
		return User{}, errors.New("copy roles: unknown mode")
	}
	return d.SetRoles(ctx, granter, toID, next)
}
