package directory_test

import (
	"errors"
	"reflect"
	"slices"
	"testing"

	"github.com/gatehouse-id/gatehouse/directory"
)

// adminClientsWorld is adminRolesWorld (see there) with, in acme, the
// roles client-managers (clients:admin, inventory:read) and
// inventory-readers (inventory:read), carl holding client-managers, and
// two platform clients: the account page's and a portal without a tenant.
func adminClientsWorld(t *testing.T) (*directory.Directory, map[string]directory.Caller) {
	t.Helper()
	d, c := adminRolesWorld(t)
	ctx, s := t.Context(), d.Store()
	for _, r := range []directory.GlobalRole{
		{Name: "client-managers", Permissions: perms("clients:admin", "inventory:read")},
		{Name: "inventory-readers", Permissions: perms("inventory:read")},
	} {
		if _, _, err := d.PutGlobalRole(ctx, s, "acme", r); err != nil {
			t.Fatal(err)
		}
	}
	u, err := d.CreateUser(ctx, directory.NewUser{TenantSlug: "acme", Username: "carl", TenantRole: directory.TenantRoleUser,
		GlobalRoles: []string{"client-managers"}})
	if err != nil {
		t.Fatal(err)
	}
	if c["acme/carl"], err = d.CallerForUser(ctx, u.ID, "", ""); err != nil {
		t.Fatal(err)
	}
	for _, cl := range []directory.Client{
		{ID: directory.AccountClientID, Name: "Account", Type: directory.ClientPublic, AuthMethod: directory.AuthNone,
			RedirectURIs: []string{"https://id.example/account/callback"}, GrantTypes: []string{directory.GrantAuthorizationCode}},
		{ID: "portal-all", Name: "Portal for all", Type: directory.ClientConfidential, AuthMethod: directory.AuthSecretBasic,
			RedirectURIs: []string{"https://portal.example/cb"}, GrantTypes: []string{directory.GrantAuthorizationCode}},
	} {
		if _, _, _, err := d.PutClient(ctx, s, cl, ""); err != nil {
			t.Fatal(err)
		}
	}
	return d, c
}

func allClients(t *testing.T, d *directory.Directory) []directory.Client {
	t.Helper()
	cs, err := d.Store().ListClients(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	return cs
}

func webClient(id string) directory.Client {
	return directory.Client{ID: id, Name: "Portal " + id, RedirectURIs: []string{"https://" + id + ".example/cb"}}
}

func clientIDs(cs []directory.Client) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.ID
	}
	return out
}

func TestAdminClientsReach(t *testing.T) {
	d, c := adminClientsWorld(t)
	ctx := t.Context()
	_, err := d.CreateClientFor(ctx, c["acme/ada"], "acme", directory.ClientWeb, webClient("acme-web"))
	ok(t, "ada creates a client", err)
	_, err = d.CreateClientFor(ctx, c["acme/ada"], "contoso", directory.ClientWeb, webClient("contoso-web"))
	ok(t, "ada creates a client below", err)
	before := allClients(t, d)
	// Outside the subtree everything is 404: a parent's, a sibling's, a
	// platform client for anyone not acting in the system tenant, and what
	// does not exist.
	for _, tc := range []struct{ caller, id string }{
		{"contoso/cara", "acme-web"}, {"globex/gus", "acme-web"}, {"globex/gus", "contoso-web"},
		{"acme/ada", "portal-all"}, {"acme/ada", directory.AccountClientID}, {"acme/ada", "nope"},
	} {
		cl := c[tc.caller]
		what := tc.caller + " on " + tc.id
		_, err := d.ClientFor(ctx, cl, tc.id)
		wantRefused(t, what+": get", err, directory.ErrNotFound, "")
		_, err = d.UpdateClientFor(ctx, cl, tc.id, webClient(tc.id))
		wantRefused(t, what+": update", err, directory.ErrNotFound, "")
		_, err = d.DeleteClientFor(ctx, cl, tc.id)
		wantRefused(t, what+": delete", err, directory.ErrNotFound, "")
		_, err = d.RotateClientSecretFor(ctx, cl, tc.id)
		wantRefused(t, what+": rotate", err, directory.ErrNotFound, "")
	}
	for _, tc := range []struct{ caller, slug string }{{"contoso/cara", "acme"}, {"acme/ada", "globex"}, {"acme/ada", "sys"}} {
		_, err := d.ClientsFor(ctx, c[tc.caller], tc.slug)
		wantRefused(t, tc.caller+" lists "+tc.slug, err, directory.ErrNotFound, "")
		_, err = d.CreateClientFor(ctx, c[tc.caller], tc.slug, directory.ClientWeb, webClient("x"))
		wantRefused(t, tc.caller+" creates in "+tc.slug, err, directory.ErrNotFound, "")
	}
	if !reflect.DeepEqual(before, allClients(t, d)) {
		t.Error("a refused request changed something")
	}
	// Inside: a tenant lists its own clients; the system tenant the
	// platform clients too.
	for _, tc := range []struct {
		caller, slug string
		want         []string
	}{
		{"acme/ada", "acme", []string{"acme-web"}},
		{"acme/ada", "contoso", []string{"contoso-web"}},
		{"contoso/cara", "contoso", []string{"contoso-web"}},
		{"sys/sam", "sys", []string{directory.AccountClientID, "portal-all"}},
		{"sys/sid", "acme", []string{"acme-web"}},
	} {
		cs, err := d.ClientsFor(ctx, c[tc.caller], tc.slug)
		ok(t, tc.caller+" lists "+tc.slug, err)
		if !slices.Equal(clientIDs(cs), tc.want) {
			t.Errorf("%s lists %s: %v, want %v", tc.caller, tc.slug, clientIDs(cs), tc.want)
		}
	}
	for _, id := range []string{"acme-web", "contoso-web", "portal-all", directory.AccountClientID} {
		_, err := d.ClientFor(ctx, c["sys/sam"], id)
		ok(t, "sam reads "+id, err)
	}
	if _, err := d.ClientFor(ctx, c["acme/ada"], "contoso-web"); err != nil {
		t.Errorf("ada reads a client below: %v", err)
	}
}

