package directory_test

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/gatehouse-id/gatehouse/directory"
	"github.com/gatehouse-id/gatehouse/mfa"
)

// tdWorld is the tree
//
//	sys (system): sam (admin), sid (user: readers)
//	├── acme (provider): ada (admin), rita (user: readers), client acme-bot
//	│   ├── contoso (customer): cara (admin, TOTP), client meter, consent
//	│   │   └── northwind (sub-customer): nina (user)
//	│   └── fabrikam (customer): nothing but its defaults
//	└── globex (provider): gus (admin), lou (user, linked to contoso)
//
// on real SQLite. Callers are keyed "tenant/username".
func tdWorld(t *testing.T) (*directory.Directory, map[string]directory.Caller) {
	t.Helper()
	d := newWorld(t, tenantSpec{"fabrikam", directory.LevelCustomer, "acme"}, tenantSpec{"northwind", directory.LevelSubcustomer, "contoso"})
	ctx, s := t.Context(), d.Store()
	callers := createCallers(t, d, []directory.NewUser{
		{TenantSlug: "sys", Username: "sam", TenantRole: directory.TenantRoleAdmin},
		{TenantSlug: "sys", Username: "sid", TenantRole: directory.TenantRoleUser, GlobalRoles: []string{directory.RoleReaders}},
		{TenantSlug: "acme", Username: "ada", TenantRole: directory.TenantRoleAdmin},
		{TenantSlug: "acme", Username: "rita", TenantRole: directory.TenantRoleUser, GlobalRoles: []string{directory.RoleReaders}},
		{TenantSlug: "contoso", Username: "cara", TenantRole: directory.TenantRoleAdmin},
		{TenantSlug: "northwind", Username: "nina", TenantRole: directory.TenantRoleUser},
		{TenantSlug: "globex", Username: "gus", TenantRole: directory.TenantRoleAdmin},
		{TenantSlug: "globex", Username: "lou", TenantRole: directory.TenantRoleUser},
	})
	ok(t, "link lou", s.InTx(ctx, func(s directory.Store) error {
		_, _, err := d.PutLink(ctx, s, "globex", "lou", "contoso", directory.Assignment{TenantRole: directory.TenantRoleUser})
		return err
	}))
	for _, cl := range []struct{ id, tenant string }{{"acme-bot", "acme"}, {"meter", "contoso"}} {
		_, _, err := d.CreateClient(ctx, directory.Client{ID: cl.id, Name: cl.id, TenantID: tenantID(t, d, cl.tenant),
			Type: directory.ClientConfidential, AuthMethod: directory.AuthSecretPost,
			GrantTypes: []string{directory.GrantClientCredentials}}, "")
		ok(t, "client "+cl.id, err)
	}
	ok(t, "cara's TOTP", mfaStore(t, d).PutTOTPCredential(ctx, mfa.Credential{UserID: callers["contoso/cara"].UserID,
		SealedSecret: []byte("sealed"), CreatedAt: time.Now().UTC()}, [][]byte{[]byte("code-1")}))
	ok(t, "contoso's consent", s.PutSupportConsent(ctx, directory.SupportConsent{TenantID: tenantID(t, d, "contoso"),
		GrantedBy: callers["contoso/cara"].UserID, GrantedAt: time.Now().UTC(), ExpiresAt: time.Now().UTC().Add(time.Hour)}))
	return d, callers
}

// tdSnapshot is everything the directory holds, tenant by tenant.
type tdSnapshot struct {
	Tenants []directory.Tenant
	Users   map[string][]directory.User
	Links   map[string][]directory.Link
	Roles   map[string][]directory.GlobalRole
	Groups  map[string][]directory.Group
	Clients []directory.Client
}

