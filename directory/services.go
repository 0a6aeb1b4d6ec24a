package directory

import (
	"maps"
	"slices"
	"strings"
	"time"
)

// Service is an application of the platform that has roles of its own
// (seed 000: Things Manager with Admin, Editor and Read Only, ...). The
// catalog is platform-wide; clients name the services they consume, and
// users, groups and machine clients hold roles in them.
type Service struct {
	Name        string // the identity: lower-case, no ':' (tokens write "service:role")
	DisplayName string
	Roles       []string
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// HasRole reports whether r is one of the service's roles.
func (s *Service) HasRole(r string) bool { return slices.Contains(s.Roles, r) }

// ServiceRoles maps a service name to roles in it.
type ServiceRoles map[string][]string

// Has reports whether sr holds role in service.
func (sr ServiceRoles) Has(service, role string) bool { return slices.Contains(sr[service], role) }

// Add puts role into service's roles, once.
func (sr ServiceRoles) Add(service string, roles ...string) {
	for _, r := range roles {
		if !slices.Contains(sr[service], r) {
			sr[service] = append(sr[service], r)
		}
	}
}

// Merge returns the union of sr and other as a new value.
func (sr ServiceRoles) Merge(other ServiceRoles) ServiceRoles {
	out := sr.Clone()
	for svc, roles := range other {
		out.Add(svc, roles...)
	}
	return out.Normalize()
}

// Clone returns a deep copy (never nil).
func (sr ServiceRoles) Clone() ServiceRoles {
	out := make(ServiceRoles, len(sr))
	for svc, roles := range sr {
		out[svc] = slices.Clone(roles)
	}
	return out
}

// Normalize sorts each list, drops duplicates and empty services, and
// returns nil for an empty map, so that equal assignments compare equal.
func (sr ServiceRoles) Normalize() ServiceRoles {
	out := ServiceRoles{}
	for svc, roles := range sr {
		if len(roles) == 0 {
			continue
		}
		r := slices.Clone(roles)
		slices.Sort(r)
		out[svc] = slices.Compact(r)
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// Only returns the roles in the given services: what a client configured
// for those services may see.
func (sr ServiceRoles) Only(services []string) ServiceRoles {
	out := ServiceRoles{}
	for _, svc := range services {
		if roles, ok := sr[svc]; ok {
			out[svc] = slices.Clone(roles)
		}
	}
	return out.Normalize()
}

// Equal reports whether sr and other hold the same roles.
func (sr ServiceRoles) Equal(other ServiceRoles) bool {
	a, b := sr.Normalize(), other.Normalize()
	return maps.EqualFunc(a, b, slices.Equal)
}

// Each calls fn for every service and role, services and roles sorted.
func (sr ServiceRoles) Each(fn func(service, role string)) {
	n := sr.Normalize()
	for _, svc := range slices.Sorted(maps.Keys(n)) {
		for _, r := range n[svc] {
			fn(svc, r)
		}
	}
}

// Default service catalog (seed 000), loaded by the demo and offered to
// operators as a starting point.
var SeedServices = []Service{
	{Name: "things-manager", DisplayName: "Things Manager", Roles: []string{"admin", "editor", "read-only"}},
	{Name: "things-creator", DisplayName: "Things Creator", Roles: []string{"admin", "read-only"}},
	{Name: "things-support", DisplayName: "Things Support", Roles: []string{"user"}},
	{Name: "self-service", DisplayName: "Self Service", Roles: []string{"ict-manager"}},
	{Name: "webshop", DisplayName: "Webshop", Roles: []string{"forecasting", "quotation", "read-only", "voucher-manager"}},
	{Name: "invoices", DisplayName: "Invoices", Roles: []string{"viewer"}},
}

// String writes the roles as "service:role" pairs, sorted, comma-separated:
// for people reading the audit log.
func (sr ServiceRoles) String() string {
	var out []string
	for svc, roles := range sr {
		for _, r := range roles {
			out = append(out, svc+":"+r)
		}
	}
	slices.Sort(out)
	return strings.Join(out, ",")
}
