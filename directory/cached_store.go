package directory

import "context"

// cachedStore is the Store a Directory works on: the backend's, with client
// reads served by the cache and every write that could change what the
// cache holds (tenants, clients, global roles, groups, services, resources)
// invalidating it once the write is done. Writes inside InTx go to the
// transaction's own Store, so InTx invalidates when it returns, committed or
// not.
//
// Every method of Store is either overridden here or listed in
// passThrough (cached_store_test.go); a method added to Store fails that
// test until someone decides which it is.
type cachedStore struct {
	Store
	c *cache
}

func (s *cachedStore) ClientByID(ctx context.Context, id string) (Client, error) {
	return s.c.client(ctx, id, s.Store.ClientByID)
}

// after invalidates the cache once a write has been attempted; a failed
// write may still have changed something (a lost answer), so it too
// invalidates.
func (s *cachedStore) after(err error) error {
	s.c.invalidate()
	return err
}

func (s *cachedStore) InTx(ctx context.Context, fn func(Store) error) error {
	return s.after(s.Store.InTx(ctx, fn))
}

func (s *cachedStore) CreateTenant(ctx context.Context, t Tenant) error {
	return s.after(s.Store.CreateTenant(ctx, t))
}

func (s *cachedStore) UpdateTenant(ctx context.Context, t Tenant) error {
	return s.after(s.Store.UpdateTenant(ctx, t))
}

func (s *cachedStore) DeleteTenant(ctx context.Context, id string) error {
	return s.after(s.Store.DeleteTenant(ctx, id))
}

func (s *cachedStore) CreateClient(ctx context.Context, c Client) error {
	return s.after(s.Store.CreateClient(ctx, c))
}

func (s *cachedStore) UpdateClient(ctx context.Context, c Client) error {
	return s.after(s.Store.UpdateClient(ctx, c))
}

func (s *cachedStore) DeleteClient(ctx context.Context, id string) error {
	return s.after(s.Store.DeleteClient(ctx, id))
}

func (s *cachedStore) CreateGlobalRole(ctx context.Context, r GlobalRole) error {
	return s.after(s.Store.CreateGlobalRole(ctx, r))
}

func (s *cachedStore) UpdateGlobalRole(ctx context.Context, r GlobalRole) error {
	return s.after(s.Store.UpdateGlobalRole(ctx, r))
}

func (s *cachedStore) DeleteGlobalRole(ctx context.Context, id string) error {
	return s.after(s.Store.DeleteGlobalRole(ctx, id))
}

func (s *cachedStore) CreateGroup(ctx context.Context, g Group) error {
	return s.after(s.Store.CreateGroup(ctx, g))
}

func (s *cachedStore) UpdateGroup(ctx context.Context, g Group) error {
	return s.after(s.Store.UpdateGroup(ctx, g))
}

func (s *cachedStore) DeleteGroup(ctx context.Context, id string) error {
	return s.after(s.Store.DeleteGroup(ctx, id))
}

func (s *cachedStore) CreateService(ctx context.Context, sv Service) error {
	return s.after(s.Store.CreateService(ctx, sv))
}

func (s *cachedStore) UpdateService(ctx context.Context, sv Service) error {
	return s.after(s.Store.UpdateService(ctx, sv))
}

func (s *cachedStore) DeleteService(ctx context.Context, name string) error {
	return s.after(s.Store.DeleteService(ctx, name))
}

func (s *cachedStore) CreateResource(ctx context.Context, r Resource) error {
	return s.after(s.Store.CreateResource(ctx, r))
}

func (s *cachedStore) UpdateResource(ctx context.Context, r Resource) error {
	return s.after(s.Store.UpdateResource(ctx, r))
}

// Unwrap returns the backend, for what it is besides a directory.Store
// (the same database keeps TOTP credentials, refresh tokens and keys).
func (s *cachedStore) Unwrap() Store { return s.Store }
