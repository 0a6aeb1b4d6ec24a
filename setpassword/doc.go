// Package setpassword serves the pages a person reaches from a mailed
// link, where it chooses a password, and the "forgot password" form that
// mails such a link; its Mailer writes those mails. Every page is
// rendered on the server (package templates) and works without
// JavaScript.
//
// # Mailed links
//
// An invitation (GET /invitation?token=…, for a user without a password)
// and a password reset link (GET /password/reset?token=…) open the same
// form. The GET only looks at the link (directory.OpenLink): a live one
// shows the form, saying whose password it is, until when the link works
// and what the policy asks of a password; any other says what happened
// and what to do, with a 4xx status: expired or used 410, unknown 404, an
// account that cannot use it 403.
//
// POST checks, refusing before the next step: the body size, the CSRF
// token, the link, the per-address throttle, both fields present and the
// same. Then one transaction uses the link (directory.UseLink: the
// password set, the address verified, a reset's sessions ended) and
// records user.invitation_accepted or user.password_reset; a password the
// policy refuses rolls it all back, so the link stays usable, and counts
// against the address. Once committed, a reset mails the "password
// changed" notice. Then a page says the password is set and how strong
// it is estimated to be, and its button goes on: to the login page of the
// portal the link names (directory.Client.InitiateLoginURI) with iss and
// login_hint (tenant/username), OpenID Connect Core §4's third-party
// initiated login, or else to the account page. It is a button rather
// than a redirect so that the person sees the strength of what it chose.
//
// # Forgot password
//
// GET /password/forgot asks for tenant and username (the login page links
// here with what was typed there). POST counts the request against the
// address and the account, whether or not the account exists, and
// answers: one page and one status for every account, so that nobody
// learns which exist. Only then, apart from the request, it makes a reset
// link if the account can have one (directory.RequestReset), records
// user.password_reset_requested with it, and queues the mail after the
// commit: that work takes time for an existing account and none for an
// unknown one, and doing it after the answer keeps the answer's timing
// from telling them apart. At most maxResetsInFlight such requests run
// at once on a node; beyond that a request does its work before it
// answers, rather than dropping it.
//
// # Secrets
//
// A link's secret is in the page's URL and in the form's hidden field,
// and nowhere else: never in a log line, an audit event or an error.
// Every page sends Referrer-Policy: no-referrer and Cache-Control:
// no-store (templates.SetSecurityHeaders), so that the URL does not
// leave the browser. Forms carry CSRF tokens (package formcsrf) bound to
// the browser's gatehouse_csrf cookie, which the login pages share, and
// to the page; cross-origin POSTs are refused besides.
package setpassword
