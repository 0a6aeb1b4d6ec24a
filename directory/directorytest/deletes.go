package directorytest

import (
	"testing"

	"github.com/gatehouse-id/gatehouse/directory"
)

// testDeletes: a global role and a group are deleted by id, and only
// they; deleting what is not there is ErrNotFound.
func testDeletes(t *testing.T, newStore func(t *testing.T) directory.Store) {
	s := newStore(t)
	ctx := t.Context()
	_, acme := seed(t, s)
	mustDo(t, s.CreateGlobalRole(ctx, newRole("r-1", acme.ID, "operators")))
	mustDo(t, s.CreateGlobalRole(ctx, newRole("r-2", acme.ID, "auditors")))
	mustDo(t, s.CreateGroup(ctx, newGroup("g-1", acme.ID, "night-shift")))
	mustDo(t, s.CreateGroup(ctx, newGroup("g-2", acme.ID, "day-shift")))

	mustDo(t, s.DeleteGlobalRole(ctx, "r-1"))
	_, err := s.GlobalRoleByName(ctx, acme.ID, "operators")
	wantErr(t, err, directory.ErrNotFound)
	if _, err := s.GlobalRoleByName(ctx, acme.ID, "auditors"); err != nil {
		t.Errorf("the other role went too: %v", err)
	}
	wantErr(t, s.DeleteGlobalRole(ctx, "r-1"), directory.ErrNotFound)
	wantErr(t, s.DeleteGlobalRole(ctx, "r-nope"), directory.ErrNotFound)

	mustDo(t, s.DeleteGroup(ctx, "g-1"))
	_, err = s.GroupByName(ctx, acme.ID, "night-shift")
	wantErr(t, err, directory.ErrNotFound)
	if _, err := s.GroupByName(ctx, acme.ID, "day-shift"); err != nil {
		t.Errorf("the other group went too: %v", err)
	}
	wantErr(t, s.DeleteGroup(ctx, "g-1"), directory.ErrNotFound)
	wantErr(t, s.DeleteGroup(ctx, "g-nope"), directory.ErrNotFound)

	// Inside a transaction that fails, a delete is undone.
	err = s.InTx(ctx, func(tx directory.Store) error {
		mustDo(t, tx.DeleteGroup(ctx, "g-2"))
		return directory.ErrConflict
	})
	wantErr(t, err, directory.ErrConflict)
	if _, err := s.GroupByName(ctx, acme.ID, "day-shift"); err != nil {
		t.Errorf("a rolled-back delete was kept: %v", err)
	}
}
