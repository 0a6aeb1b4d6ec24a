package sqlite

import (
	"context"
	"fmt"

	"github.com/gatehouse-id/gatehouse/directory"
)

const linkColumns = `user_id, tenant_id, tenant_role, global_roles, service_roles, groups, created_at, updated_at`

// linkArgs returns l's column values in linkColumns order, the key first.
func linkArgs(l directory.Link) ([]any, error) {
	var e encoder
	args := []any{l.UserID, l.TenantID, string(l.TenantRole), e.list(l.GlobalRoles), e.serviceRoles(l.ServiceRoles),
		e.list(l.Groups), encTime(l.CreatedAt), encTime(l.UpdatedAt)}
	return args, e.err
}

// CreateLink stores l; a second link of the user to the tenant is
// ErrConflict, a missing user or tenant ErrNotFound. That the tenant is not
// the user's home is the Directory's rule, not checked here.
func (s directoryQueries) CreateLink(ctx context.Context, l directory.Link) error {
	what := fmt.Sprintf("create link of user %s to tenant %s", l.UserID, l.TenantID)
	args, err := linkArgs(l)
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	_, err = s.q.ExecContext(ctx, `INSERT INTO user_links (`+linkColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, args...)
	if err != nil {
		return fmt.Errorf("%s: %w", what, s.writeErr(ctx, err,
			ref{"user", "users", l.UserID}, ref{"tenant", "tenants", l.TenantID}))
	}
	return nil
}

// UpdateLink replaces every field of the link of l.UserID to l.TenantID.
func (s directoryQueries) UpdateLink(ctx context.Context, l directory.Link) error {
	what := fmt.Sprintf("update link of user %s to tenant %s", l.UserID, l.TenantID)
	args, err := linkArgs(l)
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	res, err := s.q.ExecContext(ctx, `UPDATE user_links SET tenant_role = ?, global_roles = ?, service_roles = ?,
		groups = ?, created_at = ?, updated_at = ? WHERE user_id = ? AND tenant_id = ?`,
		append(args[2:], l.UserID, l.TenantID)...)
	if err != nil {
		return fmt.Errorf("%s: %w", what, dirErr(err))
	}
	return affectedOne(res, what)
}

// LinkOf returns the link of userID to tenantID, or ErrNotFound.
func (s directoryQueries) LinkOf(ctx context.Context, userID, tenantID string) (directory.Link, error) {
	l, err := scanLink(s.q.QueryRowContext(ctx,
		`SELECT `+linkColumns+` FROM user_links WHERE user_id = ? AND tenant_id = ?`, userID, tenantID))
	if err != nil {
		return directory.Link{}, fmt.Errorf("get link of user %s to tenant %s: %w", userID, tenantID, dirErr(err))
	}
	return l, nil
}

// LinksOfUser returns userID's links, by tenant id.
func (s directoryQueries) LinksOfUser(ctx context.Context, userID string) ([]directory.Link, error) {
	return s.links(ctx, "list links of user "+userID,
		`SELECT `+linkColumns+` FROM user_links WHERE user_id = ? ORDER BY tenant_id`, userID)
}

// LinksToTenant returns the links to tenantID, by user id.
func (s directoryQueries) LinksToTenant(ctx context.Context, tenantID string) ([]directory.Link, error) {
	return s.links(ctx, "list links to tenant "+tenantID,
		`SELECT `+linkColumns+` FROM user_links WHERE tenant_id = ? ORDER BY user_id`, tenantID)
}

func (s directoryQueries) links(ctx context.Context, what, query, arg string) ([]directory.Link, error) {
	rows, err := s.q.QueryContext(ctx, query, arg)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	ls, err := collect(rows, scanLink)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	return ls, nil
}

func scanLink(r scanner) (directory.Link, error) {
	var (
		l                   directory.Link
		role                string
		globalRoles, groups string
		serviceRoles        string
		created, updated    string
	)
	if err := r.Scan(&l.UserID, &l.TenantID, &role, &globalRoles, &serviceRoles, &groups, &created, &updated); err != nil {
		return directory.Link{}, err
	}
	l.TenantRole = directory.TenantRole(role)
	var d decoder
	l.GlobalRoles, l.ServiceRoles, l.Groups = d.list(globalRoles), d.serviceRoles(serviceRoles), d.list(groups)
	l.CreatedAt, l.UpdatedAt = d.time(created), d.time(updated)
	if d.err != nil {
		return directory.Link{}, fmt.Errorf("link of user %s to tenant %s: %w", l.UserID, l.TenantID, d.err)
	}
	return l, nil
}
