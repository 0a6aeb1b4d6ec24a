package directoryfile

import (
	"errors"
	"strconv"
	"strings"

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
		{key: "grant_types", required: true, decode: strList(&c.GrantTypes)},
		{key: "scopes", decode: strList(&c.Scopes)},
		{key: "tenant", decode: str(&c.Tenant)},
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
	// As for users: ask again with each bad value replaced by a good one, to
	// report every problem rather than the first.
	dc, secret := c.client(""), c.Secret
	reported := map[directory.FieldError]bool{}
	for range 16 {
		fe, ok := asFieldError(directory.ValidateNewClient(dc, secret))
		if !ok || reported[*fe] {
			break
		}
		reported[*fe] = true
		p.fieldError(e, fe, c.lists())
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
		case "scopes":
			dc.Scopes = dropNamed(dc.Scopes, fe.Reason, "")
		case "lifetimes":
			dc.AccessTokenLifetime, dc.IDTokenLifetime, dc.RefreshTokenLifetime = 0, 0, 0
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
		RedirectURIs: c.RedirectURIs, PostLogoutRedirectURIs: c.PostLogoutRedirectURIs,
		GrantTypes: c.GrantTypes, Scopes: c.Scopes, InsecureSkipPKCE: c.InsecureSkipPKCE,
		AccessTokenLifetime: c.AccessTokenLifetime, IDTokenLifetime: c.IDTokenLifetime,
		RefreshTokenLifetime: c.RefreshTokenLifetime,
	}
}

// lists returns the list-valued keys of c, so that a FieldError about one
// element of a list can point at that element's line.
func (c Client) lists() map[string][]string {
	lists := map[string][]string{
		"redirect_uris":             c.RedirectURIs,
		"post_logout_redirect_uris": c.PostLogoutRedirectURIs,
		"grant_types":               c.GrantTypes,
		"scopes":                    c.Scopes,
	}
	// ValidateClient reports a negative lifetime as "lifetimes"; point at
	// the first negative one.
	for _, l := range []struct {
		key string
		neg bool
	}{
		{"access_token_lifetime", c.AccessTokenLifetime < 0},
		{"id_token_lifetime", c.IDTokenLifetime < 0},
		{"refresh_token_lifetime", c.RefreshTokenLifetime < 0},
	} {
		if l.neg {
			lists["lifetimes"] = []string{l.key}
			break
		}
	}
	return lists
}

// named returns the index of the first element of list that reason quotes,
// as directory's messages do (`"ftp://x": must be an absolute URI`), or -1.
func named(list []string, reason string) int {
	for i, v := range list {
		if strings.Contains(reason, strconv.Quote(v)) {
			return i
		}
	}
	return -1
}

// dropNamed returns list with the element reason names replaced by good, or
// removed if good is empty. If reason names no element, the list itself was
// at fault (empty where it may not be), and good alone replaces it.
func dropNamed(list []string, reason, good string) []string {
	i := named(list, reason)
	if i < 0 {
		if good == "" {
			return nil
		}
		return []string{good}
	}
	out := append([]string(nil), list[:i]...)
	if good != "" {
		out = append(out, good)
	}
	return append(out, list[i+1:]...)
}

func asFieldError(err error) (*directory.FieldError, bool) {
	var fe *directory.FieldError
	ok := errors.As(err, &fe)
	return fe, ok
}

// fieldError records a *directory.FieldError (other errors are recorded at
// the entry) at the key it names, or at the element of a list value that
// its reason quotes. lists holds the entry's list values, and maps
// "lifetimes" to the key of the lifetime at fault.
func (p *parser) fieldError(e entry, err error, lists map[string][]string) {
	fe, ok := asFieldError(err)
	if !ok {
		p.add(e.at, e.path, err.Error())
		return
	}
	if e.bad[fe.Field] {
		return // already reported as missing or of the wrong type
	}
	key := fe.Field
	if fe.Field == "lifetimes" && len(lists["lifetimes"]) == 1 {
		key = lists["lifetimes"][0]
	} else if i := named(lists[fe.Field], fe.Reason); i >= 0 {
		key += "[" + strconv.Itoa(i) + "]"
	}
	if _, inFile := e.keys[key]; !inFile {
		if _, inFile := e.keys[fe.Field]; inFile {
			key = fe.Field
		}
	}
	p.add(e.pos(key), join(e.path, key), fe.Reason)
}