func TestAdminClientsPermission(t *testing.T) {
	d, c := adminClientsWorld(t)
	ctx := t.Context()
	_, err := d.CreateClientFor(ctx, c["acme/ada"], "acme", directory.ClientWeb, webClient("acme-web"))
	ok(t, "ada creates a client", err)
	before := allClients(t, d)
	rita := c["acme/rita"] // readers: clients:read
	_, err = d.ClientsFor(ctx, rita, "acme")
	ok(t, "a reader lists clients", err)
	_, err = d.ClientFor(ctx, rita, "acme-web")
	ok(t, "a reader reads a client", err)
	_, err = d.CreateClientFor(ctx, rita, "acme", directory.ClientWeb, webClient("x"))
	wantRefused(t, "reader creates", err, directory.ErrForbidden, "")
	_, err = d.UpdateClientFor(ctx, rita, "acme-web", webClient("acme-web"))
	wantRefused(t, "reader changes", err, directory.ErrForbidden, "")
	_, err = d.DeleteClientFor(ctx, rita, "acme-web")
	wantRefused(t, "reader deletes", err, directory.ErrForbidden, "")
	_, err = d.RotateClientSecretFor(ctx, rita, "acme-web")
	wantRefused(t, "reader rotates", err, directory.ErrForbidden, "")
	rick := c["acme/rick"] // roles and groups, no clients
	_, err = d.ClientsFor(ctx, rick, "acme")
	wantRefused(t, "rick lists clients", err, directory.ErrForbidden, "")
	_, err = d.ClientFor(ctx, rick, "acme-web")
	wantRefused(t, "rick reads a client", err, directory.ErrForbidden, "")
	// A platform client is the system tenant's: sid reads it, and changes
	// nothing.
	sid := c["sys/sid"]
	_, err = d.ClientFor(ctx, sid, "portal-all")
	ok(t, "sid reads a platform client", err)
	_, err = d.UpdateClientFor(ctx, sid, "portal-all", webClient("portal-all"))
	wantRefused(t, "sid changes a platform client", err, directory.ErrForbidden, "")
	if !reflect.DeepEqual(before, allClients(t, d)) {
		t.Error("a refused request changed something")
	}
}

