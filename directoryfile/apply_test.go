package directoryfile_test

import (
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
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
	wantCounts(t, res, directoryfile.Result{TenantsCreated: 3, UsersCreated: 2, ClientsCreated: 3})
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
	if spa.AuthMethod != directory.AuthNone || spa.SecretHash != nil || spa.InitiateLoginURI != "http://localhost:5173/login" || !spa.ThirdParty {
		t.Errorf("portal-spa = auth %s, secret hash %x, login page %q; want none, no hash and the file's",
			spa.AuthMethod, spa.SecretHash, spa.InitiateLoginURI)
	}
	web, err := d.Store().ClientByID(ctx, "portal-web")
	if err != nil {
		t.Fatal(err)
	}
	if web.BackchannelLogoutURI != "https://portal.example/backchannel-logout" || !web.BackchannelLogoutSessionRequired {
		t.Errorf("portal-web back-channel logout = %q, sid required %v; want the file's",
			web.BackchannelLogoutURI, web.BackchannelLogoutSessionRequired)
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
		"initiate_login_uri: http://localhost:5173/login", "initiate_login_uri: http://localhost:5173/sign-in",
	).Replace(baseFile(t))
	edited += `  - id: portal-new
    name: New portal
    type: confidential
    auth_method: client_secret_post
    redirect_uris: [https://new.example/callback]
    grant_types: [authorization_code]
`
	res := apply(t, d, "base.yaml", edited)
	wantCounts(t, res, directoryfile.Result{TenantsUpdated: 1, UsersUpdated: 1, ClientsCreated: 1, ClientsUpdated: 3})
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
	// A new login page is a change of its own.
	spa, err := d.Store().ClientByID(ctx, "portal-spa")
	if err != nil || spa.InitiateLoginURI != "http://localhost:5173/sign-in" || !spa.UpdatedAt.Equal(clk.now) {
		t.Errorf("portal-spa login page = %q updated %v (%v), want the edited one now", spa.InitiateLoginURI, spa.UpdatedAt, err)
	}
	pn, err := d.VerifyClientSecret(ctx, "portal-new", res.GeneratedSecrets["portal-new"])
	if err != nil || pn.AuthMethod != directory.AuthSecretPost {
		t.Errorf("portal-new = %s (%v)", pn.AuthMethod, err)
	}
}

