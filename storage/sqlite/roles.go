package sqlite

import (
	"context"
	"fmt"

	"github.com/gatehouse-id/gatehouse/directory"
)

const roleColumns = `id, tenant_id, name, description, permissions, require_mfa, created_at, updated_at`

// roleArgs returns r's column values in roleColumns order, id first.
func roleArgs(r directory.GlobalRole) ([]any, error) {
	var e encoder
	args := []any{r.ID, r.TenantID, r.Name, r.Description, e.permissions(r.Permissions), r.RequireMFA,
		encTime(r.CreatedAt), encTime(r.UpdatedAt)}
	return args, e.err
}

// CreateGlobalRole stores r; a taken id, or a name taken in r's tenant, is
// ErrConflict, a missing tenant ErrNotFound.
func (s directoryQueries) CreateGlobalRole(ctx context.Context, r directory.GlobalRole) error {
	args, err := roleArgs(r)
	if err != nil {
		return fmt.Errorf("create global role %q: %w", r.Name, err)
	}
	_, err = s.q.ExecContext(ctx, `INSERT INTO global_roles (`+roleColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, args...)
	if err != nil {
		return fmt.Errorf("create global role %q: %w", r.Name, s.writeErr(ctx, err, ref{"tenant", "tenants", r.TenantID}))
	}
	return nil
}

// UpdateGlobalRole replaces every field of the role with r.ID.
func (s directoryQueries) UpdateGlobalRole(ctx context.Context, r directory.GlobalRole) error {
	args, err := roleArgs(r)
	if err != nil {
		return fmt.Errorf("update global role %s: %w", r.ID, err)
	}
	res, err := s.q.ExecContext(ctx, `UPDATE global_roles SET tenant_id = ?, name = ?, description = ?,
		permissions = ?, require_mfa = ?, created_at = ?, updated_at = ? WHERE id = ?`, append(args[1:], r.ID)...)
	if err != nil {
		return fmt.Errorf("update global role %s: %w", r.ID, s.writeErr(ctx, err, ref{"tenant", "tenants", r.TenantID}))
	}
	return affectedOne(res, "update global role "+r.ID)
}

// GlobalRoleByName returns the role of tenantID called name, or ErrNotFound.
func (s directoryQueries) GlobalRoleByName(ctx context.Context, tenantID, name string) (directory.GlobalRole, error) {
	r, err := scanRole(s.q.QueryRowContext(ctx,
		`SELECT `+roleColumns+` FROM global_roles WHERE tenant_id = ? AND name = ?`, tenantID, name))
	if err != nil {
		return directory.GlobalRole{}, fmt.Errorf("get global role %q in tenant %s: %w", name, tenantID, dirErr(err))
	}
	return r, nil
}

// ListGlobalRoles returns tenantID's roles, by name.
func (s directoryQueries) ListGlobalRoles(ctx context.Context, tenantID string) ([]directory.GlobalRole, error) {
	rows, err := s.q.QueryContext(ctx,
		`SELECT `+roleColumns+` FROM global_roles WHERE tenant_id = ? ORDER BY name`, tenantID)
	if err != nil {
		return nil, fmt.Errorf("list global roles of tenant %s: %w", tenantID, err)
	}
	rs, err := collect(rows, scanRole)
	if err != nil {
		return nil, fmt.Errorf("list global roles of tenant %s: %w", tenantID, err)
	}
	return rs, nil
}

func scanRole(sc scanner) (directory.GlobalRole, error) {
	var (
		r                directory.GlobalRole
		permissions      string
		created, updated string
	)
	if err := sc.Scan(&r.ID, &r.TenantID, &r.Name, &r.Description, &permissions, &r.RequireMFA, &created, &updated); err != nil {
		return directory.GlobalRole{}, err
	}
	var d decoder
	r.Permissions, r.CreatedAt, r.UpdatedAt = d.permissions(permissions), d.time(created), d.time(updated)
	if d.err != nil {
		return directory.GlobalRole{}, fmt.Errorf("global role %s: %w", r.ID, d.err)
	}
	return r, nil
}