func TestAdminClientsCreate(t *testing.T) {
	d, c := adminClientsWorld(t)
	ctx := t.Context()
	ada := c["acme/ada"]
	acme, err := d.TenantBySlug(ctx, "acme")
	ok(t, "acme", err)

	web, err := d.CreateClientFor(ctx, ada, "acme", directory.ClientWeb, directory.Client{ID: "acme-web", Name: " Acme portal ",
		RedirectURIs: []string{"https://portal.acme.example/cb"}, Scopes: []string{"roles"}, Services: []string{"webshop"}})
	ok(t, "web", err)
	if w := web.After; w.Type != directory.ClientConfidential || w.AuthMethod != directory.AuthSecretBasic ||
		!slices.Equal(w.GrantTypes, []string{directory.GrantAuthorizationCode}) || w.TenantID != acme.ID || w.Name != "Acme portal" ||
		w.Kind() != directory.ClientWeb || web.Tenant.ID != acme.ID || w.CreatedAt.IsZero() {
		t.Errorf("web client %+v", web)
	}
	if len(web.Secret) < 43 {
		t.Fatalf("web client secret %q", web.Secret)
	}
	stored, err := d.ClientFor(ctx, ada, "acme-web")
	ok(t, "read back", err)
	if string(stored.SecretHash) == web.Secret || len(stored.SecretHash) == 0 {
		t.Error("the secret is stored as is, or not at all")
	}
	if _, err := d.VerifyClientSecret(ctx, "acme-web", web.Secret); err != nil {
		t.Errorf("the secret shown does not work: %v", err)
	}

	spa, err := d.CreateClientFor(ctx, ada, "acme", directory.ClientSinglePage, directory.Client{ID: "acme-spa", Name: "SPA",
		RedirectURIs:     []string{"https://app.acme.example/cb", "http://localhost:5173/cb"},
		InitiateLoginURI: "http://localhost:5173/login",
		GrantTypes:       []string{directory.GrantAuthorizationCode, directory.GrantRefreshToken}})
	ok(t, "single-page", err)
	if s := spa.After; spa.Secret != "" || s.Type != directory.ClientPublic || s.AuthMethod != directory.AuthNone ||
		len(s.SecretHash) != 0 || s.Kind() != directory.ClientSinglePage || s.InitiateLoginURI != "http://localhost:5173/login" {
		t.Errorf("single-page client %+v", spa)
	}
	native, err := d.CreateClientFor(ctx, ada, "acme", directory.ClientNative, directory.Client{ID: "acme-app", Name: "App",
		RedirectURIs: []string{"com.acme.app:/cb"}})
	ok(t, "native", err)
	if native.Secret != "" || native.After.Kind() != directory.ClientNative {
		t.Errorf("native client %+v", native)
	}
	machine, err := d.CreateClientFor(ctx, ada, "acme", directory.ClientMachine, directory.Client{ID: "acme-devices", Name: "Devices",
		GlobalRoles: []string{directory.RoleDevices}, ServiceRoles: directory.ServiceRoles{"things-manager": {"read-only"}},
		Scopes: []string{"roles"}, AccessTokenLifetime: 5 * 60e9})
	ok(t, "machine", err)
	if m := machine.After; machine.Secret == "" || !slices.Equal(m.GrantTypes, []string{directory.GrantClientCredentials}) ||
		m.Kind() != directory.ClientMachine || !slices.Equal(m.GlobalRoles, []string{directory.RoleDevices}) {
		t.Errorf("machine client %+v", machine)
	}
	// The machine client acts in acme with what it was given.
	mc, err := d.CallerForClient(ctx, "acme-devices")
	ok(t, "machine caller", err)
	if !mc.Can("inventory", directory.AccessCreate) || mc.Can("users", directory.AccessRead) {
		t.Errorf("machine client holds %v", mc.Principal.Permissions)
	}

	before := allClients(t, d)
	for _, tc := range []struct {
		name   string
		slug   string
		kind   directory.ClientKind
		client directory.Client
		want   error
		field  string
		says   string
	}{
		{"taken id", "acme", directory.ClientWeb, webClient("acme-web"), directory.ErrConflict, "id", "acme-web"},
		{"taken in another tenant", "contoso", directory.ClientWeb, webClient("acme-web"), directory.ErrConflict, "id", ""},
		{"taken by a platform client", "acme", directory.ClientWeb, webClient("portal-all"), directory.ErrConflict, "id", ""},
		{"the account client", "acme", directory.ClientSinglePage, webClient(directory.AccountClientID), nil, "id", "account page"},
		{"bad id", "acme", directory.ClientWeb, webClient("a b"), nil, "id", ""},
		{"no type", "acme", "", webClient("x"), nil, "type", ""},
		{"unknown type", "acme", "confidential", webClient("x"), nil, "type", ""},
		{"no name", "acme", directory.ClientWeb, directory.Client{ID: "x", RedirectURIs: []string{"https://x.example/cb"}}, nil, "name", ""},
		{"name with a control character", "acme", directory.ClientWeb, directory.Client{ID: "x", Name: "a\x00b",
			RedirectURIs: []string{"https://x.example/cb"}}, nil, "name", ""},
		{"plain http", "acme", directory.ClientWeb, directory.Client{ID: "x", Name: "X",
			RedirectURIs: []string{"http://portal.example/cb"}}, nil, "redirect_uris", "http://portal.example/cb"},
		{"fragment", "acme", directory.ClientSinglePage, directory.Client{ID: "x", Name: "X",
			RedirectURIs: []string{"https://x.example/cb#here"}}, nil, "redirect_uris", "fragment"},
		{"relative", "acme", directory.ClientNative, directory.Client{ID: "x", Name: "X",
			RedirectURIs: []string{"/cb"}}, nil, "redirect_uris", "absolute"},
		{"no redirect URI", "acme", directory.ClientWeb, directory.Client{ID: "x", Name: "X"}, nil, "redirect_uris", ""},
		{"bad logout URI", "acme", directory.ClientWeb, directory.Client{ID: "x", Name: "X", RedirectURIs: []string{"https://x.example/cb"},
			PostLogoutRedirectURIs: []string{"ftp://x"}}, nil, "post_logout_redirect_uris", ""},
		{"login page over plain http", "acme", directory.ClientWeb, directory.Client{ID: "x", Name: "X", RedirectURIs: []string{"https://x.example/cb"},
			InitiateLoginURI: "http://x.example/login"}, nil, "initiate_login_uri", "http://x.example/login"},
		{"relative login page", "acme", directory.ClientWeb, directory.Client{ID: "x", Name: "X", RedirectURIs: []string{"https://x.example/cb"},
			InitiateLoginURI: "/login"}, nil, "initiate_login_uri", "absolute"},
		{"login page with a fragment", "acme", directory.ClientSinglePage, directory.Client{ID: "x", Name: "X", RedirectURIs: []string{"https://x.example/cb"},
			InitiateLoginURI: "https://x.example/login#top"}, nil, "initiate_login_uri", "fragment"},
		{"login page with a password", "acme", directory.ClientWeb, directory.Client{ID: "x", Name: "X", RedirectURIs: []string{"https://x.example/cb"},
			InitiateLoginURI: "https://me:pw@x.example/login"}, nil, "initiate_login_uri", "user name"},
		{"login page in an app", "acme", directory.ClientNative, directory.Client{ID: "x", Name: "X", RedirectURIs: []string{"com.x.app:/cb"},
			InitiateLoginURI: "com.x.app:/login"}, nil, "initiate_login_uri", "https"},
		{"login page without a host", "acme", directory.ClientWeb, directory.Client{ID: "x", Name: "X", RedirectURIs: []string{"https://x.example/cb"},
			InitiateLoginURI: "https:/login"}, nil, "initiate_login_uri", "host"},
		{"machine with a login page", "acme", directory.ClientMachine, directory.Client{ID: "x", Name: "X",
			InitiateLoginURI: "https://x.example/login"}, nil, "initiate_login_uri", ""},
		{"back-channel logout over plain http", "acme", directory.ClientWeb, directory.Client{ID: "x", Name: "X", RedirectURIs: []string{"https://x.example/cb"},
			BackchannelLogoutURI: "http://x.example/bcl"}, nil, "backchannel_logout_uri", "plain http"},
		{"back-channel logout with a fragment", "acme", directory.ClientWeb, directory.Client{ID: "x", Name: "X", RedirectURIs: []string{"https://x.example/cb"},
			BackchannelLogoutURI: "https://x.example/bcl#f"}, nil, "backchannel_logout_uri", "fragment"},
		{"relative back-channel logout", "acme", directory.ClientWeb, directory.Client{ID: "x", Name: "X", RedirectURIs: []string{"https://x.example/cb"},
			BackchannelLogoutURI: "/bcl"}, nil, "backchannel_logout_uri", "absolute"},
		{"back-channel logout in an app", "acme", directory.ClientNative, directory.Client{ID: "x", Name: "X", RedirectURIs: []string{"com.x.app:/cb"},
			BackchannelLogoutURI: "com.x.app:/bcl"}, nil, "backchannel_logout_uri", "https"},
		{"sid required without a URI", "acme", directory.ClientWeb, directory.Client{ID: "x", Name: "X", RedirectURIs: []string{"https://x.example/cb"},
			BackchannelLogoutSessionRequired: true}, nil, "backchannel_logout_session_required", "needs"},
		{"machine with back-channel logout", "acme", directory.ClientMachine, directory.Client{ID: "x", Name: "X",
			BackchannelLogoutURI: "https://x.example/bcl"}, nil, "backchannel_logout_uri", "no sessions"},
		{"third-party machine", "acme", directory.ClientMachine, directory.Client{ID: "x", Name: "X",
			ThirdParty: true}, nil, "third_party", "nobody to ask"},
		{"public with a secret method", "acme", directory.ClientSinglePage, directory.Client{ID: "x", Name: "X",
			RedirectURIs: []string{"https://x.example/cb"}, AuthMethod: directory.AuthSecretBasic}, nil, "auth_method", ""},
		{"confidential without one", "acme", directory.ClientWeb, directory.Client{ID: "x", Name: "X",
			RedirectURIs: []string{"https://x.example/cb"}, AuthMethod: directory.AuthNone}, nil, "auth_method", ""},
		{"web with client credentials", "acme", directory.ClientWeb, directory.Client{ID: "x", Name: "X",
			RedirectURIs: []string{"https://x.example/cb"}, GrantTypes: []string{directory.GrantAuthorizationCode,
				directory.GrantClientCredentials}}, nil, "grant_types", ""},
		{"public token exchange", "acme", directory.ClientSinglePage, directory.Client{ID: "x", Name: "X",
			RedirectURIs: []string{"https://x.example/cb"}, GrantTypes: []string{directory.GrantAuthorizationCode,
				directory.GrantTokenExchange}}, nil, "grant_types", ""},
		{"no grant", "acme", directory.ClientWeb, directory.Client{ID: "x", Name: "X",
			RedirectURIs: []string{"https://x.example/cb"}, GrantTypes: []string{}}, nil, "grant_types", ""},
		{"machine with a redirect URI", "acme", directory.ClientMachine, directory.Client{ID: "x", Name: "X",
			RedirectURIs: []string{"https://x.example/cb"}}, nil, "redirect_uris", ""},
		{"machine skipping PKCE", "acme", directory.ClientMachine, directory.Client{ID: "x", Name: "X",
			InsecureSkipPKCE: true}, nil, "insecure_skip_pkce", ""},
		{"public skipping PKCE", "acme", directory.ClientNative, directory.Client{ID: "x", Name: "X",
			RedirectURIs: []string{"com.x.app:/cb"}, InsecureSkipPKCE: true}, nil, "insecure_skip_pkce", ""},
		{"roles on a portal", "acme", directory.ClientWeb, directory.Client{ID: "x", Name: "X",
			RedirectURIs: []string{"https://x.example/cb"}, GlobalRoles: []string{directory.RoleReaders}}, nil, "global_roles", ""},
		{"unknown role", "acme", directory.ClientMachine, directory.Client{ID: "x", Name: "X",
			GlobalRoles: []string{"nope"}}, nil, "global_roles", "nope"},
		{"role of another tenant", "contoso", directory.ClientMachine, directory.Client{ID: "x", Name: "X",
			GlobalRoles: []string{"client-managers"}}, nil, "global_roles", ""},
		{"unknown service role", "acme", directory.ClientMachine, directory.Client{ID: "x", Name: "X",
			ServiceRoles: directory.ServiceRoles{"webshop": {"nope"}}}, nil, "service_roles", ""},
		{"unknown service", "acme", directory.ClientWeb, directory.Client{ID: "x", Name: "X",
			RedirectURIs: []string{"https://x.example/cb"}, Services: []string{"nope"}}, nil, "services", ""},
		{"default scope not allowed", "acme", directory.ClientWeb, directory.Client{ID: "x", Name: "X",
			RedirectURIs: []string{"https://x.example/cb"}, DefaultScopes: []string{"roles"}}, nil, "default_scopes", ""},
		{"access token too long", "acme", directory.ClientWeb, directory.Client{ID: "x", Name: "X",
			RedirectURIs: []string{"https://x.example/cb"}, AccessTokenLifetime: directory.MaxTokenLifetime + 1}, nil, "access_token_lifetime", ""},
		{"negative refresh lifetime", "acme", directory.ClientWeb, directory.Client{ID: "x", Name: "X",
			RedirectURIs: []string{"https://x.example/cb"}, RefreshTokenLifetime: -1}, nil, "refresh_token_lifetime", ""},
	} {
		ch, err := d.CreateClientFor(ctx, ada, tc.slug, tc.kind, tc.client)
		says := []string{}
		if tc.says != "" {
			says = append(says, tc.says)
		}
		wantRefused(t, tc.name, err, tc.want, tc.field, says...)
		if ch.Secret != "" {
			t.Errorf("%s: a refused create gave a secret", tc.name)
		}
	}
	if !reflect.DeepEqual(before, allClients(t, d)) {
		t.Error("a refused request changed something")
	}
	// Lifetimes up to the limit, and a web client for a support tool.
	_, err = d.CreateClientFor(ctx, ada, "acme", directory.ClientWeb, directory.Client{ID: "support-tool", Name: "Support tool",
		RedirectURIs: []string{"https://support.acme.example/cb"}, AuthMethod: directory.AuthSecretPost,
		GrantTypes:          []string{directory.GrantAuthorizationCode, directory.GrantTokenExchange},
		AccessTokenLifetime: directory.MaxTokenLifetime, IDTokenLifetime: directory.MaxTokenLifetime, RefreshTokenLifetime: 30 * directory.MaxTokenLifetime})
	ok(t, "support tool", err)
}

