package directory_test

import (
	"testing"

	"github.com/gatehouse-id/gatehouse/directory"
)

func TestMFAPolicyTightensDownTheTree(t *testing.T) {
	d, _ := rolesWorld(t) // sys > acme > contoso
	ctx, s := t.Context(), d.Store()
	set := func(slug string, p directory.MFAPolicy) {
		t.Helper()
		tn, err := s.TenantBySlug(ctx, slug)
		if err != nil {
			t.Fatal(err)
		}
		st := tn.Settings
		st.MFA = p
		if _, err := d.PutTenantSettings(ctx, s, slug, st); err != nil {
			t.Fatal(err)
		}
	}
	effective := func(slug string) directory.MFAPolicy {
		t.Helper()
		tn, _ := s.TenantBySlug(ctx, slug)
		p, err := d.EffectiveMFA(ctx, tn)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	if got := effective("contoso"); got != directory.MFAOptional {
		t.Errorf("nothing set anywhere: %q, want optional", got)
	}
	set("acme", directory.MFAOff)
	if got := effective("contoso"); got != directory.MFAOff {
		t.Errorf("inherited off: %q", got)
	}
	set("contoso", directory.MFARequired) // a child tightens
	if got := effective("contoso"); got != directory.MFARequired {
		t.Errorf("tightened: %q", got)
	}
	set("contoso", directory.MFAInherit)
	set("acme", directory.MFARequired)
	set("contoso", directory.MFAOff) // a child cannot loosen
	if got := effective("contoso"); got != directory.MFARequired {
		t.Errorf("loosened below a required parent: %q", got)
	}
	if _, err := d.PutTenantSettings(ctx, s, "contoso", directory.TenantSettings{MFA: "sometimes"}); err == nil {
		t.Error("an unknown policy was stored")
	}
}

func TestMFARequiredByRoleGroupOrApplication(t *testing.T) {
	d, u := rolesWorld(t)
	ctx, s := t.Context(), d.Store()
	decide := func(user string, asked bool) directory.MFADecision {
		t.Helper()
		dec, err := d.DecideMFAFor(ctx, u[user].ID, "", asked)
		if err != nil {
			t.Fatal(err)
		}
		return dec
	}
	if dec := decide("erin", false); dec.Required || dec.Policy != directory.MFAOptional {
		t.Errorf("erin, optional tenant: %+v", dec)
	}
	if dec := decide("erin", true); !dec.Required || dec.Reason != "requested by the application" {
		t.Errorf("erin, application asks: %+v", dec)
	}
	// "Everyone holding admins must use TOTP."
	if _, _, err := d.PutGlobalRole(ctx, s, "contoso", directory.GlobalRole{Name: "admins", RequireMFA: true}); err != nil {
		t.Fatal(err)
	}
	if dec := decide("carol", false); !dec.Required || dec.Reason != "role admins" {
		t.Errorf("carol, an administrator: %+v", dec)
	}
	if dec := decide("erin", false); dec.Required {
		t.Errorf("erin holds no such role: %+v", dec)
	}
	// A group.
	if _, _, err := d.PutGroup(ctx, s, "contoso", directory.Group{Name: "team", GlobalRoles: []string{"operators"},
		ServiceRoles: directory.ServiceRoles{"things-manager": {"editor"}}, RequireMFA: true}); err != nil {
		t.Fatal(err)
	}
	if dec := decide("dave", false); !dec.Required || dec.Reason != "group team" {
		t.Errorf("dave, in team: %+v", dec)
	}
}

// An external user acting in a linked tenant with a looser policy still
// meets its home tenant's requirement.
func TestMFAHomeRequirementFollowsTheUser(t *testing.T) {
	d, u := rolesWorld(t)
	ctx, s := t.Context(), d.Store()
	if _, err := d.CreateTenant(ctx, "fabrikam", "Fabrikam", directory.LevelCustomer, "acme"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := d.PutLink(ctx, s, "contoso", "erin", "fabrikam", directory.Assignment{TenantRole: "user"}); err != nil {
		t.Fatal(err)
	}
	if _, err := d.PutTenantSettings(ctx, s, "contoso", directory.TenantSettings{UserRoles: []string{"readers"}, MFA: directory.MFARequired}); err != nil {
		t.Fatal(err)
	}
	fab, _ := s.TenantBySlug(ctx, "fabrikam")
	dec, err := d.DecideMFAFor(ctx, u["erin"].ID, fab.ID, false)
	if err != nil {
		t.Fatal(err)
	}
	if !dec.Required || dec.Reason != "tenant policy of the home tenant contoso" {
		t.Errorf("erin acting in fabrikam: %+v", dec)
	}
}
