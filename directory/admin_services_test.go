package directory_test

import (
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/gatehouse-id/gatehouse/directory"
)

func TestAdminServices(t *testing.T) {
	d, c := adminRolesWorld(t)
	ctx := t.Context()
	sam, sid, ada := c["sys/sam"], c["sys/sid"], c["acme/ada"]
	for _, who := range []string{"sys/sid", "acme/rita", "contoso/cara"} {
		svcs, err := d.ServicesFor(ctx, c[who])
		ok(t, who+" lists services", err)
		if len(svcs) != len(directory.SeedServices) {
			t.Errorf("%s: %d services", who, len(svcs))
		}
		_, err = d.ServiceFor(ctx, c[who], "webshop")
		ok(t, who+" reads webshop", err)
	}
	before := takeSnapshot(t, d)
	_, err := d.CreateServiceFor(ctx, ada, directory.Service{Name: "fleet", Roles: []string{"driver"}})
	wantRefused(t, "an administrator below the system tenant creates a service", err, directory.ErrForbidden, "")
	_, _, err = d.UpdateServiceFor(ctx, ada, "webshop", directory.Service{Roles: []string{"forecasting"}})
	wantRefused(t, "an administrator below the system tenant changes a service", err, directory.ErrForbidden, "")
	_, err = d.DeleteServiceFor(ctx, ada, "invoices")
	wantRefused(t, "an administrator below the system tenant deletes a service", err, directory.ErrForbidden, "")
	_, err = d.CreateServiceFor(ctx, sid, directory.Service{Name: "fleet", Roles: []string{"driver"}})
	wantRefused(t, "a reader of the system tenant creates a service", err, directory.ErrForbidden, "")
	_, err = d.DeleteServiceFor(ctx, sid, "invoices")
	wantRefused(t, "a reader of the system tenant deletes a service", err, directory.ErrForbidden, "")
	_, _, err = d.UpdateServiceFor(ctx, sam, "nope", directory.Service{Roles: []string{"x"}})
	wantRefused(t, "a missing service", err, directory.ErrNotFound, "")
	_, err = d.DeleteServiceFor(ctx, sam, "nope")
	wantRefused(t, "deleting a missing service", err, directory.ErrNotFound, "")
	_, err = d.CreateServiceFor(ctx, sam, directory.Service{Name: "fleet"})
	wantRefused(t, "a service without roles", err, nil, "roles")
	_, _, err = d.UpdateServiceFor(ctx, sam, "webshop", directory.Service{})
	wantRefused(t, "every role removed", err, nil, "roles", "at least one role")
	_, _, err = d.UpdateServiceFor(ctx, sam, "webshop", directory.Service{Roles: []string{"Not A Name"}})
	wantRefused(t, "a role that is not a name", err, nil, "roles")
	if !reflect.DeepEqual(before, takeSnapshot(t, d)) {
		t.Error("a refused request changed something")
	}

	svc, err := d.CreateServiceFor(ctx, sam, directory.Service{Name: "fleet", DisplayName: "Fleet", Roles: []string{"driver"}})
	ok(t, "sam creates fleet", err)
	if svc.Name != "fleet" || svc.DisplayName != "Fleet" {
		t.Errorf("created %+v", svc)
	}
	b, a, err := d.UpdateServiceFor(ctx, sam, "fleet", directory.Service{DisplayName: "Fleet manager", Roles: []string{"driver", "planner"}})
	ok(t, "sam adds a role", err)
	if b.DisplayName != "Fleet" || a.DisplayName != "Fleet manager" || len(a.Roles) != 2 {
		t.Errorf("before %+v after %+v", b, a)
	}
	// Nothing holds webshop's roles: they go, and a role comes.
	b, a, err = d.UpdateServiceFor(ctx, sam, "webshop", directory.Service{DisplayName: "Webshop", Roles: []string{"forecasting", "pricing"}})
	ok(t, "sam replaces webshop's unused roles", err)
	if !slices.Equal(b.Roles, []string{"forecasting", "quotation", "read-only", "voucher-manager"}) ||
		!slices.Equal(a.Roles, []string{"forecasting", "pricing"}) || a.UpdatedAt.Before(b.UpdatedAt) {
		t.Errorf("webshop before %v after %v", b.Roles, a.Roles)
	}
	if got, err := d.ServiceFor(ctx, sam, "webshop"); err != nil || !slices.Equal(got.Roles, a.Roles) {
		t.Errorf("webshop stored: %+v, %v", got, err)
	}
}

