package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/gatehouse-id/gatehouse/directory"
	"github.com/gatehouse-id/gatehouse/storage/internal/stored"
)

// userColumns are the columns CreateUser and UpdateUser write, with
// search_text (stored.SearchText), which no read selects; the login
// statistics (loginColumns) only RecordLogin writes, and reads select both.
const (
	userColumns = `id, tenant_id, username, email, email_verified, given_name, family_name, display_name,
	preferred_language, phone, job_title, office_location, tenant_role, global_roles, service_roles, groups,
	owner_id, password_hash, password_strength, must_change_password, disabled, deleted_at, revoked_before,
	created_at, updated_at`
	loginColumns = `login_count, last_login_at, last_login_address, last_seen_at`
	selectUser   = `SELECT ` + userColumns + `, ` + loginColumns + ` FROM users`
)

// userArgs returns u's column values in userColumns order, id first.
func userArgs(u directory.User) ([]any, error) {
	var e encoder
	args := []any{u.ID, u.TenantID, u.Username, u.Email, u.EmailVerified, u.GivenName, u.FamilyName, u.DisplayName,
		u.PreferredLanguage, u.Phone, u.JobTitle, u.OfficeLocation, string(u.TenantRole), e.list(u.GlobalRoles),
		e.serviceRoles(u.ServiceRoles), e.list(u.Groups), optString(u.OwnerID), u.PasswordHash,
		int(u.PasswordStrength), u.MustChangePassword, u.Disabled, encOptTime(u.DeletedAt),
		encOptTime(u.RevokedBefore), encTime(u.CreatedAt), encTime(u.UpdatedAt)}
	return args, e.err
}

// userRefs are the rows a user refers to, for writeErr.
func userRefs(u directory.User) []ref {
	return []ref{{"tenant", "tenants", u.TenantID}, {"owner", "users", u.OwnerID}}
}

// CreateUser stores u, without logins (its login statistics are not
// stored); a taken id, username or email (in u's tenant, in any case) is
// ErrConflict, a missing tenant or owner ErrNotFound.
func (s directoryQueries) CreateUser(ctx context.Context, u directory.User) error {
	args, err := userArgs(u)
	if err != nil {
		return fmt.Errorf("create user %q: %w", u.Username, err)
	}
	_, err = s.q.ExecContext(ctx, `INSERT INTO users (`+userColumns+`, search_text)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		append(args, stored.SearchText(u))...)
	if err != nil {
		return fmt.Errorf("create user %q: %w", u.Username, s.writeErr(ctx, err, userRefs(u)...))
	}
	return nil
}

// UpdateUser replaces every field of the user with u.ID but its login
// statistics, which stay as stored.
func (s directoryQueries) UpdateUser(ctx context.Context, u directory.User) error {
	args, err := userArgs(u)
	if err != nil {
		return fmt.Errorf("update user %s: %w", u.ID, err)
	}
	res, err := s.q.ExecContext(ctx, `UPDATE users SET tenant_id = ?, username = ?, email = ?, email_verified = ?,
		given_name = ?, family_name = ?, display_name = ?, preferred_language = ?, phone = ?, job_title = ?,
		office_location = ?, tenant_role = ?, global_roles = ?, service_roles = ?, groups = ?, owner_id = ?,
		password_hash = ?, password_strength = ?, must_change_password = ?, disabled = ?, deleted_at = ?,
		revoked_before = ?, created_at = ?, updated_at = ?, search_text = ? WHERE id = ?`,
		append(args[1:], stored.SearchText(u), u.ID)...)
	if err != nil {
		return fmt.Errorf("update user %s: %w", u.ID, s.writeErr(ctx, err, userRefs(u)...))
	}
	return affectedOne(res, "update user "+u.ID)
}

// RecordLogin counts a login of the user with id at time at from address,
// in one UPDATE; an unknown user is ErrNotFound.
func (s directoryQueries) RecordLogin(ctx context.Context, id string, at time.Time, address string) error {
	res, err := s.q.ExecContext(ctx, `UPDATE users SET login_count = login_count + 1, last_login_at = ?,
		last_login_address = ?, last_seen_at = ? WHERE id = ?`, encTime(at), address, encTime(at), id)
	if err != nil {
		return fmt.Errorf("record login of user %s: %w", id, err)
	}
	return affectedOne(res, "record login of user "+id)
}

// UserByID returns the user with id, or ErrNotFound.
func (s directoryQueries) UserByID(ctx context.Context, id string) (directory.User, error) {
	u, err := scanUser(s.q.QueryRowContext(ctx, selectUser+` WHERE id = ?`, id))
	if err != nil {
		return directory.User{}, fmt.Errorf("get user %s: %w", id, dirErr(err))
	}
	return u, nil
}

// UserByUsername returns the user of tenantID with username, or ErrNotFound.
func (s directoryQueries) UserByUsername(ctx context.Context, tenantID, username string) (directory.User, error) {
	u, err := scanUser(s.q.QueryRowContext(ctx,
		selectUser+` WHERE tenant_id = ? AND username = ?`, tenantID, username))
	if err != nil {
		return directory.User{}, fmt.Errorf("get user %q in tenant %s: %w", username, tenantID, dirErr(err))
	}
	return u, nil
}

// ListUsers returns the users whose home tenant is tenantID, by username,
// deleted users included.
func (s directoryQueries) ListUsers(ctx context.Context, tenantID string) ([]directory.User, error) {
	rows, err := s.q.QueryContext(ctx,
		selectUser+` WHERE tenant_id = ? ORDER BY username, id`, tenantID)
	if err != nil {
		return nil, fmt.Errorf("list users of tenant %s: %w", tenantID, err)
	}
	us, err := collect(rows, scanUser)
	if err != nil {
		return nil, fmt.Errorf("list users of tenant %s: %w", tenantID, err)
	}
	return us, nil
}

func scanUser(r scanner) (directory.User, error) {
	var (
		u                   directory.User
		role                string
		globalRoles, groups string
		serviceRoles        string
		owner               sql.NullString
		deleted, revoked    sql.NullString
		created, updated    string
		lastLogin, lastSeen sql.NullString
	)
	if err := r.Scan(&u.ID, &u.TenantID, &u.Username, &u.Email, &u.EmailVerified, &u.GivenName, &u.FamilyName,
		&u.DisplayName, &u.PreferredLanguage, &u.Phone, &u.JobTitle, &u.OfficeLocation, &role, &globalRoles,
		&serviceRoles, &groups, &owner, &u.PasswordHash, &u.PasswordStrength, &u.MustChangePassword, &u.Disabled,
		&deleted, &revoked, &created, &updated, &u.LoginCount, &lastLogin, &u.LastLoginAddress, &lastSeen); err != nil {
		return directory.User{}, err
	}
	u.TenantRole, u.OwnerID = directory.TenantRole(role), owner.String
	var d decoder
	u.GlobalRoles, u.ServiceRoles, u.Groups = d.list(globalRoles), d.serviceRoles(serviceRoles), d.list(groups)
	u.DeletedAt, u.RevokedBefore = d.optTime(deleted), d.optTime(revoked)
	u.CreatedAt, u.UpdatedAt = d.time(created), d.time(updated)
	u.LastLoginAt, u.LastSeenAt = d.optTime(lastLogin), d.optTime(lastSeen)
	if d.err != nil {
		return directory.User{}, fmt.Errorf("user %s: %w", u.ID, d.err)
	}
	return u, nil
}
