package directorytest

import (
	"testing"

	"github.com/gatehouse-id/gatehouse/directory"
)

// testCopies checks that values handed in and out are not shared with the
// store: a caller may mutate them freely, lists, maps and the lists inside
// maps alike.
func testCopies(t *testing.T, newStore func(t *testing.T) directory.Store) {
	s := newStore(t)
	sys := newTenant("t-sys", "sys", nil)
	acme := newTenant("t-acme", "acme", &sys)
	client := newClient("machine", acme.ID)
	user := newUser("u-jill", acme.ID, "jill", "")
	link := newLink(user.ID, sys.ID)
	role := newRole("r-1", acme.ID, "operators")
	group := newGroup("g-1", acme.ID, "field")
	service := newService("webshop")
	resource := newResource("dashboards")
	for _, err := range []error{
		s.CreateTenant(t.Context(), sys), s.CreateTenant(t.Context(), acme),
		s.CreateClient(t.Context(), client), s.CreateUser(t.Context(), user), s.CreateLink(t.Context(), link),
		s.CreateGlobalRole(t.Context(), role), s.CreateGroup(t.Context(), group),
		s.CreateService(t.Context(), service), s.CreateResource(t.Context(), resource),
	} {
		mustDo(t, err)
	}

	// Mutate what was handed in.
	client.SecretHash[0] ^= 0xff
	client.RedirectURIs[0] = "https://evil.example/cb"
	client.Scopes[0] = "admin"
	mutateRoles(client.ServiceRoles)
	acme.Path[0] = "mutated"
	acme.Settings.UserRoles[0] = directory.RoleAdmins
	user.GlobalRoles[0] = directory.RoleAdmins
	mutateRoles(user.ServiceRoles)
	link.Groups[0] = directory.GroupAdministrators
	mutateRoles(link.ServiceRoles)
	role.Permissions[0].Access = directory.AccessAdmin
	group.GlobalRoles[0] = directory.RoleAdmins
	mutateRoles(group.ServiceRoles)
	service.Roles[0] = "owner"
	resource.Levels[0] = directory.LevelSystem

	// Mutate what came out, then read again.
	for range 2 {
		c, err := s.ClientByID(t.Context(), client.ID)
		mustDo(t, err)
		wantEqual(t, "client", c, newClient("machine", acme.ID))
		c.SecretHash[0] ^= 0xff
		c.RedirectURIs[0] = "https://evil.example/cb"
		c.GrantTypes[0] = "password"
		c.DefaultScopes[0] = "admin"
		c.Services[0] = "evil"
		c.GlobalRoles[0] = directory.RoleAdmins
		mutateRoles(c.ServiceRoles)
		cs, err := s.ListClients(t.Context())
		mustDo(t, err)
		cs[0].PostLogoutRedirectURIs[0] = "https://evil.example/bye"
		mutateRoles(cs[0].ServiceRoles)

		tn, err := s.TenantByID(t.Context(), "t-acme")
		mustDo(t, err)
		wantEqual(t, "tenant", tn, newTenant("t-acme", "acme", &sys))
		tn.Path[0] = "mutated"
		tn.Settings.UserRoles[0] = directory.RoleAdmins
		ts, err := s.ListTenants(t.Context())
		mustDo(t, err)
		ts[1].Path[0] = "mutated"
		ts[1].Settings.UserRoles[1] = directory.RoleAdmins

		u, err := s.UserByID(t.Context(), user.ID)
		mustDo(t, err)
		wantEqual(t, "user", u, newUser("u-jill", acme.ID, "jill", ""))
		u.GlobalRoles[0], u.Groups[0] = directory.RoleAdmins, directory.GroupAdministrators
		mutateRoles(u.ServiceRoles)
		us, err := s.ListUsers(t.Context(), acme.ID)
		mustDo(t, err)
		us[0].GlobalRoles[1] = directory.RoleAdmins
		mutateRoles(us[0].ServiceRoles)

		l, err := s.LinkOf(t.Context(), user.ID, sys.ID)
		mustDo(t, err)
		wantEqual(t, "link", l, newLink(user.ID, sys.ID))
		l.GlobalRoles[0], l.Groups[0] = directory.RoleAdmins, directory.GroupAdministrators
		mutateRoles(l.ServiceRoles)
		ls, err := s.LinksOfUser(t.Context(), user.ID)
		mustDo(t, err)
		ls[0].Groups[1] = directory.GroupAdministrators
		mutateRoles(ls[0].ServiceRoles)
		ls, err = s.LinksToTenant(t.Context(), sys.ID)
		mustDo(t, err)
		ls[0].GlobalRoles[1] = directory.RoleAdmins
		mutateRoles(ls[0].ServiceRoles)

		r, err := s.GlobalRoleByName(t.Context(), acme.ID, "operators")
		mustDo(t, err)
		wantEqual(t, "role", r, newRole("r-1", acme.ID, "operators"))
		r.Permissions[0] = directory.Permission{Resource: "users", Access: directory.AccessAdmin}
		rs, err := s.ListGlobalRoles(t.Context(), acme.ID)
		mustDo(t, err)
		rs[0].Permissions[1].Resource = "users"

		g, err := s.GroupByName(t.Context(), acme.ID, "field")
		mustDo(t, err)
		wantEqual(t, "group", g, newGroup("g-1", acme.ID, "field"))
		g.GlobalRoles[0] = directory.RoleAdmins
		mutateRoles(g.ServiceRoles)
		gs, err := s.ListGroups(t.Context(), acme.ID)
		mustDo(t, err)
		mutateRoles(gs[0].ServiceRoles)

		sv, err := s.ServiceByName(t.Context(), "webshop")
		mustDo(t, err)
		wantEqual(t, "service", sv, newService("webshop"))
		sv.Roles[0] = "owner"
		svs, err := s.ListServices(t.Context())
		mustDo(t, err)
		svs[0].Roles[1] = "owner"

		res, err := s.ListResources(t.Context())
		mustDo(t, err)
		wantEqual(t, "resources", res, []directory.Resource{newResource("dashboards")})
		res[0].Levels[0] = directory.LevelSystem
	}
}

// mutateRoles changes a role of every service of sr and adds a service.
func mutateRoles(sr directory.ServiceRoles) {
	if sr == nil {
		return
	}
	for svc, roles := range sr {
		if len(roles) > 0 {
			sr[svc][0] = "evil"
		}
	}
	sr["evil"] = []string{"admin"}
}
