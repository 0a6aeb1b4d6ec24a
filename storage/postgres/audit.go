package postgres

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gatehouse-id/gatehouse/audit"
	"github.com/gatehouse-id/gatehouse/storage/internal/stored"
)

const eventColumns = `id, time, action, tenant_id, actor, actor_name, target, target_name, details`

// appendEvent stores e through q (the pool, or a transaction); an id
// already stored is audit.ErrConflict. Of
// nodes appending the same id at once, one inserts and the others wait for
// its commit and then fail.
func appendEvent(ctx context.Context, q querier, e audit.Event) error {
	details, err := stored.EncodeDetails(e.Details)
	if err != nil {
		return fmt.Errorf("append audit event %s: %w", e.ID, err)
	}
	_, err = q.Exec(ctx, `INSERT INTO audit_events (`+eventColumns+`) VALUES (`+params(9)+`)`,
		e.ID, e.Time, e.Action, e.TenantID, e.Actor, e.ActorName, e.Target, e.TargetName, details)
	switch {
	case pgCode(err) == codeUniqueViolation:
		return fmt.Errorf("append audit event %s: %w: %w", e.ID, audit.ErrConflict, err)
	case err != nil:
		return fmt.Errorf("append audit event %s: %w", e.ID, unavailable(err))
	}
	return nil
}

// AppendEvent stores e; see appendEvent.
func (s *Store) AppendEvent(ctx context.Context, e audit.Event) error {
	return appendEvent(ctx, s.pool, e)
}

// AppendEvent stores e in the transaction of InTx, so that a change and
// its audit event commit together or not at all (the administration API
// records every change this way).
func (s txStore) AppendEvent(ctx context.Context, e audit.Event) error {
	return appendEvent(ctx, s.q, e)
}

// ListEvents returns the events of tenantIDs from since, newest first, ties
// by id descending, at most limit (audit.ListLimit for <= 0 or more).
func (s *Store) ListEvents(ctx context.Context, tenantIDs []string, since time.Time, limit int) ([]audit.Event, error) {
	es, _, err := s.QueryEvents(ctx, audit.Query{TenantIDs: tenantIDs, Since: since, Limit: limit})
	return es, err
}

// QueryEvents returns the events matching q, newest first, ties by id
// descending, at most q.PageSize(), and whether more follow: it reads one
// event more than it returns. It answers q.Subtree from the tenants table
// of the same database.
func (s *Store) QueryEvents(ctx context.Context, q audit.Query) ([]audit.Event, bool, error) {
	if err := q.Check(); err != nil {
		return nil, false, fmt.Errorf("query audit events: %w", err)
	}
	if q.NoTenants() {
		return nil, false, nil
	}
	query, args := eventsQuery(q)
	rows, err := s.pool.Query(ctx, query, args...)
	if err != nil {
		return nil, false, fmt.Errorf("query audit events: %w", unavailable(err))
	}
	es, err := collect(rows, scanEvent)
	if err != nil {
		return nil, false, fmt.Errorf("query audit events: %w", unavailable(err))
	}
	if n := q.PageSize(); len(es) > n {
		return es[:n], true, nil
	}
	return es, false, nil
}

