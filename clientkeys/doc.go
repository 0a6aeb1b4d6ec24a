// Package clientkeys holds the public keys that clients authenticating
// with private_key_jwt (RFC 7523 §2.2, OpenID Connect Core §9) sign their
// assertions with: the checks a registered key set must pass (Parse), a
// short description of a set for the audit log (Describe), and a cached,
// rate-limited fetcher for sets a client publishes at a jwks_uri (Fetcher).
//
// A key set, inline or fetched, is public signature keys only: RSA of at
// least 2048 bits (RS256, PS256), EC P-256 (ES256) and P-384 (ES384), and
// Ed25519 (EdDSA). Private key material is refused, so that an
// administrator who pastes a private key learns it at once rather than
// after the key was stored; symmetric ("oct") keys are refused, since a
// shared secret is not what private_key_jwt is for.
//
// The Fetcher bounds what a jwks_uri can cost Gatehouse and what an
// attacker can make Gatehouse do with it:
//
//   - each fetch has a timeout (5 s) and reads at most 64 KiB; redirects
//     are not followed;
//   - a set is cached per client for 5 minutes (TTL);
//   - an assertion naming a kid the cached set lacks triggers a refetch
//     (the client rotated its key), but any fetch for one client happens at
//     most once per 10 seconds (MinInterval), however many assertions
//     arrive: an attacker sending made-up kids costs one request per
//     interval, not one per assertion;
//   - while the URI is down, the last set fetched keeps being used for up
//     to 24 hours past its TTL (MaxStale), so that a client's outage of its
//     own web server does not lock it out of Gatehouse at once;
//   - the cache is per process: each node fetches for itself.
//
// The cache is keyed by client id and URI, so a change of a client's
// jwks_uri takes effect at the next assertion.
package clientkeys
