package directory_test

import (
	"bytes"
	"errors"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"math"
	"strings"
	"testing"

	"github.com/gatehouse-id/gatehouse/directory"
)

// pngLogo is a real PNG image of one colour.
func pngLogo(t *testing.T, c color.Color) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 4, 4))
	for x := range 4 {
		for y := range 4 {
			img.Set(x, y, c)
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func jpegLogo(t *testing.T) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, image.NewGray(image.Rect(0, 0, 4, 4)), nil); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// webpHeader is the start of a lossy WebP file: enough to sniff.
var webpHeader = []byte("RIFF\x24\x00\x00\x00WEBPVP8 \x18\x00\x00\x00")

func TestContrastWithWhite(t *testing.T) {
	for _, tc := range []struct {
		color string
		want  float64
	}{
		{"#000000", 21},
		{"#ffffff", 1},
		{"#1d4ed8", 6.70}, // Gatehouse's own accent
		{"#767676", 4.54}, // the lightest grey that passes
		{"#777777", 4.48}, // the darkest that does not
		{"#ff0000", 4.00},
		{"red", 0},
		{"#12345", 0},
		{"#gggggg", 0},
	} {
		t.Run(tc.color, func(t *testing.T) {
			if got := directory.ContrastWithWhite(tc.color); math.Abs(got-tc.want) > 0.005 {
				t.Errorf("ContrastWithWhite(%s) = %.4f, want %.2f", tc.color, got, tc.want)
			}
		})
	}
}

func TestSniffImage(t *testing.T) {
	for _, tc := range []struct {
		name string
		data []byte
		want string
	}{
		{"png", pngLogo(t, color.Black), directory.MediaPNG},
		{"jpeg", jpegLogo(t), directory.MediaJPEG},
		{"webp", webpHeader, directory.MediaWebP},
		{"svg", []byte(`<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`), ""},
		{"svg after a PNG's name", []byte("\x89PNG<svg/>"), ""},
		{"gif", []byte("GIF89a\x01\x00\x01\x00"), ""},
		{"html", []byte("<!doctype html><p>hi"), ""},
		{"riff but not webp", []byte("RIFF\x24\x00\x00\x00WAVEfmt \x10\x00\x00\x00"), ""},
		{"empty", nil, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := directory.SniffImage(tc.data); got != tc.want {
				t.Errorf("SniffImage = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestBrandingValidate(t *testing.T) {
	logo := pngLogo(t, color.Black)
	for _, tc := range []struct {
		name     string
		branding directory.Branding
		field    string // "" for valid
		reason   string // part of the reason
	}{
		{"empty inherits everything", directory.Branding{}, "", ""},
		{"every field", directory.Branding{DisplayName: "Things Portal", PrimaryColor: "#1D4ED8",
			Logo: directory.Logo{MediaType: directory.MediaPNG, Data: logo}}, "", ""},
		{"name of 60", directory.Branding{DisplayName: strings.Repeat("é", 60)}, "", ""},
		{"name of 61", directory.Branding{DisplayName: strings.Repeat("é", 61)}, "branding.display_name", "60"},
		{"name on two lines", directory.Branding{DisplayName: "Things\nPortal"}, "branding.display_name", "one line"},
		{"name with a control", directory.Branding{DisplayName: "Things\x00"}, "branding.display_name", "printable"},
		{"colour by name", directory.Branding{PrimaryColor: "navy"}, "branding.primary_color", "#rrggbb"},
		{"short colour", directory.Branding{PrimaryColor: "#00f"}, "branding.primary_color", "#rrggbb"},
		{"colour with alpha", directory.Branding{PrimaryColor: "#1d4ed8ff"}, "branding.primary_color", "#rrggbb"},
		{"css in the colour", directory.Branding{PrimaryColor: "#000;}"}, "branding.primary_color", "#rrggbb"},
		{"too light", directory.Branding{PrimaryColor: "#777777"}, "branding.primary_color", "contrast of 4.47:1, below the 4.5:1"},
		{"yellow", directory.Branding{PrimaryColor: "#ffcc00"}, "branding.primary_color", "white text"},
		{"svg logo", directory.Branding{Logo: directory.Logo{MediaType: "image/svg+xml", Data: []byte(`<svg/>`)}},
			"branding.logo", "SVG is not accepted"},
		{"svg declared as png", directory.Branding{Logo: directory.Logo{MediaType: directory.MediaPNG, Data: []byte(`<svg/>`)}},
			"branding.logo", "PNG, JPEG or WebP"},
		{"png declared as jpeg", directory.Branding{Logo: directory.Logo{MediaType: directory.MediaJPEG, Data: logo}},
			"branding.logo", "is a image/png image"},
		{"type without bytes", directory.Branding{Logo: directory.Logo{MediaType: directory.MediaPNG}}, "branding.logo", "empty"},
		{"too large", directory.Branding{Logo: directory.Logo{MediaType: directory.MediaPNG,
			Data: append(bytes.Clone(logo), make([]byte, directory.MaxLogoBytes)...)}}, "branding.logo", "at most 65536"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := directory.NormalizeBranding(tc.branding).Validate()
			if tc.field == "" {
				if err != nil {
					t.Fatalf("Validate = %v, want nil", err)
				}
				return
			}
			var fe *directory.FieldError
			if !errors.As(err, &fe) {
				t.Fatalf("Validate = %v, want a *FieldError on %s", err, tc.field)
			}
			if fe.Field != tc.field || !strings.Contains(fe.Reason, tc.reason) {
				t.Errorf("Validate = %s: %s, want %s: …%s…", fe.Field, fe.Reason, tc.field, tc.reason)
			}
		})
	}
}

// TestBrandingInheritsFieldByField: each field is the nearest tenant's
// that sets it, and the logo says whose it is.
func TestBrandingInheritsFieldByField(t *testing.T) {
	d, _ := rolesWorld(t) // sys > acme > contoso
	ctx, s := t.Context(), d.Store()
	acmeLogo, contosoLogo := pngLogo(t, color.Black), jpegLogo(t)
	set := func(slug string, b directory.Branding) {
		t.Helper()
		tn, err := s.TenantBySlug(ctx, slug)
		if err != nil {
			t.Fatal(err)
		}
		st := tn.Settings
		st.Branding = b
		if _, err := d.PutTenantSettings(ctx, s, slug, st); err != nil {
			t.Fatal(err)
		}
	}
	tenant := func(slug string) directory.Tenant {
		t.Helper()
		tn, err := s.TenantBySlug(ctx, slug)
		if err != nil {
			t.Fatal(err)
		}
		return tn
	}
	effective := func(slug string) directory.EffectiveBranding {
		t.Helper()
		eff, err := d.EffectiveBranding(ctx, tenant(slug))
		if err != nil {
			t.Fatal(err)
		}
		return eff
	}
	if got := effective("contoso"); got.DisplayName != "" || got.PrimaryColor != "" || !got.Logo.IsZero() || got.LogoTenantID != "" {
		t.Errorf("nothing set anywhere: %+v", got)
	}
	set("sys", directory.Branding{DisplayName: "Gatehouse Cloud"})
	set("acme", directory.Branding{DisplayName: "Things Portal", PrimaryColor: "#1d4ed8",
		Logo: directory.Logo{MediaType: directory.MediaPNG, Data: acmeLogo}})
	got := effective("contoso")
	if got.DisplayName != "Things Portal" || got.PrimaryColor != "#1d4ed8" || !bytes.Equal(got.Logo.Data, acmeLogo) ||
		got.LogoTenantID != tenant("acme").ID {
		t.Errorf("inherited from acme: %+v", got)
	}
	set("contoso", directory.Branding{PrimaryColor: "#B91C1C", Logo: directory.Logo{MediaType: directory.MediaJPEG, Data: contosoLogo}})
	got = effective("contoso")
	if got.DisplayName != "Things Portal" || got.PrimaryColor != "#b91c1c" || got.Logo.MediaType != directory.MediaJPEG ||
		got.LogoTenantID != tenant("contoso").ID {
		t.Errorf("contoso overrides colour and logo, keeps acme's name: %+v", got)
	}
	if got := effective("acme"); got.PrimaryColor != "#1d4ed8" || got.LogoTenantID != tenant("acme").ID {
		t.Errorf("a child's branding leaked up to acme: %+v", got)
	}
	if got := effective("sys"); got.DisplayName != "Gatehouse Cloud" || got.PrimaryColor != "" || got.LogoTenantID != "" {
		t.Errorf("sys: %+v", got)
	}

	// A refused change stores nothing.
	_, err := d.PutTenantSettings(ctx, s, "contoso", directory.TenantSettings{Branding: directory.Branding{PrimaryColor: "#eeeeee"}})
	var fe *directory.FieldError
	if !errors.As(err, &fe) || fe.Field != "branding.primary_color" {
		t.Errorf("a light colour: %v, want a field error on branding.primary_color", err)
	}
	if got := effective("contoso"); got.PrimaryColor != "#b91c1c" {
		t.Errorf("after a refused change: %+v", got)
	}

	// Setting the same again changes nothing.
	st := tenant("contoso").Settings
	if ch, err := d.PutTenantSettings(ctx, s, "contoso", st); err != nil || ch != directory.Unchanged {
		t.Errorf("the same settings again: %v, %v; want unchanged", ch, err)
	}
}

// TestResolveBrandingPassesOverBadRows: a value that could not have been
// stored through the directory (a hand edit of the database) never
// reaches a page; the next tenant up's is used instead.
func TestResolveBrandingPassesOverBadRows(t *testing.T) {
	good := pngLogo(t, color.Black)
	root := directory.Tenant{ID: "t-root", Settings: directory.TenantSettings{Branding: directory.Branding{
		DisplayName: "Root", PrimaryColor: "#1d4ed8", Logo: directory.Logo{MediaType: directory.MediaPNG, Data: good}}}}
	child := directory.Tenant{ID: "t-child", Settings: directory.TenantSettings{Branding: directory.Branding{
		DisplayName: "Bad\nname", PrimaryColor: "#fff;} body{display:none", Logo: directory.Logo{MediaType: directory.MediaPNG, Data: []byte("<svg/>")}}}}
	got := directory.ResolveBranding([]directory.Tenant{root, child})
	if got.DisplayName != "Root" || got.PrimaryColor != "#1d4ed8" || got.LogoTenantID != "t-root" {
		t.Errorf("ResolveBranding = %+v, want root's everything", got)
	}
}

// TestBrandingWhoMaySet: as every other setting, a tenant's branding is
// its parent's to set; the logo has its own call, which UpdateTenantFor
// leaves alone.
func TestBrandingWhoMaySet(t *testing.T) {
	d, u := rolesWorld(t)
	ctx := t.Context()
	carol, err := d.CallerForUser(ctx, u["carol"].ID, "", "") // admin of contoso
	if err != nil {
		t.Fatal(err)
	}
	logo, _ := directory.ParseLogo(pngLogo(t, color.Black))
	if _, _, err := d.SetTenantLogoFor(ctx, carol, "contoso", logo); !errors.Is(err, directory.ErrForbidden) {
		t.Errorf("an admin sets its own tenant's logo: %v, want ErrForbidden", err)
	}
	if _, _, err := d.SetTenantLogoFor(ctx, carol, "acme", logo); !errors.Is(err, directory.ErrNotFound) {
		t.Errorf("an admin sets its parent's logo: %v, want ErrNotFound", err)
	}
	alice, err := d.CreateUser(ctx, directory.NewUser{TenantSlug: "acme", Username: "alice", TenantRole: directory.TenantRoleAdmin})
	if err != nil {
		t.Fatal(err)
	}
	acmeAdmin, err := d.CallerForUser(ctx, alice.ID, "", "")
	if err != nil {
		t.Fatal(err)
	}
	before, after, err := d.SetTenantLogoFor(ctx, acmeAdmin, "contoso", logo)
	if err != nil || !before.Settings.Branding.Logo.IsZero() || !after.Settings.Branding.Logo.Equal(logo) {
		t.Fatalf("acme's admin sets contoso's logo: %v; before %+v, after %+v", err, before.Settings.Branding, after.Settings.Branding)
	}
	// A change of the settings keeps the logo, whatever it sends.
	st := after.Settings
	st.Branding = directory.Branding{DisplayName: "Contoso Things"}
	got, err := d.UpdateTenantFor(ctx, acmeAdmin, "contoso", "Contoso", st)
	if err != nil || got.Settings.Branding.DisplayName != "Contoso Things" || !got.Settings.Branding.Logo.Equal(logo) {
		t.Errorf("UpdateTenantFor: %v; branding %+v, want the name set and the logo kept", err, got.Settings.Branding)
	}
	if _, _, err := d.SetTenantLogoFor(ctx, acmeAdmin, "contoso", directory.Logo{MediaType: directory.MediaPNG, Data: []byte("<svg/>")}); err == nil {
		t.Error("an SVG was stored as a PNG")
	}
	_, after, err = d.SetTenantLogoFor(ctx, acmeAdmin, "contoso", directory.Logo{})
	if err != nil || !after.Settings.Branding.Logo.IsZero() || after.Settings.Branding.DisplayName != "Contoso Things" {
		t.Errorf("removing the logo: %v; branding %+v", err, after.Settings.Branding)
	}
}
