package directoryfile

import (
	"bytes"
	"encoding/json"
	"fmt"

	"gopkg.in/yaml.v3"

	"github.com/gatehouse-id/gatehouse/directory"
)

func (p *parser) client(path string, n *yaml.Node) Client {
	var c Client
	e, ok := p.mapping(path, n, []field{
		{key: "id", required: true, decode: str(&c.ID)},
		{key: "name", required: true, decode: str(&c.Name)},
		{key: "type", required: true, decode: str(&c.Type)},
		{key: "auth_method", decode: str(&c.AuthMethod)},
		{key: "secret", decode: str(&c.Secret)},
		{key: "redirect_uris", decode: strList(&c.RedirectURIs)},
		{key: "post_logout_redirect_uris", decode: strList(&c.PostLogoutRedirectURIs)},
		{key: "initiate_login_uri", decode: str(&c.InitiateLoginURI)},
		{key: "third_party", decode: boolean(&c.ThirdParty)},
		{key: "jwks", decode: keySet(&c.JWKS)},
		{key: "jwks_uri", decode: str(&c.JWKSURI)},
		{key: "backchannel_logout_uri", decode: str(&c.BackchannelLogoutURI)},
		{key: "backchannel_logout_session_required", decode: boolean(&c.BackchannelLogoutSessionRequired)},
		{key: "grant_types", required: true, decode: strList(&c.GrantTypes)},
		{key: "scopes", decode: strList(&c.Scopes)},
		{key: "default_scopes", decode: strList(&c.DefaultScopes)},
		{key: "services", decode: strList(&c.Services)},
		{key: "tenant", decode: str(&c.Tenant)},
		{key: "global_roles", decode: strList(&c.GlobalRoles)},
		{key: "service_roles", decode: serviceRoles(&c.ServiceRoles)},
		{key: "insecure_skip_pkce", decode: boolean(&c.InsecureSkipPKCE)},
		{key: "access_token_lifetime", decode: duration(&c.AccessTokenLifetime)},
		{key: "id_token_lifetime", decode: duration(&c.IDTokenLifetime)},
		{key: "refresh_token_lifetime", decode: duration(&c.RefreshTokenLifetime)},
	})
	c.src = e
	if _, set := e.keys["auth_method"]; !set {
		// The one method each type can use, client_secret_basic being what
		// every OAuth library sends first.
		switch c.Type {
		case directory.ClientConfidential:
			c.AuthMethod = directory.AuthSecretBasic
		case directory.ClientPublic:
			c.AuthMethod = directory.AuthNone
		}
	}
	if !ok {
		return c
	}
	if c.ID == directory.AccountClientID {
		p.add(e.pos("id"), join(path, "id"), fmt.Sprintf("%q is Gatehouse's own account page client, registered at start; choose another id", c.ID))
		return c
	}
	// As for users: names are checked here, and the client is asked about
	// again with each bad value replaced by a good one, to report every
	// problem rather than the first.
	dc, secret := c.client(""), c.Secret
	dc.Services = p.names(e, "services", dc.Services)
	dc.GlobalRoles, dc.ServiceRoles, _ = p.assignmentNames(e, dc.GlobalRoles, dc.ServiceRoles, nil)
	reported := map[directory.FieldError]bool{}
	for range 16 {
		fe, ok := asFieldError(directory.ValidateNewClient(dc, secret))
		if !ok || reported[*fe] {
			break
		}
		reported[*fe] = true
		p.fieldError(e, fe, c.aliases())
		switch fe.Field {
		case "id":
			dc.ID = "x"
		case "name":
			dc.Name = "x"
		case "auth_method":
			dc.AuthMethod = directory.AuthSecretBasic
			if dc.Type == directory.ClientPublic {
				dc.AuthMethod = directory.AuthNone
			}
		case "insecure_skip_pkce":
			dc.InsecureSkipPKCE = false
		case "redirect_uris":
			dc.RedirectURIs = dropNamed(dc.RedirectURIs, fe.Reason, "https://example.com/")
		case "post_logout_redirect_uris":
			dc.PostLogoutRedirectURIs = dropNamed(dc.PostLogoutRedirectURIs, fe.Reason, "")
		case "initiate_login_uri":
			dc.InitiateLoginURI = ""
		case "third_party":
			dc.ThirdParty = false
		case "jwks", "jwks_uri":
			// What follows would only repeat that the keys are wrong.
			dc.JWKS, dc.JWKSURI = "", ""
			if dc.AuthMethod == directory.AuthPrivateKeyJWT {
				dc.AuthMethod = directory.AuthSecretBasic
			}
		case "backchannel_logout_uri":
			dc.BackchannelLogoutURI, dc.BackchannelLogoutSessionRequired = "", false
		case "backchannel_logout_session_required":
			dc.BackchannelLogoutSessionRequired = false
		case "scopes":
			dc.Scopes = dropNamed(dc.Scopes, fe.Reason, "")
		case "default_scopes":
			dc.DefaultScopes = dropNamed(dc.DefaultScopes, fe.Reason, "")
		case "global_roles", "service_roles": // roles on a portal
			dc.GlobalRoles, dc.ServiceRoles = nil, nil
		case "access_token_lifetime":
			dc.AccessTokenLifetime = 0
		case "id_token_lifetime":
			dc.IDTokenLifetime = 0
		case "refresh_token_lifetime":
			dc.RefreshTokenLifetime = 0
		case "secret":
			secret = ""
		default: // type and grant_types: what follows would only repeat them
			return c
		}
	}
	return c
}

