-- 0010: an index for listing a tenant's users by creation time
-- (directory.Store.QueryUsers), beside 0001's UNIQUE (tenant_id, username)
-- for the username orders: a page of the administration API's user list,
-- oldest or newest first, reads its users from the index in order, from
-- the cursor on, and stops at the page's end, rather than reading and
-- sorting every user of the tenant. Ties of created_at are ordered by id,
-- which the index holds too. The filters test the rows of one of these
-- indexes.

CREATE INDEX users_tenant_created ON users (tenant_id, created_at, id);
