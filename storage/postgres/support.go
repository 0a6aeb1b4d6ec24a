package postgres

import (
	"context"
	"fmt"

	"github.com/gatehouse-id/gatehouse/directory"
)

// Support consents are keyed by tenant and user; the consent for the whole
// tenant has user_id NULL (a foreign key cannot hold ""), and the empty user
// id in Go. The key is the unique index (tenant_id, coalesce(user_id, '')),
// which every statement below names as written there, so that the upsert's
// conflict target infers it and the lookups use it.

const consentColumns = `tenant_id, user_id, granted_by, granted_at, expires_at`

// consentKey is the WHERE clause of one consent, bound to $1 (tenant) and
// $2 (user).
const consentKey = `tenant_id = $1 AND coalesce(user_id, '') = $2`

// PutSupportConsent stores c, replacing the consent of its tenant and user;
// a missing tenant or user is ErrNotFound.
func (s directoryQueries) PutSupportConsent(ctx context.Context, c directory.SupportConsent) error {
	what := fmt.Sprintf("put support consent of tenant %s, user %q", c.TenantID, c.UserID)
	_, err := s.q.Exec(ctx, `INSERT INTO support_consents (`+consentColumns+`) VALUES (`+params(5)+`)
		ON CONFLICT (tenant_id, (coalesce(user_id, ''))) DO UPDATE SET
			granted_by = excluded.granted_by, granted_at = excluded.granted_at, expires_at = excluded.expires_at`,
		c.TenantID, optString(c.UserID), c.GrantedBy, c.GrantedAt, c.ExpiresAt)
	if err != nil {
		return fmt.Errorf("%s: %w", what, writeErr(err,
			ref{"support_consents_tenant_id_fkey", "tenant", c.TenantID},
			ref{"support_consents_user_id_fkey", "user", c.UserID}))
	}
	return nil
}

// SupportConsentOf returns the consent of tenantID and userID ("" for the
// tenant's), expired or not, or ErrNotFound.
func (s directoryQueries) SupportConsentOf(ctx context.Context, tenantID, userID string) (directory.SupportConsent, error) {
	c, err := scanConsent(s.q.QueryRow(ctx,
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
	tag, err := s.q.Exec(ctx, `DELETE FROM support_consents WHERE `+consentKey, tenantID, userID)
	if err != nil {
		return fmt.Errorf("%s: %w", what, dirErr(err))
	}
	return affectedOne(tag, what)
}

func scanConsent(r scanner) (directory.SupportConsent, error) {
	var (
		c    directory.SupportConsent
		user *string
	)
	if err := r.Scan(&c.TenantID, &user, &c.GrantedBy, &c.GrantedAt, &c.ExpiresAt); err != nil {
		return directory.SupportConsent{}, err
	}
	if user != nil {
		c.UserID = *user
	}
	return c, nil
}
