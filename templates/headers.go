package templates

import "net/http"

// ContentSecurityPolicy is the policy of every page: our own style sheet
// and images load, nothing else does, and no one frames the pages
// (clickjacking of the password and code forms). The login and account
// pages both send it, through SetSecurityHeaders.
//
// It has no form-action directive on purpose: Chromium applies form-action
// to every redirect that follows a form submission, and a successful POST
// /login is followed by 303 to the callback and then a redirect to the
// portal's redirect_uri on another origin, which form-action 'self' would
// block. The form's action is a fixed path in a template that html/template
// escapes, and base-uri 'none' stops an injected <base> from moving it.
//
// img-src allows data: for the enrolment pages' QR code, which the server
// draws into the page so that no one else sees the secret.
const ContentSecurityPolicy = "default-src 'self'; img-src 'self' data:; base-uri 'none'; object-src 'none'; frame-ancestors 'none'"

// SetSecurityHeaders sets the headers every page response carries, redirects
// and errors included: nothing is cached (the pages hold CSRF tokens, typed
// usernames, TOTP secrets and recovery codes), nothing is framed, no Referer
// leaks a request id or a code to another site.
func SetSecurityHeaders(h http.Header) {
	h.Set("Cache-Control", "no-store")
	h.Set("Pragma", "no-cache")
	h.Set("X-Frame-Options", "DENY")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", ContentSecurityPolicy)
	h.Set("Referrer-Policy", "no-referrer")
}
