package directory

import "slices"

// Resource is one row of the permission catalog: something global roles
// grant access to. The catalog is platform-wide: every tenant's roles draw
// from the same resources, so that "inventory:read" means one thing in every
// token. Operators extend it in the directory file with what their portals
// protect.
type Resource struct {
	Name        string
	Description string
	// Levels are the tenant levels whose roles may grant the resource;
	// empty means every level. Support, for example, only means something
	// in the system and provider tenants, whose people support those below.
	Levels []Level
	// Builtin resources ship with Gatehouse and cannot be changed.
	Builtin bool
}

// AppliesTo reports whether roles of a tenant at level l may grant r.
func (r Resource) AppliesTo(l Level) bool {
	return len(r.Levels) == 0 || slices.Contains(r.Levels, l)
}

// ResourceSupport is the resource whose permission lets a user of a system
// or provider tenant support users of the tenants below (seed 004).
const ResourceSupport = "support"

// BuiltinResources is the catalog every installation starts with: what
// Gatehouse itself protects (users, groups, roles, tenants, clients, audit,
// support) and what IoT portals commonly do (seed 004's inventory, alarms,
// events, measurements and operations).
var BuiltinResources = []Resource{
	{Name: "users", Description: "Users, their roles and their group memberships", Builtin: true},
	{Name: "groups", Description: "Groups and what they grant", Builtin: true},
	{Name: "roles", Description: "Global roles and their permissions", Builtin: true},
	{Name: "tenants", Description: "Sub-tenants and tenant settings", Builtin: true},
	{Name: "clients", Description: "Portals and machine clients", Builtin: true},
	{Name: "audit", Description: "The audit log", Builtin: true},
	{Name: ResourceSupport, Description: "Log in as a user of a tenant below, to support them", Levels: []Level{LevelSystem, LevelProvider}, Builtin: true},
	{Name: "inventory", Description: "Devices and device groups", Builtin: true},
	{Name: "alarms", Description: "Device alarms", Builtin: true},
	{Name: "events", Description: "Device events", Builtin: true},
	{Name: "measurements", Description: "Device measurements", Builtin: true},
	{Name: "operations", Description: "Commands sent to devices", Builtin: true},
}

// Catalog is the full permission catalog: the built-in resources and those
// an operator added.
type Catalog struct {
	resources []Resource
	index     map[string]int
}

// NewCatalog returns the catalog of the built-in resources plus extra
// (operator-defined; an entry named like a built-in one is ignored).
func NewCatalog(extra []Resource) *Catalog {
	c := &Catalog{index: map[string]int{}}
	for _, r := range append(slices.Clone(BuiltinResources), extra...) {
		if _, dup := c.index[r.Name]; dup {
			continue
		}
		c.index[r.Name] = len(c.resources)
		c.resources = append(c.resources, r)
	}
	return c
}

// Resource returns the catalog entry called name.
func (c *Catalog) Resource(name string) (Resource, bool) {
	i, ok := c.index[name]
	if !ok {
		return Resource{}, false
	}
	return c.resources[i], true
}

// Resources returns the catalog in order: built-in first.
func (c *Catalog) Resources() []Resource { return slices.Clone(c.resources) }

// All returns admin access to every resource that applies at level l: what
// the admins role holds there.
func (c *Catalog) All(l Level) []Permission {
	var out []Permission
	for _, r := range c.resources {
		if r.AppliesTo(l) {
			out = append(out, Permission{Resource: r.Name, Access: AccessAdmin})
		}
	}
	return out
}

// ReadAll returns read access to every resource that applies at level l:
// what the readers role starts with.
func (c *Catalog) ReadAll(l Level) []Permission {
	var out []Permission
	for _, r := range c.resources {
		if r.AppliesTo(l) && r.Name != ResourceSupport {
			out = append(out, Permission{Resource: r.Name, Access: AccessRead})
		}
	}
	return out
}
