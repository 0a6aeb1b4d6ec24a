package directory

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"unicode"
)

// Clients as the administration API manages them, for a Caller (caller.go).
// Besides the rules of caller.go:
//
//   - a client belongs to the tenant it acts in (Client.TenantID). A client
//     without a tenant is a platform client (the account page's, a portal
//     the directory file registered for every tenant): it counts as the
//     system tenant's, so only a caller acting in the system tenant reads
//     or manages it, and the system tenant's list shows it. The API creates
//     clients in a tenant only;
//   - the API speaks of four types (ClientKind), each a shape of the one
//     registration the directory stores: web (confidential, code),
//     single-page and native (public, code with PKCE S256), machine
//     (confidential, client_credentials). A client's id and type never
//     change: a confidential client stays confidential, a machine a
//     machine;
//   - nobody escalates: the roles a machine client holds must be ones the
//     caller could grant (Book.CheckGrant), and changing, deleting or
//     rotating the secret of a client needs being able to grant what it
//     holds now; otherwise a caller with clients:change could take over a
//     machine client stronger than itself by rotating its secret;
//   - a private_key_jwt client has public keys and no secret; any other
//     confidential client has a secret. Secrets are generated (256 random
//     bits), stored as a keyed hash, and returned once: by the create of
//     a confidential client and by each rotation, which makes the old
//     secret stop working at once;
//   - Gatehouse's own account page client (AccountClientID) is built in:
//     read, never created, changed or deleted here.
//
// Client ids are one namespace across every tenant: a taken id is
// ErrConflict whichever tenant holds it.
//
// Every operation runs in one transaction: a refused one writes nothing.

// ClientKind is a client's type as the administration API speaks of it.
type ClientKind string

// The client types of the administration API.
const (
	// ClientWeb is a server-side portal: confidential, authorization code
	// (refresh tokens and token exchange for support tools optional).
	ClientWeb ClientKind = "web"
	// ClientSinglePage is a browser app: public, authorization code with
	// PKCE S256, refresh tokens optional.
	ClientSinglePage ClientKind = "single-page"
	// ClientNative is a desktop or mobile app: registered as a single-page
	// app is (RFC 8252).
	ClientNative ClientKind = "native"
	// ClientMachine is a script or service: confidential, client
	// credentials, holding global roles and service roles in its tenant.
	ClientMachine ClientKind = "machine"
)

// Kind returns the client's type as the administration API reports it. The
// directory stores no type beyond confidential or public, so it is read
// from the registration: a confidential client is web if it signs people
// in (authorization code or device code) and machine otherwise; a public
// client is native if it signs people in on a device alone (device code,
// no authorization code) or a redirect URI uses a private-use scheme or a
// loopback IP address (RFC 8252), single-page otherwise. Single-page and native clients are
// registered and treated alike.
func (c *Client) Kind() ClientKind {
	if c.Type == ClientConfidential {
		if c.SignsPeopleIn() {
			return ClientWeb
		}
		return ClientMachine
	}
	if c.HasGrant(GrantDeviceCode) && !c.HasGrant(GrantAuthorizationCode) {
		return ClientNative // a device that only uses the device code grant
	}
	for _, raw := range c.RedirectURIs {
		u, err := url.Parse(raw)
		if err != nil {
			continue
		}
		if u.Scheme != "https" && u.Scheme != "http" {
			return ClientNative
		}
		if h := u.Hostname(); u.Scheme == "http" && (h == "127.0.0.1" || h == "::1") {
			return ClientNative
		}
	}
	return ClientSinglePage
}

// maxClientName bounds a client's name, which the audit log and consent
// pages show.
const maxClientName = 200

