-- 0009: a user's life cycle (directory.User): the strength of its password,
-- a new password asked for at the next login, soft deletion, and the
-- revocation of its sessions. The conventions of 0001 hold. Existing users
-- get:
--   * password_strength -1, unknown: their passwords were set before
--     estimates existed (0 to 4 are very weak to very strong, package
--     password);
--   * must_change_password 0: no change asked for;
--   * deleted_at NULL: not deleted. A deleted user keeps its row, and so its
--     username and email, until it is purged;
--   * revoked_before NULL: nothing revoked. Set when a user is deleted or
--     disabled, it ends the sessions and tokens of every sign-in before it.
-- CountUsers counts a tenant's users through 0001's UNIQUE (tenant_id,
-- username) index. The purge reads the deleted users, the longest deleted
-- first, from an index of those few rows alone.

ALTER TABLE users ADD COLUMN password_strength INTEGER NOT NULL DEFAULT -1;
ALTER TABLE users ADD COLUMN must_change_password INTEGER NOT NULL DEFAULT 0 CHECK (must_change_password IN (0, 1));
ALTER TABLE users ADD COLUMN deleted_at TEXT;
ALTER TABLE users ADD COLUMN revoked_before TEXT;

CREATE INDEX users_deleted_at ON users (deleted_at, id) WHERE deleted_at IS NOT NULL;
