-- 0005: support access (seed 004's "jill$john"). The same tables and
-- columns as version 5 of storage/sqlite; the conventions of 0001 hold.
--   * the tenant's support policy is a key of the settings jsonb
--     ({"support": {"mode": "consent", "require_reason": true,
--     "consent_window_seconds": 86400}}), which needs no change here;
--   * a refresh token born in a support session names the support user
--     acting as its subject, and the reason that login gave; empty for
--     every other token, those stored before this version included;
--   * a consent lets support act as one user, or as any user of a tenant
--     (user_id NULL, which the store reads as the empty user id). One per
--     tenant and user: the unique index counts NULL as one more user id
--     (as UNIQUE NULLS NOT DISTINCT would, without needing PostgreSQL 15),
--     and is what PutSupportConsent's upsert names. granted_by is kept as
--     written, without a foreign key: the consent outlives the
--     administrator who gave it.
-- A tenant's or user's removal removes its consents.

ALTER TABLE refresh_tokens
    ADD COLUMN actor_id text COLLATE "C" NOT NULL DEFAULT '',
    ADD COLUMN support_reason text NOT NULL DEFAULT '';

CREATE TABLE support_consents (
    tenant_id  text COLLATE "C" NOT NULL
               CONSTRAINT support_consents_tenant_id_fkey REFERENCES tenants (id) ON DELETE CASCADE,
    user_id    text COLLATE "C" -- NULL: the whole tenant
               CONSTRAINT support_consents_user_id_fkey REFERENCES users (id) ON DELETE CASCADE,
    granted_by text COLLATE "C" NOT NULL,
    granted_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL
);

CREATE UNIQUE INDEX support_consents_key ON support_consents (tenant_id, coalesce(user_id, ''));
-- A user's removal looks its consents up by user_id.
CREATE INDEX support_consents_user_id ON support_consents (user_id);
