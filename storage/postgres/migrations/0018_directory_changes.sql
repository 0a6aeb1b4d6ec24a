-- 0018: tell every node when the directory changes. Each Gatehouse node
-- keeps clients and each tenant's roles, groups, services and resources in
-- memory (directory/cache.go); a statement that changes one of their tables
-- notifies the channel gatehouse_directory, with the schema's name as the
-- payload, when its transaction commits, and every node listening on the
-- database drops its cache (WatchChanges in changes.go). PostgreSQL folds
-- the identical notifications of one transaction into one.

CREATE FUNCTION gatehouse_directory_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	PERFORM pg_notify('gatehouse_directory', TG_TABLE_SCHEMA);
	RETURN NULL;
END
$$;

CREATE TRIGGER tenants_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON tenants
	FOR EACH STATEMENT EXECUTE FUNCTION gatehouse_directory_changed();
CREATE TRIGGER clients_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON clients
	FOR EACH STATEMENT EXECUTE FUNCTION gatehouse_directory_changed();
CREATE TRIGGER global_roles_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON global_roles
	FOR EACH STATEMENT EXECUTE FUNCTION gatehouse_directory_changed();
CREATE TRIGGER groups_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON groups
	FOR EACH STATEMENT EXECUTE FUNCTION gatehouse_directory_changed();
CREATE TRIGGER services_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON services
	FOR EACH STATEMENT EXECUTE FUNCTION gatehouse_directory_changed();
CREATE TRIGGER resources_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON resources
	FOR EACH STATEMENT EXECUTE FUNCTION gatehouse_directory_changed();
