-- 0011: one-time link tokens (onetime.Store): invitations and password
-- reset links, the same as version 11 of storage/sqlite. Only a SHA-256
-- hash of each link's secret is stored. user_id and tenant_id carry no
-- foreign key, as refresh_tokens' subject and tenant_id do not: the flow
-- that redeems a token loads the user, so a purged user's token fails
-- there, and DeleteExpiredTokens removes it in time. used_at is set by a
-- redeem or a revocation (a resent invitation, a completed reset).

CREATE TABLE onetime_tokens (
    hash         bytea CONSTRAINT onetime_tokens_pkey PRIMARY KEY, -- SHA-256 of the link's secret; the secret is never stored
    purpose      text COLLATE "C" NOT NULL,
    user_id      text COLLATE "C" NOT NULL,
    tenant_id    text COLLATE "C" NOT NULL,
    created_by   text COLLATE "C" NOT NULL, -- the actor who sent it; '' for self-service
    client_id    text COLLATE "C" NOT NULL,
    redirect_uri text NOT NULL,
    created_at   timestamptz NOT NULL,
    expires_at   timestamptz NOT NULL,
    used_at      timestamptz
);

-- RevokeTokens: a user's unused tokens of one purpose.
CREATE INDEX onetime_tokens_user_purpose ON onetime_tokens (user_id, purpose);
-- DeleteExpiredTokens.
CREATE INDEX onetime_tokens_expires_at ON onetime_tokens (expires_at);
