package directoryfile_test

import (
	"bytes"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gatehouse-id/gatehouse/directory"
	"github.com/gatehouse-id/gatehouse/directoryfile"
)

// logoPNG is a real PNG image, w pixels wide.
func logoPNG(t *testing.T, w int) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, image.NewGray(image.Rect(0, 0, w, 1))); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// writeFiles writes files (slash-separated paths relative to dir) and
// returns the path of dir/directory.yaml.
func writeFiles(t *testing.T, dir string, files map[string][]byte) string {
	t.Helper()
	for name, data := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return filepath.Join(dir, "directory.yaml")
}

const brandedFile = `version: 1
tenants:
  - slug: gatehouse
    name: Gatehouse
    level: system
    settings:
      branding:
        display_name: Gatehouse Cloud
  - slug: acme-iot
    name: Acme IoT
    level: provider
    parent: gatehouse
    settings:
      branding:
        display_name: Things Portal
        primary_color: "#1D4ED8"
        logo: logos/acme.png
  - slug: contoso
    name: Contoso
    level: customer
    parent: acme-iot
    settings:
      branding:
        logo: contoso.png
`

// TestBrandingFromTheFile: branding is read with its logos from beside
// the file, inherited field by field, applied idempotently, and a changed
// image is a change.
func TestBrandingFromTheFile(t *testing.T) {
	dir := t.TempDir()
	acmeLogo, contosoLogo := logoPNG(t, 1), logoPNG(t, 2)
	name := writeFiles(t, dir, map[string][]byte{"directory.yaml": []byte(brandedFile),
		"logos/acme.png": acmeLogo, "contoso.png": contosoLogo})
	parse := func() *directoryfile.File {
		t.Helper()
		data, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		f, err := directoryfile.Parse(name, data)
		if err != nil {
			t.Fatalf("parse:\n%v", err)
		}
		return f
	}
	d, _ := newDirectory(t)
	ctx, s := t.Context(), d.Store()
	if _, err := parse().Apply(ctx, d); err != nil {
		t.Fatal(err)
	}
	acme, err := s.TenantBySlug(ctx, "acme-iot")
	must(t, err)
	wantSame(t, "acme's branding", acme.Settings.Branding, directory.Branding{DisplayName: "Things Portal", PrimaryColor: "#1d4ed8",
		Logo: directory.Logo{MediaType: directory.MediaPNG, Data: acmeLogo}})
	contoso, err := s.TenantBySlug(ctx, "contoso")
	must(t, err)
	eff, err := d.EffectiveBranding(ctx, contoso)
	must(t, err)
	wantSame(t, "contoso's effective branding", eff, directory.EffectiveBranding{DisplayName: "Things Portal", PrimaryColor: "#1d4ed8",
		Logo: directory.Logo{MediaType: directory.MediaPNG, Data: contosoLogo}, LogoTenantID: contoso.ID})

	res, err := parse().Apply(ctx, d)
	must(t, err)
	wantCounts(t, res, directoryfile.Result{})

	writeFiles(t, dir, map[string][]byte{"contoso.png": logoPNG(t, 3)})
	res, err = parse().Apply(ctx, d)
	must(t, err)
	wantCounts(t, res, directoryfile.Result{TenantsUpdated: 1})
}