// fleetWorld is adminRolesWorld with the service fleet (driver, planner,
// dispatcher, mechanic, spare), each of whose roles but spare is held by
// one thing: uma (a user of acme) drives, the group crew of contoso plans,
// lou (of globex, linked to acme) dispatches and the machine client robot
// of acme is a mechanic. The client portal consumes billing, whose role
// nobody holds.
func fleetWorld(t *testing.T) (*directory.Directory, map[string]directory.Caller) {
	t.Helper()
	d, c := adminRolesWorld(t)
	ctx, s, sam := t.Context(), d.Store(), c["sys/sam"]
	_, err := d.CreateServiceFor(ctx, sam, directory.Service{Name: "fleet", Roles: []string{"driver", "planner", "dispatcher", "mechanic", "spare"}})
	ok(t, "fleet", err)
	_, err = d.CreateServiceFor(ctx, sam, directory.Service{Name: "billing", Roles: []string{"clerk"}})
	ok(t, "billing", err)
	_, err = d.CreateUser(ctx, directory.NewUser{TenantSlug: "acme", Username: "uma", TenantRole: directory.TenantRoleUser,
		ServiceRoles: directory.ServiceRoles{"fleet": {"driver"}}})
	ok(t, "uma", err)
	_, err = d.CreateGroupFor(ctx, c["contoso/cara"], "contoso", directory.Group{Name: "crew",
		ServiceRoles: directory.ServiceRoles{"fleet": {"planner"}}})
	ok(t, "group crew", err)
	_, err = d.CreateUser(ctx, directory.NewUser{TenantSlug: "globex", Username: "lou", TenantRole: directory.TenantRoleUser})
	ok(t, "lou", err)
	ok(t, "link lou", s.InTx(ctx, func(s directory.Store) error {
		_, _, err := d.PutLink(ctx, s, "globex", "lou", "acme", directory.Assignment{TenantRole: directory.TenantRoleUser,
			ServiceRoles: directory.ServiceRoles{"fleet": {"dispatcher"}}})
		return err
	}))
	_, _, err = d.CreateClient(ctx, directory.Client{ID: "robot", Name: "Robot", TenantID: tenantID(t, d, "acme"),
		Type: directory.ClientConfidential, AuthMethod: directory.AuthSecretPost, GrantTypes: []string{directory.GrantClientCredentials},
		ServiceRoles: directory.ServiceRoles{"fleet": {"mechanic"}}}, "")
	ok(t, "client robot", err)
	_, _, err = d.CreateClient(ctx, directory.Client{ID: "portal", Name: "Portal", TenantID: tenantID(t, d, "acme"),
		Type: directory.ClientPublic, AuthMethod: directory.AuthNone, RedirectURIs: []string{"https://portal.example/cb"},
		GrantTypes: []string{directory.GrantAuthorizationCode}, Services: []string{"billing"}}, "")
	ok(t, "client portal", err)
	return d, c
}

func TestAdminServicesRemoveRole(t *testing.T) {
	d, c := fleetWorld(t)
	ctx, s := t.Context(), d.Store()
	sam, ada := c["sys/sam"], c["acme/ada"]
	all := []string{"driver", "planner", "dispatcher", "mechanic", "spare"}
	without := func(roles ...string) []string {
		return slices.DeleteFunc(slices.Clone(all), func(r string) bool { return slices.Contains(roles, r) })
	}

	before := takeSnapshot(t, d)
	for _, tc := range []struct {
		what   string
		remove []string
		says   []string
	}{
		{"held by a user", []string{"driver"}, []string{"service role fleet:driver is", "in acme (users uma)"}},
		{"held by a group", []string{"planner"}, []string{"fleet:planner", "in contoso (groups crew)"}},
		{"held through a link", []string{"dispatcher"}, []string{"fleet:dispatcher", "in acme (external users lou (of globex))"}},
		{"held by a machine client", []string{"mechanic"}, []string{"fleet:mechanic", "clients robot"}},
		// Of several, the refusal names those held (not spare) and what
		// holds them, in every tenant.
		{"several", []string{"driver", "planner", "spare"}, []string{"service roles fleet:driver, fleet:planner are",
			"in acme (users uma)", "in contoso (groups crew)"}},
	} {
		_, _, err := d.UpdateServiceFor(ctx, sam, "fleet", directory.Service{Roles: without(tc.remove...)})
		wantRefused(t, tc.what, err, nil, "roles", tc.says...)
		if err != nil && strings.Contains(err.Error(), "spare") {
			t.Errorf("%s: %v names spare, which nothing holds", tc.what, err)
		}
	}
	// Nor does a delete go through when a role is still held.
	_, err := d.DeleteServiceFor(ctx, sam, "fleet")
	wantRefused(t, "delete fleet", err, nil, "name", `service "fleet" is still used`, "in acme (users uma; external users lou (of globex))",
		"in contoso (groups crew)", "clients robot")
	if !reflect.DeepEqual(before, takeSnapshot(t, d)) {
		t.Error("a refused request changed something")
	}

	// A failure after the role left (a role listed twice) keeps nothing:
	// spare is still there.
	_, _, err = d.UpdateServiceFor(ctx, sam, "fleet", directory.Service{Roles: append(without("spare"), "driver")})
	wantRefused(t, "a role listed twice", err, nil, "roles", "twice")
	if !reflect.DeepEqual(before, takeSnapshot(t, d)) {
		t.Error("a refused update changed something")
	}

	// What nothing holds goes, while roles come and the name changes.
	b, a, err := d.UpdateServiceFor(ctx, sam, "fleet", directory.Service{DisplayName: "Fleet", Roles: append(without("spare"), "loader")})
	ok(t, "remove spare, add loader", err)
	if !slices.Equal(b.Roles, all) || !slices.Equal(a.Roles, append(without("spare"), "loader")) || a.DisplayName != "Fleet" {
		t.Errorf("before %+v after %+v", b, a)
	}

	// Once uma no longer drives, driver goes.
	uma, err := s.UserByUsername(ctx, tenantID(t, d, "acme"), "uma")
	ok(t, "uma", err)
	_, _, err = d.SetRolesFor(ctx, ada, uma.ID, directory.Assignment{TenantRole: directory.TenantRoleUser})
	ok(t, "uma holds nothing", err)
	_, a, err = d.UpdateServiceFor(ctx, sam, "fleet", directory.Service{Roles: []string{"planner", "dispatcher", "mechanic", "loader"}})
	ok(t, "remove driver", err)
	if a.HasRole("driver") || len(a.Roles) != 4 {
		t.Errorf("fleet after %+v", a)
	}
	// And a user can no longer be given it.
	_, _, err = d.SetRolesFor(ctx, ada, uma.ID, directory.Assignment{TenantRole: directory.TenantRoleUser,
		ServiceRoles: directory.ServiceRoles{"fleet": {"driver"}}})
	wantRefused(t, "give uma a removed role", err, nil, "service_roles", "driver")
}

