package directorytest

import (
	"context"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse-id/gatehouse/directory"
)

// raceTimeout bounds a race: writers still waiting after it have
// deadlocked. It is not a measure of speed; a race takes milliseconds.
const raceTimeout = time.Minute

// testRace runs writers that read and then update the same users at once,
// as two administrators (or two nodes) editing one user do. Each runs
// InTx: it reads the user, changes a field of its own, and writes the user
// back. Whatever the backend's concurrency, the outcome must be one that
// the Store contract allows:
//   - every writer succeeds, and the row is exactly what the last of them
//     wrote: a writer may overwrite another's commit as a whole row, but
//     never leaves a mix of two writes;
//   - or a writer fails with an error and keeps nothing;
//   - and at least one writer succeeds, and none waits for ever.
//
// SQLite runs the writers one after the other, so that each reads the
// previous one's write; PostgreSQL aborts a writer whose read another has
// since changed, and InTx runs it again. The suite asks no more than the
// contract does.
func testRace(t *testing.T, newStore func(t *testing.T) directory.Store) {
	t.Run("SameUser", func(t *testing.T) {
		s := newStore(t)
		_, acme := seed(t, s)
		jill := newUser("u-jill", acme.ID, "jill", "jill@example.com")
		mustDo(t, s.CreateUser(t.Context(), jill))
		for round := range 20 {
			wrote, errs := race(t, s, []writer{
				readWrite(jill.ID, func(u *directory.User) { u.DisplayName = fmt.Sprintf("display %d", round) }),
				readWrite(jill.ID, func(u *directory.User) { u.PreferredLanguage = fmt.Sprintf("x-%d", round) }),
			})
			got, err := s.UserByID(t.Context(), jill.ID)
			mustDo(t, err)
			wantOneOf(t, fmt.Sprintf("round %d", round), got, wrote, errs)
		}
	})

	// Two writers update two users in opposite orders, the classic
	// deadlock. A backend may abort one of them; it must not hang.
	t.Run("TwoUsersInOppositeOrders", func(t *testing.T) {
		s := newStore(t)
		_, acme := seed(t, s)
		a := newUser("u-a", acme.ID, "a", "a@example.com")
		b := newUser("u-b", acme.ID, "b", "b@example.com")
		mustDo(t, s.CreateUser(t.Context(), a))
		mustDo(t, s.CreateUser(t.Context(), b))
		both := func(first, second string, change func(*directory.User)) writer {
			return func(ctx context.Context, tx directory.Store) (directory.User, error) {
				if _, err := readWrite(first, change)(ctx, tx); err != nil {
					return directory.User{}, err
				}
				return readWrite(second, change)(ctx, tx)
			}
		}
		for round := range 3 {
			_, errs := race(t, s, []writer{
				both(a.ID, b.ID, func(u *directory.User) { u.GivenName = fmt.Sprintf("given %d", round) }),
				both(b.ID, a.ID, func(u *directory.User) { u.FamilyName = fmt.Sprintf("family %d", round) }),
			})
			if errs[0] != nil && errs[1] != nil {
				t.Fatalf("round %d: both writers failed: %v; %v", round, errs[0], errs[1])
			}
		}
	})
}

// writer is one writer's work inside its transaction; it returns the user
// it wrote last.
type writer = func(ctx context.Context, tx directory.Store) (directory.User, error)

// readWrite returns a writer that reads user id, applies change and writes
// the user back.
func readWrite(id string, change func(*directory.User)) writer {
	return func(ctx context.Context, tx directory.Store) (directory.User, error) {
		u, err := tx.UserByID(ctx, id)
		if err != nil {
			return directory.User{}, err
		}
		change(&u)
		return u, tx.UpdateUser(ctx, u)
	}
}

// race starts the writers at once, each in its own InTx, and returns what
// each wrote (in the last run of its fn, should the backend run it again)
// and its error. It fails t if they are still running after raceTimeout.
func race(t *testing.T, s directory.Store, writers []writer) ([]directory.User, []error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), raceTimeout)
	defer cancel()
	var (
		wg    sync.WaitGroup
		start = make(chan struct{})
		wrote = make([]directory.User, len(writers))
		errs  = make([]error, len(writers))
	)
	for i, w := range writers {
		wg.Go(func() {
			<-start
			errs[i] = s.InTx(ctx, func(tx directory.Store) error {
				u, err := w(ctx, tx)
				wrote[i] = u
				return err
			})
		})
	}
	close(start)
	wg.Wait()
	if ctx.Err() != nil {
		t.Fatalf("writers still running after %v, deadlocked: %v", raceTimeout, errs)
	}
	for i, err := range errs {
		if err != nil {
			t.Logf("writer %d failed (allowed): %v", i, err)
		}
	}
	return wrote, errs
}

// wantOneOf fails unless at least one writer succeeded and got is exactly
// what one of the successful writers wrote.
func wantOneOf(t *testing.T, what string, got directory.User, wrote []directory.User, errs []error) {
	t.Helper()
	for i := range wrote {
		if errs[i] == nil && reflect.DeepEqual(normalize(got), normalize(wrote[i])) {
			return
		}
	}
	t.Fatalf("%s: the stored user is not what a successful writer wrote:\n  got %+v\nwrote %+v\nerrors %v",
		what, got, wrote, errs)
}
