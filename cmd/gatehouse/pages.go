package main

import (
	"context"
	"log/slog"
	"net/http"
	"strings"

	"github.com/gatehouse-id/gatehouse/account"
	"github.com/gatehouse-id/gatehouse/directory"
	"github.com/gatehouse-id/gatehouse/internal/requestid"
	"github.com/gatehouse-id/gatehouse/login"
	"github.com/gatehouse-id/gatehouse/session"
	"github.com/gatehouse-id/gatehouse/setpassword"
	"github.com/gatehouse-id/gatehouse/templates"
)

// withPageContext gives each of Gatehouse's pages what its layout shows
// about the browser's session, from one lookup of that session (only the
// pages pay it; the OAuth endpoints are left alone):
//
//   - in a support session, the banner "acting as john — support: jill"
//     (templates.SupportBanner);
//   - the look of the tenant the page is for (templates.Brand; package
//     branding serves the theme and the logo): the session's tenant, or
//     else the tenant last signed in to in this browser
//     (login.TenantCookie), whose people are the likely ones at the login
//     form. A tenant without branding, and a browser that names none, keep
//     Gatehouse's own look. The tenant also goes on the request's log lines.
func withPageContext(next http.Handler, sessions *session.Store, dir *directory.Directory) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !isPage(r.URL.Path) {
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
				if s.Support != nil {
					ctx = templates.WithSupportBanner(ctx, templates.NewSupportBanner(s.Support.Username,
						s.Support.ActorUsername, s.Support.ActorTenantSlug, s.ExpiresAt))
				}
				t, err = dir.TenantByID(ctx, s.TenantID)
			}
		}
		if err != nil {
			if ck, cerr := r.Cookie(login.TenantCookie); cerr == nil && directory.ValidateSlug(directory.NormalizeSlug(ck.Value)) == nil {
				t, err = dir.TenantBySlug(ctx, directory.NormalizeSlug(ck.Value))
			}
		}
		if err == nil {
			ctx = withBrand(ctx, dir, t)
		}
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// withBrand returns ctx carrying tenant t's effective branding, and names
// t on the request's log lines.
func withBrand(ctx context.Context, dir *directory.Directory, t directory.Tenant) context.Context {
	requestid.Annotate(ctx, slog.String("tenant", t.Slug))
	b, err := dir.EffectiveBranding(ctx, t)
	if err != nil {
		return ctx
	}
	brand := &templates.Brand{Name: b.DisplayName}
	if b.PrimaryColor != "" {
		brand.ThemeURL = "/branding/" + t.ID + "/theme.css"
	}
	if b.LogoTenantID != "" {
		brand.LogoURL = "/branding/" + t.ID + "/logo"
	}
	return templates.WithBrand(ctx, brand)
}

// isPage reports whether path is one of Gatehouse's own pages that a
// session may see: the login's, the account page's, and those of mailed
// links.
func isPage(path string) bool {
	for _, p := range []string{"/login", account.Path, strings.TrimSuffix(setpassword.ForgotPath, "/forgot")} {
		if path == p || strings.HasPrefix(path, p+"/") {
			return true
		}
	}
	return path == setpassword.InvitationPath
}