// TestApplyUserProfile checks that a user's phone, job title and office
// location are stored, kept by applying the same file again, and changed
// and cleared by an edited one.
func TestApplyUserProfile(t *testing.T) {
	d, clk := newDirectory(t)
	ctx := t.Context()
	profile := "given_name: Alice\n    phone: \"+31 (0)20 555-0134\"\n    job_title: Fleet manager\n" +
		"    office_location: Rotterdam, Wilhelminakade 1\n"
	file := strings.Replace(baseFile(t), "given_name: Alice\n", profile, 1)
	apply(t, d, "base.yaml", file)
	acme, err := d.Store().TenantBySlug(ctx, "acme-iot")
	must(t, err)
	alice := func() []string {
		t.Helper()
		u, err := d.Store().UserByUsername(ctx, acme.ID, "alice")
		must(t, err)
		return []string{u.Phone, u.JobTitle, u.OfficeLocation}
	}
	wantSame(t, "alice's profile", alice(), []string{"+31 (0)20 555-0134", "Fleet manager", "Rotterdam, Wilhelminakade 1"})

	clk.now = clk.now.Add(time.Hour)
	wantCounts(t, apply(t, d, "base.yaml", file), directoryfile.Result{})
	edited := strings.NewReplacer("job_title: Fleet manager", "job_title: Head of operations",
		"    office_location: Rotterdam, Wilhelminakade 1\n", "").Replace(file)
	wantCounts(t, apply(t, d, "base.yaml", edited), directoryfile.Result{UsersUpdated: 1})
	wantSame(t, "alice's profile, edited", alice(), []string{"+31 (0)20 555-0134", "Head of operations", ""})
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

// TestApplyFullRoundTrip applies a file with every kind of entry and reads
// it back through the store: what was written, and what it resolves to.
func TestApplyFullRoundTrip(t *testing.T) {
	d, _ := newDirectory(t)
	ctx, s := t.Context(), d.Store()
	res := apply(t, d, "full.yaml", full)
	// The defaults readers and admins of contoso exist already: editing
	// them is an update.
	wantCounts(t, res, directoryfile.Result{ResourcesCreated: 1, ServicesCreated: 2, TenantsCreated: 4,
		RolesCreated: 3, RolesUpdated: 2, GroupsCreated: 2, UsersCreated: 3, LinksCreated: 2, ClientsCreated: 2})
	if len(res.GeneratedSecrets) != 2 {
		t.Errorf("generated secrets for %v, want both clients", keys(res.GeneratedSecrets))
	}

	resources, err := s.ListResources(ctx)
	must(t, err)
	wantSame(t, "resources", resources, []directory.Resource{{Name: "dashboards", Description: "Portal dashboards",
		Levels: []directory.Level{directory.LevelCustomer, directory.LevelSubcustomer}}})
	tm, err := s.ServiceByName(ctx, "things-manager")
	must(t, err)
	shop, err := s.ServiceByName(ctx, "webshop")
	must(t, err)
	wantSame(t, "services", [][]any{{tm.DisplayName, tm.Roles}, {shop.DisplayName, shop.Roles}},
		[][]any{{"Things Manager", []string{"admin", "editor", "read-only"}}, {"webshop", []string{"quotation", "read-only"}}})

	contoso, err := s.TenantBySlug(ctx, "contoso")
	must(t, err)
	fabrikam, err := s.TenantBySlug(ctx, "fabrikam")
	must(t, err)
	wantSame(t, "contoso's user_roles", contoso.Settings.UserRoles, []string{"fleet-viewers", "readers"})
	wantSame(t, "fabrikam's user_roles", fabrikam.Settings.UserRoles, []string{"readers"})
	roles := map[string]directory.GlobalRole{}
	list, err := s.ListGlobalRoles(ctx, contoso.ID)
	must(t, err)
	for _, r := range list {
		roles[r.Name] = r
	}
	wantSame(t, "contoso's roles", slices.Sorted(maps.Keys(roles)),
		[]string{"admins", "devices", "fleet-operators", "fleet-viewers", "readers"})
	wantSame(t, "fleet-operators", []any{roles["fleet-operators"].Description, roles["fleet-operators"].Permissions},
		[]any{"Operate the fleet", perms(t, "alarms:admin", "dashboards:read", "inventory:change", "inventory:read")})
	wantSame(t, "readers", roles["readers"].Permissions, perms(t, "alarms:read", "inventory:read"))
	wantSame(t, "admins", []any{roles["admins"].Description, len(roles["admins"].Permissions)}, []any{"Contoso's administrators", 0})
	team, err := s.GroupByName(ctx, contoso.ID, "rotterdam-team")
	must(t, err)
	wantSame(t, "rotterdam-team", []any{team.Description, team.GlobalRoles, team.ServiceRoles.Normalize()},
		[]any{"The Rotterdam site", []string{"fleet-operators"}, directory.ServiceRoles{"things-manager": {"editor"}}})

	carol, err := s.UserByUsername(ctx, contoso.ID, "carol")
	must(t, err)
	dave, err := s.UserByUsername(ctx, contoso.ID, "dave")
	must(t, err)
	wantSame(t, "dave", []any{dave.TenantRole, dave.GlobalRoles, dave.ServiceRoles.Normalize(), dave.Groups, dave.OwnerID},
		[]any{directory.TenantRoleUser, []string{"fleet-viewers"}, directory.ServiceRoles{"things-manager": {"read-only"}},
			[]string{"rotterdam-team"}, carol.ID})
	// What dave holds, resolved: his own roles, his group's, and contoso's
	// default user roles.
	_, p, err := d.PrincipalOf(ctx, dave.ID, "")
	must(t, err)
	wantSame(t, "dave's principal", []any{p.GlobalRoles, p.Permissions.Has("alarms", directory.AccessAdmin),
		p.Permissions.Has("dashboards", directory.AccessRead), p.ServiceRoles},
		[]any{[]string{"fleet-operators", "fleet-viewers", "readers"}, true, true,
			directory.ServiceRoles{"things-manager": {"editor", "read-only"}}})

	acme, err := s.TenantBySlug(ctx, "acme-iot")
	must(t, err)
	sam, err := s.UserByUsername(ctx, acme.ID, "sam")
	must(t, err)
	links := map[string]directory.Link{}
	ls, err := s.LinksOfUser(ctx, sam.ID)
	must(t, err)
	for _, l := range ls {
		links[l.TenantID] = l
	}
	lc, lf := links[contoso.ID], links[fabrikam.ID]
	wantSame(t, "sam's links", []any{len(links), lc.TenantRole, lc.GlobalRoles, lc.ServiceRoles.Normalize(), lc.Groups,
		lf.TenantRole, lf.GlobalRoles, lf.Groups},
		[]any{2, directory.TenantRoleUser, []string{"fleet-operators"}, directory.ServiceRoles{"things-manager": {"read-only"}}, []string(nil),
			directory.TenantRoleAdmin, []string(nil), []string{"auditors"}})
	_, p, err = d.PrincipalOf(ctx, sam.ID, contoso.ID)
	must(t, err)
	wantSame(t, "sam in contoso", p.GlobalRoles, []string{"fleet-operators", "fleet-viewers", "readers"})

	portal, err := s.ClientByID(ctx, "contoso-portal")
	must(t, err)
	wantSame(t, "contoso-portal", []any{portal.Services, portal.DefaultScopes, len(portal.GlobalRoles), len(portal.ServiceRoles)},
		[]any{[]string{"things-manager", "webshop"}, []string{"tenant", "roles"}, 0, 0})
	importer, err := s.ClientByID(ctx, "fleet-importer")
	must(t, err)
	wantSame(t, "fleet-importer", []any{importer.TenantID, importer.Services, importer.GlobalRoles, importer.ServiceRoles.Normalize()},
		[]any{contoso.ID, []string{"things-manager"}, []string{"devices"}, directory.ServiceRoles{"things-manager": {"read-only"}}})
}

func TestApplyFullTwiceChangesNothing(t *testing.T) {
	d, clk := newDirectory(t)
	apply(t, d, "full.yaml", full)
	before := dump(t, d)
	clk.now = clk.now.Add(time.Hour) // an update would show in updated=
	res := apply(t, d, "full.yaml", full)
	wantCounts(t, res, directoryfile.Result{})
	if res.Changed() || len(res.GeneratedSecrets) != 0 {
		t.Errorf("second apply = %+v, want nothing changed", res)
	}
	if after := dump(t, d); after != before {
		t.Errorf("second apply changed the store:\nbefore:\n%s\nafter:\n%s", before, after)
	}
}

// TestApplyFullEdited checks that a change to each kind of entry counts as
// an update of that kind, and that a tenant left without settings gets
// those of a new tenant back.
func TestApplyFullEdited(t *testing.T) {
	d, clk := newDirectory(t)
	ctx := t.Context()
	apply(t, d, "full.yaml", full)
	clk.now = clk.now.Add(time.Hour)
	edited := strings.NewReplacer(
		"description: Portal dashboards", "description: Dashboards of the portals",
		"roles: [quotation, read-only]", "roles: [quotation, read-only, voucher-manager]",
		"    settings:\n      user_roles: [readers, fleet-viewers]\n", "",
		"description: Operate the fleet", "description: Operate the whole fleet",
		"description: The Rotterdam site", "description: Rotterdam",
		"    groups: [rotterdam-team]\n", "",
		"        global_roles: [fleet-operators]\n", "",
		"default_scopes: [tenant, roles]", "default_scopes: [tenant]",
	).Replace(full)
	res := apply(t, d, "full.yaml", edited)
	wantCounts(t, res, directoryfile.Result{ResourcesUpdated: 1, ServicesUpdated: 1, TenantsUpdated: 1, RolesUpdated: 1,
		GroupsUpdated: 1, UsersUpdated: 1, LinksUpdated: 1, ClientsUpdated: 1})
	contoso, err := d.Store().TenantBySlug(ctx, "contoso")
	must(t, err)
	wantSame(t, "contoso's user_roles", contoso.Settings.UserRoles, []string{"readers"})
	dave, err := d.Store().UserByUsername(ctx, contoso.ID, "dave")
	must(t, err)
	wantSame(t, "dave's groups", len(dave.Groups), 0)
}

// TestResultLogValue checks that the log line has every count and names the
// clients with generated secrets, never the secrets.
func TestResultLogValue(t *testing.T) {
	var b strings.Builder
	log := slog.New(slog.NewTextHandler(&b, nil))
	log.Info("applied", "result", directoryfile.Result{RolesCreated: 2, LinksUpdated: 1,
		GeneratedSecrets: map[string]string{"fleet-importer": "the-generated-secret"}})
	for _, want := range []string{"result.resources_created=0", "result.roles_created=2", "result.links_updated=1",
		"result.clients_updated=0", "result.generated_secrets_for=[fleet-importer]"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("log line %q lacks %s", b.String(), want)
		}
	}
	if strings.Contains(b.String(), "the-generated-secret") {
		t.Errorf("log line %q shows the secret", b.String())
	}
}