// shape fills in what kind decides about c (its type, and by default its
// auth method and grant types) and checks that the rest fits the kind,
// before ValidateClient checks the registration as a whole.
func (kind ClientKind) shape(c *Client) error {
	c.Name = strings.TrimSpace(c.Name)
	if len(c.Name) > maxClientName || strings.ContainsFunc(c.Name, unicode.IsControl) {
		return fieldErr("name", "must be at most %d bytes, without control characters", maxClientName)
	}
	var allowed []string
	switch kind {
	case ClientWeb, ClientMachine:
		c.Type = ClientConfidential
		if c.AuthMethod == "" {
			c.AuthMethod = AuthSecretBasic
		}
		if kind == ClientWeb {
			allowed = []string{GrantAuthorizationCode, GrantRefreshToken, GrantTokenExchange, GrantDeviceCode}
		} else {
			allowed = []string{GrantClientCredentials}
		}
	case ClientSinglePage, ClientNative:
		c.Type = ClientPublic
		if c.AuthMethod == "" {
			c.AuthMethod = AuthNone
		}
		allowed = []string{GrantAuthorizationCode, GrantRefreshToken, GrantDeviceCode}
	default:
		return fieldErr("type", "must be web, single-page, native or machine")
	}
	if c.GrantTypes == nil {
		c.GrantTypes = allowed[:1]
	}
	c.GrantTypes = slices.Clone(c.GrantTypes)
	for _, g := range c.GrantTypes {
		if !slices.Contains(allowed, g) {
			return fieldErr("grant_types", "a %s client uses %s, not %q", kind, strings.Join(allowed, ", "), g)
		}
	}
	// A client that signs people in may do so on a device alone (RFC 8628).
	if !slices.Contains(c.GrantTypes, allowed[0]) && !(kind != ClientMachine && c.HasGrant(GrantDeviceCode)) {
		return fieldErr("grant_types", "a %s client uses %s", kind, allowed[0])
	}
	if kind == ClientMachine {
		switch {
		case len(c.RedirectURIs) > 0:
			return fieldErr("redirect_uris", "a machine client signs nobody in: it has no redirect URIs")
		case len(c.PostLogoutRedirectURIs) > 0:
			return fieldErr("post_logout_redirect_uris", "a machine client signs nobody in: it has no redirect URIs")
		case c.InitiateLoginURI != "":
			return fieldErr("initiate_login_uri", "a machine client signs nobody in: it has no login page")
		case c.ThirdParty:
			return fieldErr("third_party", "a machine client signs nobody in: there is nobody to ask for consent")
		case c.BackchannelLogoutURI != "":
			return fieldErr("backchannel_logout_uri", "a machine client signs nobody in: it has no sessions to end")
		case c.InsecureSkipPKCE:
			return fieldErr("insecure_skip_pkce", "is only for web clients")
		}
	}
	return nil
}

// ClientsFor lists the clients of tenant slug, by id (clients:read); the
// system tenant's list has the platform clients too.
func (d *Directory) ClientsFor(ctx context.Context, c Caller, slug string) ([]Client, error) {
	t, err := d.tenantFor(ctx, d.store, c, slug, "clients", AccessRead)
	if err != nil {
		return nil, err
	}
	all, err := d.store.ListClients(ctx)
	if err != nil {
		return nil, err
	}
	var out []Client
	for _, cl := range all {
		if cl.TenantID == t.ID || cl.TenantID == "" && t.Level == LevelSystem {
			out = append(out, cl)
		}
	}
	return out, nil
}

// ClientFor returns the client id (clients:read in its tenant).
func (d *Directory) ClientFor(ctx context.Context, c Caller, id string) (Client, error) {
	_, cl, err := d.clientFor(ctx, d.store, c, id, AccessRead)
	return cl, err
}

// ClientChange is what a change to a client did: the tenant the client
// counts as (the system tenant for a platform client), which is where the
// change is audited, the client before and after (empty when there is
// none), and the secret a create or rotation generated, for the caller to
// hand out once and then forget.
type ClientChange struct {
	Tenant        Tenant
	Before, After Client
	Secret        string
}

