-- 0014: third-party clients and the consents people give them, the same
-- as version 14 of storage/sqlite. The conventions of 0001 hold.
--   * clients.third_party (directory.Client.ThirdParty): an integrator's
--     application, which gets no code before the person consents. Existing
--     clients get false: the platform's own portals, which never ask.
--     Adding a column with a constant default rewrites no rows;
--   * a consent (directory.ClientConsent) is one per user and client: the
--     scopes allowed and when. The user's or the client's removal removes
--     it.

ALTER TABLE clients ADD COLUMN third_party boolean NOT NULL DEFAULT false;

CREATE TABLE client_consents (
    user_id    text COLLATE "C" NOT NULL
               CONSTRAINT client_consents_user_id_fkey REFERENCES users (id) ON DELETE CASCADE,
    client_id  text COLLATE "C" NOT NULL
               CONSTRAINT client_consents_client_id_fkey REFERENCES clients (id) ON DELETE CASCADE,
    scopes     text[] NOT NULL,
    granted_at timestamptz NOT NULL,
    PRIMARY KEY (user_id, client_id)
);

-- A client's removal looks its consents up by client_id.
CREATE INDEX client_consents_client_id ON client_consents (client_id);
