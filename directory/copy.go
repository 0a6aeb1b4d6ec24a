package directory

import (
	"context"
	"errors"
	"fmt"
	"slices"
)

// SetRoles replaces what the user userID holds in its home tenant by a, as
// granter. granter nil means the operator (an import, the command line),
// who may grant anything; otherwise the granter must manage the users of
// the user's tenant (users:change there, and the tenant in its subtree:
// tenant isolation, never a sibling's or a parent's users, which are
// ErrNotFound) and CheckGrant applies. The owner rule applies either way.
func (d *Directory) SetRoles(ctx context.Context, granter *Principal, userID string, a Assignment) (User, error) {
	var out User
	err := d.store.InTx(ctx, func(s Store) error {
		u, err := s.UserByID(ctx, userID)
		if err != nil {
			return err
		}
		out, err = d.setRoles(ctx, s, granter, u, a)
		return err
	})
	return out, err
}

// setRoles is SetRoles for the user u, within the transaction s.
func (d *Directory) setRoles(ctx context.Context, s Store, granter *Principal, u User, a Assignment) (User, error) {
	t, err := s.TenantByID(ctx, u.TenantID)
	if err != nil {
		return User{}, err
	}
	if granter != nil {
		if err := (Caller{Principal: *granter}).authorize(t, "users", AccessChange); err != nil {
			return User{}, fmt.Errorf("user %s: %w", u.ID, err)
		}
	}
	b, err := d.bookOf(ctx, s, t)
	if err != nil {
		return User{}, err
	}
	return d.assignRoles(ctx, s, b, u, granter, a)
}

// assignRoles replaces what u holds in its home tenant, whose book is b,
// by a, as granter (nil for the operator): a names only what exists there,
// u holds at most what its owner holds, and a granter grants nothing it
// does not hold (CheckGrant). Who may manage u is the caller's to check.
func (d *Directory) assignRoles(ctx context.Context, s Store, b *Book, u User, granter *Principal, a Assignment) (User, error) {
	if err := validateNames(a.GlobalRoles, a.ServiceRoles, a.Groups); err != nil {
		return User{}, err
	}
	next := u
	next.SetAssignment(Assignment{TenantRole: a.TenantRole, GlobalRoles: sortedNames(a.GlobalRoles),
		ServiceRoles: a.ServiceRoles.Normalize(), Groups: sortedNames(a.Groups)})
	if err := b.CheckAssignment(next.Assignment(), false); err != nil {
		return User{}, err
	}
	if u.OwnerID != "" {
		owner, err := s.UserByID(ctx, u.OwnerID)
		if err != nil {
			return User{}, fmt.Errorf("owner of %q: %w", u.Username, err)
		}
		if err := d.checkOwner(ctx, s, b, owner, &next); err != nil {
			return User{}, err
		}
	}
	if granter != nil {
		if err := b.CheckGrant(*granter, next.Assignment()); err != nil {
			return User{}, err
		}
	}
	if sameAssignment(u.Assignment(), next.Assignment()) {
		return u, nil
	}
	next.UpdatedAt = d.now().UTC()
	if err := s.UpdateUser(ctx, next); err != nil {
		return User{}, err
	}
	return next, nil
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
// fromID onto user toID, both of the same tenant, in one transaction. What
// makes an administrator is never copied: not the tenant role, and not the
// administrators group (the target keeps its own membership); making
// someone an administrator is its own decision. The rules of SetRoles
// apply, granter's included; a granter must also manage the source's
// tenant, which is the same.
func (d *Directory) CopyRoles(ctx context.Context, granter *Principal, fromID, toID string, mode CopyMode) (User, error) {
	var out User
	err := d.store.InTx(ctx, func(s Store) error {
		from, err := s.UserByID(ctx, fromID)
		if err != nil {
			return err
		}
		to, err := s.UserByID(ctx, toID)
		if err != nil {
			return err
		}
		a, err := copiedRoles(from, to, mode)
		if err != nil {
			return err
		}
		out, err = d.setRoles(ctx, s, granter, to, a)
		return err
	})
	return out, err
}

// copiedRoles is what the user to holds once the roles of the user from
// are copied onto it in mode (see CopyRoles).
func copiedRoles(from, to User, mode CopyMode) (Assignment, error) {
	if mode != CopyMerge && mode != CopyReplace {
		return Assignment{}, errors.New("copy roles: unknown mode")
	}
	if from.TenantID != to.TenantID {
		return Assignment{}, fieldErr("from", "roles can only be copied between users of the same tenant")
	}
	if from.ID == to.ID {
		return Assignment{}, fieldErr("from", "a user cannot copy roles from itself")
	}
	notAdmins := func(g string) bool { return g == GroupAdministrators }
	next := Assignment{TenantRole: to.TenantRole, GlobalRoles: from.GlobalRoles, ServiceRoles: from.ServiceRoles,
		Groups: slices.DeleteFunc(slices.Clone(from.Groups), notAdmins)}
	if slices.Contains(to.Groups, GroupAdministrators) {
		next.Groups = append(next.Groups, GroupAdministrators)
	}
	if mode == CopyMerge {
		next.GlobalRoles = append(slices.Clone(to.GlobalRoles), from.GlobalRoles...)
		next.Groups = append(slices.Clone(to.Groups), next.Groups...)
		next.ServiceRoles = to.ServiceRoles.Merge(from.ServiceRoles)
	}
	return next, nil
}
