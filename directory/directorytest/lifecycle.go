package directorytest

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gatehouse-id/gatehouse/directory"
	"github.com/gatehouse-id/gatehouse/password"
)

// deleted returns u deleted (soft delete) at when.
func deleted(u directory.User, when time.Time) directory.User {
	u.DeletedAt = when
	return u
}

// wantCount fails unless CountUsers of tenantID is want.
func wantCount(t *testing.T, s directory.Store, what, tenantID string, want int) {
	t.Helper()
	n, err := s.CountUsers(t.Context(), tenantID)
	mustDo(t, err)
	if n != want {
		t.Fatalf("%s: CountUsers(%s) = %d, want %d", what, tenantID, n, want)
	}
}

// testLifecycle: a user's password strength, its must-change flag, its
// deletion (soft delete) and the revocation of its sessions are ordinary
// fields that CreateUser and UpdateUser write and every read returns; CountUsers counts a tenant's
// own users that are not deleted, also under concurrent creates; and
// DeletedUsersBefore lists the deleted users due for purging.
func testLifecycle(t *testing.T, newStore func(t *testing.T) directory.Store) {
	t.Run("RoundTrip", func(t *testing.T) {
		s := newStore(t)
		_, acme := seed(t, s)
		ctx := t.Context()
		// Every strength, with and without a change asked for, deleted or
		// not, revoked or not, in every combination of the last two;
		// deletion and revocation times a microsecond apart.
		var users []directory.User
		for st := password.StrengthUnknown; st <= password.VeryStrong; st++ {
			for _, must := range []bool{false, true} {
				i := len(users)
				u := newUser(fmt.Sprintf("u-%02d", i), acme.ID, fmt.Sprintf("user%02d", i), "")
				u.PasswordStrength, u.MustChangePassword = st, must
				if i%3 != 0 {
					u.DeletedAt = at(20).Add(time.Duration(i) * time.Microsecond)
				}
				u.RevokedBefore = time.Time{}
				if i%2 != 0 {
					u.RevokedBefore = at(21).Add(time.Duration(i) * time.Microsecond)
				}
				users = append(users, u)
			}
		}
		check := func(what string) {
			t.Helper()
			for _, u := range users {
				wantUser(t, s, what+": UserByID", u)
				got, err := s.UserByUsername(ctx, acme.ID, u.Username)
				mustDo(t, err)
				wantEqual(t, what+": UserByUsername", got, u)
			}
			list, err := s.ListUsers(ctx, acme.ID)
			mustDo(t, err)
			wantEqual(t, what+": ListUsers, deleted users included", list, users)
		}
		for _, u := range users {
			mustDo(t, s.CreateUser(ctx, u))
		}
		check("created")

		// Each user gets another strength and flag, the deleted are
		// restored while the others are deleted, and the revoked lose
		// their revocation while the others gain one.
		for i := range users {
			u := &users[i]
			u.PasswordStrength = password.VeryStrong - u.PasswordStrength + password.StrengthUnknown
			u.MustChangePassword = !u.MustChangePassword
			if u.Deleted() {
				u.DeletedAt = time.Time{}
			} else {
				u.DeletedAt = at(30).Add(time.Duration(i) * time.Microsecond)
			}
			if u.RevokedBefore.IsZero() {
				u.RevokedBefore = at(32).Add(time.Duration(i) * time.Microsecond)
			} else {
				u.RevokedBefore = time.Time{}
			}
			u.UpdatedAt = at(31)
			mustDo(t, s.UpdateUser(ctx, *u))
		}
		check("updated")
	})

	t.Run("TimesComeBackInUTC", func(t *testing.T) {
		s := newStore(t)
		_, acme := seed(t, s)
		jill := deleted(newUser("u-jill", acme.ID, "jill", ""), at(20))
		jill.RevokedBefore = at(20)
		cet := time.FixedZone("CET", 3600)
		in := jill
		in.DeletedAt, in.RevokedBefore = in.DeletedAt.In(cet), in.RevokedBefore.In(cet)
		mustDo(t, s.CreateUser(t.Context(), in))
		wantUser(t, s, "created in CET", jill)
		jill.RevokedBefore = at(21).Add(time.Microsecond)
		in.RevokedBefore = jill.RevokedBefore.In(cet)
		mustDo(t, s.UpdateUser(t.Context(), in))
		wantUser(t, s, "updated in CET", jill)
	})

	// UpdateUser writes the new fields, whatever the login statistics of
	// the copy it is given, and keeps the statistics stored; RecordLogin
	// changes none of the new fields.
	t.Run("UpdateKeepsLogins", func(t *testing.T) {
		s := newStore(t)
		_, acme := seed(t, s)
		ctx := t.Context()
		jill := newUser("u-jill", acme.ID, "jill", "")
		mustDo(t, s.CreateUser(ctx, jill))
		mustDo(t, s.RecordLogin(ctx, jill.ID, at(30), "192.0.2.7"))
		for i, stale := range []directory.User{jill, withLogins(jill, 9, at(40), "198.51.100.1")} {
			stale.PasswordStrength = password.StrengthUnknown + password.Strength(i)
			stale.MustChangePassword = i == 1
			stale.DeletedAt = at(41 + i)
			stale.RevokedBefore = at(41 + i).Add(time.Microsecond)
			mustDo(t, s.UpdateUser(ctx, stale))
			wantUser(t, s, "after an update", withLogins(stale, 1, at(30), "192.0.2.7"))
		}
		restored := jill
		mustDo(t, s.UpdateUser(ctx, restored))
		wantUser(t, s, "after restoring", withLogins(restored, 1, at(30), "192.0.2.7"))
		mustDo(t, s.RecordLogin(ctx, jill.ID, at(50), "192.0.2.8"))
		wantUser(t, s, "after another login", withLogins(restored, 2, at(50), "192.0.2.8"))
	})

	t.Run("Count", func(t *testing.T) { testCount(t, newStore) })
	t.Run("Quota", func(t *testing.T) { testQuota(t, newStore) })
	t.Run("DeletedUsersBefore", func(t *testing.T) { testDeletedUsersBefore(t, newStore) })
}

