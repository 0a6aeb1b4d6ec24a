package templates

import "html/template"

// The consent step of the login: a third-party application
// (directory.Client.ThirdParty) gets no code before the person allows
// what it asks for. The platform's own portals never show it.

// ConsentPage asks the person to allow, or deny, a third-party
// application the scopes it asks for (the form posts to /login/consent).
type ConsentPage struct {
	// ClientName is the application asking.
	ClientName    string
	AuthRequestID string
	CSRFToken     string
	// Username is who is signed in: the consent is this person's.
	Username string
	// Scopes are the scopes the application asks for, in the request's
	// order; the page says what each means (the scope function).
	Scopes []string
	// Again is true when the person allowed the application before, and
	// it now asks for more.
	Again bool
}

func (ConsentPage) templateName() string { return "consent" }

// scopeKeys are the catalog ids of the scopes Gatehouse knows.
var scopeKeys = map[string]string{
	"openid": "consent.scope.openid", "profile": "consent.scope.profile", "email": "consent.scope.email",
	"offline_access": "consent.scope.offline_access", "tenant": "consent.scope.tenant", "roles": "consent.scope.roles",
	"permissions": "consent.scope.permissions", "gatehouse.admin": "consent.scope.admin",
}

// scope says what a scope lets an application do, in plain words: the
// known ones by their meaning, any other by its name.
func (c catalog) scope(name string) (template.HTML, error) {
	if key, ok := scopeKeys[name]; ok {
		return c.text(key)
	}
	return c.text("consent.scope.other", "scope", name)
}
