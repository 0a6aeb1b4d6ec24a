-- 0001: the first schema, in PostgreSQL's dialect. It holds what version 1
-- of storage/sqlite holds, column for column, so that a schema version means
-- the same on both. Conventions, kept by every later migration:
--   * times are timestamptz, which keeps microseconds; NULL means "not yet"
--     (used_at, revoked_at);
--   * lists are text[] in the order given; durations are bigint
--     nanoseconds; flags are boolean; hashes and sealed material bytea;
--   * ids, slugs, usernames, emails and names are COLLATE "C": compared and
--     sorted byte by byte, and lower-cased in ASCII only, as SQLite does,
--     whatever locale the database was created with;
--   * constraints have explicit names, since the store reads the name of a
--     violated foreign key to tell which referred-to row is missing.

CREATE TABLE tenants (
    id         text COLLATE "C" CONSTRAINT tenants_pkey PRIMARY KEY,
    slug       text COLLATE "C" NOT NULL CONSTRAINT tenants_slug_key UNIQUE,
    name       text NOT NULL,
    level      text NOT NULL,
    parent_id  text COLLATE "C" CONSTRAINT tenants_parent_id_fkey REFERENCES tenants (id),
    path       text[] COLLATE "C" NOT NULL, -- ids, root first, ending with id
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL
);

CREATE INDEX tenants_parent_id ON tenants (parent_id);

CREATE TABLE users (
    id                 text COLLATE "C" CONSTRAINT users_pkey PRIMARY KEY,
    tenant_id          text COLLATE "C" NOT NULL CONSTRAINT users_tenant_id_fkey REFERENCES tenants (id),
    username           text COLLATE "C" NOT NULL,
    email              text COLLATE "C" NOT NULL,
    email_verified     boolean NOT NULL,
    given_name         text NOT NULL,
    family_name        text NOT NULL,
    display_name       text NOT NULL,
    preferred_language text NOT NULL,
    tenant_role        text NOT NULL,
    password_hash      text NOT NULL,
    disabled           boolean NOT NULL,
    created_at         timestamptz NOT NULL,
    updated_at         timestamptz NOT NULL,
    CONSTRAINT users_tenant_id_username_key UNIQUE (tenant_id, username)
);

-- An address belongs to at most one user per tenant, whatever its case
-- (seed 003, "unique email"); users without an address are not counted.
CREATE UNIQUE INDEX users_tenant_email ON users (tenant_id, lower(email)) WHERE email <> '';

CREATE TABLE clients (
    id                        text COLLATE "C" CONSTRAINT clients_pkey PRIMARY KEY,
    name                      text NOT NULL,
    tenant_id                 text COLLATE "C" CONSTRAINT clients_tenant_id_fkey REFERENCES tenants (id),
    type                      text NOT NULL,
    auth_method               text NOT NULL,
    secret_hash               bytea,
    redirect_uris             text[] NOT NULL,
    post_logout_redirect_uris text[] NOT NULL,
    grant_types               text[] NOT NULL,
    scopes                    text[] NOT NULL,
    insecure_skip_pkce        boolean NOT NULL,
    access_token_lifetime     bigint NOT NULL,
    id_token_lifetime         bigint NOT NULL,
    refresh_token_lifetime    bigint NOT NULL,
    created_at                timestamptz NOT NULL,
    updated_at                timestamptz NOT NULL
);

CREATE INDEX clients_tenant_id ON clients (tenant_id);

-- Refresh tokens carry no foreign keys: grants.Store is a contract of its own,
-- and a deployment may keep it apart from the directory.
CREATE TABLE refresh_tokens (
    id         text COLLATE "C" CONSTRAINT refresh_tokens_pkey PRIMARY KEY,
    hash       bytea NOT NULL CONSTRAINT refresh_tokens_hash_key UNIQUE, -- SHA-256 of the token; the token is never stored
    family_id  text COLLATE "C" NOT NULL,
    client_id  text COLLATE "C" NOT NULL,
    subject    text COLLATE "C" NOT NULL,
    tenant_id  text COLLATE "C" NOT NULL,
    session_id text COLLATE "C" NOT NULL,
    scopes     text[] NOT NULL,
    audience   text[] NOT NULL,
    amr        text[] NOT NULL,
    acr        text NOT NULL,
    auth_time  timestamptz NOT NULL,
    created_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL,
    used_at    timestamptz,
    revoked_at timestamptz
);

CREATE INDEX refresh_tokens_family_id ON refresh_tokens (family_id);
CREATE INDEX refresh_tokens_session_id ON refresh_tokens (session_id);
CREATE INDEX refresh_tokens_expires_at ON refresh_tokens (expires_at);

CREATE TABLE signing_keys (
    id         text COLLATE "C" CONSTRAINT signing_keys_pkey PRIMARY KEY,
    algorithm  text NOT NULL,
    sealed     bytea NOT NULL, -- AES-256-GCM under the key-encryption key
    public_jwk bytea NOT NULL,
    state      text NOT NULL,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL
);

CREATE TABLE secrets (
    name   text COLLATE "C" CONSTRAINT secrets_pkey PRIMARY KEY,
    sealed bytea NOT NULL -- sealed under the key-encryption key
);
