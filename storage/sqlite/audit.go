package sqlite

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/gatehouse-id/gatehouse/audit"
	"github.com/gatehouse-id/gatehouse/storage/internal/stored"
)

const eventColumns = `id, time, action, tenant_id, actor, actor_name, target, target_name, details`

// appendEvent stores e through q (the pool, or a transaction); an id
// already stored is audit.ErrConflict.
func appendEvent(ctx context.Context, q querier, e audit.Event) error {
	details, err := stored.EncodeDetails(e.Details)
	if err != nil {
		return fmt.Errorf("append audit event %s: %w", e.ID, err)
	}
	_, err = q.ExecContext(ctx, `INSERT INTO audit_events (`+eventColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		e.ID, encTime(e.Time), e.Action, e.TenantID, e.Actor, e.ActorName, e.Target, e.TargetName, details)
	switch {
	case isUnique(err):
		return fmt.Errorf("append audit event %s: %w: %v", e.ID, audit.ErrConflict, err)
	case err != nil:
		return fmt.Errorf("append audit event %s: %w", e.ID, err)
	}
	return nil
}

// AppendEvent stores e; see appendEvent.
func (s *Store) AppendEvent(ctx context.Context, e audit.Event) error {
	return appendEvent(ctx, s.db, e)
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
	query, args, err := eventsQuery(q)
	if err != nil {
		return nil, false, fmt.Errorf("query audit events: %w", err)
	}
	rows, err := s.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, false, fmt.Errorf("query audit events: %w", err)
	}
	es, err := collect(rows, scanEvent)
	if err != nil {
		return nil, false, fmt.Errorf("query audit events: %w", err)
	}
	if n := q.PageSize(); len(es) > n {
		return es[:n], true, nil
	}
	return es, false, nil
}

// eventsQuery returns QueryEvents' query and its arguments, which read
// q.PageSize()+1 events. One tenant, the usual case (an administrator of
// a customer), is an equality, so that the rows come from an index in
// order and reading stops at the limit. Several tenants go in as one JSON
// array rather than a parameter each, since a list may hold more tenants
// than a statement takes parameters (32766). A subtree's tenants are read
// in the query, walking down from its top by parent_id (tenants_parent_id,
// 0001): they are the tenants whose path holds the top's id, since a path
// is the parent's with the tenant's id added, found at the cost of the
// subtree's size. Reading every tenant's path instead (json_each; an
// element of a JSON array cannot be indexed) costs as many tenants as
// there are: a customer's page took 2.5 ms rather than 0.3 ms among 3,000
// tenants (BenchmarkQueryEventsSubtree's). UNION rather than UNION ALL
// keeps a cycle, which the directory never makes, from looping. A deleted
// tenant has no row, so its events are in no subtree.
//
// The events of several tenants, or of a subtree, are sorted, keeping only
// the newest; SQLite reads each tenant's from the index in order, and
// leaves a tenant for the next once the page is full with newer events
// than its next one (its ORDER BY LIMIT optimization of IN), so that a
// tenant with a long log costs no more than a page of it.
//
// The index is named (INDEXED BY) rather than left to the planner, which
// without statistics (no ANALYZE is run) takes a time range in the whole
// tenant's log over an actor's or a target's events in that range. Each of
// the three indexes holds the events of its tenant, actor or target newest
// first, so the one named for the filters given is never worse than
// another.
//
// Times are text of one width (timeLayout), so they compare as times, and
// ids, actors, targets and actions compare bytes (the BINARY collation).
// An action prefix is a range (audit.Query.ActionRange) rather than LIKE,
// which ignores case and takes '_' for any character. The cursor's
// condition repeats time <= ? so that the index is read from the cursor on
// rather than from the newest event.
func eventsQuery(q audit.Query) (string, []any, error) {
	var (
		where []string
		args  []any
	)
	and := func(cond string, a ...any) {
		where = append(where, cond)
		args = append(args, a...)
	}
	ts := q.TenantIDs
	switch {
	case q.Subtree != "":
		and(`tenant_id IN (WITH RECURSIVE subtree(id) AS (
				SELECT id FROM tenants WHERE id = ?
				UNION SELECT tenants.id FROM tenants JOIN subtree ON tenants.parent_id = subtree.id)
			SELECT id FROM subtree)`, q.Subtree)
	case slices.ContainsFunc(ts, func(id string) bool { return id != ts[0] }):
		list, err := encList(ts)
		if err != nil {
			return "", nil, err
		}
		and(`tenant_id IN (SELECT value FROM json_each(?))`, list)
	default:
		and(`tenant_id = ?`, ts[0])
	}
	if q.Actor != "" {
		and(`actor = ?`, q.Actor)
	}
	if q.Target != "" {
		and(`target = ?`, q.Target)
	}
	if from, to, ok := q.ActionRange(); ok {
		and(`action >= ? AND action < ?`, from, to)
	} else if q.Action != "" {
		and(`action = ?`, q.Action)
	}
	if !q.Since.IsZero() {
		and(`time >= ?`, encTime(q.Since))
	}
	if !q.Until.IsZero() {
		and(`time < ?`, encTime(q.Until))
	}
	if !q.After.IsZero() {
		t := encTime(q.After.Time)
		and(`time <= ? AND (time < ? OR (time = ? AND id < ?))`, t, t, t, q.After.ID)
	}
	index := `audit_events_tenant_time`
	switch {
	case q.Target != "":
		index = `audit_events_tenant_target`
	case q.Actor != "":
		index = `audit_events_tenant_actor`
	}
	args = append(args, q.PageSize()+1)
	return `SELECT ` + eventColumns + ` FROM audit_events INDEXED BY ` + index + `
		WHERE ` + strings.Join(where, ` AND `) + `
		ORDER BY time DESC, id DESC LIMIT ?`, args, nil
}

func scanEvent(row scanner) (audit.Event, error) {
	var (
		e             audit.Event
		when, details string
	)
	if err := row.Scan(&e.ID, &when, &e.Action, &e.TenantID, &e.Actor, &e.ActorName, &e.Target, &e.TargetName,
		&details); err != nil {
		return audit.Event{}, err
	}
	var d decoder
	e.Time = d.time(when)
	e.Details = d.details(details)
	if d.err != nil {
		return audit.Event{}, fmt.Errorf("audit event %s: %w", e.ID, d.err)
	}
	return e, nil
}

// details decodes a details column (stored.DecodeDetails).
func (d *decoder) details(s string) map[string]string {
	m, err := stored.DecodeDetails(s)
	d.keep(err)
	return m
}
