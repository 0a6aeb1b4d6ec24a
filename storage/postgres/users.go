package postgres

import (
	"context"
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
	userColumnCount = 25
	loginColumns    = `login_count, last_login_at, last_login_address, last_seen_at`
	selectUser      = `SELECT ` + userColumns + `, ` + loginColumns + ` FROM users`
)

// userArgs returns u's column values in userColumns order, id first.
func userArgs(u directory.User) ([]any, error) {
	var e encoder
	args := []any{u.ID, u.TenantID, u.Username, u.Email, u.EmailVerified, u.GivenName, u.FamilyName, u.DisplayName,
		u.PreferredLanguage, u.Phone, u.JobTitle, u.OfficeLocation, string(u.TenantRole), list(u.GlobalRoles),
		e.serviceRoles(u.ServiceRoles), list(u.Groups), optString(u.OwnerID), u.PasswordHash,
		int(u.PasswordStrength), u.MustChangePassword, u.Disabled, optTime(u.DeletedAt), optTime(u.RevokedBefore),
		u.CreatedAt, u.UpdatedAt}
	return args, e.err
}

// userRefs are the rows a user refers to, for writeErr.
func userRefs(u directory.User) []ref {
	return []ref{{"users_tenant_id_fkey", "tenant", u.TenantID}, {"users_owner_id_fkey", "owner", u.OwnerID}}
}

// CreateUser stores u, without logins (its login statistics are not
// stored); a taken id, username or email (in u's tenant, in any case) is
// ErrConflict, a missing tenant or owner ErrNotFound.
func (s directoryQueries) CreateUser(ctx context.Context, u directory.User) error {
	args, err := userArgs(u)
	if err != nil {
		return fmt.Errorf("create user %q: %w", u.Username, err)
	}
	_, err = s.q.Exec(ctx, `INSERT INTO users (`+userColumns+`, search_text) VALUES (`+params(userColumnCount+1)+`)`,
		append(args, stored.SearchText(u))...)
	if err != nil {
		return fmt.Errorf("create user %q: %w", u.Username, writeErr(err, userRefs(u)...))
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
	tag, err := s.q.Exec(ctx, `UPDATE users SET tenant_id = $2, username = $3, email = $4, email_verified = $5,
		given_name = $6, family_name = $7, display_name = $8, preferred_language = $9, phone = $10,
		job_title = $11, office_location = $12, tenant_role = $13, global_roles = $14, service_roles = $15,
		groups = $16, owner_id = $17, password_hash = $18, password_strength = $19, must_change_password = $20,
		disabled = $21, deleted_at = $22, revoked_before = $23, created_at = $24, updated_at = $25,
		search_text = $26 WHERE id = $1`, append(args, stored.SearchText(u))...)
	if err != nil {
		return fmt.Errorf("update user %s: %w", u.ID, writeErr(err, userRefs(u)...))
	}
	return affectedOne(tag, "update user "+u.ID)
}

// RecordLogin counts a login of the user with id at time at from address,
// in one UPDATE; an unknown user is ErrNotFound.
func (s directoryQueries) RecordLogin(ctx context.Context, id string, at time.Time, address string) error {
	tag, err := s.q.Exec(ctx, `UPDATE users SET login_count = login_count + 1, last_login_at = $2,
		last_login_address = $3, last_seen_at = $2 WHERE id = $1`, id, at, address)
	if err != nil {
		return fmt.Errorf("record login of user %s: %w", id, dirErr(err))
	}
	return affectedOne(tag, "record login of user "+id)
}

// UserByID returns the user with id, or ErrNotFound.
func (s directoryQueries) UserByID(ctx context.Context, id string) (directory.User, error) {
	u, err := scanUser(s.q.QueryRow(ctx, selectUser+` WHERE id = $1`, id))
	if err != nil {
		return directory.User{}, fmt.Errorf("get user %s: %w", id, dirErr(err))
	}
	return u, nil
}

// UserByUsername returns the user of tenantID with username, or ErrNotFound.
func (s directoryQueries) UserByUsername(ctx context.Context, tenantID, username string) (directory.User, error) {
	u, err := scanUser(s.q.QueryRow(ctx,
		selectUser+` WHERE tenant_id = $1 AND username = $2`, tenantID, username))
	if err != nil {
		return directory.User{}, fmt.Errorf("get user %q in tenant %s: %w", username, tenantID, dirErr(err))
	}
	return u, nil
}

// ListUsers returns the users whose home tenant is tenantID, by username,
// deleted users included.
func (s directoryQueries) ListUsers(ctx context.Context, tenantID string) ([]directory.User, error) {
	rows, err := s.q.Query(ctx,
		selectUser+` WHERE tenant_id = $1 ORDER BY username, id`, tenantID)
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
		deleted      *time.Time
		revoked      *time.Time
		lastLogin    *time.Time
		lastSeen     *time.Time
	)
	if err := r.Scan(&u.ID, &u.TenantID, &u.Username, &u.Email, &u.EmailVerified, &u.GivenName, &u.FamilyName,
		&u.DisplayName, &u.PreferredLanguage, &u.Phone, &u.JobTitle, &u.OfficeLocation, &role, &u.GlobalRoles,
		&serviceRoles, &u.Groups, &owner, &u.PasswordHash, &u.PasswordStrength, &u.MustChangePassword, &u.Disabled,
		&deleted, &revoked, &u.CreatedAt, &u.UpdatedAt, &u.LoginCount, &lastLogin, &u.LastLoginAddress,
		&lastSeen); err != nil {
		return directory.User{}, err
	}
	u.TenantRole = directory.TenantRole(role)
	if deleted != nil {
		u.DeletedAt = *deleted
	}
	if revoked != nil {
		u.RevokedBefore = *revoked
	}
	if lastLogin != nil {
		u.LastLoginAt = *lastLogin
	}
	if lastSeen != nil {
		u.LastSeenAt = *lastSeen
	}
	if owner != nil {
		u.OwnerID = *owner
	}
	var d decoder
	if u.ServiceRoles = d.serviceRoles(serviceRoles); d.err != nil {
		return directory.User{}, fmt.Errorf("user %s: %w", u.ID, d.err)
	}
	return u, nil
}
