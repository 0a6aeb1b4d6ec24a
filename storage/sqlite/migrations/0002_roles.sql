-- 0002: roles, groups, services, the operator's resources and external
-- users' links; what users and clients hold. The conventions of 0001 hold:
-- lists are JSON arrays in TEXT, and so are the new JSON values:
--   * service roles: a JSON object from service name to a list of roles;
--   * permissions: a JSON array of "resource:access" strings;
--   * tenant settings: a JSON object ({"user_roles": [...]}), so that later
--     policies are new keys rather than new columns.
-- Existing rows hold nothing: no roles, no groups, no settings. Roles,
-- groups and services are referred to by name inside the JSON, without
-- foreign keys: the Directory checks names before it writes.

ALTER TABLE tenants ADD COLUMN settings TEXT NOT NULL DEFAULT '{}';

ALTER TABLE users ADD COLUMN global_roles TEXT NOT NULL DEFAULT '[]';
ALTER TABLE users ADD COLUMN service_roles TEXT NOT NULL DEFAULT '{}';
ALTER TABLE users ADD COLUMN groups TEXT NOT NULL DEFAULT '[]';
-- The user that owns this one (seed 004's user hierarchies); NULL for none.
ALTER TABLE users ADD COLUMN owner_id TEXT REFERENCES users (id);

CREATE INDEX users_owner_id ON users (owner_id);

ALTER TABLE clients ADD COLUMN default_scopes TEXT NOT NULL DEFAULT '[]';
ALTER TABLE clients ADD COLUMN services TEXT NOT NULL DEFAULT '[]';
ALTER TABLE clients ADD COLUMN global_roles TEXT NOT NULL DEFAULT '[]';
ALTER TABLE clients ADD COLUMN service_roles TEXT NOT NULL DEFAULT '{}';

-- A user's membership of a tenant other than its home (directory.Link).
CREATE TABLE user_links (
    user_id       TEXT NOT NULL REFERENCES users (id),
    tenant_id     TEXT NOT NULL REFERENCES tenants (id),
    tenant_role   TEXT NOT NULL,
    global_roles  TEXT NOT NULL,
    service_roles TEXT NOT NULL,
    groups        TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    PRIMARY KEY (user_id, tenant_id)
) STRICT;

CREATE INDEX user_links_tenant_id ON user_links (tenant_id);

CREATE TABLE global_roles (
    id          TEXT PRIMARY KEY,
    tenant_id   TEXT NOT NULL REFERENCES tenants (id),
    name        TEXT NOT NULL,
    description TEXT NOT NULL,
    permissions TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    UNIQUE (tenant_id, name)
) STRICT;

CREATE TABLE groups (
    id            TEXT PRIMARY KEY,
    tenant_id     TEXT NOT NULL REFERENCES tenants (id),
    name          TEXT NOT NULL,
    description   TEXT NOT NULL,
    global_roles  TEXT NOT NULL,
    service_roles TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    UNIQUE (tenant_id, name)
) STRICT;

-- Platform-wide: every tenant's users hold roles in the same services.
CREATE TABLE services (
    name         TEXT PRIMARY KEY,
    display_name TEXT NOT NULL,
    roles        TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL
) STRICT;

-- The operator's additions to the permission catalog; the built-in
-- resources live in the binary and are not stored.
CREATE TABLE resources (
    name        TEXT PRIMARY KEY,
    description TEXT NOT NULL,
    levels      TEXT NOT NULL -- JSON array of tenant levels; [] means every level
) STRICT;