func tdTakeSnapshot(t *testing.T, d *directory.Directory) tdSnapshot {
	t.Helper()
	ctx, s := t.Context(), d.Store()
	snap := tdSnapshot{Users: map[string][]directory.User{}, Links: map[string][]directory.Link{},
		Roles: map[string][]directory.GlobalRole{}, Groups: map[string][]directory.Group{}}
	var err error
	if snap.Tenants, err = s.ListTenants(ctx); err != nil {
		t.Fatal(err)
	}
	for _, tn := range snap.Tenants {
		users, err := s.ListUsers(ctx, tn.ID)
		ok(t, "users", err)
		links, err := s.LinksToTenant(ctx, tn.ID)
		ok(t, "links", err)
		roles, err := s.ListGlobalRoles(ctx, tn.ID)
		ok(t, "roles", err)
		groups, err := s.ListGroups(ctx, tn.ID)
		ok(t, "groups", err)
		snap.Users[tn.Slug], snap.Links[tn.Slug], snap.Roles[tn.Slug], snap.Groups[tn.Slug] = users, links, roles, groups
	}
	if snap.Clients, err = s.ListClients(ctx); err != nil {
		t.Fatal(err)
	}
	return snap
}

func tdUnchanged(t *testing.T, d *directory.Directory, what string, before tdSnapshot) {
	t.Helper()
	if after := tdTakeSnapshot(t, d); !reflect.DeepEqual(before, after) {
		t.Errorf("%s changed the directory:\nbefore %+v\nafter  %+v", what, before, after)
	}
}

func TestDeleteTenantEmpty(t *testing.T) {
	d, c := tdWorld(t)
	ctx := t.Context()
	before := tdTakeSnapshot(t, d)
	fabrikam := tenantID(t, d, "fabrikam")
	del, err := d.DeleteTenantFor(ctx, c["acme/ada"], "fabrikam", false)
	ok(t, "ada deletes the empty fabrikam", err)
	if del.Tenant.ID != fabrikam || len(del.Removed) != 1 || del.Users != 0 || del.Clients != 0 || del.Links != 0 {
		t.Errorf("deletion %+v", del)
	}
	if _, err := d.Store().TenantBySlug(ctx, "fabrikam"); !errors.Is(err, directory.ErrNotFound) {
		t.Errorf("fabrikam after its deletion: %v", err)
	}
	// Nothing else went: the snapshot is the one before, less fabrikam.
	want := before
	want.Tenants = nil
	for _, tn := range before.Tenants {
		if tn.ID != fabrikam {
			want.Tenants = append(want.Tenants, tn)
		}
	}
	for _, m := range []any{want.Users, want.Links, want.Roles, want.Groups} {
		reflect.ValueOf(m).SetMapIndex(reflect.ValueOf("fabrikam"), reflect.Value{})
	}
	tdUnchanged(t, d, "deleting fabrikam, beyond fabrikam", want)
	_, err = d.DeleteTenantFor(ctx, c["acme/ada"], "fabrikam", false)
	wantRefused(t, "deleting it again", err, directory.ErrNotFound, "")
}

func TestDeleteTenantNotEmpty(t *testing.T) {
	d, c := tdWorld(t)
	ctx := t.Context()
	before := tdTakeSnapshot(t, d)
	_, err := d.DeleteTenantFor(ctx, c["acme/ada"], "contoso", false)
	wantRefused(t, "ada deletes contoso", err, directory.ErrConflict, "cascade",
		"not empty", "1 child tenant (northwind)", "1 user", "1 client", "1 linked user")
	_, err = d.DeleteTenantFor(ctx, c["acme/ada"], "northwind", false)
	wantRefused(t, "ada deletes northwind", err, directory.ErrConflict, "cascade", "has 1 user;")
	_, err = d.DeleteTenantFor(ctx, c["sys/sam"], "acme", false)
	wantRefused(t, "sam deletes acme", err, directory.ErrConflict, "cascade",
		"2 child tenants (contoso, fabrikam)", "2 users", "1 client")
	tdUnchanged(t, d, "a refused delete", before)
}

