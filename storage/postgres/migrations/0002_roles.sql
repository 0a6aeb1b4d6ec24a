-- 0002: roles, groups, services, the operator's resources and external
-- users' links; what users and clients hold. The same tables and columns as
-- version 2 of storage/sqlite. The conventions of 0001 hold: lists of names
-- (roles, groups, services, permissions) are text[], and
--   * service roles are a jsonb object from service name to a list of roles;
--   * permissions are "resource:access" strings;
--   * tenant settings are a jsonb object ({"user_roles": [...]}), so that
--     later policies are new keys rather than new columns.
-- Existing rows hold nothing: no roles, no groups, no settings. Roles,
-- groups and services are referred to by name inside the lists, without
-- foreign keys: the Directory checks names before it writes.

ALTER TABLE tenants ADD COLUMN settings jsonb NOT NULL DEFAULT '{}';

ALTER TABLE users
    ADD COLUMN global_roles text[] NOT NULL DEFAULT '{}',
    ADD COLUMN service_roles jsonb NOT NULL DEFAULT '{}',
    ADD COLUMN groups text[] NOT NULL DEFAULT '{}',
    -- The user that owns this one (seed 004's user hierarchies); NULL for none.
    ADD COLUMN owner_id text COLLATE "C" CONSTRAINT users_owner_id_fkey REFERENCES users (id);

CREATE INDEX users_owner_id ON users (owner_id);

ALTER TABLE clients
    ADD COLUMN default_scopes text[] NOT NULL DEFAULT '{}',
    ADD COLUMN services text[] NOT NULL DEFAULT '{}',
    ADD COLUMN global_roles text[] NOT NULL DEFAULT '{}',
    ADD COLUMN service_roles jsonb NOT NULL DEFAULT '{}';

-- A user's membership of a tenant other than its home (directory.Link).
CREATE TABLE user_links (
    user_id       text COLLATE "C" NOT NULL CONSTRAINT user_links_user_id_fkey REFERENCES users (id),
    tenant_id     text COLLATE "C" NOT NULL CONSTRAINT user_links_tenant_id_fkey REFERENCES tenants (id),
    tenant_role   text NOT NULL,
    global_roles  text[] NOT NULL,
    service_roles jsonb NOT NULL,
    groups        text[] NOT NULL,
    created_at    timestamptz NOT NULL,
    updated_at    timestamptz NOT NULL,
    CONSTRAINT user_links_pkey PRIMARY KEY (user_id, tenant_id)
);

-- LinksToTenant reads the links to a tenant in user order.
CREATE INDEX user_links_tenant_id ON user_links (tenant_id, user_id);

CREATE TABLE global_roles (
    id          text COLLATE "C" CONSTRAINT global_roles_pkey PRIMARY KEY,
    tenant_id   text COLLATE "C" NOT NULL CONSTRAINT global_roles_tenant_id_fkey REFERENCES tenants (id),
    name        text COLLATE "C" NOT NULL,
    description text NOT NULL,
    permissions text[] NOT NULL,
    created_at  timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL,
    CONSTRAINT global_roles_tenant_id_name_key UNIQUE (tenant_id, name)
);

CREATE TABLE groups (
    id            text COLLATE "C" CONSTRAINT groups_pkey PRIMARY KEY,
    tenant_id     text COLLATE "C" NOT NULL CONSTRAINT groups_tenant_id_fkey REFERENCES tenants (id),
    name          text COLLATE "C" NOT NULL,
    description   text NOT NULL,
    global_roles  text[] NOT NULL,
    service_roles jsonb NOT NULL,
    created_at    timestamptz NOT NULL,
    updated_at    timestamptz NOT NULL,
    CONSTRAINT groups_tenant_id_name_key UNIQUE (tenant_id, name)
);

-- Platform-wide: every tenant's users hold roles in the same services.
CREATE TABLE services (
    name         text COLLATE "C" CONSTRAINT services_pkey PRIMARY KEY,
    display_name text NOT NULL,
    roles        text[] NOT NULL,
    created_at   timestamptz NOT NULL,
    updated_at   timestamptz NOT NULL
);

-- The operator's additions to the permission catalog; the built-in
-- resources live in the binary and are not stored.
CREATE TABLE resources (
    name        text COLLATE "C" CONSTRAINT resources_pkey PRIMARY KEY,
    description text NOT NULL,
    levels      text[] NOT NULL -- tenant levels; empty means every level
);
