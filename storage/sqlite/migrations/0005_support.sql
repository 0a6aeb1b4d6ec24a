-- 0005: support access (seed 004's "jill$john"). The conventions of 0001
-- hold.
--   * the tenant's support policy is a key of the settings JSON
--     ({"support": {"mode": "consent", "require_reason": true,
--     "consent_window_seconds": 86400}}), which needs no change here;
--   * a refresh token born in a support session names the support user
--     acting as its subject, and the reason that login gave; empty for
--     every other token, those stored before this version included;
--   * a consent lets support act as one user, or as any user of a tenant
--     (user_id NULL, which the store reads as the empty user id). One per
--     tenant and user: the unique index counts NULL as one more user id,
--     and is what PutSupportConsent's upsert names. granted_by is kept as
--     written, without a foreign key: the consent outlives the
--     administrator who gave it.
-- A tenant's or user's removal removes its consents.

ALTER TABLE refresh_tokens ADD COLUMN actor_id TEXT NOT NULL DEFAULT '';
ALTER TABLE refresh_tokens ADD COLUMN support_reason TEXT NOT NULL DEFAULT '';

CREATE TABLE support_consents (
    tenant_id  TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    user_id    TEXT REFERENCES users (id) ON DELETE CASCADE, -- NULL: the whole tenant
    granted_by TEXT NOT NULL,
    granted_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
) STRICT;

CREATE UNIQUE INDEX support_consents_key ON support_consents (tenant_id, coalesce(user_id, ''));
-- A user's removal looks its consents up by user_id.
CREATE INDEX support_consents_user_id ON support_consents (user_id);
