package demo

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"maps"
	"slices"
	"strings"
)

// claimsPage is what the callback page shows: who is logged in and, for
// the newcomer's benefit, what the portal received.
type claimsPage struct {
	Portal, Other string // "web" or "spa"
	// Who is logged in, from the userinfo response and the ID token.
	Username, Name, Email, Tenant, Role string
	// What the portal may let the person do, from the roles claims.
	GlobalRoles, Groups, Permissions []string
	ServiceRoles                     []string // "service: role, role"
	IDToken, AccessToken             jwtView
	UserInfo                         string // indented JSON
	Refresh                          bool   // whether a refresh token was issued
	LogoutURL                        string // RP-initiated logout at Gatehouse; empty if unsupported
}

// jwtView is a JWT taken apart for display.
type jwtView struct {
	JWT            bool   // false for an opaque token
	Header, Claims string // indented JSON
}

// newClaimsPage builds the page from what the code exchange and the
// userinfo call returned. The ID token was verified by the relying-party
// library; the access token is only decoded, as a portal that forwards it
// to its APIs would leave verification to them.
func newClaimsPage(portal, other, idToken, accessToken string, refresh bool, userinfo []byte, logoutURL string) claimsPage {
	page := claimsPage{
		Portal: portal, Other: other, Refresh: refresh, LogoutURL: logoutURL,
		IDToken: decodeJWT(idToken), AccessToken: decodeJWT(accessToken), UserInfo: indent(userinfo),
	}
	var id, info claimSet
	_ = json.Unmarshal(jwtPayload(idToken), &id) // a token that does not decode shows as such
	_ = json.Unmarshal(userinfo, &info)
	page.Username = first(info.PreferredUsername, id.PreferredUsername, info.Subject, id.Subject)
	page.Name = first(info.Name, id.Name, strings.TrimSpace(first(info.GivenName, id.GivenName)+" "+first(info.FamilyName, id.FamilyName)))
	page.Email = first(info.Email, id.Email)
	if t := first(info.Tenant.Name, id.Tenant.Name, info.Tenant.Slug, id.Tenant.Slug); t != "" {
		page.Tenant = t
		if slug, level := first(info.Tenant.Slug, id.Tenant.Slug), first(info.Tenant.Level, id.Tenant.Level); slug != "" && level != "" {
			page.Tenant += " (" + slug + ", " + level + ")"
		}
	}
	// Userinfo is read from the directory now; the ID token is as of login.
	roles := info
	if len(roles.GlobalRoles) == 0 && len(roles.ServiceRoles) == 0 && roles.Tenant.Slug == "" {
		roles = id
	}
	page.GlobalRoles, page.Groups, page.Permissions = roles.GlobalRoles, roles.Groups, roles.Permissions
	for _, svc := range slices.Sorted(maps.Keys(roles.ServiceRoles)) {
		page.ServiceRoles = append(page.ServiceRoles, svc+": "+strings.Join(roles.ServiceRoles[svc], ", "))
	}
	switch first(info.TenantRole, id.TenantRole) {
	case "admin":
		page.Role = "administrator"
	case "user":
		page.Role = "read-only user"
	}
	return page
}

// claimSet holds the claims the page names the person by and shows the
// roles from. The tenant and roles claims are Gatehouse's (docs/claims.md).
type claimSet struct {
	Subject           string              `json:"sub"`
	PreferredUsername string              `json:"preferred_username"`
	Name              string              `json:"name"`
	GivenName         string              `json:"given_name"`
	FamilyName        string              `json:"family_name"`
	Email             string              `json:"email"`
	TenantRole        string              `json:"tenant_role"`
	GlobalRoles       []string            `json:"global_roles"`
	Permissions       []string            `json:"permissions"`
	ServiceRoles      map[string][]string `json:"service_roles"`
	Groups            []string            `json:"groups"`
	Tenant            struct {
		Slug  string `json:"slug"`
		Name  string `json:"name"`
		Level string `json:"level"`
	} `json:"tenant"`
}

func first(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}

// decodeJWT takes a compact JWS apart. Anything else is shown as opaque.
func decodeJWT(tok string) jwtView {
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		return jwtView{}
	}
	header, err := base64.RawURLEncoding.DecodeString(parts[0])
	if err != nil || !json.Valid(header) {
		return jwtView{}
	}
	payload := jwtPayload(tok)
	if payload == nil {
		return jwtView{}
	}
	return jwtView{JWT: true, Header: indent(header), Claims: indent(payload)}
}

// jwtPayload returns the decoded payload of a compact JWS, or nil.
func jwtPayload(tok string) []byte {
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		return nil
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil || !json.Valid(b) {
		return nil
	}
	return b
}

// indent pretty-prints JSON, keeping the order of its members as sent.
func indent(raw []byte) string {
	var b bytes.Buffer
	if err := json.Indent(&b, raw, "", "  "); err != nil {
		return string(raw)
	}
	return b.String()
}
