package admin

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"github.com/gatehouse-id/gatehouse/audit"
	"github.com/gatehouse-id/gatehouse/clientkeys"
	"github.com/gatehouse-id/gatehouse/directory"
)

// clientView is a client as the API shows it: its registration as PUT
// sends it, and what never changes. It never shows a secret, nor its
// hash: the secret is in the answer to a create or a rotation only
// (clientWithSecret).
type clientView struct {
	ID string `json:"id"`
	// Type is web, single-page, native or machine (directory.Client.Kind).
	Type string `json:"type"`
	// Tenant is the id of the tenant the client belongs to; empty for a
	// platform client (the system tenant's).
	Tenant string `json:"tenant"`
	clientBody
	// Builtin is true for Gatehouse's own account page client, which the
	// API only reads.
	Builtin   bool      `json:"builtin"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// clientWithSecret is the answer to a create or a rotation: the client and,
// for a confidential client, its new secret, shown this once.
type clientWithSecret struct {
	clientView
	ClientSecret string `json:"client_secret,omitempty"`
}

func viewClient(c directory.Client) clientView {
	v := clientView{ID: c.ID, Type: string(c.Kind()), Tenant: c.TenantID,
		clientBody: clientBody{Name: c.Name, AuthMethod: string(c.AuthMethod), RedirectURIs: orEmpty(c.RedirectURIs),
			PostLogoutRedirectURIs: orEmpty(c.PostLogoutRedirectURIs), InitiateLoginURI: c.InitiateLoginURI, ThirdParty: c.ThirdParty, GrantTypes: orEmpty(c.GrantTypes),
			Scopes: orEmpty(c.Scopes), DefaultScopes: orEmpty(c.DefaultScopes), Services: orEmpty(c.Services),
			GlobalRoles: orEmpty(c.GlobalRoles), ServiceRoles: serviceRolesView(c.ServiceRoles),
			InsecureSkipPKCE: c.InsecureSkipPKCE, AccessTokenLifetime: lifetime(c.AccessTokenLifetime),
			IDTokenLifetime: lifetime(c.IDTokenLifetime), RefreshTokenLifetime: lifetime(c.RefreshTokenLifetime),
			BackchannelLogoutURI: c.BackchannelLogoutURI, BackchannelLogoutSessionRequired: c.BackchannelLogoutSessionRequired},
		Builtin: c.ID == directory.AccountClientID, CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt}
	v.JWKS, v.JWKSURI = rawJSON(c.JWKS), c.JWKSURI
	return v
}

// rawJSON is stored JSON text as the API shows it: null for none.
func rawJSON(s string) json.RawMessage {
	if s == "" {
		return nil
	}
	return json.RawMessage(s)
}

func lifetime(d time.Duration) string {
	if d == 0 {
		return ""
	}
	return d.String()
}

// clientField is the body's name for a field of the directory's: it
// refuses roles on a platform client as "tenant".
func clientField(field string) string {
	if field == "tenant" {
		return "global_roles"
	}
	return field
}

// clientBody is what PUT sends, and POST with the id and the type (neither
// ever changes).
type clientBody struct {
	Name                   string   `json:"name"`
	AuthMethod             string   `json:"auth_method"`
	RedirectURIs           []string `json:"redirect_uris"`
	PostLogoutRedirectURIs []string `json:"post_logout_redirect_uris"`
	// InitiateLoginURI is the portal's page that starts a login (OpenID
	// Connect Core §4): where a person goes once an invitation or a
	// password reset from this portal is done. Empty for none.
	InitiateLoginURI string `json:"initiate_login_uri"`
	// ThirdParty: an integrator's application, which must get a person's
	// consent before it gets a code (directory.Client.ThirdParty).
	ThirdParty       bool                `json:"third_party"`
	GrantTypes       []string            `json:"grant_types"`
	Scopes           []string            `json:"scopes"`
	DefaultScopes    []string            `json:"default_scopes"`
	Services         []string            `json:"services"`
	GlobalRoles      []string            `json:"global_roles"`
	ServiceRoles     map[string][]string `json:"service_roles"`
	InsecureSkipPKCE bool                `json:"insecure_skip_pkce"`
	// JWKS is the public keys of a private_key_jwt client, a JSON Web Key
	// Set; JWKSURI is where such a client publishes them instead.
	JWKS    json.RawMessage `json:"jwks"`
	JWKSURI string          `json:"jwks_uri"`
	// Lifetimes are Go durations ("10m"); empty is the server's default.
	AccessTokenLifetime  string `json:"access_token_lifetime"`
	IDTokenLifetime      string `json:"id_token_lifetime"`
	RefreshTokenLifetime string `json:"refresh_token_lifetime"`

	// BackchannelLogoutURI and BackchannelLogoutSessionRequired: where the
	// portal receives logout tokens, and whether it needs sid in them
	// (directory.Client.BackchannelLogoutURI).
	BackchannelLogoutURI             string `json:"backchannel_logout_uri"`
	BackchannelLogoutSessionRequired bool   `json:"backchannel_logout_session_required"`
}

func (b clientBody) client(id string) (directory.Client, error) {
	c := directory.Client{ID: id, Name: b.Name, AuthMethod: directory.AuthMethod(b.AuthMethod), RedirectURIs: b.RedirectURIs,
		PostLogoutRedirectURIs: b.PostLogoutRedirectURIs, InitiateLoginURI: b.InitiateLoginURI, ThirdParty: b.ThirdParty, GrantTypes: b.GrantTypes, Scopes: b.Scopes,
		DefaultScopes: b.DefaultScopes, Services: b.Services, GlobalRoles: b.GlobalRoles,
		ServiceRoles: directory.ServiceRoles(b.ServiceRoles), InsecureSkipPKCE: b.InsecureSkipPKCE, JWKSURI: b.JWKSURI,
		BackchannelLogoutURI: b.BackchannelLogoutURI, BackchannelLogoutSessionRequired: b.BackchannelLogoutSessionRequired}
	if len(b.JWKS) > 0 && string(b.JWKS) != "null" {
		// Stored compact: the body decoded, so it is JSON.
		var buf bytes.Buffer
		if err := json.Compact(&buf, b.JWKS); err != nil {
			return directory.Client{}, fieldProblem(http.StatusUnprocessableEntity, "jwks", "must be a JSON Web Key Set")
		}
		c.JWKS = buf.String()
	}
	for _, l := range []struct {
		field, value string
		to           *time.Duration
	}{
		{"access_token_lifetime", b.AccessTokenLifetime, &c.AccessTokenLifetime},
		{"id_token_lifetime", b.IDTokenLifetime, &c.IDTokenLifetime},
		{"refresh_token_lifetime", b.RefreshTokenLifetime, &c.RefreshTokenLifetime},
	} {
		if l.value == "" {
			continue
		}
		d, err := time.ParseDuration(l.value)
		if err != nil {
			return directory.Client{}, fieldProblem(http.StatusUnprocessableEntity, l.field, "must be a duration such as 10m or 1h30m")
		}
		*l.to = d
	}
	return c, nil
}

// clientDetails are the audit details of a client's registration (never
// its secret: the audit log refuses a key that looks like one). Keys
// avoid "token" for the same reason.
func clientDetails(c directory.Client) map[string]string {
	return map[string]string{
		"name": c.Name, "type": string(c.Kind()), "auth_method": string(c.AuthMethod),
		"redirect_uris": join(c.RedirectURIs), "post_logout_redirect_uris": join(c.PostLogoutRedirectURIs),
		"initiate_login_uri": c.InitiateLoginURI, "third_party": boolString(c.ThirdParty),
		"grant_types": join(c.GrantTypes), "scopes": join(c.Scopes), "default_scopes": join(c.DefaultScopes),
		"services": join(c.Services), "global_roles": join(c.GlobalRoles), "service_roles": c.ServiceRoles.String(),
		"insecure_skip_pkce": boolString(c.InsecureSkipPKCE), "lifetimes": lifetimesDetail(c),
		"jwks":               clientKeysDetail(c),
		"backchannel_logout": backchannelDetail(c),
	}
}

// lifetimesDetail is the client's own token lifetimes in one detail
// ("access 10m0s, refresh 720h0m0s"; "" when all are the server's
// defaults), so that an event stays within audit.MaxDetails.
func lifetimesDetail(c directory.Client) string {
	var parts []string
	for _, l := range []struct {
		name string
		d    time.Duration
	}{{"access", c.AccessTokenLifetime}, {"id", c.IDTokenLifetime}, {"refresh", c.RefreshTokenLifetime}} {
		if l.d != 0 {
			parts = append(parts, l.name+" "+l.d.String())
		}
	}
	return strings.Join(parts, ", ")
}

// clientKeysDetail is a private_key_jwt client's keys in the audit log:
// the jwks_uri, or each registered key's kid and thumbprint
// (clientkeys.Describe), so that a change of keys shows as a change.
func clientKeysDetail(c directory.Client) string {
	if c.JWKSURI != "" {
		return "uri " + c.JWKSURI
	}
	if c.JWKS != "" {
		return "keys " + clientkeys.Describe(c.JWKS)
	}
	return ""
}

func (h *Handler) listClients(w http.ResponseWriter, r *http.Request, c directory.Caller) error {
	clients, err := h.dir.ClientsFor(r.Context(), c, r.PathValue("slug"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"clients": views(clients, viewClient)})
	return nil
}

func (h *Handler) getClient(w http.ResponseWriter, r *http.Request, c directory.Caller) error {
	cl, err := h.dir.ClientFor(r.Context(), c, r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, viewClient(cl))
	return nil
}

func (h *Handler) createClient(w http.ResponseWriter, r *http.Request, c directory.Caller) error {
	var in struct {
		ID   string `json:"id"`
		Type string `json:"type"`
		clientBody
	}
	if err := decode(w, r, &in); err != nil {
		return err
	}
	want, err := in.client(in.ID)
	if err != nil {
		return err
	}
	ch, err := h.dir.CreateClientFor(r.Context(), c, r.PathValue("slug"), directory.ClientKind(in.Type), want)
	if err != nil {
		return renamed(err, clientField)
	}
	cl := ch.After
	return h.created(w, r, c, audit.Event{Action: "client.created", TenantID: ch.Tenant.ID, Target: cl.ID, TargetName: cl.Name,
		Details: clientDetails(cl)}, Prefix+"/clients/"+cl.ID, clientWithSecret{clientView: viewClient(cl), ClientSecret: ch.Secret})
}

func (h *Handler) updateClient(w http.ResponseWriter, r *http.Request, c directory.Caller) error {
	var in clientBody
	if err := decode(w, r, &in); err != nil {
		return err
	}
	want, err := in.client(r.PathValue("id"))
	if err != nil {
		return err
	}
	ch, err := h.dir.UpdateClientFor(r.Context(), c, r.PathValue("id"), want)
	if err != nil {
		return renamed(err, clientField)
	}
	// A client moved from private_key_jwt to a secret method gets a
	// generated secret, shown this once.
	return h.changed(w, r, c, audit.Event{Action: "client.updated", TenantID: ch.Tenant.ID, Target: ch.After.ID,
		TargetName: ch.After.Name, Details: diff(clientDetails(ch.Before), clientDetails(ch.After))},
		clientWithSecret{clientView: viewClient(ch.After), ClientSecret: ch.Secret})
}

func (h *Handler) deleteClient(w http.ResponseWriter, r *http.Request, c directory.Caller) error {
	ch, err := h.dir.DeleteClientFor(r.Context(), c, r.PathValue("id"))
	if err != nil {
		return err
	}
	return h.deleted(w, r, c, audit.Event{Action: "client.deleted", TenantID: ch.Tenant.ID, Target: ch.Before.ID,
		TargetName: ch.Before.Name, Details: clientDetails(ch.Before)})
}

func (h *Handler) rotateClientSecret(w http.ResponseWriter, r *http.Request, c directory.Caller) error {
	ch, err := h.dir.RotateClientSecretFor(r.Context(), c, r.PathValue("id"))
	if err != nil {
		return err
	}
	cl := ch.After
	// That it was rotated, never what to: the log refuses a key naming a
	// secret anyway.
	if err := h.record(r, c, audit.Event{Action: "client.secret_rotated", TenantID: ch.Tenant.ID, Target: cl.ID, TargetName: cl.Name,
		Details: map[string]string{"rotated": "true"}}); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, clientWithSecret{clientView: viewClient(cl), ClientSecret: ch.Secret})
	return nil
}

// backchannelDetail is a client's back-channel logout registration in one
// audit detail (an event has at most 20): the URI, and "(sid required)"
// when the client needs sid; "" for none.
func backchannelDetail(c directory.Client) string {
	if c.BackchannelLogoutSessionRequired {
		return c.BackchannelLogoutURI + " (sid required)"
	}
	return c.BackchannelLogoutURI
}
