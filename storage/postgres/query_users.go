package postgres

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/gatehouse-id/gatehouse/directory"
	"github.com/gatehouse-id/gatehouse/storage/internal/stored"
)

// QueryUsers returns a page of one tenant's users, filtered, ordered and
// cut in SQL; see directory.Store and usersQuery.
func (s directoryQueries) QueryUsers(ctx context.Context, q directory.UserQuery) ([]directory.User, error) {
	what := "query users of tenant " + q.TenantID
	query, args, err := usersQuery(q)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	rows, err := s.q.Query(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, dirErr(err))
	}
	us, err := collect(rows, scanUser)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, dirErr(err))
	}
	return us, nil
}

// usersQuery returns QueryUsers' query and its arguments. The tenant is an
// equality and the order that of an index beginning with it: 0001's
// users_tenant_id_username_key for the username orders, 0010's
// users_tenant_created (tenant_id, created_at, id) for the created ones.
// So the rows come from the index in order, from the cursor on, the
// filters test each, and reading stops at the limit: nothing is sorted,
// and no row is read past the page's last (though every row the filters
// turn down on the way is). A username
// order is "username" alone: usernames are unique in a tenant (deleted
// users' included), so id never breaks a tie, and PostgreSQL would not
// know that "username, id" is the index's order.
//
// Ids and usernames are COLLATE "C" (0001), so they compare bytes, as in
// SQLite and Go. The cursor's condition repeats key >= $n (or <=) so that
// the index is read from the cursor on rather than from the start.
// PostgreSQL keeps microseconds and pgx drops the nanoseconds of a time it
// sends, so a cursor's time is rounded up to the microsecond (ceilMicro):
// when that changes it, no stored user has the cursor's time, and
// "created_at >= ceilMicro(t)" ("<" going down) selects exactly the users
// after it.
//
// Text matches with strpos, not LIKE, so '%' and '_' are characters like
// any other: the query lower-cased in Go (stored.SearchQuery), once, is
// looked for in the user's search_text (0012, stored.SearchText), which
// CreateUser and UpdateUser write (directory.UserQuery.Text), so that
// case folds alike in both backends, whatever locale the database has. A
// user not written since 0012 has none, and is matched as before it: both
// sides lower-cased under COLLATE "C", which folds A-Z only, as SQLite's
// lower() does, in each field. Global
// roles and groups are text[], service roles a jsonb object of arrays
// (0002), which contains {service: [role]} when the user holds it; a TOTP
// credential is a row of totp_credentials (0003), found by its primary
// key.
func usersQuery(q directory.UserQuery) (string, []any, error) {
	if q.Limit < 1 {
		return "", nil, fmt.Errorf("limit %d: must be at least 1", q.Limit)
	}
	var (
		where []string
		args  []any
	)
	arg := func(a any) string {
		args = append(args, a)
		return "$" + strconv.Itoa(len(args))
	}
	where = append(where, `tenant_id = `+arg(q.TenantID))
	if q.Text != "" {
		search := `strpos(search_text, ` + arg(stored.SearchQuery(q.Text)) + `::text) > 0`
		text := `lower(` + arg(q.Text) + `::text COLLATE "C")`
		var fields []string
		for _, col := range []string{`username`, `email`, `given_name`, `family_name`, `display_name`,
			`given_name || ' ' || family_name`} {
			fields = append(fields, `strpos(lower((`+col+`) COLLATE "C"), `+text+`) > 0`)
		}
		where = append(where, `(`+search+` OR search_text IS NULL AND (`+strings.Join(fields, ` OR `)+`))`)
	}
	if q.GlobalRole != "" {
		where = append(where, arg(q.GlobalRole)+`::text = ANY(global_roles)`)
	}
	if q.Group != "" {
		where = append(where, arg(q.Group)+`::text = ANY(groups)`)
	}
	if q.Service != "" || q.ServiceRole != "" {
		where = append(where, `service_roles @> jsonb_build_object(`+arg(q.Service)+`::text, jsonb_build_array(`+
			arg(q.ServiceRole)+`::text))`)
	}
	if q.Enabled != nil {
		where = append(where, `disabled = `+arg(!*q.Enabled))
	}
	switch q.Deleted {
	case directory.DeletedExclude:
		where = append(where, `deleted_at IS NULL`)
	case directory.DeletedOnly:
		where = append(where, `deleted_at IS NOT NULL`)
	case directory.DeletedInclude:
	default:
		return "", nil, fmt.Errorf("deleted filter %q does not exist", q.Deleted)
	}
	switch q.MFA {
	case "":
	case directory.MFAEnrolled:
		where = append(where, `EXISTS (SELECT 1 FROM totp_credentials AS c WHERE c.user_id = users.id)`)
	case directory.MFANotEnrolled:
		where = append(where, `NOT EXISTS (SELECT 1 FROM totp_credentials AS c WHERE c.user_id = users.id)`)
	default:
		return "", nil, fmt.Errorf("mfa filter %q does not exist", q.MFA)
	}
	var key, order, cmp string
	switch q.Sort {
	case directory.SortUsername:
		key, order, cmp = `username`, `username`, `>`
	case directory.SortUsernameDesc:
		key, order, cmp = `username`, `username DESC`, `<`
	case directory.SortCreated:
		key, order, cmp = `created_at`, `created_at, id`, `>`
	case directory.SortCreatedDesc:
		key, order, cmp = `created_at`, `created_at DESC, id DESC`, `<`
	default:
		return "", nil, fmt.Errorf("sort %q does not exist", q.Sort)
	}
	if c := q.After; c != nil {
		switch {
		case key == `username`:
			k := arg(c.Username)
			where = append(where, `username `+cmp+`= `+k+` AND (username `+cmp+` `+k+` OR id `+cmp+` `+arg(c.ID)+`)`)
		case ceilMicro(c.CreatedAt).Equal(c.CreatedAt):
			k := arg(c.CreatedAt)
			where = append(where, `created_at `+cmp+`= `+k+` AND (created_at `+cmp+` `+k+` OR id `+cmp+` `+arg(c.ID)+`)`)
		case cmp == `>`:
			where = append(where, `created_at >= `+arg(ceilMicro(c.CreatedAt)))
		default:
			where = append(where, `created_at < `+arg(ceilMicro(c.CreatedAt)))
		}
	}
	limit := arg(q.Limit)
	return selectUser + ` WHERE ` + strings.Join(where, ` AND `) + ` ORDER BY ` + order + ` LIMIT ` + limit, args, nil
}
