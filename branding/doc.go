// Package branding serves a tenant's effective branding (its own, else
// its nearest ancestor's, field by field: directory.EffectiveBranding) as
// assets of Gatehouse's own origin, so that the pages' Content-Security-
// Policy (templates.ContentSecurityPolicy: nothing but 'self', and data:
// images) lets them load and nothing from a third party ever does:
//
//	GET /branding/{tenant id}/theme.css  CSS custom properties (--gh-primary)
//	GET /branding/{tenant id}/logo       the logo's bytes, 404 when none
//
// Both carry a strong ETag (a digest of what they send) and a short
// max-age, after which a browser revalidates: an administrator's change
// shows within CacheMaxAge, and an unchanged asset costs a 304. A tenant
// that does not exist is a bare 404, like a path that does not.
package branding
