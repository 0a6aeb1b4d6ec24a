package account

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
)

// CSRF protection is the login pages' signed double submit (login/csrf.go),
// with the session cookie as the cookie: every form carries
// HMAC-SHA256(CSRFKey, "account\x00" || session id) in its csrf_token field,
// and a POST is accepted only if the field matches the session that the
// gatehouse_session cookie it came with names.
//
// Another site can make a browser post a form with that cookie, but it
// cannot compute the field without the key, even knowing the session id
// (the "sid" of ID tokens). Binding the token to the session means a token
// leaked from one session is worthless for another, and dies with it.
// Nothing is stored, so any node checks a form another node served.
const csrfField = "csrf_token"

type csrf struct{ key []byte }

// token is the form field for the session with id sessionID.
func (c csrf) token(sessionID string) string {
	return base64.RawURLEncoding.EncodeToString(c.mac(sessionID))
}

func (c csrf) mac(sessionID string) []byte {
	m := hmac.New(sha256.New, c.key)
	m.Write([]byte("account\x00"))
	m.Write([]byte(sessionID))
	return m.Sum(nil)
}

// valid reports whether token is the field for the session with id
// sessionID. It compares MACs in constant time.
func (c csrf) valid(sessionID, token string) bool {
	if sessionID == "" || token == "" {
		return false
	}
	got, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil {
		return false
	}
	return hmac.Equal(got, c.mac(sessionID))
}
