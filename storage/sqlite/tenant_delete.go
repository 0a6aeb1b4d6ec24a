package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/gatehouse-id/gatehouse/directory"
)

// Deleting a tenant (directory.DeleteTenantFor), bottom-up: a tenant with
// child tenants is refused, so the Directory deletes the leaves first, all
// in one transaction. What belongs only to the tenant goes with it: its
// users, with their links to other tenants (and, by the schema's ON DELETE
// CASCADE, their TOTP credentials, recovery codes and support consents),
// the links of other tenants' users to it, its machine clients, global
// roles and groups, and its support consents (cascade). A user of another
// tenant owned by one of its users loses its owner. The audit log refers to
// nothing by foreign key and keeps every event; refresh tokens have no
// foreign keys either (grants.Store is a contract of its own) and are left
// to the refresh path, which refuses a removed user, link or client.

// tenantDeletes are the statements that empty the tenant bound to every ?,
// in an order the foreign keys accept.
var tenantDeletes = []struct{ what, query string }{
	{"clear owners of other tenants' users", `UPDATE users SET owner_id = NULL
		WHERE owner_id IN (SELECT id FROM users WHERE tenant_id = ?1) AND tenant_id <> ?1`},
	{"delete links", `DELETE FROM user_links
		WHERE tenant_id = ?1 OR user_id IN (SELECT id FROM users WHERE tenant_id = ?1)`},
	{"delete users", `DELETE FROM users WHERE tenant_id = ?1`},
	{"delete clients", `DELETE FROM clients WHERE tenant_id = ?1`},
	{"delete global roles", `DELETE FROM global_roles WHERE tenant_id = ?1`},
	{"delete groups", `DELETE FROM groups WHERE tenant_id = ?1`},
	{"delete tenant", `DELETE FROM tenants WHERE id = ?1`},
}

// DeleteTenant deletes the tenant with id and everything that belongs only
// to it, in one transaction; see directory.Store.
func (s *Store) DeleteTenant(ctx context.Context, id string) error {
	return s.InTx(ctx, func(tx directory.Store) error { return tx.DeleteTenant(ctx, id) })
}

// DeleteTenant is Store.DeleteTenant inside the caller's transaction: InTx
// hands fn a txStore, whose statements commit or roll back together.
func (s directoryQueries) DeleteTenant(ctx context.Context, id string) error {
	what := "delete tenant " + id
	var one int
	if err := s.q.QueryRowContext(ctx, `SELECT 1 FROM tenants WHERE id = ?`, id).Scan(&one); err != nil {
		return fmt.Errorf("%s: %w", what, dirErr(err))
	}
	var child string
	switch err := s.q.QueryRowContext(ctx, `SELECT slug FROM tenants WHERE parent_id = ? ORDER BY slug LIMIT 1`, id).Scan(&child); {
	case err == nil:
		return fmt.Errorf("%s: it has child tenants (%s): %w", what, child, directory.ErrConflict)
	case !errors.Is(err, sql.ErrNoRows):
		return fmt.Errorf("%s: %w", what, err)
	}
	for _, st := range tenantDeletes {
		if _, err := s.q.ExecContext(ctx, st.query, id); err != nil {
			return fmt.Errorf("%s: %s: %w", what, st.what, tenantDeleteErr(err))
		}
	}
	return nil
}

// tenantDeleteErr is dirErr for a delete: a foreign key that fails there means
// that a row still refers to the one deleted, a conflict.
func tenantDeleteErr(err error) error {
	if isForeignKey(err) {
		return fmt.Errorf("%w: still referred to (%v)", directory.ErrConflict, err)
	}
	return dirErr(err)
}
