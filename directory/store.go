package directory

import "context"

// Store is the durable home of tenants, users and clients. Implementations
// return errors wrapping ErrNotFound and ErrConflict, take ctx into every
// query, and hand back copies (a caller mutating a returned value changes
// nothing stored).
//
// Lookups by natural key (slug, username) are exact and case-sensitive on
// what was stored; the Directory service lower-cases slugs and usernames
// before they reach a Store.
type Store interface {
	CreateTenant(ctx context.Context, t Tenant) error
	UpdateTenant(ctx context.Context, t Tenant) error
	TenantByID(ctx context.Context, id string) (Tenant, error)
	TenantBySlug(ctx context.Context, slug string) (Tenant, error)
	// ListTenants returns every tenant, ordered by path (parents before
	// children).
	ListTenants(ctx context.Context) ([]Tenant, error)

	CreateUser(ctx context.Context, u User) error
	UpdateUser(ctx context.Context, u User) error
	UserByID(ctx context.Context, id string) (User, error)
	UserByUsername(ctx context.Context, tenantID, username string) (User, error)
	// ListUsers returns the users whose home tenant is tenantID, ordered by
	// username.
	ListUsers(ctx context.Context, tenantID string) ([]User, error)

	CreateClient(ctx context.Context, c Client) error
	UpdateClient(ctx context.Context, c Client) error
	ClientByID(ctx context.Context, id string) (Client, error)
	ListClients(ctx context.Context) ([]Client, error)

	// InTx runs fn with a Store bound to one transaction: if fn returns an
	// error, nothing fn wrote is kept. Nested calls on the bound Store join
	// the same transaction.
	InTx(ctx context.Context, fn func(Store) error) error
}
