-- 0016: the public keys of clients that authenticate with private_key_jwt,
-- the same as version 16 of storage/postgres. The conventions of 0001 hold.
--   * clients.jwks (directory.Client.JWKS): a JSON Web Key Set, as the JSON
--     text registered (checked by clientkeys.Parse), or '' for none;
--   * clients.jwks_uri (directory.Client.JWKSURI): where the client
--     publishes that set instead, or '' for none.
-- Existing clients get '' for both: they authenticate with a secret or as
-- public clients, and keep doing so.

ALTER TABLE clients ADD COLUMN jwks TEXT NOT NULL DEFAULT '';
ALTER TABLE clients ADD COLUMN jwks_uri TEXT NOT NULL DEFAULT '';
