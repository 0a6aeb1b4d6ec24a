-- 0004: the audit log (audit.Event). Events are appended and never
-- changed. They refer to nothing by foreign key: the log outlives the
-- tenants, users and clients it names, so a deleted user's events stay.
-- Times follow 0001 (RFC 3339 text, nine fractional digits), so that
-- time DESC is newest first.

CREATE TABLE audit_events (
    id          TEXT PRIMARY KEY,
    time        TEXT NOT NULL,
    action      TEXT NOT NULL,
    tenant_id   TEXT NOT NULL,
    actor       TEXT NOT NULL,
    actor_name  TEXT NOT NULL,
    target      TEXT NOT NULL,
    target_name TEXT NOT NULL,
    details     TEXT NOT NULL -- JSON object of strings; {} for none
) STRICT;

-- ListEvents reads a tenant's events newest first, ties by id; the index
-- holds that order.
CREATE INDEX audit_events_tenant_time ON audit_events (tenant_id, time DESC, id DESC);
