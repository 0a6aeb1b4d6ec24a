-- 0015: OpenID Connect Back-Channel Logout 1.0 (package logout), the same
-- as version 15 of storage/postgres. The conventions of 0001 hold.
--   * clients.backchannel_logout_uri and
--     clients.backchannel_logout_session_required
--     (directory.Client.BackchannelLogoutURI): where the portal receives
--     logout tokens, and whether it needs sid. Existing clients get none;
--   * logout_sessions (logout.Participation): which client got an ID
--     token in which SSO session, with the session's user, tenant, end and
--     whether it is a support session, so that a session's end, or a
--     user's, finds the clients to tell. No foreign keys: a row outlives
--     nothing it names for long (it goes when its session ends), and a
--     client or user gone by then is skipped at that end;
--   * logout_outbox (logout.Delivery): logout tokens still to deliver,
--     one row per client and session; a node leases a row while it sends
--     (lease_owner, lease_until) and a crashed node's lease expires.

ALTER TABLE clients ADD COLUMN backchannel_logout_uri TEXT NOT NULL DEFAULT '';
ALTER TABLE clients ADD COLUMN backchannel_logout_session_required INTEGER NOT NULL DEFAULT 0;

CREATE TABLE logout_sessions (
    session_id TEXT NOT NULL,
    client_id  TEXT NOT NULL,
    user_id    TEXT NOT NULL,
    tenant_id  TEXT NOT NULL,
    support    INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    PRIMARY KEY (session_id, client_id)
) STRICT;

-- A user's sessions, for an administrator's disable or delete.
CREATE INDEX logout_sessions_user_id ON logout_sessions (user_id);
-- The sweeps: support sessions that ended, and rows of sessions long over.
CREATE INDEX logout_sessions_expires_at ON logout_sessions (support, expires_at);

CREATE TABLE logout_outbox (
    id          TEXT PRIMARY KEY,
    client_id   TEXT NOT NULL,
    tenant_id   TEXT NOT NULL,
    user_id     TEXT NOT NULL,
    session_id  TEXT NOT NULL,
    uri         TEXT NOT NULL,
    attempts    INTEGER NOT NULL,
    created_at  TEXT NOT NULL,
    next_at     TEXT NOT NULL,
    give_up_at  TEXT NOT NULL,
    lease_owner TEXT NOT NULL DEFAULT '',
    lease_until TEXT
) STRICT;

-- The worker takes the rows due first.
CREATE INDEX logout_outbox_next_at ON logout_outbox (next_at);
