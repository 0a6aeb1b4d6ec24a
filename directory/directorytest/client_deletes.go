package directorytest

import (
	"testing"

	"github.com/gatehouse-id/gatehouse/directory"
)

// testClientDeletes: a client is deleted by id, and only it, whether it
// has a tenant or not; deleting what is not there is ErrNotFound, and a
// delete in a transaction that fails is undone.
func testClientDeletes(t *testing.T, newStore func(t *testing.T) directory.Store) {
	s := newStore(t)
	ctx := t.Context()
	_, acme := seed(t, s)
	mustDo(t, s.CreateClient(ctx, newClient("machine", acme.ID)))
	mustDo(t, s.CreateClient(ctx, newClient("other", acme.ID)))
	mustDo(t, s.CreateClient(ctx, newClient("platform", "")))

	mustDo(t, s.DeleteClient(ctx, "machine"))
	_, err := s.ClientByID(ctx, "machine")
	wantErr(t, err, directory.ErrNotFound)
	mustDo(t, s.DeleteClient(ctx, "platform"))
	_, err = s.ClientByID(ctx, "platform")
	wantErr(t, err, directory.ErrNotFound)
	left, err := s.ListClients(ctx)
	mustDo(t, err)
	if got := ids(left, func(c directory.Client) string { return c.ID }); got != "[other]" {
		t.Errorf("clients left %s, want [other]", got)
	}
	wantErr(t, s.DeleteClient(ctx, "machine"), directory.ErrNotFound)
	wantErr(t, s.DeleteClient(ctx, "nope"), directory.ErrNotFound)
	wantErr(t, s.DeleteClient(ctx, "OTHER"), directory.ErrNotFound)

	// The id is free again.
	mustDo(t, s.CreateClient(ctx, newClient("machine", acme.ID)))

	err = s.InTx(ctx, func(tx directory.Store) error {
		mustDo(t, tx.DeleteClient(ctx, "other"))
		if _, err := tx.ClientByID(ctx, "other"); err == nil {
			t.Error("deleted client still found inside the transaction")
		}
		return directory.ErrConflict
	})
	wantErr(t, err, directory.ErrConflict)
	if _, err := s.ClientByID(ctx, "other"); err != nil {
		t.Errorf("a rolled-back delete was kept: %v", err)
	}
}