// testCount: CountUsers counts the users whose home tenant it is and that
// are not deleted, disabled users included; not the users of its child
// tenants, nor other tenants' users linked to it.
func testCount(t *testing.T, newStore func(t *testing.T) directory.Store) {
	s := newStore(t)
	ctx := t.Context()
	sys, acme := seed(t, s)
	contoso := newTenant("t-contoso", "contoso", &acme)
	mustDo(t, s.CreateTenant(ctx, contoso))
	wantCount(t, s, "no users", acme.ID, 0)

	abe := newUser("u-abe", acme.ID, "abe", "") // disabled, as newUser makes them
	bea := newUser("u-bea", acme.ID, "bea", "")
	bea.Disabled = false
	cas := deleted(newUser("u-cas", acme.ID, "cas", ""), at(20))
	dan := newUser("u-dan", contoso.ID, "dan", "")
	eve := newUser("u-eve", sys.ID, "eve", "")
	for _, u := range []directory.User{abe, bea, cas, dan, eve} {
		mustDo(t, s.CreateUser(ctx, u))
	}
	mustDo(t, s.CreateLink(ctx, newLink(eve.ID, acme.ID)))
	mustDo(t, s.CreateLink(ctx, newLink(dan.ID, acme.ID)))
	wantCount(t, s, "acme", acme.ID, 2)
	wantCount(t, s, "its child", contoso.ID, 1)
	wantCount(t, s, "its parent", sys.ID, 1)
	wantCount(t, s, "an unknown tenant", "t-nope", 0)

	// Deleting and restoring are updates.
	mustDo(t, s.UpdateUser(ctx, deleted(abe, at(21))))
	wantCount(t, s, "after a delete", acme.ID, 1)
	mustDo(t, s.UpdateUser(ctx, deleted(cas, time.Time{})))
	wantCount(t, s, "after a restore", acme.ID, 2)

	// A transaction counts its own writes, and a rollback undoes them.
	err := s.InTx(ctx, func(tx directory.Store) error {
		mustDo(t, tx.CreateUser(ctx, newUser("u-fay", acme.ID, "fay", "")))
		wantCount(t, tx, "inside the transaction", acme.ID, 3)
		return directory.ErrConflict
	})
	wantErr(t, err, directory.ErrConflict)
	wantCount(t, s, "after a rollback", acme.ID, 2)
}

