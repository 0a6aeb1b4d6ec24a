-- 0003: TOTP two-factor authentication. The conventions of 0001 hold.
--   * global roles and groups may require TOTP of everyone holding them;
--   * the tenant's policy is a key of the settings JSON ({"mfa": "required"}),
--     which needs no change here;
--   * a user's TOTP credential: the secret sealed under the key-encryption
--     key, never in clear;
--   * its recovery codes, as keyed hashes (HMAC-SHA256), each usable once:
--     used_at is set when it is spent.
-- A user's removal removes its credential, and a credential's its codes.

ALTER TABLE global_roles ADD COLUMN require_mfa INTEGER NOT NULL DEFAULT 0 CHECK (require_mfa IN (0, 1));
ALTER TABLE groups ADD COLUMN require_mfa INTEGER NOT NULL DEFAULT 0 CHECK (require_mfa IN (0, 1));

CREATE TABLE totp_credentials (
    user_id       TEXT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    sealed_secret BLOB NOT NULL, -- AES-256-GCM under the key-encryption key
    created_at    TEXT NOT NULL
) STRICT;

CREATE TABLE recovery_codes (
    user_id TEXT NOT NULL REFERENCES totp_credentials (user_id) ON DELETE CASCADE,
    hash    BLOB NOT NULL, -- HMAC-SHA256 of the code; the code is never stored
    used_at TEXT,
    PRIMARY KEY (user_id, hash)
) STRICT;
