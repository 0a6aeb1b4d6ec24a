-- 0004: the audit log (audit.Event), the same table and columns as version
-- 4 of storage/sqlite. Events are appended and never changed. They refer to
-- nothing by foreign key: the log outlives the tenants, users and clients
-- it names, so a deleted user's events stay. Ids are COLLATE "C", as in
-- 0001, so that events of the same time order by id byte by byte, as in
-- SQLite.

CREATE TABLE audit_events (
    id          text COLLATE "C" CONSTRAINT audit_events_pkey PRIMARY KEY,
    time        timestamptz NOT NULL,
    action      text COLLATE "C" NOT NULL,
    tenant_id   text COLLATE "C" NOT NULL,
    actor       text COLLATE "C" NOT NULL,
    actor_name  text NOT NULL,
    target      text COLLATE "C" NOT NULL,
    target_name text NOT NULL,
    details     jsonb NOT NULL -- object of strings; {} for none
);

-- ListEvents reads a tenant's events newest first, ties by id; the index
-- holds that order.
CREATE INDEX audit_events_tenant_time ON audit_events (tenant_id, time DESC, id DESC);
