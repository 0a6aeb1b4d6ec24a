-- 0007: indexes for reading the audit log by actor or by target
-- (audit.Query), beside 0004's audit_events_tenant_time: a viewer asking
-- for one user's events, as actor or as target, reads them from the index
-- newest first and stops at the page's end, rather than going through
-- every event of the tenant for the few that are the user's. Action and
-- time filter the rows of one of these indexes.

CREATE INDEX audit_events_tenant_actor ON audit_events (tenant_id, actor, time DESC, id DESC);
CREATE INDEX audit_events_tenant_target ON audit_events (tenant_id, target, time DESC, id DESC);
