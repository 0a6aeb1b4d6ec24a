package postgres

import (
	"context"
	"fmt"

	"github.com/gatehouse-id/gatehouse/directory"
)

const groupColumns = `id, tenant_id, name, description, global_roles, service_roles, require_mfa, created_at, updated_at`

// groupArgs returns g's column values in groupColumns order, id first.
func groupArgs(g directory.Group) ([]any, error) {
	var e encoder
	args := []any{g.ID, g.TenantID, g.Name, g.Description, list(g.GlobalRoles), e.serviceRoles(g.ServiceRoles),
		g.RequireMFA, g.CreatedAt, g.UpdatedAt}
	return args, e.err
}

func groupRef(g directory.Group) ref { return ref{"groups_tenant_id_fkey", "tenant", g.TenantID} }

// CreateGroup stores g; a taken id, or a name taken in g's tenant, is
// ErrConflict, a missing tenant ErrNotFound.
func (s directoryQueries) CreateGroup(ctx context.Context, g directory.Group) error {
	args, err := groupArgs(g)
	if err != nil {
		return fmt.Errorf("create group %q: %w", g.Name, err)
	}
	_, err = s.q.Exec(ctx, `INSERT INTO groups (`+groupColumns+`) VALUES (`+params(9)+`)`, args...)
	if err != nil {
		return fmt.Errorf("create group %q: %w", g.Name, writeErr(err, groupRef(g)))
	}
	return nil
}

// UpdateGroup replaces every field of the group with g.ID.
func (s directoryQueries) UpdateGroup(ctx context.Context, g directory.Group) error {
	args, err := groupArgs(g)
	if err != nil {
		return fmt.Errorf("update group %s: %w", g.ID, err)
	}
	tag, err := s.q.Exec(ctx, `UPDATE groups SET tenant_id = $2, name = $3, description = $4, global_roles = $5,
		service_roles = $6, require_mfa = $7, created_at = $8, updated_at = $9 WHERE id = $1`, args...)
	if err != nil {
		return fmt.Errorf("update group %s: %w", g.ID, writeErr(err, groupRef(g)))
	}
	return affectedOne(tag, "update group "+g.ID)
}

// GroupByName returns the group of tenantID called name, or ErrNotFound.
func (s directoryQueries) GroupByName(ctx context.Context, tenantID, name string) (directory.Group, error) {
	g, err := scanGroup(s.q.QueryRow(ctx,
		`SELECT `+groupColumns+` FROM groups WHERE tenant_id = $1 AND name = $2`, tenantID, name))
	if err != nil {
		return directory.Group{}, fmt.Errorf("get group %q in tenant %s: %w", name, tenantID, dirErr(err))
	}
	return g, nil
}

// ListGroups returns tenantID's groups, by name.
func (s directoryQueries) ListGroups(ctx context.Context, tenantID string) ([]directory.Group, error) {
	rows, err := s.q.Query(ctx, `SELECT `+groupColumns+` FROM groups WHERE tenant_id = $1 ORDER BY name`, tenantID)
	if err != nil {
		return nil, fmt.Errorf("list groups of tenant %s: %w", tenantID, dirErr(err))
	}
	gs, err := collect(rows, scanGroup)
	if err != nil {
		return nil, fmt.Errorf("list groups of tenant %s: %w", tenantID, dirErr(err))
	}
	return gs, nil
}

func scanGroup(r scanner) (directory.Group, error) {
	var (
		g            directory.Group
		serviceRoles []byte
	)
	if err := r.Scan(&g.ID, &g.TenantID, &g.Name, &g.Description, &g.GlobalRoles, &serviceRoles, &g.RequireMFA,
		&g.CreatedAt, &g.UpdatedAt); err != nil {
		return directory.Group{}, err
	}
	var d decoder
	if g.ServiceRoles = d.serviceRoles(serviceRoles); d.err != nil {
		return directory.Group{}, fmt.Errorf("group %s: %w", g.ID, d.err)
	}
	return g, nil
}
