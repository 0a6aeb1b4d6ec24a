package postgres

import (
	"errors"
	"testing"

	"github.com/gatehouse-id/gatehouse/directory"
)

// These tests interleave two transactions step by step, which only a
// backend that runs them side by side allows: SQLite would make the second
// wait for the first.

// TestInTxRetriesAfterConcurrentUpdate: another node updates a user between
// this transaction's read and its write. PostgreSQL aborts the write rather
// than let it overwrite a change it never saw; InTx runs fn again, and the
// second run builds on the other node's change.
func TestInTxRetriesAfterConcurrentUpdate(t *testing.T) {
	s := fresh(t)
	ctx := t.Context()
	tn := seedTenant(t, s)
	base := directory.User{ID: "u-1", TenantID: tn.ID, Username: "jill", TenantRole: directory.TenantRoleUser}
	mustDo(t, s.CreateUser(ctx, base))

	attempts := 0
	err := s.InTx(ctx, func(tx directory.Store) error {
		attempts++
		u, err := tx.UserByID(ctx, base.ID)
		if err != nil {
			return err
		}
		if attempts == 1 {
			other := base
			other.GivenName = "Jill"
			mustDo(t, s.InTx(ctx, func(tx directory.Store) error { return tx.UpdateUser(ctx, other) }))
		}
		u.FamilyName = "Valentine"
		return tx.UpdateUser(ctx, u)
	})
	mustDo(t, err)
	if attempts != 2 {
		t.Errorf("fn ran %d times, want 2", attempts)
	}
	got, err := s.UserByID(ctx, base.ID)
	mustDo(t, err)
	if got.GivenName != "Jill" || got.FamilyName != "Valentine" {
		t.Errorf("user = %q %q, want both changes", got.GivenName, got.FamilyName)
	}
}

// TestInTxRetriesAfterConcurrentCreate: two nodes apply the same directory
// file at start-up; both look for a tenant, find none, and create it. The
// one that commits second must not fail on the first one's tenant: InTx
// runs it again, and this time it finds the tenant.
func TestInTxRetriesAfterConcurrentCreate(t *testing.T) {
	s := fresh(t)
	ctx := t.Context()
	sys := directory.Tenant{ID: "t-sys", Slug: "sys", Level: directory.LevelSystem, Path: []string{"t-sys"}}
	attempts, created := 0, 0
	err := s.InTx(ctx, func(tx directory.Store) error {
		attempts++
		_, err := tx.TenantBySlug(ctx, sys.Slug)
		if !errors.Is(err, directory.ErrNotFound) {
			return err
		}
		if attempts == 1 {
			mustDo(t, s.InTx(ctx, func(tx directory.Store) error { return tx.CreateTenant(ctx, sys) }))
		}
		created++
		mine := sys
		mine.ID = "t-mine"
		mine.Path = []string{mine.ID}
		return tx.CreateTenant(ctx, mine)
	})
	mustDo(t, err)
	if attempts != 2 || created != 1 {
		t.Errorf("fn ran %d times and created %d tenants, want 2 and 1 (the other node's)", attempts, created)
	}
}

func mustDo(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