// testQuota: writers that each count a tenant's users and create one
// while the count is under a quota, in one InTx, all at once, must not
// take the tenant over the quota, as CountUsers requires. A backend may
// fail a writer (PostgreSQL gives up on one that conflicts too often) but
// never let two commit on the same count.
//
// After its first count a writer waits for the others to count too, so
// that they race over the same count rather than one after the other as
// their transactions happen to start; but no longer than linger, since a
// backend that runs one transaction at a time (SQLite) keeps the others
// from counting until it commits.
func testQuota(t *testing.T, newStore func(t *testing.T) directory.Store) {
	const (
		quota   = 3
		writers = 8
		linger  = 50 * time.Millisecond
	)
	s := newStore(t)
	_, acme := seed(t, s)
	// A deleted user does not count against the quota.
	mustDo(t, s.CreateUser(t.Context(), deleted(newUser("u-gone", acme.ID, "gone", ""), at(20))))

	ctx, cancel := context.WithTimeout(t.Context(), raceTimeout)
	defer cancel()
	var (
		wg      sync.WaitGroup
		start   = make(chan struct{})
		created = make([]bool, writers) // by the last run of the writer's fn
		errs    = make([]error, writers)
		counted atomic.Int32
		all     = make(chan struct{}) // closed when every writer has counted
	)
	for i := range writers {
		wg.Go(func() {
			<-start
			first := true
			errs[i] = s.InTx(ctx, func(tx directory.Store) error {
				created[i] = false
				n, err := tx.CountUsers(ctx, acme.ID)
				if err != nil {
					return err
				}
				if first {
					first = false
					if counted.Add(1) == writers {
						close(all)
					}
					select {
					case <-all:
					case <-time.After(linger):
					}
				}
				if n >= quota {
					return nil
				}
				created[i] = true
				return tx.CreateUser(ctx, newUser(fmt.Sprintf("u-%d", i), acme.ID, fmt.Sprintf("user%d", i), ""))
			})
		})
	}
	close(start)
	wg.Wait()
	if ctx.Err() != nil {
		t.Fatalf("writers still running after %v, deadlocked: %v", raceTimeout, errs)
	}

	var succeeded, creators, full int
	for i, err := range errs {
		switch {
		case err != nil:
			t.Logf("writer %d failed (allowed): %v", i, err)
		case created[i]:
			succeeded, creators = succeeded+1, creators+1
		default:
			succeeded, full = succeeded+1, full+1
		}
	}
	list, err := s.ListUsers(t.Context(), acme.ID)
	mustDo(t, err)
	switch {
	case len(list) != creators+1:
		t.Fatalf("%d users stored (the deleted one included), but %d writers committed a create", len(list), creators)
	case creators > quota:
		t.Fatalf("%d writers created a user, over the quota of %d", creators, quota)
	case succeeded == 0:
		t.Fatal("every writer failed")
	case full > 0 && creators < quota:
		t.Fatalf("%d writers found the quota used up, but only %d users were created", full, creators)
	}
	wantCount(t, s, "after the race", acme.ID, creators)
}

// testDeletedUsersBefore: the users deleted strictly before the time
// given, of every tenant, the longest deleted first, then by id, at most
// limit of them; a limit of 0 or less is the backend's default, which
// this suite only asks to be more than a few.
func testDeletedUsersBefore(t *testing.T, newStore func(t *testing.T) directory.Store) {
	s := newStore(t)
	ctx := t.Context()
	sys, acme := seed(t, s)
	const micro = time.Microsecond
	// Ids out of deletion order, and two deleted at the same instant.
	b := deleted(newUser("u-b", acme.ID, "b", ""), at(10))
	a := deleted(newUser("u-a", acme.ID, "a", ""), at(10))
	c := deleted(newUser("u-c", acme.ID, "c", ""), at(10).Add(micro))
	f := deleted(newUser("u-f", sys.ID, "f", ""), at(11))
	d := deleted(newUser("u-d", acme.ID, "d", ""), at(12))
	live := newUser("u-e", acme.ID, "e", "")
	for _, u := range []directory.User{d, live, c, b, f, a} {
		mustDo(t, s.CreateUser(ctx, u))
	}
	mustDo(t, s.RecordLogin(ctx, a.ID, at(5), "192.0.2.7"))
	a = withLogins(a, 1, at(5), "192.0.2.7")

	all := []directory.User{a, b, c, f, d}
	for _, tc := range []struct {
		name   string
		before time.Time
		limit  int
		want   []directory.User
	}{
		{"every deleted user", at(13), 10, all},
		{"limit", at(13), 2, all[:2]},
		{"limit of one, between equal times", at(13), 1, all[:1]},
		{"exactly as many as the limit", at(13), len(all), all},
		{"default limit", at(13), 0, all},
		{"negative limit", at(13), -1, all},
		{"strictly before", at(12), 10, all[:4]},
		{"a microsecond after", at(10).Add(2 * micro), 10, all[:3]},
		{"at the microsecond", at(10).Add(micro), 10, all[:2]},
		{"at the first deletion", at(10), 10, nil},
		{"long before", at(-1000), 10, nil},
		{"another time zone", at(12).In(time.FixedZone("EST", -5*3600)), 10, all[:4]},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := s.DeletedUsersBefore(ctx, tc.before, tc.limit)
			mustDo(t, err)
			wantEqual(t, fmt.Sprintf("DeletedUsersBefore(%v, %d)", tc.before, tc.limit), got, tc.want)
		})
	}

	// A restored user is no longer due, and a transaction sees its own
	// deletes and restores.
	mustDo(t, s.UpdateUser(ctx, deleted(c, time.Time{})))
	err := s.InTx(ctx, func(tx directory.Store) error {
		mustDo(t, tx.UpdateUser(ctx, deleted(live, at(9))))
		got, err := tx.DeletedUsersBefore(ctx, at(13), 10)
		mustDo(t, err)
		wantEqual(t, "inside the transaction", got, []directory.User{deleted(live, at(9)), a, b, f, d})
		return directory.ErrConflict
	})
	wantErr(t, err, directory.ErrConflict)
	got, err := s.DeletedUsersBefore(ctx, at(13), 10)
	mustDo(t, err)
	wantEqual(t, "after a restore and a rollback", got, []directory.User{a, b, f, d})
}