func TestAdminServicesDelete(t *testing.T) {
	d, c := fleetWorld(t)
	ctx := t.Context()
	sam := c["sys/sam"]

	before := takeSnapshot(t, d)
	_, err := d.DeleteServiceFor(ctx, sam, "billing")
	wantRefused(t, "delete billing, which portal consumes", err, nil, "name", `service "billing"`, "consumed by clients portal")
	if !reflect.DeepEqual(before, takeSnapshot(t, d)) {
		t.Error("a refused delete changed something")
	}

	// Unused services go, seed ones included: none is built in.
	for _, name := range []string{"invoices", "things-support"} {
		got, err := d.DeleteServiceFor(ctx, sam, name)
		ok(t, "delete "+name, err)
		if got.Name != name || len(got.Roles) == 0 {
			t.Errorf("deleted %+v", got)
		}
		_, err = d.ServiceFor(ctx, sam, name)
		wantRefused(t, name+" after delete", err, directory.ErrNotFound, "")
		_, err = d.DeleteServiceFor(ctx, sam, name)
		wantRefused(t, "delete "+name+" twice", err, directory.ErrNotFound, "")
	}
	svcs, err := d.ServicesFor(ctx, sam)
	ok(t, "services", err)
	if len(svcs) != len(before.Services)-2 {
		t.Errorf("%d services after two deletes, want %d", len(svcs), len(before.Services)-2)
	}

	// Once portal no longer consumes it, billing goes; and a client can
	// no longer consume it.
	portal := webClient("portal")
	_, err = d.UpdateClientFor(ctx, sam, "portal", portal)
	ok(t, "portal consumes nothing", err)
	_, err = d.DeleteServiceFor(ctx, sam, "billing")
	ok(t, "delete billing", err)
	portal.Services = []string{"billing"}
	_, err = d.UpdateClientFor(ctx, sam, "portal", portal)
	wantRefused(t, "portal consumes a deleted service", err, nil, "services", "billing")
}

// TestAdminServicesInUseBounded: the refusal names the first few holders
// of each kind and the first few tenants, and says how many more: it stays
// short however many hold the service.
func TestAdminServicesInUseBounded(t *testing.T) {
	d, c := adminRolesWorld(t)
	ctx, sam := t.Context(), c["sys/sam"]
	_, err := d.CreateServiceFor(ctx, sam, directory.Service{Name: "fleet", Roles: []string{"driver"}})
	ok(t, "fleet", err)
	drives := directory.ServiceRoles{"fleet": {"driver"}}
	// sys comes first (tenants are read parents first); of acme, globex
	// and contoso, two are named.
	for _, name := range []string{"a1", "a2", "a3", "a4", "a5", "a6", "a7"} {
		_, err := d.CreateUser(ctx, directory.NewUser{TenantSlug: "sys", Username: name, TenantRole: directory.TenantRoleUser, ServiceRoles: drives})
		ok(t, name, err)
	}
	for _, slug := range []string{"acme", "globex", "contoso"} {
		_, err := d.CreateUser(ctx, directory.NewUser{TenantSlug: slug, Username: "d-" + slug, TenantRole: directory.TenantRoleUser, ServiceRoles: drives})
		ok(t, "driver of "+slug, err)
	}
	_, err = d.DeleteServiceFor(ctx, sam, "fleet")
	wantRefused(t, "delete fleet", err, nil, "name", "in sys (users a1, a2, a3, a4, a5 and 2 more)", "in 1 more tenants")
	_, _, err = d.UpdateServiceFor(ctx, sam, "fleet", directory.Service{Roles: []string{"other"}})
	wantRefused(t, "remove driver", err, nil, "roles", "fleet:driver", "and 2 more", "in 1 more tenants")
	if err != nil && strings.Contains(err.Error(), "a6") {
		t.Errorf("the refusal lists every holder: %v", err)
	}
}
