package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/gatehouse-id/gatehouse/directory"
)

const clientColumns = `id, name, tenant_id, type, auth_method, secret_hash, redirect_uris,
	post_logout_redirect_uris, initiate_login_uri, third_party, backchannel_logout_uri, backchannel_logout_session_required, grant_types, scopes, default_scopes, services,
	global_roles, service_roles, insecure_skip_pkce, access_token_lifetime, id_token_lifetime,
	refresh_token_lifetime, created_at, updated_at, jwks, jwks_uri`

// clientArgs returns c's column values in clientColumns order, id first.
func clientArgs(c directory.Client) ([]any, error) {
	var e encoder
	args := []any{c.ID, c.Name, optString(c.TenantID), string(c.Type), string(c.AuthMethod), c.SecretHash,
		e.list(c.RedirectURIs), e.list(c.PostLogoutRedirectURIs), c.InitiateLoginURI, c.ThirdParty, c.BackchannelLogoutURI, c.BackchannelLogoutSessionRequired,
		e.list(c.GrantTypes), e.list(c.Scopes), e.list(c.DefaultScopes), e.list(c.Services),
		e.list(c.GlobalRoles), e.serviceRoles(c.ServiceRoles),
		c.InsecureSkipPKCE, int64(c.AccessTokenLifetime), int64(c.IDTokenLifetime), int64(c.RefreshTokenLifetime),
		encTime(c.CreatedAt), encTime(c.UpdatedAt), c.JWKS, c.JWKSURI}
	return args, e.err
}

// CreateClient stores c; a taken id is ErrConflict, a missing tenant
// ErrNotFound.
func (s directoryQueries) CreateClient(ctx context.Context, c directory.Client) error {
	args, err := clientArgs(c)
	if err != nil {
		return fmt.Errorf("create client %q: %w", c.ID, err)
	}
	_, err = s.q.ExecContext(ctx, `INSERT INTO clients (`+clientColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, args...)
	if err != nil {
		return fmt.Errorf("create client %q: %w", c.ID, s.writeErr(ctx, err, ref{"tenant", "tenants", c.TenantID}))
	}
	return nil
}

// UpdateClient replaces every field of the client with c.ID.
func (s directoryQueries) UpdateClient(ctx context.Context, c directory.Client) error {
	args, err := clientArgs(c)
	if err != nil {
		return fmt.Errorf("update client %q: %w", c.ID, err)
	}
	// The id moves from the front (for INSERT) to the WHERE clause.
	args = append(args[1:], c.ID)
	res, err := s.q.ExecContext(ctx, `UPDATE clients SET name = ?, tenant_id = ?, type = ?, auth_method = ?,
		secret_hash = ?, redirect_uris = ?, post_logout_redirect_uris = ?, initiate_login_uri = ?, third_party = ?,
		backchannel_logout_uri = ?, backchannel_logout_session_required = ?,
		grant_types = ?, scopes = ?, default_scopes = ?, services = ?, global_roles = ?, service_roles = ?,
		insecure_skip_pkce = ?, access_token_lifetime = ?, id_token_lifetime = ?, refresh_token_lifetime = ?,
		created_at = ?, updated_at = ?, jwks = ?, jwks_uri = ? WHERE id = ?`, args...)
	if err != nil {
		return fmt.Errorf("update client %q: %w", c.ID, s.writeErr(ctx, err, ref{"tenant", "tenants", c.TenantID}))
	}
	return affectedOne(res, fmt.Sprintf("update client %q", c.ID))
}

// ClientByID returns the client with id, or ErrNotFound.
func (s directoryQueries) ClientByID(ctx context.Context, id string) (directory.Client, error) {
	c, err := scanClient(s.q.QueryRowContext(ctx, `SELECT `+clientColumns+` FROM clients WHERE id = ?`, id))
	if err != nil {
		return directory.Client{}, fmt.Errorf("get client %q: %w", id, dirErr(err))
	}
	return c, nil
}

// ListClients returns every client, by id.
func (s directoryQueries) ListClients(ctx context.Context) ([]directory.Client, error) {
	rows, err := s.q.QueryContext(ctx, `SELECT `+clientColumns+` FROM clients ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("list clients: %w", err)
	}
	cs, err := collect(rows, scanClient)
	if err != nil {
		return nil, fmt.Errorf("list clients: %w", err)
	}
	return cs, nil
}

func scanClient(r scanner) (directory.Client, error) {
	var (
		c                        directory.Client
		tenant                   sql.NullString
		typ, method              string
		redirects, postLogout    string
		grantTypes, scopes       string
		defaultScopes, services  string
		globalRoles, svcRoles    string
		access, idToken, refresh int64
		created, updated         string
	)
	if err := r.Scan(&c.ID, &c.Name, &tenant, &typ, &method, &c.SecretHash, &redirects, &postLogout,
		&c.InitiateLoginURI, &c.ThirdParty, &c.BackchannelLogoutURI, &c.BackchannelLogoutSessionRequired, &grantTypes, &scopes, &defaultScopes, &services, &globalRoles, &svcRoles,
		&c.InsecureSkipPKCE, &access, &idToken, &refresh, &created, &updated, &c.JWKS, &c.JWKSURI); err != nil {
		return directory.Client{}, err
	}
	c.TenantID, c.Type, c.AuthMethod = tenant.String, directory.ClientType(typ), directory.AuthMethod(method)
	c.AccessTokenLifetime = time.Duration(access)
	c.IDTokenLifetime = time.Duration(idToken)
	c.RefreshTokenLifetime = time.Duration(refresh)
	var d decoder
	c.RedirectURIs, c.PostLogoutRedirectURIs = d.list(redirects), d.list(postLogout)
	c.GrantTypes, c.Scopes = d.list(grantTypes), d.list(scopes)
	c.DefaultScopes, c.Services = d.list(defaultScopes), d.list(services)
	c.GlobalRoles, c.ServiceRoles = d.list(globalRoles), d.serviceRoles(svcRoles)
	c.CreatedAt, c.UpdatedAt = d.time(created), d.time(updated)
	if d.err != nil {
		return directory.Client{}, fmt.Errorf("client %q: %w", c.ID, d.err)
	}
	return c, nil
}
