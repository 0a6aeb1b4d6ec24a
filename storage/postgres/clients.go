package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/gatehouse-id/gatehouse/directory"
)

const clientColumns = `id, name, tenant_id, type, auth_method, secret_hash, redirect_uris,
	post_logout_redirect_uris, initiate_login_uri, third_party, backchannel_logout_uri, backchannel_logout_session_required, grant_types, scopes, default_scopes, services,
	global_roles, service_roles, insecure_skip_pkce, access_token_lifetime, id_token_lifetime,
	refresh_token_lifetime, created_at, updated_at, jwks, jwks_uri`

// clientArgs returns c's column values in clientColumns order, id first. A
// nil SecretHash (a public client) is NULL.
func clientArgs(c directory.Client) ([]any, error) {
	var e encoder
	args := []any{c.ID, c.Name, optString(c.TenantID), string(c.Type), string(c.AuthMethod), c.SecretHash,
		list(c.RedirectURIs), list(c.PostLogoutRedirectURIs), c.InitiateLoginURI, c.ThirdParty, c.BackchannelLogoutURI, c.BackchannelLogoutSessionRequired,
		list(c.GrantTypes), list(c.Scopes), list(c.DefaultScopes), list(c.Services),
		list(c.GlobalRoles), e.serviceRoles(c.ServiceRoles),
		c.InsecureSkipPKCE, int64(c.AccessTokenLifetime), int64(c.IDTokenLifetime), int64(c.RefreshTokenLifetime),
		c.CreatedAt, c.UpdatedAt, c.JWKS, c.JWKSURI}
	return args, e.err
}

func clientRef(c directory.Client) ref { return ref{"clients_tenant_id_fkey", "tenant", c.TenantID} }

// CreateClient stores c; a taken id is ErrConflict, a missing tenant
// ErrNotFound.
func (s directoryQueries) CreateClient(ctx context.Context, c directory.Client) error {
	args, err := clientArgs(c)
	if err != nil {
		return fmt.Errorf("create client %q: %w", c.ID, err)
	}
	_, err = s.q.Exec(ctx, `INSERT INTO clients (`+clientColumns+`) VALUES (`+params(26)+`)`, args...)
	if err != nil {
		return fmt.Errorf("create client %q: %w", c.ID, writeErr(err, clientRef(c)))
	}
	return nil
}

// UpdateClient replaces every field of the client with c.ID.
func (s directoryQueries) UpdateClient(ctx context.Context, c directory.Client) error {
	args, err := clientArgs(c)
	if err != nil {
		return fmt.Errorf("update client %q: %w", c.ID, err)
	}
	tag, err := s.q.Exec(ctx, `UPDATE clients SET name = $2, tenant_id = $3, type = $4, auth_method = $5,
		secret_hash = $6, redirect_uris = $7, post_logout_redirect_uris = $8, initiate_login_uri = $9, third_party = $10,
		backchannel_logout_uri = $11, backchannel_logout_session_required = $12,
		grant_types = $13, scopes = $14, default_scopes = $15, services = $16, global_roles = $17, service_roles = $18,
		insecure_skip_pkce = $19, access_token_lifetime = $20, id_token_lifetime = $21, refresh_token_lifetime = $22,
		created_at = $23, updated_at = $24, jwks = $25, jwks_uri = $26 WHERE id = $1`, args...)
	if err != nil {
		return fmt.Errorf("update client %q: %w", c.ID, writeErr(err, clientRef(c)))
	}
	return affectedOne(tag, fmt.Sprintf("update client %q", c.ID))
}

// ClientByID returns the client with id, or ErrNotFound.
func (s directoryQueries) ClientByID(ctx context.Context, id string) (directory.Client, error) {
	c, err := scanClient(s.q.QueryRow(ctx, `SELECT `+clientColumns+` FROM clients WHERE id = $1`, id))
	if err != nil {
		return directory.Client{}, fmt.Errorf("get client %q: %w", id, dirErr(err))
	}
	return c, nil
}

// ListClients returns every client, by id.
func (s directoryQueries) ListClients(ctx context.Context) ([]directory.Client, error) {
	rows, err := s.q.Query(ctx, `SELECT `+clientColumns+` FROM clients ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("list clients: %w", dirErr(err))
	}
	cs, err := collect(rows, scanClient)
	if err != nil {
		return nil, fmt.Errorf("list clients: %w", dirErr(err))
	}
	return cs, nil
}

func scanClient(r scanner) (directory.Client, error) {
	var (
		c                        directory.Client
		tenant                   *string
		typ, method              string
		svcRoles                 []byte
		access, idToken, refresh int64
	)
	if err := r.Scan(&c.ID, &c.Name, &tenant, &typ, &method, &c.SecretHash, &c.RedirectURIs, &c.PostLogoutRedirectURIs,
		&c.InitiateLoginURI, &c.ThirdParty, &c.BackchannelLogoutURI, &c.BackchannelLogoutSessionRequired, &c.GrantTypes, &c.Scopes, &c.DefaultScopes, &c.Services, &c.GlobalRoles, &svcRoles,
		&c.InsecureSkipPKCE, &access, &idToken, &refresh, &c.CreatedAt, &c.UpdatedAt, &c.JWKS, &c.JWKSURI); err != nil {
		return directory.Client{}, err
	}
	if tenant != nil {
		c.TenantID = *tenant
	}
	c.Type, c.AuthMethod = directory.ClientType(typ), directory.AuthMethod(method)
	c.AccessTokenLifetime = time.Duration(access)
	c.IDTokenLifetime = time.Duration(idToken)
	c.RefreshTokenLifetime = time.Duration(refresh)
	var d decoder
	if c.ServiceRoles = d.serviceRoles(svcRoles); d.err != nil {
		return directory.Client{}, fmt.Errorf("client %q: %w", c.ID, d.err)
	}
	return c, nil
}
