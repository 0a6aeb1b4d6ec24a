// Package claims is Gatehouse's token contract: the claims that ID tokens,
// JWT access tokens (RFC 9068), userinfo and introspection carry, and the
// scopes that release them. docs/claims.md describes the same contract for
// portal developers; a change to one is a change to the other in the same
// commit.
//
// It is also the relying-party side: Verifier checks ID tokens and JWT
// access tokens offline against the issuer's JWKS (discovered, cached,
// refetched on an unknown kid at most once per interval), the methods on
// Access answer authorization questions from a token alone, and Middleware
// and Require protect net/http resource servers. The package imports the
// standard library and go-jose only (deps_test.go checks it), so that
// relying parties can import it without pulling in Gatehouse's storage or
// its OpenID provider.
package claims
