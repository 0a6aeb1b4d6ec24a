package account

import "github.com/gatehouse-id/gatehouse/internal/formcsrf"

// CSRF protection is package formcsrf's signed double submit, with the
// session cookie as the cookie: every form carries a MAC of the session id
// in its csrf_token field, and a POST is accepted only if the field
// matches the session that the gatehouse_session cookie it came with
// names.
//
// Another site can make a browser post a form with that cookie, but it
// cannot compute the field without the key, even knowing the session id
// (the "sid" of ID tokens). Binding the token to the session means a token
// leaked from one session is worthless for another, and dies with it.
const (
	csrfField = formcsrf.Field
	// csrfPurpose separates the account page's tokens from other pages'.
	csrfPurpose = "account"
)

type csrf struct{ key []byte }

// token is the form field for the session with id sessionID.
func (c csrf) token(sessionID string) string {
	return formcsrf.Sign(c.key, csrfPurpose, sessionID)
}

// valid reports whether token is the field for the session with id
// sessionID, in constant time.
func (c csrf) valid(sessionID, token string) bool {
	return sessionID != "" && formcsrf.Verify(c.key, token, csrfPurpose, sessionID)
}
