-- 0003: TOTP two-factor authentication. The same tables and columns as
-- version 3 of storage/sqlite; the conventions of 0001 hold.
--   * global roles and groups may require TOTP of everyone holding them;
--   * the tenant's policy is a key of the settings jsonb ({"mfa": "required"}),
--     which needs no change here;
--   * a user's TOTP credential: the secret sealed under the key-encryption
--     key, never in clear;
--   * its recovery codes, as keyed hashes (HMAC-SHA256), each usable once:
--     used_at is set when it is spent.
-- A user's removal removes its credential, and a credential's its codes.

ALTER TABLE global_roles ADD COLUMN require_mfa boolean NOT NULL DEFAULT false;
ALTER TABLE groups ADD COLUMN require_mfa boolean NOT NULL DEFAULT false;

CREATE TABLE totp_credentials (
    user_id       text COLLATE "C" CONSTRAINT totp_credentials_pkey PRIMARY KEY
                  CONSTRAINT totp_credentials_user_id_fkey REFERENCES users (id) ON DELETE CASCADE,
    sealed_secret bytea NOT NULL, -- AES-256-GCM under the key-encryption key
    created_at    timestamptz NOT NULL
);

CREATE TABLE recovery_codes (
    user_id text COLLATE "C" NOT NULL
            CONSTRAINT recovery_codes_user_id_fkey REFERENCES totp_credentials (user_id) ON DELETE CASCADE,
    hash    bytea NOT NULL, -- HMAC-SHA256 of the code; the code is never stored
    used_at timestamptz,
    CONSTRAINT recovery_codes_pkey PRIMARY KEY (user_id, hash)
);
