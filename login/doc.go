// Package login is the part of Gatehouse a person walks through: the pages
// between a portal's redirect to /authorize and the code that goes back to
// it.
//
// The flow:
//
//  1. The OpenID provider (package provider) receives /authorize, stores the
//     authorization request and redirects the browser to
//     /login?authRequestID=<id>. If the browser already holds a reusable
//     single sign-on session, the provider has completed the request itself
//     and GET /login only sends the browser on to the callback. A session
//     whose person must now change its password (set after it signed in;
//     for a support session, the support user's) must not be reused: only
//     the login asks for the new password, so such a person signs in again
//     before any new token is issued. That decision is the provider's
//     (reusableSession).
//  2. GET /login shows the form: tenant, username, password. It pre-fills
//     the tenant and username from the request's login_hint ("jill" or
//     Cumulocity-style "acme/jill") and the tenant from the gatehouse_tenant
//     cookie that remembers the last one used.
//  3. POST /login checks, in this order and stopping at the first refusal:
//     the body size, the CSRF token, that the request still exists, the
//     fields, the per-address and per-account throttles (a blocked key gets
//     no answer about its password), and only then the password
//     (directory.Authenticate, which costs the same for unknown users).
//  4. A person linked to tenants besides its home (an external user) is
//     sent to GET /login/tenant to choose the tenant to act in; POST
//     /login/tenant accepts only a tenant that was offered, from the same
//     browser, once (tenant.go).
//  5. The second factor (mfa.go): policy decides (directory.DecideMFA). A
//     person with an authenticator gives a code at GET/POST /login/totp
//     (or a recovery code); one without enrols first where TOTP is
//     required (POST /login/totp/enrol), sees its new recovery codes once
//     (GET /login/totp/codes) and goes on (POST /login/totp/done); anyone
//     else is done with the password.
//  6. The new password (new_password.go): a person whose administrator
//     set "reset password at next login" (directory.User.MustChangePassword)
//     is not done yet. With every factor proven, the login waits once more
//     and GET /login/new-password asks for a new password, twice, saying
//     why. POST /login/new-password checks the form as every step does,
//     the pending login, the address throttle, the fields and that both
//     are the same; then the directory applies the password policy
//     (directory.SetPassword, which clears the flag). A mismatch or a
//     refusal shows the page again, with the policy's own reason, and
//     changes nothing. The new password is audited (user.password_changed)
//     and the login finishes with the factors proven before. The step
//     comes after TOTP, not before, because a new password is a change to
//     the account: it needs every factor a session needs, and a leaked
//     temporary password alone cannot set a password and lock the person
//     out. No session exists and no request is completed before both are
//     done. In a support login the support user, whose password was typed,
//     is the one who must change it.
//  7. On success it starts a session (session.Store) acting in the home or
//     chosen tenant, audits the login (login.succeeded, audit.go; a login
//     that cannot be audited does not happen), completes the request for it
//     (Requests.CompleteLogin), counts it in the user's statistics, sets
//     the session cookie and sends the browser with 303 See Other to the
//     callback, where the provider issues the code.
//  8. Consent (consent.go), for third-party applications only
//     (directory.Client.ThirdParty; the platform's own portals never
//     ask). When the person has yet to allow every scope the application
//     asks for (or it asked with prompt=consent), CompleteLogin completes
//     nothing and answers ErrConsentRequired: the request waits, bound to
//     the session just started, and the browser goes to GET
//     /login/consent instead of the callback. A single sign-on session
//     gets there too: the provider leaves such a request waiting rather
//     than completed, and GET /login sends the browser on
//     (Request.AwaitingConsent). The page shows the application's name
//     and what each scope it asks for means; POST /login/consent checks
//     the form as every step does and that the browser's session is the
//     one the request waits for, audits the answer (consent.granted or
//     consent.denied; an answer that cannot be audited is not given),
//     and then Allow remembers the consent, per person and application,
//     for every scope allowed so far, and completes the request; Deny
//     remembers nothing, and the callback sends the application
//     access_denied. Consents are removed with the person or the
//     application; the account page does not list them, nor lets a
//     person revoke one, yet.
//
// Between the steps, the proven password waits as a pending login in the
// ephemeral store (pending.go), bound to the browser, at its stage, for
// ten minutes at most; the step that completes it takes it (single use).
// A new password the policy refuses puts it back for the time it had left.
//
// A username "jill$john" (or "jill$") is a support login (support.go): the
// password is the support user's (directory.AuthenticateSupport, against
// the nearest tenant above), its failures count against "support$jill"
// whatever the target, the support rules decide (directory.AuthorizeSupport),
// GET/POST /login/support shows whom the login will act as and takes the
// reason, the support user's own TOTP follows where needed (and its new
// password, where its administrator requires one), and the session
// that starts acts as John, in John's tenant, with Jill as its actor, for
// the support session's lifetime (an hour) at most. Every support login and
// every refusal once the password is proven is audited.
//
// Every page carries the same security headers (no caching, no framing, a
// Content-Security-Policy that allows only our own style sheet and the
// enrolment page's inline QR code), and every handler returns an error
// that one adapter, shared with the account page (templates.Pages), turns
// into a page with a safe message and a log line with the cause. Nothing
// the person typed, no cookie and no token is ever logged.
//
// CSRF is stopped twice: by a signed double-submit token in every form
// (csrf.go) and by net/http's CrossOriginProtection, which refuses
// cross-origin POSTs from browsers by their Sec-Fetch-Site and Origin
// headers.
package login