// eventsQuery returns QueryEvents' query and its arguments, which read
// q.PageSize()+1 events. One tenant, the usual case (an administrator of
// a customer), is an equality, so that the rows come from an index in
// order (audit_events_tenant_time, or with an actor or a target
// audit_events_tenant_actor or audit_events_tenant_target) and reading
// stops at the limit; PostgreSQL plans "= ANY" of a one-element array as
// a scan of every matching row and a sort. Several tenants go in as one
// text[], however many there are; their events are sorted, keeping only
// the newest.
//
// A subtree's tenants are read in the query: the tenants whose path holds
// the top's id (path @> ARRAY[id], which ANALYZE's statistics of the
// array's elements estimate well), scanning the tenants table; a deleted
// tenant has no row, so its events are in no subtree. Of each tenant, at
// most a page of its newest matching events' times and ids comes from its
// index in order (a LATERAL subquery with its own LIMIT, from the index
// alone when it holds the filters' columns); only the newest page of those
// is read from the table, by id, so that a page of a provider's 2,000
// customers reads 2,000 short stretches of the indexes and 50 rows, and a
// customer with a long log costs as one tenant does. Both plainer forms
// are slower: joined to the tenants (tenant_id IN (subquery)), the events
// are not read a tenant at a time in order, and the planner reads every
// event of the subtree, or of the whole log, to sort them, even for a
// subtree of one tenant (150 ms for a page of 50 in
// BenchmarkQueryEventsSubtree's log, against 1 ms); walked down from the
// top by parent_id (WITH RECURSIVE), the subtree is estimated at thousands
// of tenants whatever its size, and the plan's cost sets off JIT
// compilation, 100 ms and more for a page of one tenant.
//
// Ids, actors, targets and actions are COLLATE "C" (0004), so they compare
// bytes, as in SQLite. An action prefix is a range (audit.Query.ActionRange)
// rather than LIKE, which takes '_' for any character. The cursor's
// condition repeats time <= $n so that the index is read from the cursor on
// rather than from the newest event.
//
// PostgreSQL keeps microseconds, and pgx drops the nanoseconds of a time it
// sends; Since, Until and the cursor's time are rounded up to the
// microsecond instead, which selects the same stored events as comparing
// the exact instants does (see ceilMicro).
func eventsQuery(q audit.Query) (string, []any) {
	var (
		where []string
		args  []any
	)
	arg := func(a any) string {
		args = append(args, a)
		return "$" + strconv.Itoa(len(args))
	}
	ts := q.TenantIDs
	switch {
	case q.Subtree != "":
		where = append(where, `tenant_id = subtree.id`)
	case slices.ContainsFunc(ts, func(id string) bool { return id != ts[0] }):
		where = append(where, `tenant_id = ANY(`+arg(ts)+`)`)
	default:
		where = append(where, `tenant_id = `+arg(ts[0]))
	}
	if q.Actor != "" {
		where = append(where, `actor = `+arg(q.Actor))
	}
	if q.Target != "" {
		where = append(where, `target = `+arg(q.Target))
	}
	if from, to, ok := q.ActionRange(); ok {
		where = append(where, `action >= `+arg(from)+` AND action < `+arg(to))
	} else if q.Action != "" {
		where = append(where, `action = `+arg(q.Action))
	}
	if !q.Since.IsZero() {
		where = append(where, `time >= `+arg(ceilMicro(q.Since)))
	}
	if !q.Until.IsZero() {
		where = append(where, `time < `+arg(ceilMicro(q.Until)))
	}
	if !q.After.IsZero() {
		c := ceilMicro(q.After.Time)
		t := arg(c)
		if c.Equal(q.After.Time) {
			where = append(where, `time <= `+t+` AND (time < `+t+` OR (time = `+t+` AND id < `+arg(q.After.ID)+`))`)
		} else {
			where = append(where, `time < `+t) // no stored event has the cursor's time
		}
	}
	limit := arg(q.PageSize() + 1)
	if q.Subtree == "" {
		return `SELECT ` + eventColumns + ` FROM audit_events WHERE ` + strings.Join(where, ` AND `) + `
			ORDER BY time DESC, id DESC LIMIT ` + limit, args
	}
	return `SELECT ` + eventColumns + ` FROM audit_events WHERE id IN (
			SELECT page.id FROM tenants AS subtree CROSS JOIN LATERAL (
				SELECT time, id FROM audit_events WHERE ` + strings.Join(where, ` AND `) + `
				ORDER BY time DESC, id DESC LIMIT ` + limit + `) AS page
			WHERE subtree.path @> ARRAY[` + arg(q.Subtree) + `::text]
			ORDER BY page.time DESC, page.id DESC LIMIT ` + limit + `)
		ORDER BY time DESC, id DESC`, args
}

// ceilMicro returns t rounded up to the microsecond. For a stored time s,
// which has whole microseconds, s >= t exactly when s >= ceilMicro(t), and
// s < t exactly when s < ceilMicro(t).
func ceilMicro(t time.Time) time.Time {
	if r := t.Truncate(time.Microsecond); !r.Equal(t) {
		return r.Add(time.Microsecond)
	}
	return t
}

func scanEvent(row scanner) (audit.Event, error) {
	var (
		e       audit.Event
		details []byte
	)
	if err := row.Scan(&e.ID, &e.Time, &e.Action, &e.TenantID, &e.Actor, &e.ActorName, &e.Target, &e.TargetName,
		&details); err != nil {
		return audit.Event{}, err
	}
	var err error
	if e.Details, err = stored.DecodeDetails(details); err != nil {
		return audit.Event{}, fmt.Errorf("audit event %s: %w", e.ID, err)
	}
	return e, nil
}
