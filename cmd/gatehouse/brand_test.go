package main

import (
	"bytes"
	"image"
	"image/png"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/gatehouse-id/gatehouse/directory"
	"github.com/gatehouse-id/gatehouse/login"
)

// TestPagesWearTheTenantsBrand: acme sets a name, a colour and a logo;
// contoso, below it, inherits them. A browser that last signed in to
// contoso sees the login page with contoso's look: the name, the theme
// and the logo, all from Gatehouse's own origin; a browser that names no
// tenant sees Gatehouse's own.
func TestPagesWearTheTenantsBrand(t *testing.T) {
	h := newHarness(t)
	var logo bytes.Buffer
	if err := png.Encode(&logo, image.NewGray(image.Rect(0, 0, 4, 4))); err != nil {
		t.Fatal(err)
	}
	h.changeSettings(t, "acme", func(s *directory.TenantSettings) {
		s.Branding = directory.Branding{DisplayName: "Acme Things", PrimaryColor: "#1d4ed8",
			Logo: directory.Logo{MediaType: directory.MediaPNG, Data: logo.Bytes()}}
	})
	contoso := mustTenantID(t, h, "contoso")
	login1 := func(tenantCookie string) string {
		t.Helper()
		b := h.browser()
		if tenantCookie != "" {
			u, _ := url.Parse(h.issuer)
			b.c.Jar.SetCookies(u, []*http.Cookie{{Name: login.TenantCookie, Value: tenantCookie, Path: "/"}})
		}
		_, _, body := b.start(h.portalA())
		return body
	}
	body := login1("contoso")
	for _, want := range []string{`href="/branding/` + contoso + `/theme.css"`, `src="/branding/` + contoso + `/logo"`,
		">Acme Things</p>"} {
		if !strings.Contains(body, want) {
			t.Errorf("contoso's login page lacks %s", want)
		}
	}
	if body := login1(""); strings.Contains(body, "/branding/") || strings.Contains(body, "Acme Things") {
		t.Error("a browser that names no tenant sees a tenant's brand")
	}
	for path, want := range map[string]string{"/theme.css": "--gh-primary: #1d4ed8", "/logo": string(logo.Bytes())} {
		resp, body := h.browser().get(h.issuer + "/branding/" + contoso + path)
		if resp.StatusCode != http.StatusOK || !strings.Contains(body, want) {
			t.Errorf("%s: %d", path, resp.StatusCode)
		}
	}
}
