package directorytest

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse-id/gatehouse/directory"
)

// withLogins returns u with the login statistics count logins, the last
// at time last from address.
func withLogins(u directory.User, count int, last time.Time, address string) directory.User {
	u.LoginCount, u.LastLoginAt, u.LastLoginAddress, u.LastSeenAt = count, last, address, last
	return u
}

// wantUser fails unless the user with want.ID reads back as want.
func wantUser(t *testing.T, s directory.Store, what string, want directory.User) {
	t.Helper()
	got, err := s.UserByID(t.Context(), want.ID)
	mustDo(t, err)
	wantEqual(t, what, got, want)
}

func testLogins(t *testing.T, newStore func(t *testing.T) directory.Store) {
	t.Run("Record", func(t *testing.T) {
		s := newStore(t)
		_, acme := seed(t, s)
		jill := newUser("u-jill", acme.ID, "jill", "jill@example.com")
		john := newUser("u-john", acme.ID, "john", "john@example.com")
		mustDo(t, s.CreateUser(t.Context(), jill))
		mustDo(t, s.CreateUser(t.Context(), john))
		wantUser(t, s, "before any login", jill)

		// Each login counts and replaces the last one; nothing else
		// changes, UpdatedAt included, and nobody else's.
		mustDo(t, s.RecordLogin(t.Context(), jill.ID, at(30), "192.0.2.7"))
		wantUser(t, s, "after one login", withLogins(jill, 1, at(30), "192.0.2.7"))
		mustDo(t, s.RecordLogin(t.Context(), jill.ID, at(31), "2001:db8::/64"))
		jill = withLogins(jill, 2, at(31), "2001:db8::/64")
		wantUser(t, s, "after two logins", jill)
		wantUser(t, s, "another user", john)

		got, err := s.UserByUsername(t.Context(), acme.ID, "jill")
		mustDo(t, err)
		wantEqual(t, "UserByUsername", got, jill)
		list, err := s.ListUsers(t.Context(), acme.ID)
		mustDo(t, err)
		wantEqual(t, "ListUsers", list, []directory.User{jill, john})
	})

	t.Run("UnknownUser", func(t *testing.T) {
		s := newStore(t)
		seed(t, s)
		wantErr(t, s.RecordLogin(t.Context(), "u-nope", at(30), "192.0.2.7"), directory.ErrNotFound)
	})

	t.Run("CreateStoresNone", func(t *testing.T) {
		s := newStore(t)
		_, acme := seed(t, s)
		jill := newUser("u-jill", acme.ID, "jill", "")
		mustDo(t, s.CreateUser(t.Context(), withLogins(jill, 7, at(30), "192.0.2.7")))
		wantUser(t, s, "created with statistics", jill)
	})

	// An update made from a copy read before a login keeps that login,
	// whatever statistics the copy holds.
	t.Run("UpdateKeeps", func(t *testing.T) {
		s := newStore(t)
		_, acme := seed(t, s)
		jill := newUser("u-jill", acme.ID, "jill", "")
		mustDo(t, s.CreateUser(t.Context(), jill))
		mustDo(t, s.RecordLogin(t.Context(), jill.ID, at(30), "192.0.2.7"))
		for _, stale := range []directory.User{jill, withLogins(jill, 9, at(40), "198.51.100.1")} {
			stale.DisplayName, stale.UpdatedAt = "Jill", at(41)
			mustDo(t, s.UpdateUser(t.Context(), stale))
			want := withLogins(stale, 1, at(30), "192.0.2.7")
			wantUser(t, s, "after an update", want)
		}
	})

	t.Run("InTx", func(t *testing.T) {
		s := newStore(t)
		_, acme := seed(t, s)
		jill := newUser("u-jill", acme.ID, "jill", "")
		mustDo(t, s.CreateUser(t.Context(), jill))
		boom := errors.New("boom")
		err := s.InTx(t.Context(), func(tx directory.Store) error {
			mustDo(t, tx.RecordLogin(t.Context(), jill.ID, at(30), "192.0.2.7"))
			return boom
		})
		wantErr(t, err, boom)
		wantUser(t, s, "after a rolled back login", jill)
		mustDo(t, s.InTx(t.Context(), func(tx directory.Store) error {
			return tx.RecordLogin(t.Context(), jill.ID, at(31), "192.0.2.8")
		}))
		wantUser(t, s, "after a committed login", withLogins(jill, 1, at(31), "192.0.2.8"))
	})

	// Logins at the same moment each count: the count goes up in the
	// store, not from a value read before.
	t.Run("Concurrent", func(t *testing.T) {
		s := newStore(t)
		_, acme := seed(t, s)
		jill := newUser("u-jill", acme.ID, "jill", "")
		mustDo(t, s.CreateUser(t.Context(), jill))
		const n = 8
		var wg sync.WaitGroup
		errs := make([]error, n)
		for i := range n {
			wg.Go(func() { errs[i] = s.RecordLogin(t.Context(), jill.ID, at(30), "192.0.2.7") })
		}
		wg.Wait()
		mustDo(t, errors.Join(errs...))
		wantUser(t, s, "after concurrent logins", withLogins(jill, n, at(30), "192.0.2.7"))
	})
}
