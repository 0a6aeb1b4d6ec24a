// Package claims is Gatehouse's token contract: the claims that ID tokens,
// JWT access tokens (RFC 9068), userinfo and introspection carry, and the
// scopes that release them. docs/claims.md describes the same contract for
// portal developers; a change to one is a change to the other in the same
// commit.
//
// The package depends on the standard library only, so that relying parties
// can import it (a verifier for portals follows with the roles work).
package claims
