package directory

import "time"

// GlobalRole is a named set of permissions in one tenant (seed 004). Its
// name is its identity within the tenant and never changes, like a
// username: users, groups and clients refer to roles by name, and tokens
// carry the name.
type GlobalRole struct {
	ID          string
	TenantID    string
	Name        string
	Description string
	// Permissions are the role's own. The admins role stores none: it holds
	// admin access to every resource of the catalog that applies at its
	// tenant's level, including resources added later, and cannot lose any.
	Permissions []Permission
	// RequireMFA makes TOTP required for everyone holding the role
	// ("everyone holding admins must use TOTP"), whatever the tenant policy.
	RequireMFA bool
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// The default roles every new tenant gets (seed 004). They may be edited
// like any other role, except that admins keeps every permission.
const (
	// RoleAdmins holds every permission. A tenant administrator, and every
	// member of the administrators group, holds it.
	RoleAdmins = "admins"
	// RoleReaders reads everything (users included).
	RoleReaders = "readers"
	// RoleDevices is the typical permission set of a device's credentials:
	// it creates what it reports and reads and updates its operations.
	RoleDevices = "devices"
)

// defaultRoles returns the roles a new tenant at level l starts with.
func defaultRoles(c *Catalog, l Level) []GlobalRole {
	return []GlobalRole{
		{Name: RoleAdmins, Description: "Every permission, including those added later"},
		{Name: RoleReaders, Description: "Reads everything, users included", Permissions: c.ReadAll(l)},
		{Name: RoleDevices, Description: "What a device's credentials typically need", Permissions: []Permission{
			{Resource: "inventory", Access: AccessCreate},
			{Resource: "measurements", Access: AccessCreate},
			{Resource: "events", Access: AccessCreate},
			{Resource: "alarms", Access: AccessCreate},
			{Resource: "operations", Access: AccessRead},
			{Resource: "operations", Access: AccessChange},
		}},
	}
}

// effectivePermissions returns what r grants at level l.
func (r *GlobalRole) effectivePermissions(c *Catalog, l Level) []Permission {
	if r.Name == RoleAdmins {
		return c.All(l)
	}
	return r.Permissions
}
