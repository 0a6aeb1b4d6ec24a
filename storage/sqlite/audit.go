package sqlite

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/gatehouse-id/gatehouse/audit"
)

// Store keeps the audit log too.
var _ audit.Store = (*Store)(nil)

const eventColumns = `id, time, action, tenant_id, actor, actor_name, target, target_name, details`

// AppendEvent stores e; an id already stored is audit.ErrConflict.
func (s *Store) AppendEvent(ctx context.Context, e audit.Event) error {
	details, err := encDetails(e.Details)
	if err != nil {
		return fmt.Errorf("append audit event %s: %w", e.ID, err)
	}
	_, err = s.db.ExecContext(ctx, `INSERT INTO audit_events (`+eventColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		e.ID, encTime(e.Time), e.Action, e.TenantID, e.Actor, e.ActorName, e.Target, e.TargetName, details)
	switch {
	case isUnique(err):
		return fmt.Errorf("append audit event %s: %w: %v", e.ID, audit.ErrConflict, err)
	case err != nil:
		return fmt.Errorf("append audit event %s: %w", e.ID, err)
	}
	return nil
}

// ListEvents returns the events of tenantIDs from since, newest first, ties
// by id descending, at most limit (audit.ListLimit for <= 0 or more).
func (s *Store) ListEvents(ctx context.Context, tenantIDs []string, since time.Time, limit int) ([]audit.Event, error) {
	if len(tenantIDs) == 0 {
		return nil, nil
	}
	query, args, err := eventsQuery(tenantIDs, since, limit)
	if err != nil {
		return nil, fmt.Errorf("list audit events: %w", err)
	}
	rows, err := s.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("list audit events: %w", err)
	}
	es, err := collect(rows, scanEvent)
	if err != nil {
		return nil, fmt.Errorf("list audit events: %w", err)
	}
	return es, nil
}

// eventsQuery returns ListEvents' query and its arguments. One tenant, the
// usual case (an administrator of a customer), is an equality, so that
// the rows come from audit_events_tenant_time in order and reading stops
// at the limit. Several tenants go in as one JSON array rather than a
// parameter each, since an administrator's subtree may hold more tenants
// than a statement takes parameters; their events are sorted, keeping
// only the newest limit.
func eventsQuery(tenantIDs []string, since time.Time, limit int) (string, []any, error) {
	if limit <= 0 || limit > audit.ListLimit {
		limit = audit.ListLimit
	}
	filter, tenants := `tenant_id = ?`, any(tenantIDs[0])
	if slices.ContainsFunc(tenantIDs, func(id string) bool { return id != tenantIDs[0] }) {
		list, err := encList(tenantIDs)
		if err != nil {
			return "", nil, err
		}
		filter, tenants = `tenant_id IN (SELECT value FROM json_each(?))`, list
	}
	return `SELECT ` + eventColumns + ` FROM audit_events WHERE ` + filter + ` AND time >= ?
		ORDER BY time DESC, id DESC LIMIT ?`, []any{tenants, encTime(since), limit}, nil
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

// encDetails stores details as a JSON object, {} for none however spelled,
// so that the column always holds an object.
func encDetails(details map[string]string) (string, error) {
	if len(details) == 0 {
		return "{}", nil
	}
	return encJSON("details", details)
}

// details decodes a details column; {} comes back as nil.
func (d *decoder) details(s string) map[string]string {
	m, err := decJSON[map[string]string]("details", s)
	d.keep(err)
	if len(m) == 0 {
		return nil
	}
	return m
}
