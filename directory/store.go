package directory

import (
	"context"
	"time"

	"github.com/gatehouse-id/gatehouse/onetime"
)

// Store is the durable home of tenants, users, links, global roles, groups,
// services, resources and clients. Implementations
// return errors wrapping ErrNotFound and ErrConflict, take ctx into every
// query, and hand back copies (a caller mutating a returned value changes
// nothing stored).
//
// Lookups by natural key (slug, username) are exact and case-sensitive on
// what was stored; the Directory service lower-cases slugs and usernames
// before they reach a Store.
type Store interface {
	// The one-time tokens of invitation and password reset links
	// (links.go) live with the users they act for, so that a link is
	// used in the same transaction as the password it sets.
	onetime.Store
	CreateTenant(ctx context.Context, t Tenant) error
	UpdateTenant(ctx context.Context, t Tenant) error
	TenantByID(ctx context.Context, id string) (Tenant, error)
	TenantBySlug(ctx context.Context, slug string) (Tenant, error)
	// ListTenants returns every tenant, ordered by path (parents before
	// children).
	ListTenants(ctx context.Context) ([]Tenant, error)
	// DeleteTenant deletes the tenant with id and, in one transaction,
	// everything that belongs only to it: its users (with their links,
	// TOTP credentials and support consents), the links of other tenants'
	// users to it, its clients, global roles, groups and support consents;
	// a user elsewhere owned by one of its users loses its owner. A tenant
	// with child tenants is ErrConflict (delete bottom-up), a missing one
	// ErrNotFound. Audit events and refresh tokens are not the directory's
	// and stay.
	DeleteTenant(ctx context.Context, id string) error

	// CreateUser and UpdateUser store every field of u but the login
	// statistics (see User): CreateUser stores a user who has never signed
	// in, UpdateUser keeps the statistics stored.
	CreateUser(ctx context.Context, u User) error
	UpdateUser(ctx context.Context, u User) error
	// RecordLogin counts a successful login of the user with userID at
	// time at from address, in one statement: LoginCount goes up by one,
	// LastLoginAt and LastSeenAt become at, LastLoginAddress address.
	// Nothing else of the user changes, UpdatedAt included. An unknown
	// user is ErrNotFound.
	RecordLogin(ctx context.Context, userID string, at time.Time, address string) error
	UserByID(ctx context.Context, id string) (User, error)
	UserByUsername(ctx context.Context, tenantID, username string) (User, error)
	// ListUsers returns the users whose home tenant is tenantID, ordered by
	// username, deleted users included.
	ListUsers(ctx context.Context, tenantID string) ([]User, error)
	// QueryUsers returns a page of the users whose home tenant is
	// q.TenantID: those matching every filter of q, in the order q.Sort
	// (ties by id, the same way), strictly after q.After if set, at most
	// q.Limit. The store filters, orders and stops at the limit itself,
	// so that a page costs about what its users do rather than what the
	// tenant's do; see UserQuery for what each filter matches. Enrolment
	// (q.MFA) is answered from the TOTP credentials the same store keeps
	// as mfa.Store: a user is enrolled when it has one. An unknown tenant
	// has no users; a sort that does not exist, or a limit below 1, is an
	// error.
	QueryUsers(ctx context.Context, q UserQuery) ([]User, error)
	// CountUsers counts the users whose home tenant is tenantID and that
	// are not deleted: what the tenant's quota counts. In a transaction,
	// a concurrent create in the same tenant must not let both commit over
	// the quota (PostgreSQL: SERIALIZABLE aborts one; SQLite: one writer).
	CountUsers(ctx context.Context, tenantID string) (int, error)
	// DeletedUsersBefore returns up to limit users deleted (soft delete)
	// before the time given, the longest deleted first: what is due to be
	// purged.
	DeletedUsersBefore(ctx context.Context, before time.Time, limit int) ([]User, error)
	// PurgeUser removes the user with id for good, with its links, TOTP
	// credential, recovery codes and support consents; the users it owns
	// lose their owner. A missing user is ErrNotFound. Audit events and
	// refresh tokens are not the directory's and stay (the refresh path
	// refuses a user that no longer exists).
	PurgeUser(ctx context.Context, id string) error

	CreateClient(ctx context.Context, c Client) error
	UpdateClient(ctx context.Context, c Client) error
	ClientByID(ctx context.Context, id string) (Client, error)
	ListClients(ctx context.Context) ([]Client, error)
	// DeleteClient deletes the client with id, or answers ErrNotFound.
	// Refresh tokens name clients without a foreign key and stay: the
	// token endpoint refuses them, since the client is unknown.
	DeleteClient(ctx context.Context, id string) error

	// LinksOfUser returns the user's links to tenants other than its home,
	// ordered by tenant id; LinksToTenant the links of external users to
	// tenantID, ordered by user id.
	CreateLink(ctx context.Context, l Link) error
	UpdateLink(ctx context.Context, l Link) error
	LinkOf(ctx context.Context, userID, tenantID string) (Link, error)
	LinksOfUser(ctx context.Context, userID string) ([]Link, error)
	LinksToTenant(ctx context.Context, tenantID string) ([]Link, error)

	// Global roles and groups belong to a tenant and are unique by name
	// within it; lists are ordered by name.
	CreateGlobalRole(ctx context.Context, r GlobalRole) error
	UpdateGlobalRole(ctx context.Context, r GlobalRole) error
	GlobalRoleByName(ctx context.Context, tenantID, name string) (GlobalRole, error)
	ListGlobalRoles(ctx context.Context, tenantID string) ([]GlobalRole, error)

	// DeleteGlobalRole and DeleteGroup delete by id, or answer
	// ErrNotFound. Users, groups, links and clients name roles and groups
	// without a foreign key: the Directory checks that none does first.
	DeleteGlobalRole(ctx context.Context, id string) error
	DeleteGroup(ctx context.Context, id string) error

	CreateGroup(ctx context.Context, g Group) error
	UpdateGroup(ctx context.Context, g Group) error
	GroupByName(ctx context.Context, tenantID, name string) (Group, error)
	ListGroups(ctx context.Context, tenantID string) ([]Group, error)

	// Services and operator-defined resources are platform-wide and unique
	// by name; lists are ordered by name. Built-in resources are not
	// stored.
	CreateService(ctx context.Context, s Service) error
	UpdateService(ctx context.Context, s Service) error
	ServiceByName(ctx context.Context, name string) (Service, error)
	ListServices(ctx context.Context) ([]Service, error)
	// DeleteService deletes the service called name, or answers
	// ErrNotFound. Users, links, groups and clients name services without
	// a foreign key: the Directory checks that none does first.
	DeleteService(ctx context.Context, name string) error

	CreateResource(ctx context.Context, r Resource) error
	UpdateResource(ctx context.Context, r Resource) error
	ListResources(ctx context.Context) ([]Resource, error)

	// Support consents (support.go) are keyed by tenant and user; an empty
	// user id is the consent for the whole tenant. PutSupportConsent
	// inserts or replaces the one consent of that key; the tenant, and the
	// user if one is named, must exist (ErrNotFound). SupportConsentOf and
	// DeleteSupportConsent answer ErrNotFound when there is none; an
	// expired consent is still returned: the caller compares ExpiresAt.
	PutSupportConsent(ctx context.Context, c SupportConsent) error
	SupportConsentOf(ctx context.Context, tenantID, userID string) (SupportConsent, error)
	DeleteSupportConsent(ctx context.Context, tenantID, userID string) error

	// Client consents (client_consent.go) are keyed by user and client.
	// PutClientConsent inserts or replaces the one consent of that key;
	// the user and the client must exist (ErrNotFound). ClientConsentOf
	// answers ErrNotFound when there is none. DeleteClientConsentsOf
	// removes every consent of a user (none is not an error); purging the
	// user or deleting the client removes its consents too.
	PutClientConsent(ctx context.Context, c ClientConsent) error
	ClientConsentOf(ctx context.Context, userID, clientID string) (ClientConsent, error)
	DeleteClientConsentsOf(ctx context.Context, userID string) error

	// InTx runs fn with a Store bound to one transaction: if fn returns an
	// error, nothing fn wrote is kept. Nested calls on the bound Store join
	// the same transaction.
	//
	// Transactions may run side by side. Of two that write the same row,
	// each commits whole or fails with an error and keeps nothing; the row
	// is what the last to commit wrote, never a mix of both; neither waits
	// for ever. A backend may abort a transaction that conflicts with
	// another and run fn again from the start (PostgreSQL does; SQLite runs
	// one at a time), so fn must have no effect beyond the bound Store and
	// the results it sets, and should return an error the bound Store gives
	// it: the transaction may be unusable after one.
	InTx(ctx context.Context, fn func(Store) error) error
}