func TestDeleteTenantCascade(t *testing.T) {
	d, c := tdWorld(t)
	ctx, s := t.Context(), d.Store()
	contoso, northwind := tenantID(t, d, "contoso"), tenantID(t, d, "northwind")
	cara, nina, lou := c["contoso/cara"].UserID, c["northwind/nina"].UserID, c["globex/lou"].UserID
	before := tdTakeSnapshot(t, d)

	del, err := d.DeleteTenantFor(ctx, c["acme/ada"], "contoso", true)
	ok(t, "ada deletes contoso with cascade", err)
	var removed []string
	for _, x := range del.Removed {
		removed = append(removed, x.Slug)
	}
	if del.Tenant.ID != contoso || !reflect.DeepEqual(removed, []string{"contoso", "northwind"}) ||
		del.Users != 2 || del.Clients != 1 || del.Links != 1 {
		t.Errorf("deletion %+v, removed %v", del, removed)
	}
	for _, id := range []string{contoso, northwind} {
		if _, err := s.TenantByID(ctx, id); !errors.Is(err, directory.ErrNotFound) {
			t.Errorf("tenant %s: %v", id, err)
		}
		roles, err := s.ListGlobalRoles(ctx, id)
		ok(t, "roles", err)
		groups, err := s.ListGroups(ctx, id)
		ok(t, "groups", err)
		if len(roles)+len(groups) > 0 {
			t.Errorf("tenant %s left roles %v and groups %v", id, roles, groups)
		}
	}
	for _, id := range []string{cara, nina} {
		if _, err := s.UserByID(ctx, id); !errors.Is(err, directory.ErrNotFound) {
			t.Errorf("user %s: %v", id, err)
		}
	}
	if _, err := mfaStore(t, d).TOTPCredential(ctx, cara); !errors.Is(err, mfa.ErrNotFound) {
		t.Errorf("cara's TOTP: %v", err)
	}
	if n, err := mfaStore(t, d).RecoveryCodesLeft(ctx, cara); err != nil || n != 0 {
		t.Errorf("cara's recovery codes: %d, %v", n, err)
	}
	if _, err := s.SupportConsentOf(ctx, contoso, ""); !errors.Is(err, directory.ErrNotFound) {
		t.Errorf("contoso's consent: %v", err)
	}
	if _, err := s.ClientByID(ctx, "meter"); !errors.Is(err, directory.ErrNotFound) {
		t.Errorf("client meter: %v", err)
	}
	// lou stays, without the link.
	if _, err := s.UserByID(ctx, lou); err != nil {
		t.Errorf("lou: %v", err)
	}
	if links, err := s.LinksOfUser(ctx, lou); err != nil || len(links) != 0 {
		t.Errorf("lou's links: %v, %v", links, err)
	}
	// What a refresh or an API call resolves now fails, as for a removed
	// user, link or client (provider/token_refresh.go ends the family).
	_, _, err = d.PrincipalOf(ctx, cara, contoso)
	wantRefused(t, "cara's principal", err, directory.ErrNotFound, "")
	_, _, err = d.PrincipalOf(ctx, lou, contoso)
	wantRefused(t, "lou's principal in contoso", err, directory.ErrNotFound, "")
	_, err = d.CallerForClient(ctx, "meter")
	wantRefused(t, "client meter", err, directory.ErrNotFound, "")
	if _, err := d.CallerForUser(ctx, lou, "", ""); err != nil {
		t.Errorf("lou at home: %v", err)
	}

	// The rest is as it was.
	want := before
	want.Tenants = nil
	for _, tn := range before.Tenants {
		if tn.ID != contoso && tn.ID != northwind {
			want.Tenants = append(want.Tenants, tn)
		}
	}
	want.Clients = nil
	for _, cl := range before.Clients {
		if cl.ID != "meter" {
			want.Clients = append(want.Clients, cl)
		}
	}
	for _, slug := range []string{"contoso", "northwind"} {
		for _, m := range []any{want.Users, want.Links, want.Roles, want.Groups} {
			reflect.ValueOf(m).SetMapIndex(reflect.ValueOf(slug), reflect.Value{})
		}
	}
	tdUnchanged(t, d, "the cascade, beyond contoso's subtree", want)

	// The slug is free again.
	_, err = d.CreateTenantFor(ctx, c["acme/ada"], "contoso", "Contoso again", "acme")
	ok(t, "contoso again", err)
}

// tdFailingStore fails DeleteTenant of one tenant, in or out of a
// transaction.
type tdFailingStore struct {
	directory.Store
	failOn string
}

var errDiskOnFire = errors.New("disk on fire")

func (f tdFailingStore) InTx(ctx context.Context, fn func(directory.Store) error) error {
	return f.Store.InTx(ctx, func(s directory.Store) error { return fn(tdFailingStore{s, f.failOn}) })
}

func (f tdFailingStore) DeleteTenant(ctx context.Context, id string) error {
	if id == f.failOn {
		return errDiskOnFire
	}
	return f.Store.DeleteTenant(ctx, id)
}