func TestAdminClientsNoEscalation(t *testing.T) {
	d, c := adminClientsWorld(t)
	ctx := t.Context()
	carl := c["acme/carl"] // clients:admin, inventory:read
	_, err := d.CreateClientFor(ctx, c["acme/ada"], "acme", directory.ClientMachine, directory.Client{ID: "acme-devices",
		Name: "Devices", GlobalRoles: []string{directory.RoleDevices}})
	ok(t, "ada creates a machine client", err)
	mine, err := d.CreateClientFor(ctx, carl, "acme", directory.ClientMachine, directory.Client{ID: "carls-reader",
		Name: "Reader", GlobalRoles: []string{"inventory-readers"}})
	ok(t, "carl creates a machine client holding what he holds", err)
	_, err = d.CreateClientFor(ctx, carl, "acme", directory.ClientWeb, webClient("carls-web"))
	ok(t, "carl creates a portal", err)
	before := allClients(t, d)

	_, err = d.CreateClientFor(ctx, carl, "acme", directory.ClientMachine, directory.Client{ID: "x", Name: "X",
		GlobalRoles: []string{directory.RoleDevices}})
	wantRefused(t, "carl gives a machine devices", err, nil, "global_roles", "devices")
	_, err = d.CreateClientFor(ctx, carl, "acme", directory.ClientMachine, directory.Client{ID: "x", Name: "X",
		GlobalRoles: []string{directory.RoleAdmins}})
	wantRefused(t, "carl gives a machine admins", err, nil, "global_roles", "admins")
	_, err = d.CreateClientFor(ctx, carl, "acme", directory.ClientMachine, directory.Client{ID: "x", Name: "X",
		ServiceRoles: directory.ServiceRoles{"things-manager": {"admin"}}})
	wantRefused(t, "carl gives a machine a service role", err, nil, "service_roles", "things-manager:admin")
	upd := mine.After
	upd.GlobalRoles = []string{"inventory-readers", directory.RoleReaders}
	_, err = d.UpdateClientFor(ctx, carl, "carls-reader", upd)
	wantRefused(t, "carl raises his machine client", err, nil, "global_roles", "readers")
	// A client holding more than he does is not his to change, delete or
	// take over by rotating its secret.
	_, err = d.UpdateClientFor(ctx, carl, "acme-devices", directory.Client{Name: "Mine now"})
	wantRefused(t, "carl changes acme-devices", err, nil, "id", "could grant")
	_, err = d.DeleteClientFor(ctx, carl, "acme-devices")
	wantRefused(t, "carl deletes acme-devices", err, nil, "id")
	ch, err := d.RotateClientSecretFor(ctx, carl, "acme-devices")
	wantRefused(t, "carl rotates acme-devices", err, nil, "id")
	if ch.Secret != "" {
		t.Error("a refused rotation gave a secret")
	}
	if !reflect.DeepEqual(before, allClients(t, d)) {
		t.Error("a refused request changed something")
	}
	// What he could grant, he manages.
	_, err = d.UpdateClientFor(ctx, carl, "carls-reader", directory.Client{Name: "Inventory reader", GlobalRoles: []string{"inventory-readers"},
		Scopes: []string{"roles"}})
	ok(t, "carl changes his machine client", err)
	_, err = d.RotateClientSecretFor(ctx, carl, "carls-reader")
	ok(t, "carl rotates his machine client", err)
	_, err = d.RotateClientSecretFor(ctx, carl, "carls-web")
	ok(t, "carl rotates a portal", err)
	_, err = d.DeleteClientFor(ctx, carl, "carls-reader")
	ok(t, "carl deletes his machine client", err)
	// A machine client calling the API is held to the same: it grants
	// at most what it holds.
	_, err = d.CreateClientFor(ctx, c["acme/ada"], "acme", directory.ClientMachine, directory.Client{ID: "acme-robot",
		Name: "Robot", GlobalRoles: []string{"client-managers"}})
	ok(t, "ada creates a client manager", err)
	robot, err := d.CallerForClient(ctx, "acme-robot")
	ok(t, "robot caller", err)
	_, err = d.CreateClientFor(ctx, robot, "acme", directory.ClientMachine, directory.Client{ID: "x", Name: "X",
		GlobalRoles: []string{directory.RoleDevices}})
	wantRefused(t, "a machine client escalates", err, nil, "global_roles")
	_, err = d.RotateClientSecretFor(ctx, robot, "acme-devices")
	wantRefused(t, "a machine client takes over a stronger one", err, nil, "id")
}

