package directoryfile

import (
	"strconv"

	"gopkg.in/yaml.v3"

	"github.com/gatehouse-id/gatehouse/directory"
)

// Role is one entry of roles: a global role of a tenant. The default roles
// (admins, readers, devices) exist in every tenant already; an entry for
// one of them edits it.
type Role struct {
	Tenant      string // slug
	Name        string
	Description string
	Permissions []directory.Permission
	RequireMFA  bool
	src         entry
}

func (r Role) role() directory.GlobalRole {
	return directory.GlobalRole{Name: r.Name, Description: r.Description, Permissions: r.Permissions, RequireMFA: r.RequireMFA}
}

// Group is one entry of groups: a group of a tenant and what it grants its
// members. The administrators group exists in every tenant already.
type Group struct {
	Tenant       string // slug
	Name         string
	Description  string
	GlobalRoles  []string
	ServiceRoles directory.ServiceRoles
	RequireMFA   bool
	src          entry
}

func (g Group) group() directory.Group {
	return directory.Group{Name: g.Name, Description: g.Description, GlobalRoles: g.GlobalRoles, ServiceRoles: g.ServiceRoles,
		RequireMFA: g.RequireMFA}
}

func (p *parser) role(path string, n *yaml.Node) Role {
	var r Role
	var perms []string
	e, ok := p.mapping(path, n, []field{
		{key: "tenant", required: true, decode: str(&r.Tenant)},
		{key: "name", required: true, decode: str(&r.Name)},
		{key: "description", decode: str(&r.Description)},
		{key: "permissions", decode: strList(&perms)},
		{key: "require_mfa", decode: boolean(&r.RequireMFA)},
	})
	r.src = e
	if !ok {
		return r
	}
	p.slugRef(e, "tenant", r.Tenant)
	p.name(e, "name", r.Name)
	for i, s := range perms {
		perm, err := directory.ParsePermission(s)
		if err != nil {
			key := "permissions[" + strconv.Itoa(i) + "]"
			p.add(e.pos(key), join(path, key), err.Error())
			continue
		}
		r.Permissions = append(r.Permissions, perm)
	}
	return r
}

func (p *parser) group(path string, n *yaml.Node) Group {
	var g Group
	e, ok := p.mapping(path, n, []field{
		{key: "tenant", required: true, decode: str(&g.Tenant)},
		{key: "name", required: true, decode: str(&g.Name)},
		{key: "description", decode: str(&g.Description)},
		{key: "global_roles", decode: strList(&g.GlobalRoles)},
		{key: "service_roles", decode: serviceRoles(&g.ServiceRoles)},
		{key: "require_mfa", decode: boolean(&g.RequireMFA)},
	})
	g.src = e
	if !ok {
		return g
	}
	p.slugRef(e, "tenant", g.Tenant)
	p.name(e, "name", g.Name)
	p.assignmentNames(e, g.GlobalRoles, g.ServiceRoles, nil)
	return g
}
