package provider

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"

	"github.com/gatehouse-id/gatehouse/claims"
	"github.com/gatehouse-id/gatehouse/directory"
)

// machineAccesses remembers, per machine client, the access claims its
// tokens carry (tenant, roles, groups, permissions) for the scopes it last
// asked for. They are the same for every token until the directory
// changes, and working them out (the client's roles resolved against its
// tenant's Book, then sorted into claims) was a twentieth of a
// client-credentials token's time (docs/performance.md).
//
// An entry is used only while the directory cache's generation is the one
// it was worked out in and the cache is live, and only for a client whose
// tenant and roles are those it was worked out from: the claims are a
// function of the tenant's Book in that generation and of the client's
// assignment, nothing else. Everything else about a token (its id, times,
// audience, scope) is made per token as before.
type machineAccesses struct {
	mu sync.Mutex
	m  map[string]machineAccess
}

// machineAccess is one client's remembered claims and what they were
// worked out from.
type machineAccess struct {
	gen          uint64
	tenantID     string
	globalRoles  []string
	serviceRoles directory.ServiceRoles
	scope        string
	access       claims.Access
}

// maxMachineAccesses bounds the memory, as the directory cache bounds its
// own maps: beyond it, the map starts again empty.
const maxMachineAccesses = 10000

// machineAccess returns the access claims of machine client c (which has a
// tenant) for scopes. The claims returned may be shared with other tokens:
// they are marshalled, never changed.
func (s *Server) machineAccess(ctx context.Context, c *directory.Client, scopes []string) (claims.Access, error) {
	gen, live := s.store.dir.Generation()
	scope := strings.Join(scopes, " ")
	s.machines.mu.Lock()
	e, ok := s.machines.m[c.ID]
	s.machines.mu.Unlock()
	if ok && live && e.gen == gen && e.scope == scope && e.tenantID == c.TenantID &&
		slices.Equal(e.globalRoles, c.GlobalRoles) && maps.EqualFunc(e.serviceRoles, c.ServiceRoles, slices.Equal) {
		return e.access, nil
	}
	p, err := s.store.dir.ClientPrincipal(ctx, c)
	if err != nil {
		return claims.Access{}, fmt.Errorf("principal of client %s: %w", c.ID, err)
	}
	subj := claims.Subject{ID: c.ID}
	withPrincipal(&subj, p, p.ServiceRoles) // its own roles, whatever it consumes
	// A machine client always carries its tenant and roles: they are what
	// resource servers authorize it by.
	access := claims.AccessFor(subj, append(slices.Clone(scopes), claims.ScopeTenant, claims.ScopeRoles))
	if live {
		s.machines.mu.Lock()
		if s.machines.m == nil || len(s.machines.m) >= maxMachineAccesses {
			s.machines.m = make(map[string]machineAccess)
		}
		s.machines.m[c.ID] = machineAccess{gen: gen, tenantID: c.TenantID, globalRoles: slices.Clone(c.GlobalRoles),
			serviceRoles: c.ServiceRoles.Clone(), scope: scope, access: access}
		s.machines.mu.Unlock()
	}
	return access, nil
}