func TestDeleteTenantFailureKeepsEverything(t *testing.T) {
	d, c := tdWorld(t)
	ctx := t.Context()
	before := tdTakeSnapshot(t, d)
	// contoso fails once northwind, below it, is gone.
	failing := directory.New(tdFailingStore{d.Store(), tenantID(t, d, "contoso")}, directory.NewSecretHasher(make([]byte, 32)),
		directory.Config{})
	_, err := failing.DeleteTenantFor(ctx, c["acme/ada"], "contoso", true)
	if !errors.Is(err, errDiskOnFire) {
		t.Fatalf("a failing delete: %v", err)
	}
	tdUnchanged(t, d, "a failed cascade", before)
	if _, err := mfaStore(t, d).TOTPCredential(ctx, c["contoso/cara"].UserID); err != nil {
		t.Errorf("cara's TOTP after a failed cascade: %v", err)
	}
}

func TestDeleteTenantReach(t *testing.T) {
	d, c := tdWorld(t)
	ctx := t.Context()
	before := tdTakeSnapshot(t, d)
	for _, tc := range []struct{ caller, slug string }{
		{"contoso/cara", "acme"}, {"contoso/cara", "sys"}, {"contoso/cara", "fabrikam"}, {"acme/ada", "globex"},
		{"globex/gus", "contoso"}, {"globex/gus", "northwind"}, {"acme/ada", "nope"},
	} {
		for _, cascade := range []bool{false, true} {
			_, err := d.DeleteTenantFor(ctx, c[tc.caller], tc.slug, cascade)
			wantRefused(t, tc.caller+" deletes "+tc.slug, err, directory.ErrNotFound, "")
		}
	}
	tdUnchanged(t, d, "a delete out of reach", before)
}

func TestDeleteTenantForbidden(t *testing.T) {
	d, c := tdWorld(t)
	ctx := t.Context()
	// cara, at home in contoso, administers acme through a link: deleting
	// contoso would delete her.
	ok(t, "link cara", d.Store().InTx(ctx, func(s directory.Store) error {
		_, _, err := d.PutLink(ctx, s, "contoso", "cara", "acme", directory.Assignment{TenantRole: directory.TenantRoleAdmin})
		return err
	}))
	caraInAcme, err := d.CallerForUser(ctx, c["contoso/cara"].UserID, tenantID(t, d, "acme"), "")
	ok(t, "cara in acme", err)
	before := tdTakeSnapshot(t, d)
	for _, tc := range []struct {
		who    string
		caller directory.Caller
		slug   string
	}{
		{"ada, her own", c["acme/ada"], "acme"},
		{"cara, her own", c["contoso/cara"], "contoso"},
		{"sam, the system tenant", c["sys/sam"], "sys"},
		{"rita, a reader", c["acme/rita"], "fabrikam"},
		{"sid, a reader", c["sys/sid"], "fabrikam"},
		{"cara in acme, her home", caraInAcme, "contoso"},
	} {
		for _, cascade := range []bool{false, true} {
			_, err := d.DeleteTenantFor(ctx, tc.caller, tc.slug, cascade)
			wantRefused(t, tc.who, err, directory.ErrForbidden, "")
		}
	}
	tdUnchanged(t, d, "a forbidden delete", before)
	// Below her home is hers to delete.
	_, err = d.DeleteTenantFor(ctx, caraInAcme, "northwind", true)
	ok(t, "cara in acme deletes northwind, below her home", err)
	want := tdTakeSnapshot(t, d)
	if len(want.Tenants) != len(before.Tenants)-1 {
		t.Errorf("tenants %d, want %d", len(want.Tenants), len(before.Tenants)-1)
	}
	// A caller holding nothing cannot delete either.
	nobody := directory.Caller{UserID: c["acme/rita"].UserID, Name: "nobody", Principal: directory.Principal{
		Tenant: c["acme/rita"].Principal.Tenant, TenantRole: directory.TenantRoleUser}}
	_, err = d.DeleteTenantFor(ctx, nobody, "fabrikam", false)
	wantRefused(t, "nobody deletes fabrikam", err, directory.ErrForbidden, "")
	tdUnchanged(t, d, "a forbidden delete", want)
}