// CreateClientFor registers cl in tenant slug as a client of type kind
// (clients:create). For a confidential client it generates the secret
// (ClientChange.Secret: the only time anyone sees it). cl's type and
// tenant come from kind and slug, its auth method and grant types default
// to the kind's, and a machine client holds only roles the caller could
// grant. A taken id is ErrConflict.
func (d *Directory) CreateClientFor(ctx context.Context, c Caller, slug string, kind ClientKind, cl Client) (ClientChange, error) {
	var out ClientChange
	err := d.store.InTx(ctx, func(s Store) error {
		t, err := d.tenantFor(ctx, s, c, slug, "clients", AccessCreate)
		if err != nil {
			return err
		}
		if cl.ID == AccountClientID {
			return fieldErr("id", "%q is Gatehouse's own account page client, registered at start; choose another id", cl.ID)
		}
		if !clientIDRE.MatchString(cl.ID) {
			return fieldErr("id", "must be 1-128 letters, digits or . _ -")
		}
		_, err = s.ClientByID(ctx, cl.ID)
		if err := taken(err, "id", "there is already a client %q", cl.ID); err != nil {
			return err
		}
		b, err := d.bookOf(ctx, s, t)
		if err != nil {
			return err
		}
		cl.TenantID = t.ID
		created, secret, err := d.putClientFor(ctx, s, c, b, kind, cl)
		if err != nil {
			return err
		}
		out = ClientChange{Tenant: t, After: created, Secret: secret}
		return nil
	})
	if err != nil {
		return ClientChange{}, err
	}
	return out, nil
}

// UpdateClientFor replaces the registration of the client id with cl's
// (clients:change). The id, tenant, type and secret stay; the auth method
// and grant types default to the type's. A client moved to private_key_jwt
// loses its secret; one moved from it to a secret method gets a generated
// secret (ClientChange.Secret, the only time anyone sees it). The caller must be able to grant
// what the client holds now and what it is given.
func (d *Directory) UpdateClientFor(ctx context.Context, c Caller, id string, cl Client) (ClientChange, error) {
	return d.changeClient(ctx, c, id, func(s Store, b *Book, cur Client) (Client, string, error) {
		kind := cur.Kind()
		if kind == ClientNative {
			kind = ClientSinglePage // the same registration: its redirect URIs may change either way
		}
		cl.ID, cl.TenantID = cur.ID, cur.TenantID
		// A client moving from private_key_jwt to a secret gets one
		// generated, handed out here once.
		return d.putClientFor(ctx, s, c, b, kind, cl)
	})
}

// putClientFor ends CreateClientFor and UpdateClientFor: it shapes cl as
// a client of type kind and stores it (PutClient, which checks the
// registration and every name it refers to), if the caller may give it
// what it holds in its tenant, whose book is b (nil for a platform client,
// which holds nothing). It returns the client stored and the secret
// PutClient generated for it, if any.
func (d *Directory) putClientFor(ctx context.Context, s Store, c Caller, b *Book, kind ClientKind, cl Client) (Client, string, error) {
	if err := kind.shape(&cl); err != nil {
		return Client{}, "", err
	}
	if err := checkAdminScope(c, cl.Scopes); err != nil {
		return Client{}, "", err
	}
	next, secret, _, err := d.PutClient(ctx, s, cl, "")
	if err != nil {
		return Client{}, "", err
	}
	if b != nil {
		// A refusal undoes the write: it is all one transaction.
		if err := b.CheckGrant(c.Principal, clientAssignment(next)); err != nil {
			return Client{}, "", err
		}
	}
	return next, secret, nil
}

// DeleteClientFor deletes the client id (clients:change). Its refresh
// tokens stay in the grants store but no longer work: the token endpoint
// refuses a client it does not know.
func (d *Directory) DeleteClientFor(ctx context.Context, c Caller, id string) (ClientChange, error) {
	return d.changeClient(ctx, c, id, func(s Store, _ *Book, cur Client) (Client, string, error) {
		return Client{}, "", s.DeleteClient(ctx, cur.ID)
	})
}

// RotateClientSecretFor gives the confidential client id a new generated
// secret (clients:change; ClientChange.Secret: the only time anyone sees
// it). The old secret stops working at once; tokens issued with it live
// on until they expire.
func (d *Directory) RotateClientSecretFor(ctx context.Context, c Caller, id string) (ClientChange, error) {
	return d.changeClient(ctx, c, id, func(s Store, _ *Book, cur Client) (Client, string, error) {
		if cur.Type != ClientConfidential {
			return Client{}, "", fieldErr("type", "client %q is a %s client, which has no secret", cur.ID, cur.Kind())
		}
		if cur.AuthMethod == AuthPrivateKeyJWT {
			return Client{}, "", fieldErr("auth_method", "client %q authenticates with private_key_jwt and has no secret; change its keys instead", cur.ID)
		}
		next := cur
		secret := GenerateSecret()
		next.SecretHash, next.UpdatedAt = d.secrets.Hash(secret), d.now().UTC()
		if err := s.UpdateClient(ctx, next); err != nil {
			return Client{}, "", err
		}
		return next, secret, nil
	})
}

