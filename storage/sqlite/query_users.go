package sqlite

import (
	"context"
	"fmt"
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
	rows, err := s.q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	us, err := collect(rows, scanUser)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	return us, nil
}

// usersQuery returns QueryUsers' query and its arguments. The tenant is an
// equality and the order that of an index beginning with it: 0001's
// UNIQUE (tenant_id, username) for the username orders, 0010's
// users_tenant_created (tenant_id, created_at, id) for the created ones.
// So the rows come from the index in order, from the cursor on, the
// filters test each, and reading stops at the limit: nothing is sorted,
// and no row is read past the page's last (though every row the filters
// turn down on the way is). Usernames
// are unique in a tenant (deleted users' included), so the planner knows
// the username index orders by "username, id" too.
//
// Times are text of one width (timeLayout), so they compare as times, and
// usernames and ids compare bytes (the BINARY collation), as Go's strings
// do. The cursor's condition repeats key >= ? (or <=) so that the index
// is read from the cursor on rather than from the start.
//
// Text matches with instr, not LIKE, so '%' and '_' are characters like
// any other: the query lower-cased in Go (stored.SearchQuery), once, is
// looked for in the user's search_text (0012, stored.SearchText), which
// CreateUser and UpdateUser write (directory.UserQuery.Text). A user not
// written since 0012 has none, and is matched as before it: both sides
// through lower(), which folds A-Z only (SQLite without ICU), in each
// field. Lists are JSON text (0002), read with
// json_each; a TOTP credential is a row of totp_credentials (0003),
// found by its primary key.
func usersQuery(q directory.UserQuery) (string, []any, error) {
	if q.Limit < 1 {
		return "", nil, fmt.Errorf("limit %d: must be at least 1", q.Limit)
	}
	var (
		where []string
		args  []any
	)
	and := func(cond string, a ...any) {
		where = append(where, cond)
		args = append(args, a...)
	}
	and(`tenant_id = ?`, q.TenantID)
	if q.Text != "" {
		args = append(args, stored.SearchQuery(q.Text))
		var fields []string
		for _, col := range []string{`username`, `email`, `given_name`, `family_name`, `display_name`,
			`given_name || ' ' || family_name`} {
			fields = append(fields, `instr(lower(`+col+`), lower(?)) > 0`)
			args = append(args, q.Text)
		}
		where = append(where, `(instr(search_text, ?) > 0 OR search_text IS NULL AND (`+
			strings.Join(fields, ` OR `)+`))`)
	}
	if q.GlobalRole != "" {
		and(`EXISTS (SELECT 1 FROM json_each(users.global_roles) WHERE value = ?)`, q.GlobalRole)
	}
	if q.Group != "" {
		and(`EXISTS (SELECT 1 FROM json_each(users.groups) WHERE value = ?)`, q.Group)
	}
	if q.Service != "" || q.ServiceRole != "" {
		and(`EXISTS (SELECT 1 FROM json_each(users.service_roles) AS s, json_each(s.value) AS r
			WHERE s.key = ? AND s.type = 'array' AND r.value = ?)`, q.Service, q.ServiceRole)
	}
	if q.Enabled != nil {
		and(`disabled = ?`, !*q.Enabled)
	}
	switch q.Deleted {
	case directory.DeletedExclude:
		and(`deleted_at IS NULL`)
	case directory.DeletedOnly:
		and(`deleted_at IS NOT NULL`)
	case directory.DeletedInclude:
	default:
		return "", nil, fmt.Errorf("deleted filter %q does not exist", q.Deleted)
	}
	switch q.MFA {
	case "":
	case directory.MFAEnrolled:
		and(`EXISTS (SELECT 1 FROM totp_credentials AS c WHERE c.user_id = users.id)`)
	case directory.MFANotEnrolled:
		and(`NOT EXISTS (SELECT 1 FROM totp_credentials AS c WHERE c.user_id = users.id)`)
	default:
		return "", nil, fmt.Errorf("mfa filter %q does not exist", q.MFA)
	}
	var key, order string
	switch q.Sort {
	case directory.SortUsername:
		key, order = `username`, `username, id`
	case directory.SortUsernameDesc:
		key, order = `username`, `username DESC, id DESC`
	case directory.SortCreated:
		key, order = `created_at`, `created_at, id`
	case directory.SortCreatedDesc:
		key, order = `created_at`, `created_at DESC, id DESC`
	default:
		return "", nil, fmt.Errorf("sort %q does not exist", q.Sort)
	}
	if c := q.After; c != nil {
		var k any = c.Username
		if key == `created_at` {
			k = encTime(c.CreatedAt)
		}
		cmp := `>`
		if strings.HasSuffix(order, `DESC`) {
			cmp = `<`
		}
		and(key+` `+cmp+`= ? AND (`+key+` `+cmp+` ? OR id `+cmp+` ?)`, k, k, c.ID)
	}
	args = append(args, q.Limit)
	return selectUser + ` WHERE ` + strings.Join(where, ` AND `) + ` ORDER BY ` + order + ` LIMIT ?`, args, nil
}
