package templates

import "context"

// Brand is a tenant's look on a page (package branding serves its
// assets): the name the pages call the product by, and the addresses of
// the tenant's theme (a stylesheet of colours) and logo, on Gatehouse's
// own origin so that the Content-Security-Policy needs no exception.
// Empty fields leave Gatehouse's own.
type Brand struct {
	Name     string
	ThemeURL string
	LogoURL  string
}

type brandKey struct{}

// WithBrand returns ctx carrying b, for Pages.Render to show.
func WithBrand(ctx context.Context, b *Brand) context.Context {
	return context.WithValue(ctx, brandKey{}, b)
}

// BrandFrom returns the brand ctx carries, or nil.
func BrandFrom(ctx context.Context) *Brand {
	b, _ := ctx.Value(brandKey{}).(*Brand)
	return b
}
