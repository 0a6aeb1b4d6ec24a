package main

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/gatehouse-id/gatehouse/directory"
)

// TestBrandingAssetsAreWired: a node serves a tenant's theme and logo from
// its own origin, which the pages' Content-Security-Policy allows.
func TestBrandingAssetsAreWired(t *testing.T) {
	h := newHarness(t)
	ctx, dir := t.Context(), h.app.directory
	sys, err := dir.SystemTenant(ctx)
	if err != nil {
		t.Fatal(err)
	}
	settings := sys.Settings
	settings.Branding = directory.Branding{DisplayName: "Things Portal", PrimaryColor: "#1d4ed8"}
	if _, err := dir.PutTenantSettings(ctx, dir.Store(), sys.Slug, settings); err != nil {
		t.Fatal(err)
	}
	get := func(path string) (*http.Response, string) {
		t.Helper()
		res, err := http.Get(h.issuer + path)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		body, _ := io.ReadAll(res.Body)
		return res, string(body)
	}
	res, body := get("/branding/" + sys.ID + "/theme.css")
	if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != "text/css; charset=utf-8" ||
		!strings.Contains(body, "--gh-primary: #1d4ed8;") {
		t.Errorf("theme.css: %d %q %q", res.StatusCode, res.Header.Get("Content-Type"), body)
	}
	if res, _ := get("/branding/" + sys.ID + "/logo"); res.StatusCode != http.StatusNotFound {
		t.Errorf("logo without one: %d, want 404", res.StatusCode)
	}
}
