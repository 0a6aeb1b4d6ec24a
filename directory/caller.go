package directory

import (
	"context"
	"fmt"
	"slices"
	"time"
)

// The administration API acts for a caller: a user acting in a tenant, or a
// machine client in its tenant, resolved now from the directory (never from
// the claims of the token it came with, which may be minutes old). Every
// rule about who may do what to which tenant lives here, in the domain
// layer, so that no handler can forget one:
//
//   - a caller reaches its own tenant and the tenants below it, never a
//     parent or a sibling: outside its subtree a tenant, and everything in
//     it, does not exist for the caller (ErrNotFound, never ErrForbidden,
//     so that existence does not leak);
//   - within its subtree, the permissions of its global roles decide
//     (seed 004): resource:read to read, resource:change to change,
//     resource:create to create. A tenant administrator holds admins, and
//     so every permission; a read-only user holds readers, and so read;
//   - users:create without users:change manages only the users it owns
//     (seed 004: "create" means ownership; see authorizeUser), and nobody
//     grants what it does not hold (Book.CheckGrant).

// Caller is who calls the administration API.
type Caller struct {
	// UserID is the person's id, or empty for a machine client.
	UserID string
	// ClientID is the machine client's id, or the client the person's
	// token was issued to.
	ClientID string
	// Name is how the audit log writes the caller: a username, "jill$john"
	// for support, or "client:<id>".
	Name string
	// Principal is what the caller holds in the tenant it acts in.
	Principal Principal
}

// AuditActor is the caller's id as the audit log writes it: a user id, or
// "client:<id>" for a machine client.
func (c Caller) AuditActor() string {
	if c.UserID != "" {
		return c.UserID
	}
	return "client:" + c.ClientID
}

// CallerForUser resolves the active user userID acting in tenantID.
func (d *Directory) CallerForUser(ctx context.Context, userID, tenantID, clientID string) (Caller, error) {
	return d.CallerSince(ctx, userID, tenantID, clientID, time.Time{})
}

// CallerSince is CallerForUser for a token whose person signed in at
// authTime: ErrNotFound once the user's sessions since were revoked
// (PrincipalSince), even if the user was restored or enabled again.
func (d *Directory) CallerSince(ctx context.Context, userID, tenantID, clientID string, authTime time.Time) (Caller, error) {
	u, p, err := d.PrincipalSince(ctx, userID, tenantID, authTime)
	if err != nil {
		return Caller{}, err
	}
	return Caller{UserID: u.ID, ClientID: clientID, Name: u.Username, Principal: p}, nil
}

// CallerForClient resolves the machine client clientID in its tenant.
func (d *Directory) CallerForClient(ctx context.Context, clientID string) (Caller, error) {
	c, err := d.store.ClientByID(ctx, clientID)
	if err != nil {
		return Caller{}, err
	}
	p, err := d.ClientPrincipal(ctx, &c)
	if err != nil {
		return Caller{}, err
	}
	return Caller{ClientID: c.ID, Name: "client:" + c.ID, Principal: p}, nil
}

// Reaches reports whether t is the caller's tenant or lies below it.
func (c Caller) Reaches(t Tenant) bool { return slices.Contains(t.Path, c.Principal.Tenant.ID) }

// Can reports whether the caller holds access a on resource.
func (c Caller) Can(resource string, a Access) bool { return c.Principal.Permissions.Has(resource, a) }

// authorize decides whether the caller may do a to resource in tenant t:
// ErrNotFound outside its subtree, ErrForbidden without the permission.
func (c Caller) authorize(t Tenant, resource string, a Access) error {
	if !c.Reaches(t) {
		return fmt.Errorf("tenant %s: %w", t.Slug, ErrNotFound)
	}
	if !c.Can(resource, a) {
		return fmt.Errorf("%s:%s in tenant %s: %w", resource, a, t.Slug, ErrForbidden)
	}
	return nil
}

// authorizeUser is authorize for access a to the user u of tenant t. To
// change a user it owns, users:create is enough (seed 004: "create" means
// managing the users one created).
func (c Caller) authorizeUser(t Tenant, u User, a Access) error {
	if a == AccessChange && c.UserID != "" && u.OwnerID == c.UserID && c.Can("users", AccessCreate) {
		a = AccessCreate
	}
	return c.authorize(t, "users", a)
}

// administersPlatform reports whether the caller holds admins in the system
// tenant: the platform's own administrators, who alone vouch for an email
// address (CreateUserFor) or touch a client with the administration API's
// scope (checkAdminScope).
func (c Caller) administersPlatform() bool {
	return c.Principal.Tenant.Level == LevelSystem && c.Principal.holdsAdmins()
}

// tenantFor loads the tenant with slug for access a to resource by the
// caller (authorize): a tenant outside its subtree is ErrNotFound, like
// one that does not exist.
func (d *Directory) tenantFor(ctx context.Context, s Store, c Caller, slug, resource string, a Access) (Tenant, error) {
	t, err := s.TenantBySlug(ctx, NormalizeSlug(slug))
	if err != nil {
		return Tenant{}, err
	}
	if err := c.authorize(t, resource, a); err != nil {
		return Tenant{}, err
	}
	return t, nil
}
