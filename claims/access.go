package claims

import (
	"slices"
	"strings"
)

// Tenant levels, from the root of the tree down (the tenant claim's level).
const (
	LevelSystem      = "system"
	LevelProvider    = "provider"
	LevelCustomer    = "customer"
	LevelSubcustomer = "subcustomer"
)

// Tenant roles (the tenant_role claim): an administrator reads, writes and
// deletes at the tenant's level and below; a user only reads.
const (
	TenantRoleAdmin = "admin"
	TenantRoleUser  = "user"
)

// Permission levels (the part after the colon in "resource:level"). They
// are separate rights: change does not include read. Admin is all three.
const (
	PermissionRead   = "read"
	PermissionChange = "change"
	PermissionCreate = "create"
	PermissionAdmin  = "admin"
)

// The accessors below are defined on Access, so that they read the same on
// an AccessToken, an IDToken, a UserInfo and an Introspection. Each answers
// from the token alone, and a claim the token lacks (its scope was not
// granted) answers false or "": a missing claim never grants anything.

// TenantID returns the id of the tenant the subject acts in, or "".
func (a Access) TenantID() string {
	if a.Tenant == nil {
		return ""
	}
	return a.Tenant.ID
}

// Level returns the level of the tenant the subject acts in (LevelSystem
// ... LevelSubcustomer), or "".
func (a Access) Level() string {
	if a.Tenant == nil {
		return ""
	}
	return a.Tenant.Level
}

// IsAdmin reports whether the subject is an administrator of its tenant
// (tenant_role "admin"). Machine clients have no tenant role and are never
// admins: authorize them by permission.
func (a Access) IsAdmin() bool { return a.TenantRole == TenantRoleAdmin }

// InSubtree reports whether the subject may reach a resource that belongs
// to the tenant whose path (ids from the root down to that tenant, as in
// the tenant claim) is resourceTenantPath: whether that tenant is the
// subject's own or lies below it. The check is by path, not by id, because
// only the path tells ancestry without asking Gatehouse; a portal stores
// each resource's tenant path with it. A portal that knows only a tenant id
// can compare it with TenantID, and nothing more.
//
// InSubtree says where the subject may act, not what it may do there;
// combine it with IsAdmin or HasPermission.
func (a Access) InSubtree(resourceTenantPath []string) bool {
	id := a.TenantID()
	return id != "" && slices.Contains(resourceTenantPath, id)
}

// HasGlobalRole reports whether the subject holds the tenant's global role
// name (directly, through a group or by default).
func (a Access) HasGlobalRole(name string) bool { return slices.Contains(a.GlobalRoles, name) }

// HasPermission reports whether the permissions claim grants level (read,
// change, create or admin) on resource. "resource:admin" grants read, change
// and create; admin itself is granted by "resource:admin" or by all three
// rights. An unknown level is never granted.
func (a Access) HasPermission(resource, level string) bool {
	want := permissionBits(level)
	if resource == "" || want == 0 {
		return false
	}
	var have uint8
	for _, p := range a.Permissions {
		if l, ok := strings.CutPrefix(p, resource+":"); ok {
			have |= permissionBits(l)
		}
	}
	return have&want == want
}

// HasServiceRole reports whether the subject holds role in service. A
// token carries only the services of the client it was issued to.
func (a Access) HasServiceRole(service, role string) bool {
	return slices.Contains(a.ServiceRoles[service], role)
}

// Actor returns the support user acting as the subject (the act claim,
// RFC 8693 §4.1), if one is. A portal shows it and records it in its own
// audit trail next to the subject.
func (a Access) Actor() (*Actor, bool) { return a.Act, a.Act != nil }

// IsSupport reports whether a support user is acting as the subject.
func (a Access) IsSupport() bool { return a.Act != nil }

func permissionBits(level string) uint8 {
	switch level {
	case PermissionRead:
		return 1
	case PermissionChange:
		return 2
	case PermissionCreate:
		return 4
	case PermissionAdmin:
		return 7
	}
	return 0
}
