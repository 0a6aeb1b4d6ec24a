package claims

import "errors"

// Errors a Verifier returns. Each is wrapped with detail (never the token
// itself); test for them with errors.Is. All but ErrKeySetUnavailable mean
// the token is not to be trusted; ErrKeySetUnavailable means the verifier
// could not tell, because the issuer's keys could not be fetched, and a
// resource server answers it as its own failure (503), not the client's.
var (
	// ErrMalformed: not a compact JWS with one signature, or a payload
	// that is not the token's JSON.
	ErrMalformed = errors.New("claims: malformed token")
	// ErrInvalidAlgorithm: the JOSE alg is not in the verifier's
	// allow-list (none and HMAC never are).
	ErrInvalidAlgorithm = errors.New("claims: signature algorithm not allowed")
	// ErrInvalidType: the JOSE typ does not fit the kind of token asked
	// for, such as an ID token presented as an access token.
	ErrInvalidType = errors.New("claims: wrong token type")
	// ErrUnknownKey: no published signing key has the token's kid, even
	// after a refetch of the key set (or within the refetch rate limit).
	ErrUnknownKey = errors.New("claims: unknown signing key")
	// ErrInvalidSignature: the signature does not verify with the key.
	ErrInvalidSignature = errors.New("claims: invalid signature")
	// ErrInvalidIssuer: iss is not the configured issuer.
	ErrInvalidIssuer = errors.New("claims: wrong issuer")
	// ErrInvalidAudience: aud (or an ID token's azp) names no audience
	// the verifier accepts.
	ErrInvalidAudience = errors.New("claims: wrong audience")
	// ErrExpired: exp is past, beyond the leeway.
	ErrExpired = errors.New("claims: token expired")
	// ErrNotYetValid: nbf or iat lies in the future, beyond the leeway.
	ErrNotYetValid = errors.New("claims: token not yet valid")
	// ErrMissingClaim: a claim the token type requires is absent.
	ErrMissingClaim = errors.New("claims: required claim missing")
	// ErrKeySetUnavailable: discovery or the JWKS could not be fetched or
	// read, and no cached key fits the token.
	ErrKeySetUnavailable = errors.New("claims: issuer key set unavailable")
)
