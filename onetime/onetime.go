// Package onetime keeps single-use link tokens: the secret in an invitation
// link (valid for days, killed by a resend) or a password reset link
// (short-lived, killed by use or by a successful reset).
//
// The flow: New makes a secret and its hash; the hash goes into a Token in
// the Store, the secret into the link and nowhere else. When the link is
// opened, Hash turns the secret from the URL back into the hash; PeekToken
// says whether the link is still good (to show the form, or a page that
// says what to do instead), and RedeemToken uses it up when the form is
// posted. Of two concurrent redeems of one token exactly one succeeds.
//
// Tokens refer to users and tenants by id without a foreign key, as grants'
// refresh tokens do: the flow that redeems a token loads the user, so a
// purged user's token fails there, and DeleteExpiredTokens removes it in
// time.
package onetime

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"time"
)

var (
	// ErrNotFound: no token has that hash and purpose (never issued,
	// issued for something else, deleted, or a malformed secret).
	ErrNotFound = errors.New("one-time token not found")
	// ErrConflict: a token with that hash is already stored.
	ErrConflict = errors.New("one-time token already exists")
	// ErrUsed: the token was redeemed, or revoked by a newer one (a resent
	// invitation, a completed reset). The page can say "this link was
	// already used: sign in, or ask for a new one".
	ErrUsed = errors.New("one-time token already used")
	// ErrExpired: the token was never used but its time ran out.
	ErrExpired = errors.New("one-time token expired")
)

// Purpose is what a token may be redeemed for. A token redeemed for another
// purpose than it was issued for is not found, so that an invitation link
// cannot reset a password, nor the other way round.
type Purpose string

const (
	PurposeInvitation    Purpose = "invitation"
	PurposePasswordReset Purpose = "password_reset"
)

// secretBytes is the entropy of a secret: 256 bits.
const secretBytes = 32

// secretLen is the length of a secret in unpadded base64url.
var secretLen = base64.RawURLEncoding.EncodedLen(secretBytes)

// New returns a new secret for a link, 32 bytes from crypto/rand in
// unpadded base64url, and the hash to store for it.
func New() (secret string, hash []byte) {
	b := make([]byte, secretBytes)
	rand.Read(b) // "It never returns an error, and always fills b entirely."
	secret = base64.RawURLEncoding.EncodeToString(b)
	return secret, sha(secret)
}

// Hash returns the hash stored for secret, or nil if secret is not one New
// could have returned (wrong length or alphabet): a nil hash matches no
// token, so stores answer ErrNotFound without anyone hashing junk.
//
// The hash is a single SHA-256, not a password hash such as Argon2: a slow
// hash exists to make guessing a low-entropy password expensive, but a
// secret here is 256 random bits, which no number of guesses can find, so
// the stored hash reveals nothing that a slow hash would protect, and
// lookup by hash stays one index probe.
func Hash(secret string) []byte {
	if len(secret) != secretLen {
		return nil
	}
	// Strict rejects non-zero padding bits, so that each token has exactly
	// one secret string; the length checks reject '\r' and '\n', which the
	// decoder would skip.
	b, err := base64.RawURLEncoding.Strict().DecodeString(secret)
	if err != nil || len(b) != secretBytes {
		return nil
	}
	return sha(secret)
}

func sha(secret string) []byte {
	h := sha256.Sum256([]byte(secret))
	return h[:]
}

// Token is a stored one-time token. The secret itself is never stored.
type Token struct {
	Hash      []byte // SHA-256 of the secret (see Hash)
	Purpose   Purpose
	UserID    string // the user the link acts for
	TenantID  string
	CreatedBy string // the actor who sent it; "" for self-service (forgot my password)
	// ClientID and RedirectURI say where to continue once the link is
	// used; both optional.
	ClientID    string
	RedirectURI string
	CreatedAt   time.Time
	ExpiresAt   time.Time // valid while now < ExpiresAt
	UsedAt      time.Time // zero until redeemed or revoked
}

// Check returns the verdict on a stored token at now: ErrUsed if it was
// used, even if it has expired since (the page's advice is the same), then
// ErrExpired if now >= ExpiresAt, and nil if it is live. Stores use it to
// tell why a redeem failed.
func (t Token) Check(now time.Time) error {
	switch {
	case !t.UsedAt.IsZero():
		return ErrUsed
	case !now.Before(t.ExpiresAt):
		return ErrExpired
	}
	return nil
}

// Store persists one-time tokens. Every method that takes a purpose treats
// a token of another purpose as absent. A token's verdict at now is
// ErrNotFound if no token has that hash and purpose, and otherwise its
// Check(now).
type Store interface {
	// CreateToken stores t, or returns ErrConflict if its hash is taken.
	CreateToken(ctx context.Context, t Token) error
	// RedeemToken marks the live token with hash and purpose used at now
	// and returns it, atomically: of concurrent redeems of one token
	// exactly one succeeds, and the others see ErrUsed. A token that is not
	// live is left alone and its verdict returned, with a zero Token.
	RedeemToken(ctx context.Context, hash []byte, purpose Purpose, now time.Time) (Token, error)
	// PeekToken returns what RedeemToken would return at now, without
	// using the token: the page shows "set your password" before the form
	// is posted.
	PeekToken(ctx context.Context, hash []byte, purpose Purpose, now time.Time) (Token, error)
	// RevokeTokens marks every unused token of userID and purpose used at
	// now, expired or not, and returns how many: a resent invitation, or a
	// completed password reset, kills the older links.
	RevokeTokens(ctx context.Context, userID string, purpose Purpose, now time.Time) (int, error)
	// DeleteExpiredTokens removes tokens with ExpiresAt < before, used or
	// not, and returns how many.
	DeleteExpiredTokens(ctx context.Context, before time.Time) (int, error)
}
