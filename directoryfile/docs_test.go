package directoryfile_test

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-id/gatehouse/directory"
	"github.com/gatehouse-id/gatehouse/directoryfile"
)

// TestDocumentedExample keeps the full example in docs/directory-file.md
// valid: it must parse and apply.
func TestDocumentedExample(t *testing.T) {
	doc, err := os.ReadFile("../docs/directory-file.md")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(doc), "## Format\n")
	if !ok {
		t.Fatal("docs/directory-file.md has no Format section")
	}
	_, rest, ok = strings.Cut(rest, "```yaml\n")
	example, _, ok2 := strings.Cut(rest, "```")
	if !ok || !ok2 {
		t.Fatal("no yaml example in the Format section")
	}
	f, err := directoryfile.Parse("docs/directory-file.md", []byte(example))
	if err != nil {
		t.Fatal(err)
	}
	d, _ := newDirectory(t)
	res, err := f.Apply(t.Context(), d)
	if err != nil {
		t.Fatal(err)
	}
	wantCounts(t, res, directoryfile.Result{ResourcesCreated: 1, ServicesCreated: 2, TenantsCreated: 4,
		RolesCreated: 2, RolesUpdated: 1, GroupsCreated: 1, UsersCreated: 3, LinksCreated: 1, ClientsCreated: 2})
	if len(res.GeneratedSecrets) != 2 {
		t.Errorf("generated secrets for %v, want both clients", keys(res.GeneratedSecrets))
	}
	// What the comments promise: dave is carol's sub-user, alice may act
	// in fabrikam, and the portal's tokens carry its services' roles.
	ctx, s := t.Context(), d.Store()
	contoso, err := s.TenantBySlug(ctx, "contoso")
	must(t, err)
	carol, err := s.UserByUsername(ctx, contoso.ID, "carol")
	must(t, err)
	dave, err := s.UserByUsername(ctx, contoso.ID, "dave")
	must(t, err)
	wantSame(t, "dave's owner", dave.OwnerID, carol.ID)
	wantSame(t, "contoso's support policy", contoso.Settings.Support,
		directory.SupportPolicy{Mode: directory.SupportByConsent, RequireReason: true, ConsentWindow: 8 * time.Hour})
	acme, err := s.TenantBySlug(ctx, "acme-iot")
	must(t, err)
	wantSame(t, "acme's branding", acme.Settings.Branding, directory.Branding{DisplayName: "Things Portal", PrimaryColor: "#1d4ed8"})
	alice, err := s.UserByUsername(ctx, acme.ID, "alice")
	must(t, err)
	tenants, err := d.TenantsOf(ctx, alice)
	must(t, err)
	var slugs []string
	for _, tn := range tenants {
		slugs = append(slugs, tn.Slug)
	}
	wantSame(t, "alice's tenants", slugs, []string{"acme-iot", "fabrikam"})
	portal, err := s.ClientByID(ctx, "portal-web")
	must(t, err)
	wantSame(t, "portal-web", []any{portal.Services, portal.DefaultScopes},
		[]any{[]string{"things-manager", "webshop"}, []string{"tenant", "roles"}})
	// And applying it again changes nothing.
	if res, err := f.Apply(ctx, d); err != nil || res.Changed() {
		t.Errorf("second apply = %+v, %v", res, err)
	}
}
