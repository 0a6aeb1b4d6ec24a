package directorytest

import (
	"errors"
	"reflect"
	"testing"

	"github.com/gatehouse-id/gatehouse/directory"
)

// tenantState is everything a store holds about tenants, as its lists
// read it: what a refused or rolled-back DeleteTenant must leave alone.
type tenantState struct {
	Tenants  []any
	Users    map[string][]any // by tenant id
	Links    map[string][]any // links to the tenant with that id
	Roles    map[string][]any
	Groups   map[string][]any
	Clients  []any
	Consents map[[2]string]directory.SupportConsent // by tenant id and user id
}

func readTenantState(t *testing.T, s directory.Store, consentKeys [][2]string) tenantState {
	t.Helper()
	ctx := t.Context()
	st := tenantState{Users: map[string][]any{}, Links: map[string][]any{}, Roles: map[string][]any{},
		Groups: map[string][]any{}, Consents: map[[2]string]directory.SupportConsent{}}
	ts, err := s.ListTenants(ctx)
	mustDo(t, err)
	st.Tenants = normalizeAll(ts)
	for _, tn := range ts {
		us, err := s.ListUsers(ctx, tn.ID)
		mustDo(t, err)
		st.Users[tn.ID] = normalizeAll(us)
		ls, err := s.LinksToTenant(ctx, tn.ID)
		mustDo(t, err)
		st.Links[tn.ID] = normalizeAll(ls)
		rs, err := s.ListGlobalRoles(ctx, tn.ID)
		mustDo(t, err)
		st.Roles[tn.ID] = normalizeAll(rs)
		gs, err := s.ListGroups(ctx, tn.ID)
		mustDo(t, err)
		st.Groups[tn.ID] = normalizeAll(gs)
	}
	cs, err := s.ListClients(ctx)
	mustDo(t, err)
	st.Clients = normalizeAll(cs)
	for _, k := range consentKeys {
		c, err := s.SupportConsentOf(ctx, k[0], k[1])
		if errors.Is(err, directory.ErrNotFound) {
			continue
		}
		mustDo(t, err)
		st.Consents[k] = c
	}
	return st
}

