-- 0006: a signing key's schedule. The same tables and columns as version 6
-- of storage/sqlite; the conventions of 0001 hold.
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

ALTER TABLE signing_keys
    ADD COLUMN publish_at timestamptz,
    ADD COLUMN activate_at timestamptz;

UPDATE signing_keys SET publish_at = created_at, activate_at = created_at;

ALTER TABLE signing_keys
    ALTER COLUMN publish_at SET NOT NULL,
    ALTER COLUMN activate_at SET NOT NULL,
    ALTER COLUMN state SET DEFAULT 'active';
