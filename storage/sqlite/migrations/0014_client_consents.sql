-- 0014: third-party clients and the consents people give them, the same
-- as version 14 of storage/postgres. The conventions of 0001 hold.
--   * clients.third_party (directory.Client.ThirdParty): an integrator's
--     application, which gets no code before the person consents. Existing
--     clients get 0: the platform's own portals, which never ask;
--   * a consent (directory.ClientConsent) is one per user and client: the
--     scopes allowed (a JSON list, as clients.scopes) and when. The user's
--     or the client's removal removes it.

ALTER TABLE clients ADD COLUMN third_party INTEGER NOT NULL DEFAULT 0;

CREATE TABLE client_consents (
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    client_id  TEXT NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    scopes     TEXT NOT NULL,
    granted_at TEXT NOT NULL,
    PRIMARY KEY (user_id, client_id)
) STRICT;

-- A client's removal looks its consents up by client_id.
CREATE INDEX client_consents_client_id ON client_consents (client_id);
