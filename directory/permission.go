package directory

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

// Access is how far a permission reaches on a resource (seed 004): read it,
// change it (modify and delete, not including read), create it (and manage
// what one created: ownership), or admin, which is all three.
type Access string

// The access levels of a permission.
const (
	AccessRead   Access = "read"
	AccessChange Access = "change"
	AccessCreate Access = "create"
	AccessAdmin  Access = "admin"
)

// bits returns the access as a set of the three basic rights.
func (a Access) bits() accessBits {
	switch a {
	case AccessRead:
		return bitRead
	case AccessChange:
		return bitChange
	case AccessCreate:
		return bitCreate
	case AccessAdmin:
		return bitAll
	}
	return 0
}

// Valid reports whether a is a known access level.
func (a Access) Valid() bool { return a.bits() != 0 }

type accessBits uint8

const (
	bitRead accessBits = 1 << iota
	bitChange
	bitCreate
	bitAll = bitRead | bitChange | bitCreate
)

// Permission is one entry of a global role: a resource of the catalog and
// the access to it. Its text form is "resource:access", as in tokens.
type Permission struct {
	Resource string
	Access   Access
}

func (p Permission) String() string { return p.Resource + ":" + string(p.Access) }

// ParsePermission reads "resource:access".
func ParsePermission(s string) (Permission, error) {
	res, acc, ok := strings.Cut(strings.TrimSpace(s), ":")
	p := Permission{Resource: res, Access: Access(acc)}
	if !ok || !nameRE.MatchString(res) || !p.Access.Valid() {
		return Permission{}, fmt.Errorf("%q is not a permission: write resource:access, access one of read, change, create, admin", s)
	}
	return p, nil
}

// PermissionSet is what a principal may do, resource by resource. The zero
// value is empty and ready to use.
type PermissionSet struct{ m map[string]accessBits }

// Add grants p.
func (s *PermissionSet) Add(p Permission) {
	if s.m == nil {
		s.m = map[string]accessBits{}
	}
	s.m[p.Resource] |= p.Access.bits()
}

// AddAll grants every permission of ps.
func (s *PermissionSet) AddAll(ps []Permission) {
	for _, p := range ps {
		s.Add(p)
	}
}

// Has reports whether the set grants access a to resource.
func (s PermissionSet) Has(resource string, a Access) bool {
	want := a.bits()
	return want != 0 && s.m[resource]&want == want
}

// Covers reports whether the set grants everything p grants.
func (s PermissionSet) Covers(p Permission) bool { return s.Has(p.Resource, p.Access) }

// Missing returns the permissions of ps that s does not cover, in the order
// given.
func (s PermissionSet) Missing(ps []Permission) []Permission {
	var out []Permission
	for _, p := range ps {
		if !s.Covers(p) {
			out = append(out, p)
		}
	}
	return out
}

// Strings returns the set as sorted "resource:access" strings, the form
// tokens carry: "resource:admin" for all three rights, otherwise one entry
// per right held.
func (s PermissionSet) Strings() []string {
	out := make([]string, 0, len(s.m))
	for res, b := range s.m {
		if b == bitAll {
			out = append(out, res+":"+string(AccessAdmin))
			continue
		}
		for _, a := range []Access{AccessRead, AccessChange, AccessCreate} {
			if b&a.bits() != 0 {
				out = append(out, res+":"+string(a))
			}
		}
	}
	slices.Sort(out)
	return out
}

// Len is the number of resources the set grants anything on.
func (s PermissionSet) Len() int { return len(s.m) }

// Permissions lists the set as permissions, sorted as Strings is:
// resource:admin for all three rights, otherwise one per right held.
func (s PermissionSet) Permissions() []Permission {
	var out []Permission
	for _, res := range slices.Sorted(maps.Keys(s.m)) {
		b := s.m[res]
		if b == bitAll {
			out = append(out, Permission{Resource: res, Access: AccessAdmin})
			continue
		}
		for _, a := range []Access{AccessChange, AccessCreate, AccessRead} { // text order
			if b&a.bits() != 0 {
				out = append(out, Permission{Resource: res, Access: a})
			}
		}
	}
	return out
}

// PermissionStrings writes permissions in their text form, as stores keep
// them, refusing one that would not read back as itself.
func PermissionStrings(ps []Permission) ([]string, error) {
	ss := make([]string, len(ps))
	for i, p := range ps {
		if back, err := ParsePermission(p.String()); err != nil || back != p {
			return nil, fmt.Errorf("permission %q does not read back as itself", p.String())
		}
		ss[i] = p.String()
	}
	return ss, nil
}

// ParsePermissions reads permissions from their text form.
func ParsePermissions(ss []string) ([]Permission, error) {
	ps := make([]Permission, len(ss))
	for i, v := range ss {
		var err error
		if ps[i], err = ParsePermission(v); err != nil {
			return nil, err
		}
	}
	return ps, nil
}
