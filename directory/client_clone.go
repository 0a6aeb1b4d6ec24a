package directory

import "slices"

// clone is a deep copy of c: the client cache hands every caller its own,
// so that no caller's change reaches the cache or another caller. A field
// added to Client that holds a slice or map must be copied here;
// TestClientCloneIsDeep fails until it is.
func (c Client) clone() Client {
	c.SecretHash = slices.Clone(c.SecretHash)
	c.RedirectURIs = slices.Clone(c.RedirectURIs)
	c.PostLogoutRedirectURIs = slices.Clone(c.PostLogoutRedirectURIs)
	c.GrantTypes = slices.Clone(c.GrantTypes)
	c.Scopes = slices.Clone(c.Scopes)
	c.DefaultScopes = slices.Clone(c.DefaultScopes)
	c.Services = slices.Clone(c.Services)
	c.GlobalRoles = slices.Clone(c.GlobalRoles)
	if c.ServiceRoles != nil {
		c.ServiceRoles = c.ServiceRoles.Clone()
	}
	return c
}