func TestBrandingProblems(t *testing.T) {
	outside := t.TempDir()
	writeFiles(t, outside, map[string][]byte{"secret.png": logoPNG(t, 1)})
	for _, tc := range []struct {
		name     string
		branding string
		files    map[string][]byte
		want     string
	}{
		{"unquoted colour", "primary_color: #1d4ed8", nil,
			`:8:23: tenants[0].settings.branding.primary_color: is empty: write the colour in quotes, "#1d4ed8", since YAML reads # after a space as the start of a comment`},
		{"light colour", `primary_color: "#ffcc00"`, nil,
			`:8:24: tenants[0].settings.branding.primary_color: #ffcc00 is too light: white text on it has a contrast of 1.51:1, below the 4.5:1 that WCAG AA asks of text, and buttons put white text on the primary colour`},
		{"colour by name", `primary_color: navy`, nil,
			`:8:24: tenants[0].settings.branding.primary_color: must be a colour as #rrggbb, such as #1d4ed8 (or empty to inherit the parent's)`},
		{"long name", "display_name: " + strings.Repeat("x", 61), nil,
			`:8:23: tenants[0].settings.branding.display_name: must be at most 60 printable characters on one line (or empty to inherit the parent's)`},
		{"svg logo", "logo: logo.svg", map[string][]byte{"logo.svg": []byte(`<svg xmlns="http://www.w3.org/2000/svg"/>`)},
			`:8:15: tenants[0].settings.branding.logo: "logo.svg" must be a PNG, JPEG or WebP image (SVG is not accepted: it can carry script)`},
		{"svg named png", "logo: logo.png", map[string][]byte{"logo.png": []byte(`<svg xmlns="http://www.w3.org/2000/svg"/>`)},
			`:8:15: tenants[0].settings.branding.logo: "logo.png" must be a PNG, JPEG or WebP image (SVG is not accepted: it can carry script)`},
		{"too large", "logo: big.png", map[string][]byte{"big.png": append(logoPNG(t, 1), make([]byte, directory.MaxLogoBytes)...)},
			`:8:15: tenants[0].settings.branding.logo: "big.png" is 65537 bytes: a logo may be at most 65536 (64 KiB)`},
		{"missing", "logo: nope.png", nil, `:8:15: tenants[0].settings.branding.logo: "nope.png": no such file in `},
		{"outside the folder", "logo: ../" + filepath.Base(outside) + "/secret.png", nil,
			`:8:15: tenants[0].settings.branding.logo: "../` + filepath.Base(outside) + `/secret.png": must be inside the directory file's folder`},
		{"absolute", "logo: " + filepath.ToSlash(filepath.Join(outside, "secret.png")), nil,
			`:8:15: tenants[0].settings.branding.logo: "` + filepath.ToSlash(filepath.Join(outside, "secret.png")) + `": must be a path relative to the directory file's folder, such as logos/acme.png`},
		{"a folder", "logo: logos", map[string][]byte{"logos/a.png": logoPNG(t, 1)},
			`:8:15: tenants[0].settings.branding.logo: "logos": is not a file`},
		{"unknown key", "colour: \"#1d4ed8\"", nil, `:8:9: tenants[0].settings.branding: unknown field "colour"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			file := "version: 1\ntenants:\n  - slug: gatehouse\n    name: Gatehouse\n    level: system\n    settings:\n      branding:\n        " + tc.branding + "\n"
			files := map[string][]byte{"directory.yaml": []byte(file)}
			for k, v := range tc.files {
				files[k] = v
			}
			name := writeFiles(t, dir, files)
			_, err := directoryfile.Parse(name, []byte(file))
			if err == nil || !strings.Contains(err.Error(), name+tc.want) {
				t.Errorf("Parse:\n%v\nwant a problem\n%s%s", err, name, tc.want)
			}
		})
	}
}

// TestBrandingSymlinkOut: a link inside the folder to a file outside it
// is not followed out.
func TestBrandingSymlinkOut(t *testing.T) {
	dir, outside := t.TempDir(), t.TempDir()
	writeFiles(t, outside, map[string][]byte{"secret.png": logoPNG(t, 1)})
	if err := os.Symlink(filepath.Join(outside, "secret.png"), filepath.Join(dir, "logo.png")); err != nil {
		t.Skip("no symbolic links here:", err)
	}
	file := "version: 1\ntenants:\n  - slug: gatehouse\n    name: Gatehouse\n    level: system\n    settings:\n      branding:\n        logo: logo.png\n"
	name := writeFiles(t, dir, map[string][]byte{"directory.yaml": []byte(file)})
	if _, err := directoryfile.Parse(name, []byte(file)); err == nil || !strings.Contains(err.Error(), "branding.logo") {
		t.Errorf("Parse = %v, want a problem with the logo", err)
	}
}
