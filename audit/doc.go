// Package audit is the record of every privileged or security-relevant act:
// who did what to whom, in which tenant, when. Administrators read it for
// their own subtree (seed 001: "user activity logs scoped to what the
// viewer owns"); support access and lockouts are in it (seed 004).
//
// Events are appended and never changed. They name people and things by id
// and by the name they had at the time, and never carry a password, code,
// token, secret or cookie.
//
// Recording: the code that performs an act builds an Event and hands it to
// Log.Record, which gives it an id and a time, checks it (the shape of the
// action, an actor, a tenant, a few short details whose keys do not look
// like secrets), stores it, and writes one log line without the details.
// Record's error goes back to the caller, since an act that cannot be
// audited must not silently happen: the caller either records before it
// acts and refuses to act, or reports the act as failed.
//
// Reading: Store.ListEvents hands back the events of the tenants a viewer
// may see, newest first. Store.QueryEvents does too, narrowed by a Query
// (an actor, a target, an action or a noun's actions, a time range) and a
// page at a time: each page ends with an event whose Cursor, through
// EncodeCursor and DecodeCursor, is where the next page starts, so that
// events appended meanwhile shift nothing. A Store has no way to list
// "every tenant": the caller names them, so a viewer's subtree is the
// widest read there is. A viewer's subtree is named by its top tenant
// (Query.Subtree), which a Store that sees the directory's tenants reads in
// the same query as the events, rather than as a list of every tenant in
// it: a provider's subtree may hold thousands.
//
// The log outlives what it names: a deleted user's events stay, so stores
// keep no reference from an event to a tenant or user. A deleted tenant's
// events stay too, but it is in no subtree any more: only a list of tenant
// ids naming it (Query.TenantIDs, ListEvents) reads them. storage/sqlite and
// storage/postgres implement Store and pass the conformance suite in
// audittest, subtrees included.
package audit
