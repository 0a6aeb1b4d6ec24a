// Package logout is OpenID Connect Back-Channel Logout 1.0 on Gatehouse's
// side: remembering which clients got ID tokens in which SSO session, and,
// when a session ends, delivering a signed logout token to each of those
// clients' backchannel_logout_uri, from a durable, bounded outbox that
// survives a restart and that one node at a time works on.
//
// The flow:
//
//  1. The token endpoint, when it redeems an authorization code and issues
//     an ID token (with the session's sid), records a Participation: the
//     session, the client, the person, the tenant, the session's end and
//     whether it is a support session (Service.Record). Nothing is written
//     on the client-credentials path.
//  2. A session ends: RP-initiated logout (Service.EndSessions, with the
//     session and those it replaced by tenant switches), an administrator
//     disabling or deleting the person or a password reset
//     (Service.EndUser: every session of the person), or a support
//     session reaching its absolute end (Service.Sweep finds them). The
//     participations of the ended sessions are turned into Deliveries for
//     the clients with a back-channel logout URI, the refresh tokens born
//     in those sessions are revoked, and the participations are removed.
//  3. A worker on every node (Service.Run, or Service.DeliverOnce) claims
//     due deliveries under a lease, signs a logout token for each at send
//     time (so a retry a day later still carries a fresh iat and a short
//     exp), POSTs it, and removes the row on 200 or 204. A network error,
//     a 5xx, 408 or 429 is retried with exponential backoff until the
//     delivery's give-up time (a day); any other answer is a permanent
//     failure. Every final failure is audited as logout.failed.
//
// Delivery is at least once: a node that crashes after sending and before
// removing the row sends again once its lease expires, and logout tokens
// carry the delivery's id as jti, the same on every attempt, so a relying
// party can tell a repeat.
package logout

import (
	"context"
	"errors"
	"time"
)

// ErrNotFound: no such delivery (already delivered, or leased by another
// node since).
var ErrNotFound = errors.New("logout delivery not found")

// Participation records that a client got an ID token in an SSO session.
type Participation struct {
	SessionID string // the session's public id, the sid claim
	ClientID  string
	UserID    string // the person (for a support session, the one supported)
	TenantID  string // the tenant the session acts in
	// Support: a support session, which is logged out when it reaches
	// its absolute end (Sweep); other sessions that simply time out are
	// not (see docs/logout.md).
	Support   bool
	CreatedAt time.Time
	ExpiresAt time.Time // the session's absolute end
}

// Delivery is one logout token still to deliver: to one client, for one
// session.
type Delivery struct {
	ID        string // random; the logout token's jti on every attempt
	ClientID  string
	TenantID  string // where a failure is audited
	UserID    string // the token's sub
	SessionID string // the token's sid
	URI       string // the client's backchannel_logout_uri when queued
	Attempts  int    // failed attempts so far
	CreatedAt time.Time
	NextAt    time.Time // not before
	GiveUpAt  time.Time // a failure after this is final
}

// Store persists participations and the outbox. Times come back in UTC.
type Store interface {
	// RecordParticipation stores p, replacing the row of the same session
	// and client.
	RecordParticipation(ctx context.Context, p Participation) error
	// SessionParticipations returns the participations in any of the
	// sessions sessionIDs.
	SessionParticipations(ctx context.Context, sessionIDs []string) ([]Participation, error)
	// UserParticipations returns the participations in the sessions of
	// the person userID.
	UserParticipations(ctx context.Context, userID string) ([]Participation, error)
	// TenantParticipations returns the participations in sessions acting
	// in any of the tenants tenantIDs.
	TenantParticipations(ctx context.Context, tenantIDs []string) ([]Participation, error)
	// EndedSupportParticipations returns up to limit participations in
	// support sessions whose end is at or before now, soonest ended first.
	EndedSupportParticipations(ctx context.Context, now time.Time, limit int) ([]Participation, error)
	// DeleteParticipations removes the rows of ps (by session and client);
	// rows already gone are not an error.
	DeleteParticipations(ctx context.Context, ps []Participation) error
	// DeleteEndedParticipations removes the participations in sessions
	// other than support sessions that ended before before, and returns
	// how many.
	DeleteEndedParticipations(ctx context.Context, before time.Time) (int, error)

	// QueueDeliveries stores ds, in order, as long as fewer than max
	// deliveries are pending; it returns how many it stored (the first n
	// of ds), the rest being dropped because the outbox is full.
	QueueDeliveries(ctx context.Context, ds []Delivery, max int) (int, error)
	// ClaimDeliveries leases to owner, until leaseUntil, up to limit
	// deliveries due at now (NextAt <= now) that no one holds a live
	// lease on, soonest due first, and returns them. Two owners never
	// hold a lease on the same delivery at once.
	ClaimDeliveries(ctx context.Context, owner string, now, leaseUntil time.Time, limit int) ([]Delivery, error)
	// DeleteDelivery removes the delivery id (delivered, or given up);
	// an unknown id is not an error.
	DeleteDelivery(ctx context.Context, id string) error
	// RetryDelivery records a failed attempt of the delivery id that
	// owner holds: attempts, and the next time to try; it releases the
	// lease. ErrNotFound if owner no longer holds it.
	RetryDelivery(ctx context.Context, id, owner string, attempts int, next time.Time) error
	// PendingDeliveries counts the deliveries in the outbox.
	PendingDeliveries(ctx context.Context) (int, error)
}