// client returns the directory.Client c describes, in the tenant with id
// tenantID.
func (c Client) client(tenantID string) directory.Client {
	return directory.Client{
		ID: c.ID, Name: c.Name, TenantID: tenantID, Type: c.Type, AuthMethod: c.AuthMethod,
		RedirectURIs: c.RedirectURIs, PostLogoutRedirectURIs: c.PostLogoutRedirectURIs, InitiateLoginURI: c.InitiateLoginURI,
		ThirdParty: c.ThirdParty, JWKS: c.JWKS, JWKSURI: c.JWKSURI,
		GrantTypes: c.GrantTypes, Scopes: c.Scopes, DefaultScopes: c.DefaultScopes, Services: c.Services,
		GlobalRoles: c.GlobalRoles, ServiceRoles: c.ServiceRoles, InsecureSkipPKCE: c.InsecureSkipPKCE,
		AccessTokenLifetime: c.AccessTokenLifetime, IDTokenLifetime: c.IDTokenLifetime,
		RefreshTokenLifetime: c.RefreshTokenLifetime,
		BackchannelLogoutURI: c.BackchannelLogoutURI, BackchannelLogoutSessionRequired: c.BackchannelLogoutSessionRequired,
	}
}

// aliases maps the fields package directory names that are not the key at
// fault in c's entry to the key that is: ValidateClient reports roles on a
// portal as "global_roles" even when the file gives service_roles only.
func (c Client) aliases() map[string]string {
	alias := map[string]string{}
	if _, set := c.src.keys["global_roles"]; !set {
		alias["global_roles"] = "service_roles"
	}
	return alias
}

// keySet decodes a private_key_jwt client's key set: a mapping, as YAML
// writes {"keys": [...]}, or a string holding the JSON text. Either is
// kept as compact JSON, which directory.ValidateClient then checks.
func keySet(dst *string) func(*parser, string, *yaml.Node) bool {
	return func(p *parser, path string, n *yaml.Node) bool {
		n = resolve(n)
		var raw []byte
		switch {
		case isNull(n):
			*dst = ""
			return true
		case n.Kind == yaml.ScalarNode && n.Tag == "!!str":
			raw = []byte(n.Value)
		case n.Kind == yaml.MappingNode:
			var v any
			if err := n.Decode(&v); err == nil {
				raw, _ = json.Marshal(v)
			}
		}
		var buf bytes.Buffer
		if raw == nil || json.Compact(&buf, raw) != nil {
			p.add(posOf(n), path, `must be a JSON Web Key Set: a mapping with keys: [...], or its JSON text`)
			return false
		}
		*dst = buf.String()
		return true
	}
}
