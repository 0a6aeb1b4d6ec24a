package directory_test

import (
	"slices"
	"testing"
	"time"

	"github.com/gatehouse-id/gatehouse/directory"
)

// A tenant stored before roles existed (written straight to the store, as
// an earlier version did) gets what a new tenant starts with; one that has
// roles is left alone.
func TestEnsureTenantDefaults(t *testing.T) {
	d := newDirectory(t)
	ctx := t.Context()
	old := directory.Tenant{ID: "t-old", Slug: "old", Name: "Old", Level: directory.LevelSystem, Path: []string{"t-old"},
		CreatedAt: time.Now().UTC(), UpdatedAt: time.Now().UTC()}
	if err := d.Store().CreateTenant(ctx, old); err != nil {
		t.Fatal(err)
	}
	if _, err := d.CreateTenant(ctx, "new", "New", directory.LevelProvider, "old"); err != nil {
		t.Fatal(err)
	}
	newT, _ := d.Store().TenantBySlug(ctx, "new")
	if _, _, err := d.PutGlobalRole(ctx, d.Store(), "new", directory.GlobalRole{Name: "readers", Permissions: perms("users:read")}); err != nil {
		t.Fatal(err)
	}
	for range 2 { // idempotent
		if err := d.EnsureTenantDefaults(ctx); err != nil {
			t.Fatal(err)
		}
	}
	roleNames := func(id string) []string {
		rs, err := d.Store().ListGlobalRoles(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, r := range rs {
			out = append(out, r.Name)
		}
		return out
	}
	if got := roleNames("t-old"); !slices.Equal(got, []string{"admins", "devices", "readers"}) {
		t.Errorf("old tenant roles %v", got)
	}
	if g, err := d.Store().GroupByName(ctx, "t-old", "administrators"); err != nil || g.TenantID != "t-old" {
		t.Errorf("old tenant administrators group: %v", err)
	}
	if got, _ := d.Store().TenantByID(ctx, "t-old"); !slices.Equal(got.Settings.UserRoles, []string{"readers"}) {
		t.Errorf("old tenant user roles %v", got.Settings.UserRoles)
	}
	// The tenant that had roles keeps its edited readers role.
	r, err := d.Store().GlobalRoleByName(ctx, newT.ID, "readers")
	if err != nil || len(r.Permissions) != 1 {
		t.Errorf("edited readers role: %+v, %v", r, err)
	}
}
