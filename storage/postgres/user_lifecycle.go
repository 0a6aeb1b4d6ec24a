package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/gatehouse-id/gatehouse/directory"
)

// A user's life cycle beyond its row's fields (0009): the tenant's quota
// counts its users that are not deleted, and a deleted user is purged for
// good once it has been deleted long enough. Deleting, restoring and
// revoking are UpdateUser's: DeletedAt and RevokedBefore are ordinary
// fields.

// countUsers counts the users of the tenant $1 that are not deleted,
// through 0001's users_tenant_id_username_key index. Inside InTx, which is
// SERIALIZABLE, the count holds until commit: of two transactions that
// each count and then create a user in the tenant, PostgreSQL aborts one
// (its count read the rows the other's insert adds), and InTx runs it
// again on what the other committed.
const countUsers = `SELECT count(*) FROM users WHERE tenant_id = $1 AND deleted_at IS NULL`

// deletedUsers selects the users deleted before $1, the longest deleted
// first, at most $2, from 0009's index of deleted users in that order.
const deletedUsers = selectUser + ` WHERE deleted_at < $1 ORDER BY deleted_at, id LIMIT $2`

// defaultDeletedUsersLimit is how many users DeletedUsersBefore returns
// when asked for a limit of 0 or less: a purge batch, small enough that
// purging it keeps its transaction short. The SQLite backend has the
// same.
const defaultDeletedUsersLimit = 100

// CountUsers counts the users whose home tenant is tenantID and that are
// not deleted: what the tenant's quota counts. Users of its child tenants
// and users linked to it are not its users. An unknown tenant has none.
func (s directoryQueries) CountUsers(ctx context.Context, tenantID string) (int, error) {
	var n int
	if err := s.q.QueryRow(ctx, countUsers, tenantID).Scan(&n); err != nil {
		return 0, fmt.Errorf("count users of tenant %s: %w", tenantID, dirErr(err))
	}
	return n, nil
}

// DeletedUsersBefore returns up to limit users deleted strictly before
// before, the longest deleted first and, among users deleted at the same
// instant, by id; a limit of 0 or less means 100
// (defaultDeletedUsersLimit).
func (s directoryQueries) DeletedUsersBefore(ctx context.Context, before time.Time, limit int) ([]directory.User, error) {
	if limit <= 0 {
		limit = defaultDeletedUsersLimit
	}
	what := fmt.Sprintf("list users deleted before %s", before.UTC().Format(time.RFC3339Nano))
	rows, err := s.q.Query(ctx, deletedUsers, before, limit)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, dirErr(err))
	}
	us, err := collect(rows, scanUser)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, dirErr(err))
	}
	return us, nil
}

// userPurges are the statements that remove the user $1, in an order the
// foreign keys accept. Its TOTP credential (and with it its recovery
// codes) and its support consents go by the schema's ON DELETE CASCADE
// (0003, 0005). The audit log and refresh tokens refer to users without
// foreign keys and stay.
var userPurges = []struct{ what, query string }{
	{"clear owner of its users", `UPDATE users SET owner_id = NULL WHERE owner_id = $1`},
	{"delete links", `DELETE FROM user_links WHERE user_id = $1`},
}

// PurgeUser removes the user with id for good, in one transaction; see
// directory.Store.
func (s *Store) PurgeUser(ctx context.Context, id string) error {
	return s.InTx(ctx, func(tx directory.Store) error { return tx.PurgeUser(ctx, id) })
}

// PurgeUser is Store.PurgeUser inside the caller's transaction: InTx hands
// fn a txStore, whose statements commit or roll back together. A missing
// user is ErrNotFound, and the statements before have then changed
// nothing.
func (s directoryQueries) PurgeUser(ctx context.Context, id string) error {
	what := "purge user " + id
	for _, st := range userPurges {
		if _, err := s.q.Exec(ctx, st.query, id); err != nil {
			return fmt.Errorf("%s: %s: %w", what, st.what, tenantDeleteErr(err))
		}
	}
	tag, err := s.q.Exec(ctx, `DELETE FROM users WHERE id = $1`, id)
	if err != nil {
		return fmt.Errorf("%s: %w", what, tenantDeleteErr(err))
	}
	return affectedOne(tag, what)
}