func TestAdminClientsChange(t *testing.T) {
	d, c := adminClientsWorld(t)
	ctx := t.Context()
	ada, sam := c["acme/ada"], c["sys/sam"]
	created, err := d.CreateClientFor(ctx, ada, "acme", directory.ClientWeb, directory.Client{ID: "acme-web", Name: "Portal",
		RedirectURIs: []string{"https://portal.acme.example/cb"}, AuthMethod: directory.AuthSecretPost})
	ok(t, "create", err)
	secret := created.Secret

	// PUT replaces the registration; id, tenant, type and secret stay.
	ch, err := d.UpdateClientFor(ctx, ada, "acme-web", directory.Client{ID: "renamed", TenantID: "elsewhere", Name: "Acme portal",
		RedirectURIs: []string{"https://portal.acme.example/cb", "https://portal.acme.example/cb2"}, AuthMethod: directory.AuthSecretPost,
		InitiateLoginURI: "https://portal.acme.example/login?via=gatehouse", ThirdParty: true,
		GrantTypes: []string{directory.GrantAuthorizationCode, directory.GrantRefreshToken}, Scopes: []string{"offline_access"}})
	ok(t, "update", err)
	if a := ch.After; a.ID != "acme-web" || a.TenantID != created.After.TenantID || a.Type != directory.ClientConfidential ||
		len(a.RedirectURIs) != 2 || a.Name != "Acme portal" || a.InitiateLoginURI != "https://portal.acme.example/login?via=gatehouse" || !a.ThirdParty || !a.UpdatedAt.After(created.After.UpdatedAt) && !a.UpdatedAt.Equal(created.After.UpdatedAt) ||
		ch.Before.Name != "Portal" || ch.Secret != "" {
		t.Errorf("updated %+v", ch)
	}
	if _, err := d.VerifyClientSecret(ctx, "acme-web", secret); err != nil {
		t.Errorf("an update changed the secret: %v", err)
	}
	for _, tc := range []struct {
		name   string
		client directory.Client
		field  string
	}{
		{"a web client stays one", directory.Client{Name: "X", GrantTypes: []string{directory.GrantClientCredentials}}, "grant_types"},
		{"invalid redirect URI", directory.Client{Name: "X", RedirectURIs: []string{"http://portal.acme.example/cb"}}, "redirect_uris"},
		{"invalid login page", directory.Client{Name: "X", RedirectURIs: []string{"https://x.example/cb"},
			InitiateLoginURI: "https://x.example/login#top"}, "initiate_login_uri"},
		{"confidential stays confidential", directory.Client{Name: "X", RedirectURIs: []string{"https://x.example/cb"},
			AuthMethod: directory.AuthNone}, "auth_method"},
	} {
		_, err := d.UpdateClientFor(ctx, ada, "acme-web", tc.client)
		wantRefused(t, tc.name, err, nil, tc.field)
	}

	// Public clients stay public; single-page and native are one
	// registration.
	_, err = d.CreateClientFor(ctx, ada, "acme", directory.ClientSinglePage, directory.Client{ID: "acme-spa", Name: "SPA",
		RedirectURIs: []string{"https://app.acme.example/cb"}})
	ok(t, "create single-page", err)
	ch, err = d.UpdateClientFor(ctx, ada, "acme-spa", directory.Client{Name: "App", RedirectURIs: []string{"com.acme.app:/cb"}})
	ok(t, "a single-page client gets a native redirect URI", err)
	if ch.After.Type != directory.ClientPublic || ch.After.Kind() != directory.ClientNative || len(ch.After.SecretHash) != 0 {
		t.Errorf("updated public client %+v", ch.After)
	}
	_, err = d.UpdateClientFor(ctx, ada, "acme-spa", directory.Client{Name: "App", RedirectURIs: []string{"com.acme.app:/cb"},
		AuthMethod: directory.AuthSecretBasic})
	wantRefused(t, "a public client gets a secret method", err, nil, "auth_method")
	_, err = d.RotateClientSecretFor(ctx, ada, "acme-spa")
	wantRefused(t, "a public client has no secret to rotate", err, nil, "type")

	// Rotating: the new secret works and the old one stops at once.
	rot, err := d.RotateClientSecretFor(ctx, ada, "acme-web")
	ok(t, "rotate", err)
	if rot.Secret == "" || rot.Secret == secret || rot.Tenant.Slug != "acme" {
		t.Fatalf("rotated %+v", rot)
	}
	if _, err := d.VerifyClientSecret(ctx, "acme-web", secret); !errors.Is(err, directory.ErrInvalidCredentials) {
		t.Errorf("the old secret after rotation: %v", err)
	}
	if _, err := d.VerifyClientSecret(ctx, "acme-web", rot.Secret); err != nil {
		t.Errorf("the new secret: %v", err)
	}
	again, err := d.RotateClientSecretFor(ctx, ada, "acme-web")
	ok(t, "rotate again", err)
	if again.Secret == rot.Secret {
		t.Error("two rotations gave the same secret")
	}

	// The built-in account client is read, never changed; platform clients
	// are the system tenant's to manage.
	acct, err := d.ClientFor(ctx, sam, directory.AccountClientID)
	ok(t, "sam reads the account client", err)
	_, err = d.UpdateClientFor(ctx, sam, directory.AccountClientID, acct)
	wantRefused(t, "update the account client", err, nil, "id", "account page")
	_, err = d.DeleteClientFor(ctx, sam, directory.AccountClientID)
	wantRefused(t, "delete the account client", err, nil, "id")
	_, err = d.RotateClientSecretFor(ctx, sam, directory.AccountClientID)
	wantRefused(t, "rotate the account client", err, nil, "id")
	if after, err := d.ClientFor(ctx, sam, directory.AccountClientID); err != nil || !reflect.DeepEqual(after, acct) {
		t.Errorf("the account client changed: %v", err)
	}
	pc, err := d.UpdateClientFor(ctx, sam, "portal-all", directory.Client{Name: "Portal", RedirectURIs: []string{"https://portal.example/cb"}})
	ok(t, "sam changes a platform client", err)
	if pc.Tenant.Level != directory.LevelSystem || pc.After.TenantID != "" {
		t.Errorf("platform client change %+v", pc)
	}
	_, err = d.UpdateClientFor(ctx, sam, "portal-all", directory.Client{Name: "Portal", RedirectURIs: []string{"https://portal.example/cb"},
		GrantTypes: []string{directory.GrantAuthorizationCode}, Services: []string{"nope"}})
	wantRefused(t, "platform client with an unknown service", err, nil, "services")

	// Deleting: gone, and its secret no longer authenticates.
	del, err := d.DeleteClientFor(ctx, ada, "acme-web")
	ok(t, "delete", err)
	if del.Before.ID != "acme-web" || del.Tenant.Slug != "acme" {
		t.Errorf("deleted %+v", del)
	}
	_, err = d.ClientFor(ctx, ada, "acme-web")
	wantRefused(t, "read a deleted client", err, directory.ErrNotFound, "")
	if _, err := d.VerifyClientSecret(ctx, "acme-web", again.Secret); !errors.Is(err, directory.ErrInvalidCredentials) {
		t.Errorf("a deleted client's secret: %v", err)
	}
	_, err = d.DeleteClientFor(ctx, ada, "acme-web")
	wantRefused(t, "delete twice", err, directory.ErrNotFound, "")
	_, err = d.CreateClientFor(ctx, ada, "acme", directory.ClientWeb, webClient("acme-web"))
	ok(t, "the id is free again", err)
}