// counts returns r's counts, created and updated for each kind.
func counts(r directoryfile.Result) map[string][2]int {
	return map[string][2]int{
		"resources": {r.ResourcesCreated, r.ResourcesUpdated},
		"services":  {r.ServicesCreated, r.ServicesUpdated},
		"tenants":   {r.TenantsCreated, r.TenantsUpdated},
		"roles":     {r.RolesCreated, r.RolesUpdated},
		"groups":    {r.GroupsCreated, r.GroupsUpdated},
		"users":     {r.UsersCreated, r.UsersUpdated},
		"links":     {r.LinksCreated, r.LinksUpdated},
		"clients":   {r.ClientsCreated, r.ClientsUpdated},
	}
}

// wantCounts fails t unless r counts as want.
func wantCounts(t *testing.T, r, want directoryfile.Result) {
	t.Helper()
	if got, want := counts(r), counts(want); !maps.Equal(got, want) {
		t.Errorf("counts = %v, want %v", got, want)
	}
}

func keys(m map[string]string) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	return ks
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// wantSame fails t unless got and want print the same: a nil and an empty
// list alike, as stores may hand back either.
func wantSame(t *testing.T, what string, got, want any) {
	t.Helper()
	if g, w := fmt.Sprintf("%v", got), fmt.Sprintf("%v", want); g != w {
		t.Errorf("%s = %s, want %s", what, g, w)
	}
}

