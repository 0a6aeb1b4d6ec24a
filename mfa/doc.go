// Package mfa is TOTP two-factor authentication (RFC 6238) with recovery
// codes: enrolment, verification, throttling and lockout, and the
// administrator's reset and unlock. The login and account pages drive it;
// it renders nothing but the enrolment QR code.
//
// # Enrolment
//
// NewEnrolment makes a random 160-bit secret (SHA-1, 6 digits, 30 s: what
// every authenticator app reads) with its otpauth:// URL and a PNG QR code.
// Until the person confirms it, the secret lives only in the login's
// pending state in the shared ephemeral store, sealed by SealSecret for that
// user. CompleteEnrolment checks a code from the app, then stores the secret
// sealed under the key-encryption key (AAD "totp:"+userID, so that a sealed
// secret copied to another user's row does not open) together with ten
// recovery codes, and hands the codes back to be shown once.
//
// When the key-encryption key changes, Rewrap (run by `gatehouse keys
// rewrap`, after keys.Rewrap) re-seals every stored secret under the new
// one, one credential at a time: ResealTOTPCredential replaces a secret
// only if it is still the one read, so a person re-enrolling meanwhile
// keeps the new credential. Pending enrolments are not rewrapped; they live
// ten minutes, and the previous key opens them meanwhile.
//
// # Verification
//
// Verify takes what the person typed. Spaces and '-' are dropped and
// letters lower-cased; six digits are a TOTP code, ten characters of the
// recovery alphabet a recovery code, anything else ErrMalformed, which is
// not an attempt. A TOTP code is compared, in constant time, with the codes
// of the counters t-1, t and t+1 (one 30 s step of skew either way), so
// that the matching counter is known. RFC 6238 §5.2: "the verifier MUST NOT
// accept the second attempt of the OTP after the successful validation has
// been issued for the first OTP, which ensures one-time only use of an
// OTP". So a counter is accepted once per user on any node (SetNX of
// "totp-used:<user>:<counter>" in the ephemeral store), and never at or
// below the last counter accepted ("totp-last:<user>"), so that an older
// code still inside the skew window is refused once a newer one was used.
//
// A recovery code is hashed with HMAC-SHA256 under a key of the
// installation and spent atomically in the durable store: of two
// concurrent uses of one code, one succeeds.
//
// # Throttling
//
// Per user, in the ephemeral store so that every node sees it: after the
// n-th consecutive failure (a wrong, expired, future or replayed code, or a
// wrong recovery code) the next attempt must wait min(2^(n-1), 30) seconds;
// at MaxFailures the user is locked for LockFor, and the lock is audited
// once. An attempt while waiting or locked is not checked at all and does
// not count (WaitError). A success, an unlock or a reset forgets the
// failures; otherwise they are remembered for 24 hours from the first of a
// streak, so that a failure just after a lock ends locks again at once and a
// guesser gets about one try per lock period.
//
// # Audit
//
// Enrolment, removal, reset, unlock, lock, regenerated recovery codes and
// every recovery code used are audited through Config.Audit, before the
// change they record where that is possible, so that a change is never made
// unaudited. No code or secret is ever logged, audited or put in an error.
package mfa
