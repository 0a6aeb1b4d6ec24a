package audit

import (
	"context"
	"errors"
	"time"
)

// ErrConflict is returned by a Store asked to append an event whose id is
// already stored. Events are never changed, so a second event with the
// same id is refused rather than written over the first.
var ErrConflict = errors.New("audit: event id already stored")

// ListLimit is the most events ListEvents and QueryEvents return at once,
// and what they return when asked for no limit (a limit <= 0) or a higher
// one.
const ListLimit = 1000

// Event is one audited act.
type Event struct {
	// ID identifies the event; Log.Record gives it a UUIDv7 when empty.
	ID string
	// Time is when the act happened, in UTC; Log.Record sets it to its
	// clock's now when zero, and keeps microseconds, what every backend
	// stores.
	Time time.Time
	// Action says what happened, as "noun.verb": "totp.locked",
	// "totp.reset", "user.roles_changed".
	Action string
	// TenantID is the tenant the act happened in (the target's tenant):
	// whose administrators may read it.
	TenantID string
	// Actor is who did it: a user id, "client:<id>", or "system" for
	// Gatehouse itself (a lock after failed attempts) or the operator's
	// command line ("operator").
	Actor     string
	ActorName string // the actor's username at the time, for people reading the log
	// Target is what it was done to: a user id, a client id, a tenant id.
	Target     string
	TargetName string
	// Details are a few plain facts ("attempts": "5"); never secrets.
	// A nil and an empty map mean the same: no details.
	Details map[string]string
}

// Store keeps events. Implementations hand back copies: a caller may
// change what it handed in or got back without changing what is stored.
type Store interface {
	// AppendEvent stores e. An event with an id already stored fails
	// with an error wrapping ErrConflict; nothing is overwritten.
	AppendEvent(ctx context.Context, e Event) error
	// ListEvents returns the events of the given tenants from since
	// (inclusive), newest first (events of the same time by id,
	// descending, comparing bytes), at most limit of them; a limit <= 0
	// or above ListLimit means ListLimit. No tenants means no events,
	// never every tenant's.
	ListEvents(ctx context.Context, tenantIDs []string, since time.Time, limit int) ([]Event, error)
	// QueryEvents returns the events matching q (see Query), newest
	// first (events of the same time by id, descending, comparing
	// bytes), at most q.PageSize() of them, and whether more match after
	// the last one returned: the next page, from its Cursor. No tenants
	// means no events and no more; a q that Check refuses fails with its
	// error.
	//
	// A Store answers q.Subtree only if it sees the directory's tenants
	// (storage/sqlite and storage/postgres keep both in one database,
	// and read the subtree in the query); one that does not fails with
	// an error wrapping ErrSubtreeUnsupported.
	QueryEvents(ctx context.Context, q Query) ([]Event, bool, error)
}

// Appender is the part of a Store that a Log writes to.
type Appender interface {
	AppendEvent(ctx context.Context, e Event) error
}
