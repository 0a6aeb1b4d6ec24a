package sqlite

import (
	"context"
	"fmt"

	"github.com/gatehouse-id/gatehouse/directory"
)

const groupColumns = `id, tenant_id, name, description, global_roles, service_roles, require_mfa, created_at, updated_at`

// groupArgs returns g's column values in groupColumns order, id first.
func groupArgs(g directory.Group) ([]any, error) {
	var e encoder
	args := []any{g.ID, g.TenantID, g.Name, g.Description, e.list(g.GlobalRoles), e.serviceRoles(g.ServiceRoles),
		g.RequireMFA, encTime(g.CreatedAt), encTime(g.UpdatedAt)}
	return args, e.err
}

// CreateGroup stores g; a taken id, or a name taken in g's tenant, is
// ErrConflict, a missing tenant ErrNotFound.
func (s directoryQueries) CreateGroup(ctx context.Context, g directory.Group) error {
	args, err := groupArgs(g)
	if err != nil {
		return fmt.Errorf("create group %q: %w", g.Name, err)
	}
	_, err = s.q.ExecContext(ctx, `INSERT INTO groups (`+groupColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, args...)
	if err != nil {
		return fmt.Errorf("create group %q: %w", g.Name, s.writeErr(ctx, err, ref{"tenant", "tenants", g.TenantID}))
	}
	return nil
}

// UpdateGroup replaces every field of the group with g.ID.
func (s directoryQueries) UpdateGroup(ctx context.Context, g directory.Group) error {
	args, err := groupArgs(g)
	if err != nil {
		return fmt.Errorf("update group %s: %w", g.ID, err)
	}
	res, err := s.q.ExecContext(ctx, `UPDATE groups SET tenant_id = ?, name = ?, description = ?, global_roles = ?,
		service_roles = ?, require_mfa = ?, created_at = ?, updated_at = ? WHERE id = ?`, append(args[1:], g.ID)...)
	if err != nil {
		return fmt.Errorf("update group %s: %w", g.ID, s.writeErr(ctx, err, ref{"tenant", "tenants", g.TenantID}))
	}
	return affectedOne(res, "update group "+g.ID)
}

// GroupByName returns the group of tenantID called name, or ErrNotFound.
func (s directoryQueries) GroupByName(ctx context.Context, tenantID, name string) (directory.Group, error) {
	g, err := scanGroup(s.q.QueryRowContext(ctx,
		`SELECT `+groupColumns+` FROM groups WHERE tenant_id = ? AND name = ?`, tenantID, name))
	if err != nil {
		return directory.Group{}, fmt.Errorf("get group %q in tenant %s: %w", name, tenantID, dirErr(err))
	}
	return g, nil
}

// ListGroups returns tenantID's groups, by name.
func (s directoryQueries) ListGroups(ctx context.Context, tenantID string) ([]directory.Group, error) {
	rows, err := s.q.QueryContext(ctx, `SELECT `+groupColumns+` FROM groups WHERE tenant_id = ? ORDER BY name`, tenantID)
	if err != nil {
		return nil, fmt.Errorf("list groups of tenant %s: %w", tenantID, err)
	}
	gs, err := collect(rows, scanGroup)
	if err != nil {
		return nil, fmt.Errorf("list groups of tenant %s: %w", tenantID, err)
	}
	return gs, nil
}

func scanGroup(r scanner) (directory.Group, error) {
	var (
		g                         directory.Group
		globalRoles, serviceRoles string
		created, updated          string
	)
	if err := r.Scan(&g.ID, &g.TenantID, &g.Name, &g.Description, &globalRoles, &serviceRoles, &g.RequireMFA,
		&created, &updated); err != nil {
		return directory.Group{}, err
	}
	var d decoder
	g.GlobalRoles, g.ServiceRoles = d.list(globalRoles), d.serviceRoles(serviceRoles)
	g.CreatedAt, g.UpdatedAt = d.time(created), d.time(updated)
	if d.err != nil {
		return directory.Group{}, fmt.Errorf("group %s: %w", g.ID, d.err)
	}
	return g, nil
}
