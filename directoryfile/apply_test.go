package directoryfile_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-id/gatehouse/directory"
	"github.com/gatehouse-id/gatehouse/directoryfile"
)

func apply(t *testing.T, d *directory.Directory, name, file string) directoryfile.Result {
	t.Helper()
	f, err := directoryfile.Parse(name, []byte(file))
	if err != nil {
		t.Fatalf("parse:\n%v", err)
	}
	res, err := f.Apply(t.Context(), d)
	if err != nil {
		t.Fatalf("apply:\n%v", err)
	}
	return res
}

func TestApplyCreatesEverything(t *testing.T) {
	d, _ := newDirectory(t)
	ctx := t.Context()
	res := apply(t, d, "base.yaml", baseFile(t))
	if got, want := counts(res), counts(directoryfile.Result{TenantsCreated: 3, UsersCreated: 2, ClientsCreated: 3}); got != want {
		t.Errorf("counts = %v, want %v", got, want)
	}
	if _, _, err := d.Authenticate(ctx, "acme-iot", "alice", "alice-password"); err != nil {
		t.Errorf("alice's initial password: %v", err)
	}
	if _, _, err := d.Authenticate(ctx, "contoso", "carol", carolPassword); err != nil {
		t.Errorf("carol's password hash: %v", err)
	}
	if _, err := d.VerifyClientSecret(ctx, "portal-web", "portal-web-secret-0123456789abcdef"); err != nil {
		t.Errorf("portal-web's secret from the file: %v", err)
	}
	// Only the confidential client without a secret in the file gets one.
	if len(res.GeneratedSecrets) != 1 || res.GeneratedSecrets["sensor-ingest"] == "" {
		t.Fatalf("generated secrets for %v, want sensor-ingest only", keys(res.GeneratedSecrets))
	}
	c, err := d.VerifyClientSecret(ctx, "sensor-ingest", res.GeneratedSecrets["sensor-ingest"])
	if err != nil {
		t.Fatalf("generated secret: %v", err)
	}
	contoso, err := d.Store().TenantBySlug(ctx, "contoso")
	if err != nil {
		t.Fatal(err)
	}
	if c.TenantID != contoso.ID || c.AccessTokenLifetime != 5*time.Minute || c.AuthMethod != directory.AuthSecretBasic {
		t.Errorf("sensor-ingest = tenant %s, lifetime %v, auth %s", c.TenantID, c.AccessTokenLifetime, c.AuthMethod)
	}
	spa, err := d.Store().ClientByID(ctx, "portal-spa")
	if err != nil {
		t.Fatal(err)
	}
	if spa.AuthMethod != directory.AuthNone || spa.SecretHash != nil {
		t.Errorf("portal-spa = auth %s, secret hash %x; want none and no hash", spa.AuthMethod, spa.SecretHash)
	}
}

func TestApplyTwiceChangesNothing(t *testing.T) {
	d, clk := newDirectory(t)
	file := baseFile(t)
	first := apply(t, d, "base.yaml", file)
	before := dump(t, d)
	clk.now = clk.now.Add(time.Hour) // an update would show in updated=
	res := apply(t, d, "base.yaml", file)
	if res.Changed() || len(res.GeneratedSecrets) != 0 {
		t.Errorf("second apply = %+v, want nothing changed", res)
	}
	if after := dump(t, d); after != before {
		t.Errorf("second apply changed the store:\nbefore:\n%s\nafter:\n%s", before, after)
	}
	// The generated secret survives: the client keeps it.
	if _, err := d.VerifyClientSecret(t.Context(), "sensor-ingest", first.GeneratedSecrets["sensor-ingest"]); err != nil {
		t.Errorf("generated secret after the second apply: %v", err)
	}
}

