package directoryfile

import (
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/gatehouse-id/gatehouse/directory"
)

// Resource is one entry of resources: an addition to the permission
// catalog, which is platform-wide.
type Resource struct {
	Name        string
	Description string
	Levels      []directory.Level // empty: every level
	src         entry
}

func (r Resource) resource() directory.Resource {
	return directory.Resource{Name: r.Name, Description: r.Description, Levels: r.Levels}
}

// Service is one entry of services: an application of the platform with
// roles of its own.
type Service struct {
	Name        string
	DisplayName string
	Roles       []string
	src         entry
}

func (s Service) service() directory.Service {
	return directory.Service{Name: s.Name, DisplayName: s.DisplayName, Roles: s.Roles}
}

func (p *parser) resource(path string, n *yaml.Node) Resource {
	var r Resource
	e, ok := p.mapping(path, n, []field{
		{key: "name", required: true, decode: str(&r.Name)},
		{key: "description", decode: str(&r.Description)},
		{key: "levels", decode: strList(&r.Levels)},
	})
	r.src = e
	if !ok {
		return r
	}
	p.name(e, "name", r.Name)
	for i, l := range r.Levels {
		if !l.Valid() && !e.bad["levels"] {
			key := "levels[" + strconv.Itoa(i) + "]"
			p.add(e.pos(key), join(path, key), "must be one of "+levels())
		}
	}
	return r
}

func (p *parser) service(path string, n *yaml.Node) Service {
	var s Service
	e, ok := p.mapping(path, n, []field{
		{key: "name", required: true, decode: str(&s.Name)},
		{key: "display_name", decode: str(&s.DisplayName)},
		{key: "roles", required: true, decode: strList(&s.Roles)},
	})
	s.src = e
	if !ok {
		return s
	}
	p.name(e, "name", s.Name)
	p.names(e, "roles", s.Roles)
	return s
}

// name reports the value of key if it is not a valid name.
func (p *parser) name(e entry, key, name string) {
	if e.bad[key] {
		return
	}
	if fe, ok := asFieldError(directory.ValidateName(key, name)); ok {
		p.add(e.pos(key), join(e.path, key), fe.Reason)
		e.bad[key] = true
	}
}

// levels lists the tenant levels, for messages.
func levels() string {
	s := make([]string, len(directory.Levels))
	for i, l := range directory.Levels {
		s[i] = string(l)
	}
	return strings.Join(s, ", ")
}
