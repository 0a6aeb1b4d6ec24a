package postgres

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

// AppendEvent stores e; an id already stored is audit.ErrConflict. Of
// nodes appending the same id at once, one inserts and the others wait for
// its commit and then fail.
func (s *Store) AppendEvent(ctx context.Context, e audit.Event) error {
	details, err := encDetails(e.Details)
	if err != nil {
		return fmt.Errorf("append audit event %s: %w", e.ID, err)
	}
	_, err = s.pool.Exec(ctx, `INSERT INTO audit_events (`+eventColumns+`) VALUES (`+params(9)+`)`,
		e.ID, e.Time, e.Action, e.TenantID, e.Actor, e.ActorName, e.Target, e.TargetName, details)
	switch {
	case pgCode(err) == codeUniqueViolation:
		return fmt.Errorf("append audit event %s: %w: %w", e.ID, audit.ErrConflict, err)
	case err != nil:
		return fmt.Errorf("append audit event %s: %w", e.ID, unavailable(err))
	}
	return nil
}

// ListEvents returns the events of tenantIDs from since, newest first, ties
// by id descending, at most limit (audit.ListLimit for <= 0 or more).
func (s *Store) ListEvents(ctx context.Context, tenantIDs []string, since time.Time, limit int) ([]audit.Event, error) {
	if len(tenantIDs) == 0 {
		return nil, nil
	}
	query, args := eventsQuery(tenantIDs, since, limit)
	rows, err := s.pool.Query(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("list audit events: %w", unavailable(err))
	}
	es, err := collect(rows, scanEvent)
	if err != nil {
		return nil, fmt.Errorf("list audit events: %w", unavailable(err))
	}
	return es, nil
}

// eventsQuery returns ListEvents' query and its arguments. One tenant, the
// usual case (an administrator of a customer), is an equality, so that
// the rows come from audit_events_tenant_time in order and reading stops
// at the limit; PostgreSQL plans "= ANY" of a one-element array as a scan
// of every matching row and a sort. Several tenants go in as one text[],
// however many there are; their events are sorted, keeping only the newest
// limit.
func eventsQuery(tenantIDs []string, since time.Time, limit int) (string, []any) {
	if limit <= 0 || limit > audit.ListLimit {
		limit = audit.ListLimit
	}
	filter, tenants := `tenant_id = $1`, any(tenantIDs[0])
	if slices.ContainsFunc(tenantIDs, func(id string) bool { return id != tenantIDs[0] }) {
		filter, tenants = `tenant_id = ANY($1)`, tenantIDs
	}
	return `SELECT ` + eventColumns + ` FROM audit_events WHERE ` + filter + ` AND time >= $2
		ORDER BY time DESC, id DESC LIMIT $3`, []any{tenants, since, limit}
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
	var d decoder
	if e.Details = d.details(details); d.err != nil {
		return audit.Event{}, fmt.Errorf("audit event %s: %w", e.ID, d.err)
	}
	return e, nil
}

// encDetails stores details as a jsonb object, {} for none however spelled,
// so that the column always holds an object, as in SQLite.
func encDetails(details map[string]string) (string, error) {
	if len(details) == 0 {
		return "{}", nil
	}
	return encJSON("details", details)
}

// details decodes a details column; {} comes back as nil.
func (d *decoder) details(b []byte) map[string]string {
	m, err := decJSON[map[string]string]("details", b)
	d.keep(err)
	if len(m) == 0 {
		return nil
	}
	return m
}
