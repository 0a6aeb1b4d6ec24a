package directory

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math"
	"regexp"
	"strings"
)

// Branding (the login experience): how a tenant's pages name its product
// and look. Each field left empty inherits the parent's, field by field, so
// that a provider brands its whole subtree and a customer overrides only,
// say, the logo (EffectiveBranding).

// Limits of branding.
const (
	// MaxDisplayName is the longest display name, in characters: it
	// fits a page title and a heading.
	MaxDisplayName = 60
	// MaxLogoBytes is the largest logo, in bytes: a logo is a small
	// image on a sign-in page, and every tenant read carries it.
	MaxLogoBytes = 64 << 10
	// MinContrast is the least contrast ratio a primary colour must have
	// against white text: WCAG 2.x AA for normal text (1.4.3), since
	// buttons put white text on the primary colour.
	MinContrast = 4.5
)

// The media types a logo may have. SVG is not one of them: an SVG is a
// document that can carry script and load other resources.
const (
	MediaPNG  = "image/png"
	MediaJPEG = "image/jpeg"
	MediaWebP = "image/webp"
)

// Branding is a tenant's own branding; every field empty inherits the
// parent's.
type Branding struct {
	// DisplayName is what the pages call the tenant's product ("Things
	// Portal"): one line of at most MaxDisplayName printable characters.
	DisplayName string
	// PrimaryColor is the colour of buttons and links, "#rrggbb" in
	// lower case, dark enough for white text on it (MinContrast).
	PrimaryColor string
	// Logo is the tenant's logo; the zero Logo inherits.
	Logo Logo
}

// Logo is an image and its media type. Build one with ParseLogo, which
// tells the type from the bytes.
type Logo struct {
	MediaType string // MediaPNG, MediaJPEG or MediaWebP
	Data      []byte
}

// IsZero reports whether there is no logo.
func (l Logo) IsZero() bool { return len(l.Data) == 0 && l.MediaType == "" }

// Equal reports whether l and o are the same image.
func (l Logo) Equal(o Logo) bool { return l.MediaType == o.MediaType && bytes.Equal(l.Data, o.Data) }

// Digest is the hex SHA-256 of the image, which names it in the audit log
// and in the API without its bytes.
func (l Logo) Digest() string {
	if l.IsZero() {
		return ""
	}
	sum := sha256.Sum256(l.Data)
	return hex.EncodeToString(sum[:])
}

// IsZero reports whether b sets nothing (inherits everything).
func (b Branding) IsZero() bool {
	return b.DisplayName == "" && b.PrimaryColor == "" && b.Logo.IsZero()
}

// Equal reports whether b and o brand alike.
func (b Branding) Equal(o Branding) bool {
	return b.DisplayName == o.DisplayName && b.PrimaryColor == o.PrimaryColor && b.Logo.Equal(o.Logo)
}

// SniffImage returns the media type of a PNG, JPEG or WebP image by its
// leading bytes (their signatures), and "" for anything else: SVG, GIF,
// HTML, text. A declared type is never trusted.
func SniffImage(data []byte) string {
	switch {
	case bytes.HasPrefix(data, []byte("\x89PNG\r\n\x1a\n")):
		return MediaPNG
	case bytes.HasPrefix(data, []byte("\xff\xd8\xff")):
		return MediaJPEG
	case len(data) >= 16 && string(data[:4]) == "RIFF" && string(data[8:15]) == "WEBPVP8":
		return MediaWebP
	}
	return ""
}

// ParseLogo returns the logo that data is, its media type told from the
// bytes, or a *FieldError on branding.logo: empty, larger than
// MaxLogoBytes, or not a PNG, JPEG or WebP image.
func ParseLogo(data []byte) (Logo, error) {
	if len(data) == 0 {
		return Logo{}, fieldErr("branding.logo", "is empty")
	}
	if len(data) > MaxLogoBytes {
		return Logo{}, fieldErr("branding.logo", "is %d bytes: a logo may be at most %d (%d KiB)", len(data), MaxLogoBytes, MaxLogoBytes>>10)
	}
	mt := SniffImage(data)
	if mt == "" {
		return Logo{}, fieldErr("branding.logo", "must be a PNG, JPEG or WebP image (SVG is not accepted: it can carry script)")
	}
	return Logo{MediaType: mt, Data: data}, nil
}

var colorRE = regexp.MustCompile(`^#[0-9a-f]{6}$`)

// NormalizeBranding returns b as it is stored: the display name trimmed,
// the colour in lower case.
func NormalizeBranding(b Branding) Branding {
	b.DisplayName = strings.TrimSpace(b.DisplayName)
	b.PrimaryColor = strings.ToLower(strings.TrimSpace(b.PrimaryColor))
	return b
}

