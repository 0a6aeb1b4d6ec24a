package directory

import "time"

// Group gathers users of one tenant and grants them global roles and
// service roles (seed 003); a user may be in many. Like a role, a group's
// name is its identity within the tenant and never changes.
type Group struct {
	ID           string
	TenantID     string
	Name         string
	Description  string
	GlobalRoles  []string
	ServiceRoles ServiceRoles
	// RequireMFA makes TOTP required for the group's members.
	RequireMFA bool
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// GroupAdministrators is the built-in group of every tenant (seed 003): its
// members administer the tenant fully (tenant role admin, and so the admins
// role). It cannot be renamed or deleted, and grants nothing else.
const GroupAdministrators = "administrators"

// Assignment is what a principal holds in one tenant, directly: a tenant
// role, global roles, service roles and groups. A user has one for its home
// tenant and one per Link; a machine client has one (without tenant role
// and groups) for its tenant.
type Assignment struct {
	TenantRole   TenantRole
	GlobalRoles  []string
	ServiceRoles ServiceRoles
	Groups       []string
}