func TestApplyEditedFileUpdates(t *testing.T) {
	d, clk := newDirectory(t)
	ctx := t.Context()
	apply(t, d, "base.yaml", baseFile(t))
	clk.now = clk.now.Add(time.Hour)

	edited := strings.NewReplacer(
		"name: Contoso\n", "name: Contoso BV\n",
		"given_name: Alice\n", "given_name: Alicia\n",
		"role: admin\n", "role: user\n    disabled: true\n",
		"password: alice-password", "password: a-new-initial-password",
		"portal-web-secret-0123456789abcdef", "portal-web-rotated-secret-0123456789",
		"[https://portal.example/callback]", "[https://portal.example/callback, https://portal.example/cb2]",
		"access_token_lifetime: 5m", "access_token_lifetime: 2m",
	).Replace(baseFile(t))
	edited += `  - id: portal-new
    name: New portal
    type: confidential
    auth_method: client_secret_post
    redirect_uris: [https://new.example/callback]
    grant_types: [authorization_code]
`
	res := apply(t, d, "base.yaml", edited)
	if got, want := counts(res), counts(directoryfile.Result{TenantsUpdated: 1, UsersUpdated: 1, ClientsCreated: 1, ClientsUpdated: 2}); got != want {
		t.Errorf("counts = %v, want %v", got, want)
	}
	if _, ok := res.GeneratedSecrets["portal-new"]; !ok || len(res.GeneratedSecrets) != 1 {
		t.Errorf("generated secrets for %v, want portal-new only", keys(res.GeneratedSecrets))
	}

	tn, err := d.Store().TenantBySlug(ctx, "contoso")
	if err != nil || tn.Name != "Contoso BV" || !tn.UpdatedAt.Equal(clk.now) {
		t.Errorf("contoso = %q updated %v (%v), want renamed now", tn.Name, tn.UpdatedAt, err)
	}
	acme, err := d.Store().TenantBySlug(ctx, "acme-iot")
	if err != nil {
		t.Fatal(err)
	}
	alice, err := d.Store().UserByUsername(ctx, acme.ID, "alice")
	if err != nil {
		t.Fatal(err)
	}
	if alice.GivenName != "Alicia" || alice.TenantRole != directory.TenantRoleUser || !alice.Disabled {
		t.Errorf("alice = %q %s disabled=%t", alice.GivenName, alice.TenantRole, alice.Disabled)
	}
	// The password in the file is an initial one: alice keeps hers (and, being
	// disabled now, is told so only after proving it).
	if _, _, err := d.Authenticate(ctx, "acme-iot", "alice", "alice-password"); !errors.Is(err, directory.ErrUserDisabled) {
		t.Errorf("alice with her old password: %v, want ErrUserDisabled", err)
	}
	if _, _, err := d.Authenticate(ctx, "acme-iot", "alice", "a-new-initial-password"); !errors.Is(err, directory.ErrInvalidCredentials) {
		t.Errorf("alice with the file's new password: %v, want ErrInvalidCredentials", err)
	}
	// A secret in the file is applied every time.
	if _, err := d.VerifyClientSecret(ctx, "portal-web", "portal-web-rotated-secret-0123456789"); err != nil {
		t.Errorf("rotated secret: %v", err)
	}
	if _, err := d.VerifyClientSecret(ctx, "portal-web", "portal-web-secret-0123456789abcdef"); err == nil {
		t.Error("the old secret still works")
	}
	web, err := d.Store().ClientByID(ctx, "portal-web")
	if err != nil || len(web.RedirectURIs) != 2 {
		t.Errorf("portal-web redirect URIs = %v (%v)", web.RedirectURIs, err)
	}
	pn, err := d.VerifyClientSecret(ctx, "portal-new", res.GeneratedSecrets["portal-new"])
	if err != nil || pn.AuthMethod != directory.AuthSecretPost {
		t.Errorf("portal-new = %s (%v)", pn.AuthMethod, err)
	}
}

// TestApplyConflictRollsBack checks that a uniqueness conflict with what is
// already stored, found only when writing, undoes every earlier write of the
// same Apply and names the entry.
func TestApplyConflictRollsBack(t *testing.T) {
	d, _ := newDirectory(t)
	ctx := t.Context()
	tenantsOnly := baseFile(t)[:strings.Index(baseFile(t), "users:")]
	apply(t, d, "tenants.yaml", tenantsOnly)
	// carol's address, taken by a user created outside the file.
	if _, err := d.CreateUser(ctx, directory.NewUser{
		TenantSlug: "contoso", Username: "zed", Email: "Carol@Contoso.example", TenantRole: directory.TenantRoleUser,
	}); err != nil {
		t.Fatal(err)
	}
	before := dump(t, d)

	file := strings.Replace(baseFile(t), "name: Acme IoT\n", "name: Acme IoT Renamed\n", 1)
	f, err := directoryfile.Parse("base.yaml", []byte(file))
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.Apply(ctx, d)
	if !errors.Is(err, directory.ErrConflict) {
		t.Fatalf("apply = %v, want ErrConflict", err)
	}
	var fe *directoryfile.Error
	if !errors.As(err, &fe) || len(fe.Problems) != 1 {
		t.Fatalf("apply = %#v, want one problem", err)
	}
	if p := fe.Problems[0]; p.Line != 23 || p.Column != 5 || p.Path != "users[1]" || !strings.HasPrefix(p.Message, "cannot be stored: ") {
		t.Errorf("problem = %s, want base.yaml:23:5: users[1]: cannot be stored: …", p)
	}
	if after := dump(t, d); after != before {
		t.Errorf("a failed apply changed the store:\nbefore:\n%s\nafter:\n%s", before, after)
	}
}

// TestApplyAcrossFiles checks that references may point at tenants stored
// by an earlier file, and that tenants may be listed children first.
func TestApplyAcrossFiles(t *testing.T) {
	d, _ := newDirectory(t)
	apply(t, d, "base.yaml", baseFile(t))
	res := apply(t, d, "more.yaml", `version: 1
tenants:
  - slug: contoso-rotterdam
    name: Contoso Rotterdam
    level: subcustomer
    parent: contoso
  - slug: contoso
    name: Contoso
    level: customer
    parent: acme-iot
users:
  - tenant: contoso-rotterdam
    username: erin
    password: erin-password
`)
	if res.TenantsCreated != 1 || res.TenantsUpdated != 0 || res.UsersCreated != 1 {
		t.Errorf("res = %+v", res)
	}
	if _, _, err := d.Authenticate(t.Context(), "contoso-rotterdam", "erin", "erin-password"); err != nil {
		t.Errorf("erin: %v", err)
	}
}

// counts returns r's counts: tenants, users and clients created and updated.
func counts(r directoryfile.Result) [6]int {
	return [6]int{r.TenantsCreated, r.TenantsUpdated, r.UsersCreated, r.UsersUpdated, r.ClientsCreated, r.ClientsUpdated}
}

func keys(m map[string]string) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	return ks
}