func perms(t *testing.T, ps ...string) []directory.Permission {
	t.Helper()
	var out []directory.Permission
	for _, s := range ps {
		p, err := directory.ParsePermission(s)
		must(t, err)
		out = append(out, p)
	}
	return out
}

// TestApplySupportPolicy checks that a tenant's support policy is stored
// as written, inherited and tightened as package directory says, left
// alone by a second import, and reset to "inherit" when the file drops it.
func TestApplySupportPolicy(t *testing.T) {
	d, clk := newDirectory(t)
	ctx, s := t.Context(), d.Store()
	file := strings.NewReplacer(
		"    level: provider\n    parent: gatehouse\n",
		"    level: provider\n    parent: gatehouse\n    settings:\n      support:\n        mode: consent\n        require_reason: true\n        consent_window: 8h\n",
		"    level: customer\n    parent: acme-iot\n",
		"    level: customer\n    parent: acme-iot\n    settings:\n      user_roles: [readers]\n      support: {mode: permission, consent_window: 90m}\n",
	).Replace(baseFile(t))
	res := apply(t, d, "base.yaml", file)
	wantCounts(t, res, directoryfile.Result{TenantsCreated: 3, UsersCreated: 2, ClientsCreated: 3})
	policy := func(slug string) (directory.SupportPolicy, directory.EffectiveSupportPolicy) {
		t.Helper()
		tn, err := s.TenantBySlug(ctx, slug)
		must(t, err)
		eff, err := d.EffectiveSupport(ctx, tn)
		must(t, err)
		return tn.Settings.Support, eff
	}
	own, _ := policy("acme-iot")
	wantSame(t, "acme-iot's support", own, directory.SupportPolicy{Mode: directory.SupportByConsent, RequireReason: true, ConsentWindow: 8 * time.Hour})
	own, eff := policy("contoso")
	wantSame(t, "contoso's support", own, directory.SupportPolicy{Mode: directory.SupportByPermission, ConsentWindow: 90 * time.Minute})
	// contoso cannot loosen acme-iot's consent, nor waive its reason.
	wantSame(t, "contoso's effective support", eff, directory.EffectiveSupportPolicy{Mode: directory.SupportByConsent, RequireReason: true, ConsentWindow: 90 * time.Minute})
	own, eff = policy("gatehouse")
	wantSame(t, "gatehouse's support", []any{own, eff}, []any{directory.SupportPolicy{},
		directory.EffectiveSupportPolicy{Mode: directory.SupportByPermission, ConsentWindow: directory.DefaultConsentWindow}})

	before := dump(t, d)
	clk.now = clk.now.Add(time.Hour)
	if res := apply(t, d, "base.yaml", file); res.Changed() {
		t.Errorf("second apply = %+v, want nothing changed", res)
	}
	if after := dump(t, d); after != before {
		t.Errorf("second apply changed the store:\nbefore:\n%s\nafter:\n%s", before, after)
	}

	// Dropping acme-iot's block, and nulling contoso's, inherits again.
	edited := strings.NewReplacer(
		"    settings:\n      support:\n        mode: consent\n        require_reason: true\n        consent_window: 8h\n", "",
		"support: {mode: permission, consent_window: 90m}", "support:",
	).Replace(file)
	res = apply(t, d, "base.yaml", edited)
	wantCounts(t, res, directoryfile.Result{TenantsUpdated: 2})
	own, _ = policy("acme-iot")
	wantSame(t, "acme-iot's support without the block", own, directory.SupportPolicy{})
	own, eff = policy("contoso")
	wantSame(t, "contoso's support, null", []any{own, eff}, []any{directory.SupportPolicy{},
		directory.EffectiveSupportPolicy{Mode: directory.SupportByPermission, ConsentWindow: directory.DefaultConsentWindow}})
}
