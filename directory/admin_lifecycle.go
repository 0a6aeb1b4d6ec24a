package directory

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// The end of a user's life (seed 000): deleted, restorable for the
// retention (ten days unless configured), then purged for good, by the
// purge job or at once ("delete now"). Disabling is not deleting: a
// disabled user keeps everything and is only refused at login.
//
// A deleted user cannot sign in (the login answers as for a wrong
// password), holds no session (single sign-on and refresh refuse it at
// once: ActiveUser) and cannot be acted as by support. It keeps its
// username and email taken, so that it can be restored as it was, and it
// cannot be changed until it is: only restored or purged.

// ErrUserDeleted refuses a change to a deleted user: restore it first;
// ErrUserNotDeleted refuses to restore a user that is not deleted.
var (
	ErrUserDeleted    = fmt.Errorf("the user is deleted: restore it first: %w", ErrConflict)
	ErrUserNotDeleted = fmt.Errorf("the user is not deleted: %w", ErrConflict)
)

// PurgeAt is when the deleted user u is due to be purged; zero for a user
// that is not deleted.
func (d *Directory) PurgeAt(u User) time.Time {
	if !u.Deleted() {
		return time.Time{}
	}
	return u.DeletedAt.Add(d.retention)
}

// DeleteUserFor deletes the user with id (soft delete), for a caller that
// manages it (ManagedUserFor). A caller cannot delete itself. It returns
// the user before and after.
func (d *Directory) DeleteUserFor(ctx context.Context, c Caller, id string) (User, User, error) {
	var before, after User
	err := d.store.InTx(ctx, func(s Store) error {
		u, _, err := d.managedUser(ctx, s, c, id)
		if err != nil {
			return err
		}
		if u.ID == c.UserID {
			return fieldErr("id", "you cannot delete yourself")
		}
		before, after = u, u
		now := d.now().UTC()
		after.DeletedAt, after.RevokedBefore, after.UpdatedAt = now, now, now
		// A deleted user's consents to third-party clients go with it: a
		// restored user is asked again.
		if err := s.DeleteClientConsentsOf(ctx, u.ID); err != nil {
			return err
		}
		return storeUser(ctx, s, before, after, now)
	})
	return before, after, err
}

// RestoreUserFor restores the deleted user with id, for a caller that
// manages it, within its tenant's quota. Restoring a user that is not
// deleted is a conflict.
func (d *Directory) RestoreUserFor(ctx context.Context, c Caller, id string) (User, User, error) {
	var before, after User
	err := d.store.InTx(ctx, func(s Store) error {
		u, b, err := d.managedUserOrDeleted(ctx, s, c, id)
		if err != nil {
			return err
		}
		if !u.Deleted() {
			return fmt.Errorf("user %s: %w", id, ErrUserNotDeleted)
		}
		if err := checkQuota(ctx, s, b.Tenant); err != nil {
			return err
		}
		before, after = u, u
		after.DeletedAt, after.UpdatedAt = time.Time{}, d.now().UTC()
		return s.UpdateUser(ctx, after)
	})
	return before, after, err
}

// PurgeUserFor removes the user with id for good at once ("delete now"),
// deleted or not, for a caller that manages it; a caller cannot purge
// itself. It returns the user as it was.
func (d *Directory) PurgeUserFor(ctx context.Context, c Caller, id string) (User, error) {
	var before User
	err := d.store.InTx(ctx, func(s Store) error {
		u, _, err := d.managedUserOrDeleted(ctx, s, c, id)
		if err != nil {
			return err
		}
		if u.ID == c.UserID {
			return fieldErr("id", "you cannot delete yourself")
		}
		before = u
		return s.PurgeUser(ctx, u.ID)
	})
	return before, err
}

// PurgeDeleted purges up to limit users deleted longer ago than the
// retention, the longest deleted first, each in a transaction that also
// runs purged (to audit it, through the transaction's Store): a purge
// whose record fails is not made. It is the operator's job, run by every
// node now and then: two nodes purging the same user at once purge it
// once, the other finding it gone. It returns how many it purged.
func (d *Directory) PurgeDeleted(ctx context.Context, limit int, purged func(s Store, u User) error) (int, error) {
	due, err := d.store.DeletedUsersBefore(ctx, d.now().Add(-d.retention), limit)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, u := range due {
		err := d.store.InTx(ctx, func(s Store) error {
			cur, err := s.UserByID(ctx, u.ID)
			if err != nil {
				return err
			}
			if !cur.Deleted() || cur.DeletedAt.After(d.now().Add(-d.retention)) {
				return ErrNotFound // restored meanwhile: not due any more
			}
			if err := s.PurgeUser(ctx, u.ID); err != nil {
				return err
			}
			return purged(s, cur)
		})
		if errors.Is(err, ErrNotFound) {
			continue
		}
		if err != nil {
			return n, fmt.Errorf("purge user %s: %w", u.ID, err)
		}
		n++
	}
	return n, nil
}

// QuotaError refuses a user past its tenant's quota (seed 002), naming the
// tenant and the limit.
type QuotaError struct {
	Tenant string // slug
	Limit  int
}

func (e *QuotaError) Error() string {
	return fmt.Sprintf("tenant %s has reached its quota of %d users: delete or purge a user, or raise the quota", e.Tenant, e.Limit)
}

// Is makes a QuotaError a conflict with the tenant's state.
func (e *QuotaError) Is(target error) bool { return target == ErrConflict }

// checkQuota refuses one more user in tenant t when t already holds as many
// as its quota (TenantSettings.MaxUsers; 0 is none). It must run in the
// transaction that adds the user: Store.CountUsers keeps two concurrent
// adds from both passing.
func checkQuota(ctx context.Context, s Store, t Tenant) error {
	if t.Settings.MaxUsers <= 0 {
		return nil
	}
	n, err := s.CountUsers(ctx, t.ID)
	if err != nil {
		return err
	}
	if n >= t.Settings.MaxUsers {
		return &QuotaError{Tenant: t.Slug, Limit: t.Settings.MaxUsers}
	}
	return nil
}
