-- 0006: a signing key's schedule. The conventions of 0001 hold.
--   * a key has the time it enters the JWKS (publish_at) and the time it
--     starts signing (activate_at); where it is in its life (next, active,
--     retired) follows from the schedules of all keys and the clock;
--   * a key stored before this version gets its created_at for both, which
--     no key scheduled since can have: keys.Manager recognises such legacy
--     keys and schedules them once, under the rotation lock, keeping the
--     one that signed signing and the others published for a full
--     retention (package keys, Maintain);
--   * state is no longer read or written; it stays, with a default, for
--     one release, so that nodes not yet upgraded still read the table.
-- SQLite adds a NOT NULL column only with a default, which would stay in
-- the schema (and '' is no time), so the table is rebuilt instead, the
-- SQLite way (https://sqlite.org/lang_altertable.html#otheralter): no other
-- table refers to it, and it has no index but its primary key.

CREATE TABLE signing_keys_0006 (
    id          TEXT PRIMARY KEY,
    algorithm   TEXT NOT NULL,
    sealed      BLOB NOT NULL, -- AES-256-GCM under the key-encryption key
    public_jwk  BLOB NOT NULL,
    state       TEXT NOT NULL DEFAULT 'active', -- unused since 0006
    publish_at  TEXT NOT NULL,
    activate_at TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
) STRICT;

INSERT INTO signing_keys_0006 (id, algorithm, sealed, public_jwk, state, publish_at, activate_at, created_at, updated_at)
    SELECT id, algorithm, sealed, public_jwk, state, created_at, created_at, created_at, updated_at FROM signing_keys;

DROP TABLE signing_keys;

ALTER TABLE signing_keys_0006 RENAME TO signing_keys;
