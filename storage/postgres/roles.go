package postgres

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
		r.CreatedAt, r.UpdatedAt}
	return args, e.err
}

func roleRef(r directory.GlobalRole) ref {
	return ref{"global_roles_tenant_id_fkey", "tenant", r.TenantID}
}

// CreateGlobalRole stores r; a taken id, or a name taken in r's tenant, is
// ErrConflict, a missing tenant ErrNotFound.
func (s directoryQueries) CreateGlobalRole(ctx context.Context, r directory.GlobalRole) error {
	args, err := roleArgs(r)
	if err != nil {
		return fmt.Errorf("create global role %q: %w", r.Name, err)
	}
	_, err = s.q.Exec(ctx, `INSERT INTO global_roles (`+roleColumns+`) VALUES (`+params(8)+`)`, args...)
	if err != nil {
		return fmt.Errorf("create global role %q: %w", r.Name, writeErr(err, roleRef(r)))
	}
	return nil
}

// UpdateGlobalRole replaces every field of the role with r.ID.
func (s directoryQueries) UpdateGlobalRole(ctx context.Context, r directory.GlobalRole) error {
	args, err := roleArgs(r)
	if err != nil {
		return fmt.Errorf("update global role %s: %w", r.ID, err)
	}
	tag, err := s.q.Exec(ctx, `UPDATE global_roles SET tenant_id = $2, name = $3, description = $4,
		permissions = $5, require_mfa = $6, created_at = $7, updated_at = $8 WHERE id = $1`, args...)
	if err != nil {
		return fmt.Errorf("update global role %s: %w", r.ID, writeErr(err, roleRef(r)))
	}
	return affectedOne(tag, "update global role "+r.ID)
}

// GlobalRoleByName returns the role of tenantID called name, or ErrNotFound.
func (s directoryQueries) GlobalRoleByName(ctx context.Context, tenantID, name string) (directory.GlobalRole, error) {
	r, err := scanRole(s.q.QueryRow(ctx,
		`SELECT `+roleColumns+` FROM global_roles WHERE tenant_id = $1 AND name = $2`, tenantID, name))
	if err != nil {
		return directory.GlobalRole{}, fmt.Errorf("get global role %q in tenant %s: %w", name, tenantID, dirErr(err))
	}
	return r, nil
}

// ListGlobalRoles returns tenantID's roles, by name.
func (s directoryQueries) ListGlobalRoles(ctx context.Context, tenantID string) ([]directory.GlobalRole, error) {
	rows, err := s.q.Query(ctx,
		`SELECT `+roleColumns+` FROM global_roles WHERE tenant_id = $1 ORDER BY name`, tenantID)
	if err != nil {
		return nil, fmt.Errorf("list global roles of tenant %s: %w", tenantID, dirErr(err))
	}
	rs, err := collect(rows, scanRole)
	if err != nil {
		return nil, fmt.Errorf("list global roles of tenant %s: %w", tenantID, dirErr(err))
	}
	return rs, nil
}

func scanRole(sc scanner) (directory.GlobalRole, error) {
	var (
		r           directory.GlobalRole
		permissions []string
	)
	if err := sc.Scan(&r.ID, &r.TenantID, &r.Name, &r.Description, &permissions, &r.RequireMFA,
		&r.CreatedAt, &r.UpdatedAt); err != nil {
		return directory.GlobalRole{}, err
	}
	var d decoder
	if r.Permissions = d.permissions(permissions); d.err != nil {
		return directory.GlobalRole{}, fmt.Errorf("global role %s: %w", r.ID, d.err)
	}
	return r, nil
}
