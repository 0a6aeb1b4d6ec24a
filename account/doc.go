// Package account is the person's own account page at /account: who is
// signed in, their profile and password (change them), two-factor authentication (TOTP)
// by choice — set it up, get new recovery codes, or turn it off where
// nothing requires it — and support access (seed 004's "Enable
// support").
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
// changed); not a support session (see below); the CSRF token; the policy;
// and only then the code or the change. The CSRF
// token is a signed double submit whose cookie is the session cookie
// itself: the form carries HMAC-SHA256(key, session id), and a POST is
// accepted only with the session cookie that names that session (csrf.go).
//
//   - POST /account/password changes the password (see below).
//   - POST /account/profile changes the person's own profile (see below).
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
// does not even spend the code. As at login, the authenticator is the
// person's in its home tenant, whatever tenant the session acts in: its
// events are audited there and the app labels it username@home-tenant.
//
// # Password
//
// The section "Password" asks for the current password and the new one
// twice (autocomplete current-password and new-password, with the
// username in a hidden field for password managers). After the checks
// every form starts with, POST /account/password refuses, each before the
// next is looked at: a client address that spent its budget (429, with
// Retry-After); an empty or overlong field; two new passwords that differ;
// a wrong current password; and a new password the policy refuses, or the
// current one (directory.SetPassword: a *directory.FieldError on
// "password", whose reason the page shows, "The new password …"). A
// refusal shows the page again and changes nothing.
//
// The current password is verified by the directory as at login
// (directory.Authenticate), with the person's home tenant and username:
// the user and its password live there, whatever tenant the session acts
// in. A wrong one counts against the client's address on
// Config.AddressLimiter, the budget the login pages and the TOTP forms
// share, so that the form is no way around the login's throttle; a policy
// refusal counts too, as at login (each costs a hash and answers a
// question about a password), a mismatch does not.
//
// Once the password is changed it is audited through Config.Audit, after
// the change as the support consents are: user.password_changed in the
// person's home tenant, the person as actor and target, details reason
// "account_page" (the login's step says "required_at_login") and the
// client's address; never the password. If the event cannot be recorded,
// the password stays changed and the person reads the internal-error page.
// Success answers with the page and a notice. Other sessions of the person
// are not ended by the change.
//
// # Profile
//
// The section "Profile" shows the username and the email address
// read-only ("Your administrator changes your email address.": a new
// address needs verification by mail, which is still to come) and a form
// for the rest of the person's own profile: display name, given and
// family name, phone, job title, office location and preferred language
// (a select of English, Nederlands and Deutsch, or "(not set)"; a stored
// tag it does not offer is shown as an extra option, selected, so that
// saving the form keeps it). Roles stay out of it too.
//
// After the checks every form starts with, POST /account/profile calls
// directory.UpdateOwnProfile for the session's user, which trims and
// checks each field: a *directory.FieldError shows the page again (400)
// with the reason on that field and the values typed kept, and changes
// nothing. A change is audited through Config.Audit once it is made:
// user.profile_changed in the person's home tenant, the person as actor
// and target, one detail per changed field written "before → after" as
// the administration API writes them, and the client's address. A form
// that changes nothing records nothing and says so. If the event cannot be
// recorded, the profile stays changed and the person reads the
// internal-error page. There is no throttle: the form answers no question
// about a secret.
//
// # Support access
//
// A support user of a tenant above the person's may sign in as the person
// ("jill$john", package directory, AuthorizeSupport). The section
// "Support access" shows the effective support policy of the person's home
// tenant (directory.SupportConsents), where consents are given and where
// support acts as the person, whatever tenant the session acts in:
//
//   - Under the consent policy, support may act as the person only while
//     the person's own consent or the tenant's is open. The page says
//     which is open and until when (in UTC: "2 March 2026 at 12:00 UTC",
//     with the exact time in a <time> element), and offers "Enable support
//     access for 24 hours" (the policy's consent window) or "Disable
//     support access". A user who does not administer the tenant is told
//     when the administrators' tenant-wide consent lets support in; a
//     tenant administrator (directory PrincipalOf, Principal.IsAdmin) also
//     gets the tenant-wide consent, with its own buttons.
//   - Under the permission policy the support permission alone lets
//     support in: the page says so, and that there is nothing to enable.
//     It offers no "Enable" button, which would change nothing the person
//     can see, only "Disable" for a window still open from a time the
//     tenant required consent (it would matter again if the tenant came to
//     require consent). The routes still take either scope: enabling under
//     this policy is harmless, and audited like any other.
//
// POST /account/support/enable and POST /account/support/disable take
// scope=self or scope=tenant (anything else: 400, the "request not
// understood" page) and call directory.EnableSupport / DisableSupport,
// which decide who may change which consent: a tenant-wide consent asked
// for by someone who does not administer the tenant is ErrForbidden, the
// page again with 403 and nothing changed. Enabling opens a window of the
// policy's length from now, replacing an open one; disabling closes it,
// open or not. Success answers with the page and a notice ("Support
// access enabled until …", "Support access disabled"), as the TOTP
// removal does: the page keeps no notice across a redirect.
//
// Every change is audited through Config.Audit once it is made:
// support.consent_enabled (details scope and expires_at, RFC 3339 UTC) and
// support.consent_disabled (scope and was_open), in the person's home
// tenant, the person as actor, and as target the person (scope self) or
// the tenant (scope tenant). Unlike package mfa, which audits before the
// change, this page audits after it: the event states what only the change
// knows (the window's end, whether one was open), and a change the
// directory refuses must not be audited as made. If the event cannot be
// recorded, the change stays made and the person reads the internal-error
// page; the log says which event was lost, and the page shows the state as
// it is at the next visit.
//
// # Tenant switch
//
// A person linked to other tenants sees them under "Switch tenant";
// POST /account/tenant re-issues the session in the chosen one
// (session.Store.Switch: new sid and cookie, same auth_time, amr, acr and
// end; the old session deleted) and answers 303 to the page. It is
// audited as session.tenant_switched in the home tenant after the switch
// (tenant_switch.go; docs/directory-model.md).
//
// # Support sessions
//
// In a support session (session.Session.Support: a support user acting as
// the person) the page shows a banner, "Support (jill of acme-iot) is
// acting as this account: its sign-in settings cannot be changed.", the
// person's TOTP and support state, and no form at all (not the profile or
// password forms either: support never changes the person's profile or
// password); the
// enrolment page sends it back to /account. Every POST from it is refused with 403 and
// the page saying so (templates.MsgSupportCannotChange) right after the
// session is found, before the CSRF token, the policy or any code is
// looked at: no code is spent and nothing is changed. Each refusal is
// logged at Warn with user_id and actor_id. Support sees what the person
// sees; it does not take over the person's credentials or consent. The
// support forms also pass the support user to the directory
// (directory.SupportCaller.ActorID), which refuses a support session's
// consent on its own (directory.ErrSupportSession), should the page's
// check ever be lost.
//
// Every page carries the login pages' security headers and CSP
// (templates.SetSecurityHeaders), and nothing typed, no cookie, no code and
// no secret is ever logged.
package account
