-- 0015: OpenID Connect Back-Channel Logout 1.0 (package logout), the same
-- as version 15 of storage/sqlite. The conventions of 0001 hold.
--   * clients.backchannel_logout_uri and
--     clients.backchannel_logout_session_required
--     (directory.Client.BackchannelLogoutURI): where the portal receives
--     logout tokens, and whether it needs sid. Existing clients get none;
--     adding columns with constant defaults rewrites no rows;
--   * logout_sessions (logout.Participation): which client got an ID
--     token in which SSO session, with the session's user, tenant, end and
--     whether it is a support session, so that a session's end, or a
--     user's, finds the clients to tell. No foreign keys: a row outlives
--     nothing it names for long (it goes when its session ends), and a
--     client or user gone by then is skipped at that end;
--   * logout_outbox (logout.Delivery): logout tokens still to deliver,
--     one row per client and session; a node claims rows with FOR UPDATE
--     SKIP LOCKED and leases them while it sends (lease_owner,
--     lease_until); a crashed node's lease expires.

ALTER TABLE clients ADD COLUMN backchannel_logout_uri text NOT NULL DEFAULT '';
ALTER TABLE clients ADD COLUMN backchannel_logout_session_required boolean NOT NULL DEFAULT false;

CREATE TABLE logout_sessions (
    session_id text COLLATE "C" NOT NULL,
    client_id  text COLLATE "C" NOT NULL,
    user_id    text COLLATE "C" NOT NULL,
    tenant_id  text COLLATE "C" NOT NULL,
    support    boolean NOT NULL,
    created_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL,
    PRIMARY KEY (session_id, client_id)
);

-- A user's sessions, for an administrator's disable or delete.
CREATE INDEX logout_sessions_user_id ON logout_sessions (user_id);
-- The sweeps: support sessions that ended, and rows of sessions long over.
CREATE INDEX logout_sessions_expires_at ON logout_sessions (support, expires_at);

CREATE TABLE logout_outbox (
    id          text COLLATE "C" PRIMARY KEY,
    client_id   text COLLATE "C" NOT NULL,
    tenant_id   text COLLATE "C" NOT NULL,
    user_id     text COLLATE "C" NOT NULL,
    session_id  text COLLATE "C" NOT NULL,
    uri         text NOT NULL,
    attempts    integer NOT NULL,
    created_at  timestamptz NOT NULL,
    next_at     timestamptz NOT NULL,
    give_up_at  timestamptz NOT NULL,
    lease_owner text NOT NULL DEFAULT '',
    lease_until timestamptz
);

-- The worker takes the rows due first.
CREATE INDEX logout_outbox_next_at ON logout_outbox (next_at);
