// Package account is the person's own account page at /account: who is
// signed in, and two-factor authentication (TOTP) by choice — set it up,
// get new recovery codes, or turn it off where nothing requires it.
//
// # Authorized by the session
//
// Unlike a portal, the page is not authorized by tokens: it reads the
// browser's Gatehouse single sign-on session (the gatehouse_session
// cookie, session.Store.Lookup) on every request, and acts only while the
// user is still active and may still act in the session's tenant. A browser
// without a usable session sees a page that says to sign in, with a button
// to /account/login.
//
// # Signing in
//
// GET /account/login starts an ordinary authorization request at
// Gatehouse's own /authorize, for the built-in public client
// gatehouse-account (Client): redirect_uri {issuer}/account, scope openid,
// PKCE S256 with a random verifier, and a random state kept in a
// short-lived HttpOnly, SameSite=Lax cookie scoped to /account. The person
// signs in on the login pages (password, tenant choice, TOTP, as for any
// portal; with a live session the provider answers at once), and the
// provider sends the browser back to /account?code=…&state=…. There the
// state must equal the cookie's, else the return is refused and ignored
// (login CSRF: a return this browser did not start); the cookie is cleared
// and the browser is sent on to /account, which the new session now
// authorizes.
//
// The code is never redeemed: the page needs no tokens, only the session
// the login created. It expires unused a minute later, and the verifier is
// thrown away; PKCE and state are there because every client of Gatehouse
// follows the same rules, this one included.
//
// The client is registered at every start (cmd/gatehouse), idempotently.
// It is hidden from nothing: it is a row like any other so that /authorize
// and the login pages need no special case, and nothing lists clients to
// people today. It holds no secret, no scopes beyond openid, no services
// and no roles, and its only redirect URI is this page, so a code issued to
// it never leaves Gatehouse. When application access (seed 004) and an
// administration API come, it must be exempt from the first (everyone may
// reach their own account page) and shown read-only by the second.
//
// # Forms
//
// Every POST goes through http.CrossOriginProtection and then, in order:
// the body size; a live session (else the sign-in page: nothing is
// changed); the CSRF token; the policy; and only then the code. The CSRF
// token is a signed double submit whose cookie is the session cookie
// itself: the form carries HMAC-SHA256(key, session id), and a POST is
// accepted only with the session cookie that names that session (csrf.go).
//
//   - POST /account/totp/enrol/start makes a new secret, keeps it sealed for
//     the user in the ephemeral store under the session's id for ten
//     minutes, and redirects to GET /account/totp/enrol, which draws it (QR
//     code and key, package totppage). POST /account/totp/enrol with the
//     first code from the app stores it (mfa.CompleteEnrolment) and shows
//     the ten recovery codes, once. Refused when the tenant's policy is off
//     or the person already has an authenticator.
//   - POST /account/totp/recovery with a current TOTP code replaces the
//     recovery codes and shows the new ones, once.
//   - POST /account/totp/remove with a current TOTP code removes the
//     authenticator; refused, before the code is checked, when the tenant's
//     policy or a role or group of the person requires TOTP.
//
// Codes are checked by package mfa as at login — one use each, the same
// throttle and lock — and a refused code gets the login's answer
// (totppage.CodeProblem). A refused form changes nothing; a policy refusal
// does not even spend the code.
//
// Every page carries the login pages' security headers and CSP
// (templates.SetSecurityHeaders), and nothing typed, no cookie, no code and
// no secret is ever logged.
package account