// Validate reports a *FieldError on branding.<field> for branding that
// cannot be stored. b must be normalized (NormalizeBranding).
func (b Branding) Validate() error {
	if !printableLine(b.DisplayName, MaxDisplayName) {
		return fieldErr("branding.display_name", "must be at most %d printable characters on one line (or empty to inherit the parent's)", MaxDisplayName)
	}
	if b.PrimaryColor != "" {
		if !colorRE.MatchString(b.PrimaryColor) {
			return fieldErr("branding.primary_color", "must be a colour as #rrggbb, such as #1d4ed8 (or empty to inherit the parent's)")
		}
		if c := ContrastWithWhite(b.PrimaryColor); c < MinContrast {
			return fieldErr("branding.primary_color", "%s is too light: white text on it has a contrast of %.2f:1, below the %.1f:1 that WCAG AA asks of text, and buttons put white text on the primary colour", b.PrimaryColor, math.Floor(c*100)/100, MinContrast)
		}
	}
	if !b.Logo.IsZero() {
		l, err := ParseLogo(b.Logo.Data)
		if err != nil {
			return err
		}
		if l.MediaType != b.Logo.MediaType {
			return fieldErr("branding.logo", "is a %s image, not %q", l.MediaType, b.Logo.MediaType)
		}
	}
	return nil
}

// ValidColor reports whether c is a primary colour that can be stored:
// #rrggbb in lower case, with enough contrast for white text.
func ValidColor(c string) bool {
	return colorRE.MatchString(c) && ContrastWithWhite(c) >= MinContrast
}

// ContrastWithWhite returns the WCAG 2.x contrast ratio of white against
// the colour #rrggbb (from 1 to 21), and 0 for anything that is not such
// a colour.
func ContrastWithWhite(hexColor string) float64 {
	if len(hexColor) != 7 || hexColor[0] != '#' {
		return 0
	}
	rgb, err := hex.DecodeString(hexColor[1:])
	if err != nil {
		return 0
	}
	return (1 + 0.05) / (relativeLuminance(rgb[0], rgb[1], rgb[2]) + 0.05)
}

// relativeLuminance is WCAG 2.x's relative luminance of an sRGB colour:
// each channel linearized, then weighted 0.2126, 0.7152, 0.0722.
func relativeLuminance(r, g, b byte) float64 {
	lin := func(c byte) float64 {
		s := float64(c) / 255
		if s <= 0.04045 { // WCAG 2.x writes 0.03928; no 8-bit value lies between
			return s / 12.92
		}
		return math.Pow((s+0.055)/1.055, 2.4)
	}
	return 0.2126*lin(r) + 0.7152*lin(g) + 0.0722*lin(b)
}

// EffectiveBranding is the branding that applies in a tenant once its
// ancestors' are taken into account. Empty fields are set nowhere on the
// path: the pages use Gatehouse's own.
type EffectiveBranding struct {
	DisplayName  string
	PrimaryColor string
	Logo         Logo
	// LogoTenantID is the tenant whose logo Logo is (the tenant itself
	// or an ancestor); empty when there is none.
	LogoTenantID string
}

// ResolveBranding returns the branding of the last tenant of lineage, the
// tenants from the root down to it: each field the nearest tenant's that
// sets it. A value that is not valid (a hand edit of the database) is
// passed over as if unset, so that nothing unchecked reaches a page.
func ResolveBranding(lineage []Tenant) EffectiveBranding {
	var eff EffectiveBranding
	for i := len(lineage) - 1; i >= 0; i-- {
		b := lineage[i].Settings.Branding
		if eff.DisplayName == "" && b.DisplayName != "" && printableLine(b.DisplayName, MaxDisplayName) {
			eff.DisplayName = b.DisplayName
		}
		if eff.PrimaryColor == "" && ValidColor(b.PrimaryColor) {
			eff.PrimaryColor = b.PrimaryColor
		}
		if eff.LogoTenantID == "" && !b.Logo.IsZero() {
			if l, err := ParseLogo(b.Logo.Data); err == nil && l.MediaType == b.Logo.MediaType {
				eff.Logo, eff.LogoTenantID = b.Logo, lineage[i].ID
			}
		}
	}
	return eff
}

// EffectiveBranding returns the branding of tenant t: each field the
// nearest one's on its path that sets it, t's own first.
func (d *Directory) EffectiveBranding(ctx context.Context, t Tenant) (EffectiveBranding, error) {
	lineage, err := d.lineage(ctx, t)
	if err != nil {
		return EffectiveBranding{}, fmt.Errorf("branding of %s: %w", t.Slug, err)
	}
	return ResolveBranding(lineage), nil
}
