package directorytest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gatehouse-id/gatehouse/directory"
	"github.com/gatehouse-id/gatehouse/password"
	"github.com/gatehouse-id/gatehouse/storage"
)

// testQuotaRace: administrators creating users of one tenant at once,
// through the Directory (CreateUserFor, whose checkQuota counts the
// tenant's users in the transaction that adds one), never take the tenant
// one user over its quota, whatever the backend. testQuota (lifecycle.go)
// asks the same of the Store alone; this asks it of the Directory's own
// transaction, which reads more than the count before it writes.
//
// Every create either commits its user or fails having stored nothing.
// A failure is the quota's (*directory.QuotaError), or a backend that gave
// up on a transaction aborted by concurrent ones too often
// (storage.ErrUnavailable: "try again", which PostgreSQL's InTx may
// return); nothing else. A QuotaError is answered on a count of committed
// users, which only grows here, so once any create is refused for the
// quota the tenant holds exactly quota users.
//
// As in testQuota, a creator that has counted waits for the others to
// count too (countBarrier), so that they race over the same count rather
// than one after the other as their transactions happen to run; but no
// longer than linger, since a backend that runs one transaction at a time
// (SQLite) keeps the others from counting until it commits.
func testQuotaRace(t *testing.T, newStore func(t *testing.T) directory.Store) {
	const (
		quota    = 5
		creators = 12
		linger   = 50 * time.Millisecond
	)
	s := newStore(t)
	counted := newBarrier(creators, linger)
	d := directory.New(countBarrier{s, counted.arrive}, directory.NewSecretHasher(bytes.Repeat([]byte{7}, 32)),
		directory.Config{PasswordParams: password.Params{Memory: 64, Time: 1, Threads: 1}})
	// The tenants through the Directory, which gives them their built-in
	// roles (seed's rows have none), then the quota.
	sys, err := d.CreateTenant(t.Context(), "sys", "System", directory.LevelSystem, "")
	mustDo(t, err)
	acme, err := d.CreateTenant(t.Context(), "acme", "Acme", directory.LevelProvider, sys.Slug)
	mustDo(t, err)
	acme.Settings.MaxUsers = quota
	mustDo(t, s.UpdateTenant(t.Context(), acme))
	// The platform's administrator, in the system tenant, so that it does
	// not count against acme's quota.
	root, err := d.CreateUser(t.Context(), directory.NewUser{TenantSlug: sys.Slug, Username: "root",
		TenantRole: directory.TenantRoleAdmin})
	mustDo(t, err)
	admin, err := d.CallerForUser(t.Context(), root.ID, "", "")
	mustDo(t, err)

	ctx, cancel := context.WithTimeout(t.Context(), raceTimeout)
	defer cancel()
	var (
		wg    sync.WaitGroup
		start = make(chan struct{})
		users = make([]directory.User, creators)
		errs  = make([]error, creators)
	)
	for i := range creators {
		wg.Go(func() {
			<-start
			users[i], errs[i] = d.CreateUserFor(ctx, admin, directory.NewUser{TenantSlug: acme.Slug,
				Username: fmt.Sprintf("user%d", i), TenantRole: directory.TenantRoleUser})
		})
	}
	close(start)
	wg.Wait()
	if ctx.Err() != nil {
		t.Fatalf("creators still running after %v, deadlocked: %v", raceTimeout, errs)
	}

	created, refused := map[string]bool{}, 0
	for i, err := range errs {
		var qe *directory.QuotaError
		switch {
		case err == nil:
			created[users[i].ID] = true
		case errors.As(err, &qe):
			if qe.Tenant != acme.Slug || qe.Limit != quota {
				t.Errorf("creator %d: %v, want a QuotaError for %s, %d", i, err, acme.Slug, quota)
			}
			refused++
		case errors.Is(err, storage.ErrUnavailable):
			t.Logf("creator %d gave up (allowed): %v", i, err)
		default:
			t.Errorf("creator %d: %v, want success, a QuotaError or ErrUnavailable", i, err)
		}
	}
	n, err := s.CountUsers(t.Context(), acme.ID)
	mustDo(t, err)
	stored, err := s.ListUsers(t.Context(), acme.ID)
	mustDo(t, err)
	for _, u := range stored {
		if !created[u.ID] {
			t.Errorf("user %s is stored, but its create failed", u.Username)
		}
	}
	switch {
	case n > quota:
		t.Fatalf("%d users in a tenant with a quota of %d", n, quota)
	case n != len(created) || len(stored) != len(created):
		t.Fatalf("%d users counted and %d stored, but %d creates succeeded", n, len(stored), len(created))
	case refused > 0 && n != quota:
		t.Fatalf("%d creates refused for the quota, but only %d of %d users were created", refused, n, quota)
	case len(created) == 0:
		t.Fatal("every create failed")
	}
}

// countBarrier is a Store whose CountUsers, in and out of transactions,
// calls arrive once it has counted.
type countBarrier struct {
	directory.Store
	arrive func()
}

func (b countBarrier) InTx(ctx context.Context, fn func(directory.Store) error) error {
	return b.Store.InTx(ctx, func(tx directory.Store) error { return fn(countBarrier{tx, b.arrive}) })
}

func (b countBarrier) CountUsers(ctx context.Context, tenantID string) (int, error) {
	n, err := b.Store.CountUsers(ctx, tenantID)
	b.arrive()
	return n, err
}

// barrier holds up the first n calls of arrive until all n have come, or
// for linger each at most; later calls pass at once.
type barrier struct {
	n      int32
	linger time.Duration
	come   atomic.Int32
	all    chan struct{}
}

func newBarrier(n int, linger time.Duration) *barrier {
	return &barrier{n: int32(n), linger: linger, all: make(chan struct{})}
}

func (b *barrier) arrive() {
	switch k := b.come.Add(1); {
	case k == b.n:
		close(b.all)
	case k < b.n:
		select {
		case <-b.all:
		case <-time.After(b.linger):
		}
	}
}
