-- 0016: the public keys of clients that authenticate with private_key_jwt,
-- the same as version 16 of storage/sqlite. The conventions of 0001 hold.
--   * clients.jwks (directory.Client.JWKS): a JSON Web Key Set, as the JSON
--     text registered (checked by clientkeys.Parse), or '' for none. text,
--     not jsonb: the directory compares registrations by their text, which
--     jsonb would reformat;
--   * clients.jwks_uri (directory.Client.JWKSURI): where the client
--     publishes that set instead, or '' for none.
-- Existing clients get '' for both: they authenticate with a secret or as
-- public clients, and keep doing so. Adding a column with a constant
-- default rewrites no rows.

ALTER TABLE clients ADD COLUMN jwks text NOT NULL DEFAULT '';
ALTER TABLE clients ADD COLUMN jwks_uri text NOT NULL DEFAULT '';
