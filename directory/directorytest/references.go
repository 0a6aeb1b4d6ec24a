package directorytest

import (
	"errors"
	"strings"
	"testing"

	"github.com/gatehouse-id/gatehouse/directory"
)

// testMissingReferences: a write that refers to a row that does not exist
// fails with ErrNotFound naming that row (not merely one of the rows
// referred to), whichever way the backend learns which reference failed.
func testMissingReferences(t *testing.T, newStore func(t *testing.T) directory.Store) {
	s := newStore(t)
	tn := directory.Tenant{ID: "t-sys", Slug: "sys", Level: directory.LevelSystem, Path: []string{"t-sys"}}
	mustDo(t, s.CreateTenant(t.Context(), tn))
	user := directory.User{ID: "u-root", TenantID: tn.ID, Username: "root", TenantRole: directory.TenantRoleAdmin}
	mustDo(t, s.CreateUser(t.Context(), user))
	for _, tc := range []struct {
		name string
		err  error
		want string
	}{
		{"link of a missing user",
			s.CreateLink(t.Context(), directory.Link{UserID: "u-nope", TenantID: tn.ID}),
			"user u-nope: not found"},
		{"link to a missing tenant",
			s.CreateLink(t.Context(), directory.Link{UserID: user.ID, TenantID: "t-nope"}),
			"tenant t-nope: not found"},
		{"user of a missing owner",
			s.CreateUser(t.Context(), directory.User{ID: "u-2", TenantID: tn.ID, OwnerID: "u-nope"}),
			"owner u-nope: not found"},
		{"user of a missing tenant",
			s.CreateUser(t.Context(), directory.User{ID: "u-2", TenantID: "t-nope", OwnerID: user.ID}),
			"tenant t-nope: not found"},
		{"client of a missing tenant",
			s.CreateClient(t.Context(), directory.Client{ID: "c-1", TenantID: "t-nope"}),
			"tenant t-nope: not found"},
		{"child of a missing tenant",
			s.CreateTenant(t.Context(), directory.Tenant{ID: "t-2", Slug: "two", ParentID: "t-nope", Path: []string{"t-nope", "t-2"}}),
			"parent tenant t-nope: not found"},
	} {
		if !errors.Is(tc.err, directory.ErrNotFound) || !strings.HasSuffix(tc.err.Error(), tc.want) {
			t.Errorf("%s: error = %v, want one ending %q", tc.name, tc.err, tc.want)
		}
	}
}
