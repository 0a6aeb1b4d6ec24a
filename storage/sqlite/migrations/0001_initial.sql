-- 0001: the first schema. Conventions, kept by every later migration:
--   * times are TEXT, RFC 3339 in UTC with nine fractional digits
--     (2006-01-02T15:04:05.000000000Z), so they sort and compare as text;
--     NULL means "not yet" (used_at, revoked_at);
--   * lists are JSON arrays in TEXT; durations are INTEGER nanoseconds;
--   * booleans are INTEGER 0 or 1;
--   * tables are STRICT, so a wrongly typed value is an error, not a surprise.

CREATE TABLE tenants (
    id         TEXT PRIMARY KEY,
    slug       TEXT NOT NULL UNIQUE,
    name       TEXT NOT NULL,
    level      TEXT NOT NULL,
    parent_id  TEXT REFERENCES tenants (id),
    path       TEXT NOT NULL, -- JSON array of ids, root first, ending with id
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
) STRICT;

CREATE INDEX tenants_parent_id ON tenants (parent_id);

CREATE TABLE users (
    id                 TEXT PRIMARY KEY,
    tenant_id          TEXT NOT NULL REFERENCES tenants (id),
    username           TEXT NOT NULL,
    email              TEXT NOT NULL,
    email_verified     INTEGER NOT NULL CHECK (email_verified IN (0, 1)),
    given_name         TEXT NOT NULL,
    family_name        TEXT NOT NULL,
    display_name       TEXT NOT NULL,
    preferred_language TEXT NOT NULL,
    tenant_role        TEXT NOT NULL,
    password_hash      TEXT NOT NULL,
    disabled           INTEGER NOT NULL CHECK (disabled IN (0, 1)),
    created_at         TEXT NOT NULL,
    updated_at         TEXT NOT NULL,
    UNIQUE (tenant_id, username)
) STRICT;

-- An address belongs to at most one user per tenant, whatever its case
-- (seed 003, "unique email"); users without an address are not counted.
CREATE UNIQUE INDEX users_tenant_email ON users (tenant_id, lower(email)) WHERE email <> '';

CREATE TABLE clients (
    id                        TEXT PRIMARY KEY,
    name                      TEXT NOT NULL,
    tenant_id                 TEXT REFERENCES tenants (id),
    type                      TEXT NOT NULL,
    auth_method               TEXT NOT NULL,
    secret_hash               BLOB,
    redirect_uris             TEXT NOT NULL,
    post_logout_redirect_uris TEXT NOT NULL,
    grant_types               TEXT NOT NULL,
    scopes                    TEXT NOT NULL,
    insecure_skip_pkce        INTEGER NOT NULL CHECK (insecure_skip_pkce IN (0, 1)),
    access_token_lifetime     INTEGER NOT NULL,
    id_token_lifetime         INTEGER NOT NULL,
    refresh_token_lifetime    INTEGER NOT NULL,
    created_at                TEXT NOT NULL,
    updated_at                TEXT NOT NULL
) STRICT;

CREATE INDEX clients_tenant_id ON clients (tenant_id);

-- Refresh tokens carry no foreign keys: grants.Store is a contract of its own,
-- and a deployment may keep it apart from the directory.
CREATE TABLE refresh_tokens (
    id         TEXT PRIMARY KEY,
    hash       BLOB NOT NULL UNIQUE, -- SHA-256 of the token; the token is never stored
    family_id  TEXT NOT NULL,
    client_id  TEXT NOT NULL,
    subject    TEXT NOT NULL,
    tenant_id  TEXT NOT NULL,
    session_id TEXT NOT NULL,
    scopes     TEXT NOT NULL,
    audience   TEXT NOT NULL,
    amr        TEXT NOT NULL,
    acr        TEXT NOT NULL,
    auth_time  TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    used_at    TEXT,
    revoked_at TEXT
) STRICT;

CREATE INDEX refresh_tokens_family_id ON refresh_tokens (family_id);
CREATE INDEX refresh_tokens_session_id ON refresh_tokens (session_id);
CREATE INDEX refresh_tokens_expires_at ON refresh_tokens (expires_at);

CREATE TABLE signing_keys (
    id         TEXT PRIMARY KEY,
    algorithm  TEXT NOT NULL,
    sealed     BLOB NOT NULL, -- AES-256-GCM under the key-encryption key
    public_jwk BLOB NOT NULL,
    state      TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
) STRICT;

CREATE TABLE secrets (
    name   TEXT PRIMARY KEY,
    sealed BLOB NOT NULL -- sealed under the key-encryption key
) STRICT;