// testTenantDeletes: DeleteTenant refuses a tenant with children and one
// that does not exist, and otherwise removes the tenant with its users,
// their links, the links to it, its clients, roles, groups and consents,
// and nothing of any other tenant; a user elsewhere that one of its users
// owned loses its owner. Inside a transaction that fails, it is undone.
func testTenantDeletes(t *testing.T, newStore func(t *testing.T) directory.Store) {
	s := newStore(t)
	ctx := t.Context()
	sys, acme := seed(t, s)
	contoso := newTenant("t-contoso", "contoso", &acme)
	mustDo(t, s.CreateTenant(ctx, contoso))

	jill := newUser("u-jill", acme.ID, "jill", "jill@example.com")
	jack := newUser("u-jack", acme.ID, "jack", "jack@example.com")
	jack.OwnerID = jill.ID
	sam := newUser("u-sam", sys.ID, "sam", "sam@example.com")
	sam.OwnerID = jill.ID // across tenants: not what the Directory makes, but a store must cope
	carl := newUser("u-carl", contoso.ID, "carl", "carl@example.com")
	for _, u := range []directory.User{jill, jack, sam, carl} {
		mustDo(t, s.CreateUser(ctx, u))
	}
	for _, l := range []directory.Link{newLink(sam.ID, acme.ID), newLink(jill.ID, sys.ID), newLink(carl.ID, acme.ID)} {
		mustDo(t, s.CreateLink(ctx, l))
	}
	for _, c := range []directory.Client{newClient("portal", acme.ID), newClient("console", sys.ID), newClient("meter", contoso.ID)} {
		mustDo(t, s.CreateClient(ctx, c))
	}
	mustDo(t, s.CreateGlobalRole(ctx, newRole("r-acme", acme.ID, "operators")))
	mustDo(t, s.CreateGlobalRole(ctx, newRole("r-sys", sys.ID, "operators")))
	mustDo(t, s.CreateGroup(ctx, newGroup("g-acme", acme.ID, "field")))
	mustDo(t, s.CreateGroup(ctx, newGroup("g-sys", sys.ID, "field")))
	consents := [][2]string{{acme.ID, ""}, {acme.ID, jill.ID}, {sys.ID, jill.ID}, {sys.ID, ""}, {sys.ID, sam.ID}}
	for i, k := range consents {
		mustDo(t, s.PutSupportConsent(ctx, newConsent(k[0], k[1], sam.ID, i)))
	}
	state := func() tenantState { t.Helper(); return readTenantState(t, s, consents) }
	unchanged := func(what string, before tenantState) {
		t.Helper()
		if after := state(); !reflect.DeepEqual(before, after) {
			t.Fatalf("%s changed the store:\nbefore %+v\nafter  %+v", what, before, after)
		}
	}

	// A tenant with a child is refused, and changes nothing; so is one
	// that does not exist.
	before := state()
	err := s.DeleteTenant(ctx, acme.ID)
	wantErr(t, err, directory.ErrConflict)
	unchanged("a refused delete", before)
	wantErr(t, s.DeleteTenant(ctx, "t-nope"), directory.ErrNotFound)
	unchanged("deleting a missing tenant", before)

	// Inside a transaction that fails, a delete, children first, is
	// undone.
	err = s.InTx(ctx, func(tx directory.Store) error {
		mustDo(t, tx.DeleteTenant(ctx, contoso.ID))
		mustDo(t, tx.DeleteTenant(ctx, acme.ID))
		if _, err := tx.TenantByID(ctx, acme.ID); !errors.Is(err, directory.ErrNotFound) {
			t.Errorf("a transaction must see its own deletes: %v", err)
		}
		return directory.ErrConflict
	})
	wantErr(t, err, directory.ErrConflict)
	unchanged("a rolled-back delete", before)

	// The leaf goes with its user, the user's link and its client.
	mustDo(t, s.DeleteTenant(ctx, contoso.ID))
	_, err = s.TenantByID(ctx, contoso.ID)
	wantErr(t, err, directory.ErrNotFound)
	_, err = s.UserByID(ctx, carl.ID)
	wantErr(t, err, directory.ErrNotFound)
	_, err = s.LinkOf(ctx, carl.ID, acme.ID)
	wantErr(t, err, directory.ErrNotFound)
	_, err = s.ClientByID(ctx, "meter")
	wantErr(t, err, directory.ErrNotFound)
	wantErr(t, s.DeleteTenant(ctx, contoso.ID), directory.ErrNotFound)

	// Then acme, with everything in it.
	mustDo(t, s.DeleteTenant(ctx, acme.ID))
	_, err = s.TenantByID(ctx, acme.ID)
	wantErr(t, err, directory.ErrNotFound)
	_, err = s.TenantBySlug(ctx, acme.Slug)
	wantErr(t, err, directory.ErrNotFound)
	for _, id := range []string{jill.ID, jack.ID} {
		_, err = s.UserByID(ctx, id)
		wantErr(t, err, directory.ErrNotFound)
	}
	us, err := s.ListUsers(ctx, acme.ID)
	mustDo(t, err)
	wantEqual(t, "users of the deleted tenant", us, nil)
	_, err = s.LinkOf(ctx, sam.ID, acme.ID)
	wantErr(t, err, directory.ErrNotFound)
	_, err = s.LinkOf(ctx, jill.ID, sys.ID)
	wantErr(t, err, directory.ErrNotFound)
	_, err = s.ClientByID(ctx, "portal")
	wantErr(t, err, directory.ErrNotFound)
	_, err = s.GlobalRoleByName(ctx, acme.ID, "operators")
	wantErr(t, err, directory.ErrNotFound)
	_, err = s.GroupByName(ctx, acme.ID, "field")
	wantErr(t, err, directory.ErrNotFound)
	for _, k := range consents[:3] {
		_, err = s.SupportConsentOf(ctx, k[0], k[1])
		wantErr(t, err, directory.ErrNotFound)
	}

	// Nothing of sys went: sam lost only his owner.
	ts, err := s.ListTenants(ctx)
	mustDo(t, err)
	wantEqual(t, "tenants left", ts, []directory.Tenant{sys})
	got, err := s.UserByID(ctx, sam.ID)
	mustDo(t, err)
	sam.OwnerID = ""
	wantEqual(t, "sam, owned by a removed user", got, sam)
	ls, err := s.LinksOfUser(ctx, sam.ID)
	mustDo(t, err)
	wantEqual(t, "sam's links", ls, nil)
	cl, err := s.ClientByID(ctx, "console")
	mustDo(t, err)
	wantEqual(t, "sys's client", cl, newClient("console", sys.ID))
	r, err := s.GlobalRoleByName(ctx, sys.ID, "operators")
	mustDo(t, err)
	wantEqual(t, "sys's role", r, newRole("r-sys", sys.ID, "operators"))
	g, err := s.GroupByName(ctx, sys.ID, "field")
	mustDo(t, err)
	wantEqual(t, "sys's group", g, newGroup("g-sys", sys.ID, "field"))
	for i, k := range consents[3:] {
		wantConsent(t, s, k[0], k[1], newConsent(k[0], k[1], sam.ID, 3+i))
	}
	wantErr(t, s.DeleteTenant(ctx, acme.ID), directory.ErrNotFound)

	// The slug, the usernames and the client id are free again.
	again := newTenant("t-acme-2", acme.Slug, &sys)
	mustDo(t, s.CreateTenant(ctx, again))
	mustDo(t, s.CreateUser(ctx, newUser("u-jill-2", again.ID, "jill", "jill@example.com")))
	mustDo(t, s.CreateClient(ctx, newClient("portal", again.ID)))

	// A tenant without anything in it goes too.
	empty := newTenant("t-empty", "empty", &sys)
	mustDo(t, s.CreateTenant(ctx, empty))
	mustDo(t, s.DeleteTenant(ctx, empty.ID))
	_, err = s.TenantByID(ctx, empty.ID)
	wantErr(t, err, directory.ErrNotFound)
}
