package postgres

import (
	"context"
	"fmt"

	"github.com/gatehouse-id/gatehouse/directory"
)

const linkColumns = `user_id, tenant_id, tenant_role, global_roles, service_roles, groups, created_at, updated_at`

// linkArgs returns l's column values in linkColumns order, the key first.
func linkArgs(l directory.Link) ([]any, error) {
	var e encoder
	args := []any{l.UserID, l.TenantID, string(l.TenantRole), list(l.GlobalRoles), e.serviceRoles(l.ServiceRoles),
		list(l.Groups), l.CreatedAt, l.UpdatedAt}
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
	_, err = s.q.Exec(ctx, `INSERT INTO user_links (`+linkColumns+`) VALUES (`+params(8)+`)`, args...)
	if err != nil {
		return fmt.Errorf("%s: %w", what, writeErr(err,
			ref{"user_links_user_id_fkey", "user", l.UserID}, ref{"user_links_tenant_id_fkey", "tenant", l.TenantID}))
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
	tag, err := s.q.Exec(ctx, `UPDATE user_links SET tenant_role = $3, global_roles = $4, service_roles = $5,
		groups = $6, created_at = $7, updated_at = $8 WHERE user_id = $1 AND tenant_id = $2`, args...)
	if err != nil {
		return fmt.Errorf("%s: %w", what, dirErr(err))
	}
	return affectedOne(tag, what)
}

// LinkOf returns the link of userID to tenantID, or ErrNotFound.
func (s directoryQueries) LinkOf(ctx context.Context, userID, tenantID string) (directory.Link, error) {
	l, err := scanLink(s.q.QueryRow(ctx,
		`SELECT `+linkColumns+` FROM user_links WHERE user_id = $1 AND tenant_id = $2`, userID, tenantID))
	if err != nil {
		return directory.Link{}, fmt.Errorf("get link of user %s to tenant %s: %w", userID, tenantID, dirErr(err))
	}
	return l, nil
}

// LinksOfUser returns userID's links, by tenant id.
func (s directoryQueries) LinksOfUser(ctx context.Context, userID string) ([]directory.Link, error) {
	return s.links(ctx, "list links of user "+userID,
		`SELECT `+linkColumns+` FROM user_links WHERE user_id = $1 ORDER BY tenant_id`, userID)
}

// LinksToTenant returns the links to tenantID, by user id.
func (s directoryQueries) LinksToTenant(ctx context.Context, tenantID string) ([]directory.Link, error) {
	return s.links(ctx, "list links to tenant "+tenantID,
		`SELECT `+linkColumns+` FROM user_links WHERE tenant_id = $1 ORDER BY user_id`, tenantID)
}

func (s directoryQueries) links(ctx context.Context, what, query, arg string) ([]directory.Link, error) {
	rows, err := s.q.Query(ctx, query, arg)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, dirErr(err))
	}
	ls, err := collect(rows, scanLink)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, dirErr(err))
	}
	return ls, nil
}

func scanLink(r scanner) (directory.Link, error) {
	var (
		l            directory.Link
		role         string
		serviceRoles []byte
	)
	if err := r.Scan(&l.UserID, &l.TenantID, &role, &l.GlobalRoles, &serviceRoles, &l.Groups,
		&l.CreatedAt, &l.UpdatedAt); err != nil {
		return directory.Link{}, err
	}
	l.TenantRole = directory.TenantRole(role)
	var d decoder
	if l.ServiceRoles = d.serviceRoles(serviceRoles); d.err != nil {
		return directory.Link{}, fmt.Errorf("link of user %s to tenant %s: %w", l.UserID, l.TenantID, d.err)
	}
	return l, nil
}
