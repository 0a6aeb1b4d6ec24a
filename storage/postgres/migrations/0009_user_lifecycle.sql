-- 0009: a user's life cycle (directory.User), the same columns as version 9
-- of storage/sqlite: the strength of its password, a new password asked for
-- at the next login, soft deletion, and the revocation of its sessions. The
-- conventions of 0001 hold. Existing users get:
--   * password_strength -1, unknown: their passwords were set before
--     estimates existed (0 to 4 are very weak to very strong, package
--     password);
--   * must_change_password false: no change asked for;
--   * deleted_at NULL: not deleted. A deleted user keeps its row, and so its
--     username and email, until it is purged;
--   * revoked_before NULL: nothing revoked. Set when a user is deleted or
--     disabled, it ends the sessions and tokens of every sign-in before it.
-- Adding a column with a constant default rewrites no rows.
-- CountUsers counts a tenant's users through 0001's
-- users_tenant_id_username_key index. The purge reads the deleted users,
-- the longest deleted first, from an index of those few rows alone (its
-- query's deleted_at < $1 implies the index's predicate).

ALTER TABLE users
    ADD COLUMN password_strength smallint NOT NULL DEFAULT -1,
    ADD COLUMN must_change_password boolean NOT NULL DEFAULT false,
    ADD COLUMN deleted_at timestamptz,
    ADD COLUMN revoked_before timestamptz;

CREATE INDEX users_deleted_at ON users (deleted_at, id) WHERE deleted_at IS NOT NULL;
