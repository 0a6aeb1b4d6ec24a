package main

import (
	"log/slog"
	"net/http"
	"strings"

	"github.com/gatehouse-id/gatehouse/directory"
	"github.com/gatehouse-id/gatehouse/internal/requestid"
	"github.com/gatehouse-id/gatehouse/login"
	"github.com/gatehouse-id/gatehouse/session"
	"github.com/gatehouse-id/gatehouse/setpassword"
	"github.com/gatehouse-id/gatehouse/templates"
)

// withBranding gives Gatehouse's pages the look of the tenant they are
// for (templates.Brand; package branding serves the theme and the logo):
// the tenant of the browser's session, or else the tenant last signed in
// to in this browser (login.TenantCookie), whose people are the likely
// ones at the login form. A tenant without branding, and a browser that
// names none, keep Gatehouse's own look. Only the pages pay the lookup.
func withBranding(next http.Handler, sessions *session.Store, dir *directory.Directory) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !isBrandedPage(r.URL.Path) {
			next.ServeHTTP(w, r)
			return
		}
		ctx := r.Context()
		var (
			t   directory.Tenant
			err = directory.ErrNotFound
		)
		if token := session.TokenFromRequest(r); token != "" {
			if s, serr := sessions.Lookup(ctx, token); serr == nil {
				t, err = dir.TenantByID(ctx, s.TenantID)
			}
		}
		if err != nil {
			if ck, cerr := r.Cookie(login.TenantCookie); cerr == nil && directory.ValidateSlug(directory.NormalizeSlug(ck.Value)) == nil {
				t, err = dir.TenantBySlug(ctx, directory.NormalizeSlug(ck.Value))
			}
		}
		if err == nil {
			requestid.Annotate(ctx, slog.String("tenant", t.Slug))
			if b, berr := dir.EffectiveBranding(ctx, t); berr == nil {
				brand := &templates.Brand{Name: b.DisplayName}
				if b.PrimaryColor != "" {
					brand.ThemeURL = "/branding/" + t.ID + "/theme.css"
				}
				if b.LogoTenantID != "" {
					brand.LogoURL = "/branding/" + t.ID + "/logo"
				}
				r = r.WithContext(templates.WithBrand(ctx, brand))
			}
		}
		next.ServeHTTP(w, r)
	})
}

// isBrandedPage reports whether path is a page a tenant's people see: the
// login's, the account page's, and those of mailed links.
func isBrandedPage(path string) bool {
	return isPage(path) || path == setpassword.InvitationPath ||
		strings.HasPrefix(path, strings.TrimSuffix(setpassword.ForgotPath, "forgot"))
}
