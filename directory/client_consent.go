package directory

import (
	"slices"
	"time"
)

// ClientConsent is a person's consent to a third-party client
// (Client.ThirdParty): the scopes the person allowed it, on the consent
// page, and when. It is remembered per user and client, so that a later
// login asks again only when the client asks for a scope not in Scopes.
// Removing the user (DeleteUserFor, or for good) or the client removes
// it.
type ClientConsent struct {
	UserID    string
	ClientID  string
	Scopes    []string
	GrantedAt time.Time
}

// Missing returns the scopes of asked that c does not cover, in asked's
// order; none means the client may have them without asking.
func (c ClientConsent) Missing(asked []string) []string {
	var out []string
	for _, s := range asked {
		if !slices.Contains(c.Scopes, s) && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}
