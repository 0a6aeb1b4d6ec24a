package postgres

import (
	"context"
	"fmt"

	"github.com/gatehouse-id/gatehouse/directory"
)

const userColumns = `id, tenant_id, username, email, email_verified, given_name, family_name, display_name,
	preferred_language, tenant_role, global_roles, service_roles, groups, owner_id, password_hash, disabled,
	created_at, updated_at`

// userArgs returns u's column values in userColumns order, id first.
func userArgs(u directory.User) ([]any, error) {
	var e encoder
	args := []any{u.ID, u.TenantID, u.Username, u.Email, u.EmailVerified, u.GivenName, u.FamilyName, u.DisplayName,
		u.PreferredLanguage, string(u.TenantRole), list(u.GlobalRoles), e.serviceRoles(u.ServiceRoles),
		list(u.Groups), optString(u.OwnerID), u.PasswordHash, u.Disabled, u.CreatedAt, u.UpdatedAt}
	return args, e.err
}

// userRefs are the rows a user refers to, for writeErr.
func userRefs(u directory.User) []ref {
	return []ref{{"users_tenant_id_fkey", "tenant", u.TenantID}, {"users_owner_id_fkey", "owner", u.OwnerID}}
}

// CreateUser stores u; a taken id, username or email (in u's tenant, in any
// case) is ErrConflict, a missing tenant or owner ErrNotFound.
func (s directoryQueries) CreateUser(ctx context.Context, u directory.User) error {
	args, err := userArgs(u)
	if err != nil {
		return fmt.Errorf("create user %q: %w", u.Username, err)
	}
	_, err = s.q.Exec(ctx, `INSERT INTO users (`+userColumns+`) VALUES (`+params(18)+`)`, args...)
	if err != nil {
		return fmt.Errorf("create user %q: %w", u.Username, writeErr(err, userRefs(u)...))
	}
	return nil
}

// UpdateUser replaces every field of the user with u.ID.
func (s directoryQueries) UpdateUser(ctx context.Context, u directory.User) error {
	args, err := userArgs(u)
	if err != nil {
		return fmt.Errorf("update user %s: %w", u.ID, err)
	}
	tag, err := s.q.Exec(ctx, `UPDATE users SET tenant_id = $2, username = $3, email = $4, email_verified = $5,
		given_name = $6, family_name = $7, display_name = $8, preferred_language = $9, tenant_role = $10,
		global_roles = $11, service_roles = $12, groups = $13, owner_id = $14, password_hash = $15, disabled = $16,
		created_at = $17, updated_at = $18 WHERE id = $1`, args...)
	if err != nil {
		return fmt.Errorf("update user %s: %w", u.ID, writeErr(err, userRefs(u)...))
	}
	return affectedOne(tag, "update user "+u.ID)
}

// UserByID returns the user with id, or ErrNotFound.
func (s directoryQueries) UserByID(ctx context.Context, id string) (directory.User, error) {
	u, err := scanUser(s.q.QueryRow(ctx, `SELECT `+userColumns+` FROM users WHERE id = $1`, id))
	if err != nil {
		return directory.User{}, fmt.Errorf("get user %s: %w", id, dirErr(err))
	}
	return u, nil
}

// UserByUsername returns the user of tenantID with username, or ErrNotFound.
func (s directoryQueries) UserByUsername(ctx context.Context, tenantID, username string) (directory.User, error) {
	u, err := scanUser(s.q.QueryRow(ctx,
		`SELECT `+userColumns+` FROM users WHERE tenant_id = $1 AND username = $2`, tenantID, username))
	if err != nil {
		return directory.User{}, fmt.Errorf("get user %q in tenant %s: %w", username, tenantID, dirErr(err))
	}
	return u, nil
}

// ListUsers returns the users whose home tenant is tenantID, by username.
func (s directoryQueries) ListUsers(ctx context.Context, tenantID string) ([]directory.User, error) {
	rows, err := s.q.Query(ctx,
		`SELECT `+userColumns+` FROM users WHERE tenant_id = $1 ORDER BY username, id`, tenantID)
	if err != nil {
		return nil, fmt.Errorf("list users of tenant %s: %w", tenantID, dirErr(err))
	}
	us, err := collect(rows, scanUser)
	if err != nil {
		return nil, fmt.Errorf("list users of tenant %s: %w", tenantID, dirErr(err))
	}
	return us, nil
}

func scanUser(r scanner) (directory.User, error) {
	var (
		u            directory.User
		role         string
		serviceRoles []byte
		owner        *string
	)
	if err := r.Scan(&u.ID, &u.TenantID, &u.Username, &u.Email, &u.EmailVerified, &u.GivenName, &u.FamilyName,
		&u.DisplayName, &u.PreferredLanguage, &role, &u.GlobalRoles, &serviceRoles, &u.Groups, &owner,
		&u.PasswordHash, &u.Disabled, &u.CreatedAt, &u.UpdatedAt); err != nil {
		return directory.User{}, err
	}
	u.TenantRole = directory.TenantRole(role)
	if owner != nil {
		u.OwnerID = *owner
	}
	var d decoder
	if u.ServiceRoles = d.serviceRoles(serviceRoles); d.err != nil {
		return directory.User{}, fmt.Errorf("user %s: %w", u.ID, d.err)
	}
	return u, nil
}
