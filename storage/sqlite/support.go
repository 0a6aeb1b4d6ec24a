package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/gatehouse-id/gatehouse/directory"
)

// Support consents are keyed by tenant and user; the consent for the whole
// tenant has user_id NULL (a foreign key cannot hold ""), and the empty user
// id in Go. The key is the unique index (tenant_id, coalesce(user_id, '')),
// which every statement below names as written there.

const consentColumns = `tenant_id, user_id, granted_by, granted_at, expires_at`

// consentKey is the WHERE clause of one consent, bound to tenant and user.
const consentKey = `tenant_id = ? AND coalesce(user_id, '') = ?`

// PutSupportConsent stores c, replacing the consent of its tenant and user;
// a missing tenant or user is ErrNotFound.
func (s directoryQueries) PutSupportConsent(ctx context.Context, c directory.SupportConsent) error {
	what := fmt.Sprintf("put support consent of tenant %s, user %q", c.TenantID, c.UserID)
	_, err := s.q.ExecContext(ctx, `INSERT INTO support_consents (`+consentColumns+`) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (tenant_id, coalesce(user_id, '')) DO UPDATE SET
			granted_by = excluded.granted_by, granted_at = excluded.granted_at, expires_at = excluded.expires_at`,
		c.TenantID, optString(c.UserID), c.GrantedBy, encTime(c.GrantedAt), encTime(c.ExpiresAt))
	if err != nil {
		return fmt.Errorf("%s: %w", what, s.writeErr(ctx, err,
			ref{"tenant", "tenants", c.TenantID}, ref{"user", "users", c.UserID}))
	}
	return nil
}

// SupportConsentOf returns the consent of tenantID and userID ("" for the
// tenant's), expired or not, or ErrNotFound.
func (s directoryQueries) SupportConsentOf(ctx context.Context, tenantID, userID string) (directory.SupportConsent, error) {
	c, err := scanConsent(s.q.QueryRowContext(ctx,
		`SELECT `+consentColumns+` FROM support_consents WHERE `+consentKey, tenantID, userID))
	if err != nil {
		return directory.SupportConsent{}, fmt.Errorf("get support consent of tenant %s, user %q: %w",
			tenantID, userID, dirErr(err))
	}
	return c, nil
}

// DeleteSupportConsent removes the consent of tenantID and userID ("" for
// the tenant's), or answers ErrNotFound.
func (s directoryQueries) DeleteSupportConsent(ctx context.Context, tenantID, userID string) error {
	what := fmt.Sprintf("delete support consent of tenant %s, user %q", tenantID, userID)
	res, err := s.q.ExecContext(ctx, `DELETE FROM support_consents WHERE `+consentKey, tenantID, userID)
	if err != nil {
		return fmt.Errorf("%s: %w", what, dirErr(err))
	}
	return affectedOne(res, what)
}

func scanConsent(r scanner) (directory.SupportConsent, error) {
	var (
		c                directory.SupportConsent
		user             sql.NullString
		granted, expires string
	)
	if err := r.Scan(&c.TenantID, &user, &c.GrantedBy, &granted, &expires); err != nil {
		return directory.SupportConsent{}, err
	}
	c.UserID = user.String
	var d decoder
	c.GrantedAt, c.ExpiresAt = d.time(granted), d.time(expires)
	if d.err != nil {
		return directory.SupportConsent{}, fmt.Errorf("support consent of tenant %s, user %q: %w", c.TenantID, c.UserID, d.err)
	}
	return c, nil
}
