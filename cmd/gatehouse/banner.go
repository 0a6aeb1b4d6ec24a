package main

import (
	"net/http"
	"strings"

	"github.com/gatehouse-id/gatehouse/account"
	"github.com/gatehouse-id/gatehouse/session"
	"github.com/gatehouse-id/gatehouse/templates"
)

// withSupportBanner gives every Gatehouse page requested in a support
// session the banner "acting as john — support: jill" (templates.Pages
// renders it). Only the pages' paths pay the session lookup; the OAuth
// endpoints are left alone.
func withSupportBanner(next http.Handler, sessions *session.Store) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if token := session.TokenFromRequest(r); token != "" && isPage(r.URL.Path) {
			if s, err := sessions.Lookup(r.Context(), token); err == nil && s.Support != nil {
				b := templates.NewSupportBanner(s.Support.Username, s.Support.ActorUsername, s.Support.ActorTenantSlug, s.ExpiresAt)
				r = r.WithContext(templates.WithSupportBanner(r.Context(), b))
			}
		}
		next.ServeHTTP(w, r)
	})
}

// isPage reports whether path is one of Gatehouse's own pages that a
// session may see: the login's and the account page's.
func isPage(path string) bool {
	for _, p := range []string{"/login", account.Path} {
		if path == p || strings.HasPrefix(path, p+"/") {
			return true
		}
	}
	return false
}
