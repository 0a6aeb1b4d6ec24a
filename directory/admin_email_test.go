package directory_test

import (
	"testing"

	"github.com/gatehouse-id/gatehouse/directory"
)

// TestEmailVerifiedVouchedForByThePlatform: portals may trust
// email_verified across tenants, so only an administrator of the system
// tenant marks an address verified; a changed address is not verified.
func TestEmailVerifiedVouchedForByThePlatform(t *testing.T) {
	d := newWorld(t)
	ctx := t.Context()
	callers := createCallers(t, d, []directory.NewUser{
		{TenantSlug: "sys", Username: "sam", TenantRole: directory.TenantRoleAdmin},
		{TenantSlug: "acme", Username: "ada", TenantRole: directory.TenantRoleAdmin},
	})
	sam, ada := callers["sys/sam"], callers["acme/ada"]
	yes := true
	// A provider's administrator creates users, but vouches for no address.
	if _, err := d.CreateUserFor(ctx, ada, directory.NewUser{TenantSlug: "contoso", Username: "cy", Email: "cy@contoso.example",
		EmailVerified: true, TenantRole: directory.TenantRoleUser}); fieldOf(err) != "email_verified" {
		t.Fatalf("ada creating a verified address: %v", err)
	}
	u, err := d.CreateUserFor(ctx, ada, directory.NewUser{TenantSlug: "contoso", Username: "cy", Email: "cy@contoso.example",
		TenantRole: directory.TenantRoleUser})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := d.UpdateUserFor(ctx, ada, u.ID, directory.UserUpdate{EmailVerified: &yes}); fieldOf(err) != "email_verified" {
		t.Fatalf("ada marking it verified: %v", err)
	}
	// The platform's administrator may.
	if _, after, err := d.UpdateUserFor(ctx, sam, u.ID, directory.UserUpdate{EmailVerified: &yes}); err != nil || !after.EmailVerified {
		t.Fatalf("sam marking it verified: %v %+v", err, after)
	}
	// A new address is not verified, whoever changes it.
	other := "cy@elsewhere.example"
	if _, after, err := d.UpdateUserFor(ctx, ada, u.ID, directory.UserUpdate{Email: &other}); err != nil || after.EmailVerified {
		t.Fatalf("changing the address: %v verified %v", err, after.EmailVerified)
	}
}
