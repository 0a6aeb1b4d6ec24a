-- 0011: one-time link tokens (onetime.Store): invitations and password
-- reset links, the same as version 11 of storage/postgres. Only a SHA-256
-- hash of each link's secret is stored. user_id and tenant_id carry no
-- foreign key, as refresh_tokens' subject and tenant_id do not: the flow
-- that redeems a token loads the user, so a purged user's token fails
-- there, and DeleteExpiredTokens removes it in time. used_at is set by a
-- redeem or a revocation (a resent invitation, a completed reset).

CREATE TABLE onetime_tokens (
    hash         BLOB NOT NULL PRIMARY KEY, -- SHA-256 of the link's secret; the secret is never stored
    purpose      TEXT NOT NULL,
    user_id      TEXT NOT NULL,
    tenant_id    TEXT NOT NULL,
    created_by   TEXT NOT NULL, -- the actor who sent it; '' for self-service
    client_id    TEXT NOT NULL,
    redirect_uri TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    expires_at   TEXT NOT NULL,
    used_at      TEXT
) STRICT;

-- RevokeTokens: a user's unused tokens of one purpose.
CREATE INDEX onetime_tokens_user_purpose ON onetime_tokens (user_id, purpose);
-- DeleteExpiredTokens.
CREATE INDEX onetime_tokens_expires_at ON onetime_tokens (expires_at);