func TestClientKind(t *testing.T) {
	for _, tc := range []struct {
		c    directory.Client
		want directory.ClientKind
	}{
		{directory.Client{Type: directory.ClientConfidential, GrantTypes: []string{directory.GrantAuthorizationCode}}, directory.ClientWeb},
		{directory.Client{Type: directory.ClientConfidential, GrantTypes: []string{directory.GrantClientCredentials}}, directory.ClientMachine},
		{directory.Client{Type: directory.ClientPublic, RedirectURIs: []string{"https://a.example/cb"}}, directory.ClientSinglePage},
		{directory.Client{Type: directory.ClientPublic, RedirectURIs: []string{"http://localhost:3000/cb"}}, directory.ClientSinglePage},
		{directory.Client{Type: directory.ClientPublic, RedirectURIs: []string{"http://127.0.0.1/cb"}}, directory.ClientNative},
		{directory.Client{Type: directory.ClientPublic, RedirectURIs: []string{"http://[::1]:8080/cb"}}, directory.ClientNative},
		{directory.Client{Type: directory.ClientPublic, RedirectURIs: []string{"https://a.example/cb", "com.a.app:/cb"}}, directory.ClientNative},
	} {
		if got := tc.c.Kind(); got != tc.want {
			t.Errorf("%+v: %s, want %s", tc.c, got, tc.want)
		}
	}
}