// changeClient runs change, in one transaction, on the client id as
// changeableClient loads it for the caller (with the book of its tenant;
// nil for a platform client). change returns the client after (empty once
// deleted) and the secret it generated, if any.
func (d *Directory) changeClient(ctx context.Context, c Caller, id string,
	change func(s Store, b *Book, cur Client) (after Client, secret string, err error)) (ClientChange, error) {
	var out ClientChange
	err := d.store.InTx(ctx, func(s Store) error {
		t, b, cur, err := d.changeableClient(ctx, s, c, id)
		if err != nil {
			return err
		}
		after, secret, err := change(s, b, cur)
		out = ClientChange{Tenant: t, Before: cur, After: after, Secret: secret}
		return err
	})
	if err != nil {
		return ClientChange{}, err
	}
	return out, nil
}

// clientFor loads the client id and the tenant it counts as (the system
// tenant for a platform client) for access a by the caller: outside the
// caller's subtree it is ErrNotFound.
func (d *Directory) clientFor(ctx context.Context, s Store, c Caller, id string, a Access) (Tenant, Client, error) {
	cl, err := s.ClientByID(ctx, id)
	if err != nil {
		return Tenant{}, Client{}, err
	}
	var t Tenant
	if cl.TenantID == "" {
		t, err = systemTenant(ctx, s)
	} else {
		t, err = s.TenantByID(ctx, cl.TenantID)
	}
	if err != nil {
		return Tenant{}, Client{}, err
	}
	if err := c.authorize(t, "clients", a); err != nil {
		return Tenant{}, Client{}, fmt.Errorf("client %s: %w", id, err)
	}
	return t, cl, nil
}

// changeableClient loads the client id for a change by the caller:
// clients:change in its tenant, not the built-in account client, and able
// to grant what it holds now. It returns the tenant the client counts as
// and that tenant's book, nil for a platform client (which holds no
// roles).
func (d *Directory) changeableClient(ctx context.Context, s Store, c Caller, id string) (Tenant, *Book, Client, error) {
	t, cl, err := d.clientFor(ctx, s, c, id, AccessChange)
	if err != nil {
		return Tenant{}, nil, Client{}, err
	}
	if cl.ID == AccountClientID {
		return Tenant{}, nil, Client{}, fieldErr("id", "%q is Gatehouse's own account page client: it is registered at start and cannot be changed", cl.ID)
	}
	// A client that may carry the administration API is a door to every
	// administrator who signs in through it: only the platform's own
	// administrators change it.
	if err := checkAdminScope(c, cl.Scopes); err != nil {
		return Tenant{}, nil, Client{}, err
	}
	if cl.TenantID == "" {
		return t, nil, cl, nil
	}
	b, err := d.bookOf(ctx, s, t)
	if err != nil {
		return Tenant{}, nil, Client{}, err
	}
	if err := reframe(b.CheckGrant(c.Principal, clientAssignment(cl)), "id",
		"only someone who could grant what client %q holds may change or delete it, or rotate its secret: %s", cl.ID); err != nil {
		return Tenant{}, nil, Client{}, err
	}
	return t, b, cl, nil
}

// ScopeAdmin is the scope that puts the administration API in a token's
// audience (claims.ScopeAdmin; the directory imports no claims).
const ScopeAdmin = "gatehouse.admin"

// checkAdminScope refuses a client with the administration API's scope
// unless the caller administers the system tenant: a tenant's own client
// with that scope could collect the API tokens of any administrator,
// above the tenant too, who signs in through it.
func checkAdminScope(c Caller, scopes []string) error {
	if !slices.Contains(scopes, ScopeAdmin) {
		return nil
	}
	if !c.administersPlatform() {
		return fieldErr("scopes", "only an administrator of the system tenant may give or change a client with the %s scope", ScopeAdmin)
	}
	return nil
}

// clientAssignment is what a machine client holds in its tenant.
func clientAssignment(c Client) Assignment {
	return Assignment{GlobalRoles: c.GlobalRoles, ServiceRoles: c.ServiceRoles}
}
