// Package admin is Gatehouse's administration API: JSON over HTTP under
// /api/v1, described by the OpenAPI 3.1 document it serves at
// /api/v1/openapi.yaml (openapi.yaml; a test keeps the two in step).
//
// # Who may call it
//
// Gatehouse is a resource server for its own access tokens: a request
// carries "Authorization: Bearer <access token>", a live token Gatehouse
// issued (signature, issuer, expiry, revocation: provider.VerifyAccessToken)
// whose aud names the API, which a token has when its client was granted
// the gatehouse.admin scope (claims.ScopeAdmin). The caller is then resolved
// from the directory now (directory.CallerForUser, CallerForClient): the
// person in the tenant the token acts in, or the machine client in its
// tenant, with the roles they hold at this moment, not those the token
// recorded.
//
// # What it may do
//
// Every rule is the directory's (directory/caller.go): a caller reaches its
// own tenant and those below it, never a parent or a sibling, and outside
// its subtree everything is 404, so that existence does not leak; inside,
// its permissions decide (resource:read to read, :change to change,
// :create to create; a tenant administrator holds them all, a read-only
// user reads). Handlers only translate HTTP to those calls and back.
//
// # Answers
//
// JSON in and out. Errors are RFC 9457 problem details
// (application/problem+json) with the field at fault where there is one:
// 400 for a body or query that is not what the API reads (malformed,
// unknown fields, wrong types; 413 too large, 415 not JSON), 422 for
// values the directory refuses, 401 without a valid token, 403 for a
// permission the caller lacks, 404 for what does not exist or is out of
// reach, 409 for a name that is taken or a tenant that is not empty. A
// refused request changes nothing: every change runs in one transaction.
//
// Every change is audited (who, what, the fields before and after, the
// client address) in the tenant it happened in, before the answer
// (Handler.record; TOTP resets by the mfa service).
//
// # Mail
//
// Invitations and password reset links (links.go) are mailed through
// Config.Mailer once their transaction has committed (atomic), never
// before: a link that was rolled back is never mailed. A mail that cannot
// be queued then is a 503 that says the link was stored.
package admin
