package admin

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"image"
	"image/png"
	"net/http"
	"strings"
	"testing"

	"github.com/gatehouse-id/gatehouse/directory"
)

// testPNG is a real PNG image, padded with zeros after its end to size
// bytes when size is larger (a decoder stops at IEND; sniffing reads the
// start).
func testPNG(t *testing.T, size int) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, image.NewGray(image.Rect(0, 0, 2, 2))); err != nil {
		t.Fatal(err)
	}
	if n := size - buf.Len(); n > 0 {
		buf.Write(make([]byte, n))
	}
	return buf.Bytes()
}

// putLogo sends img as the logo of tenant slug, as contentType.
func (w *apiWorld) putLogo(t *testing.T, who, slug string, img []byte, contentType string) (int, map[string]any) {
	t.Helper()
	return w.doHeader(t, who, "PUT", "/tenants/"+slug+"/branding/logo", string(img), http.Header{"Content-Type": {contentType}})
}

// TestBrandingAPI: display name and colour travel in the settings, checked
// as the directory checks them; the logo has its own endpoint, keeps
// through a PUT of the settings, and every change is audited.
func TestBrandingAPI(t *testing.T) {
	w := newUsersWorld(t)
	w.step(t, apiStep{name: "contoso's own administrator", who: "contoso/cara", method: "PUT", path: "/tenants/contoso",
		body: `{"name":"Contoso","settings":{"branding":{"display_name":"Contoso Things"}}}`, status: http.StatusForbidden})
	for _, tc := range []struct{ name, branding, field string }{
		{"a light colour", `{"primary_color":"#ffcc00"}`, "settings.branding.primary_color"},
		{"a colour by name", `{"primary_color":"navy"}`, "settings.branding.primary_color"},
		{"a long name", `{"display_name":"` + strings.Repeat("x", 61) + `"}`, "settings.branding.display_name"},
	} {
		body := w.step(t, apiStep{name: tc.name, who: "acme/ada", method: "PUT", path: "/tenants/contoso",
			body: `{"name":"Contoso","settings":{"branding":` + tc.branding + `}}`, status: http.StatusUnprocessableEntity, field: tc.field})
		if tc.name == "a light colour" && !strings.Contains(body["detail"].(string), "contrast") {
			t.Errorf("%s: %v, want the reason to speak of contrast", tc.name, body["detail"])
		}
	}
	body := w.step(t, apiStep{name: "name and colour", who: "acme/ada", method: "PUT", path: "/tenants/contoso",
		body: `{"name":"Contoso","settings":{"branding":{"display_name":" Contoso Things ","primary_color":"#1D4ED8"}}}`, status: http.StatusOK})
	b := body["settings"].(map[string]any)["branding"].(map[string]any)
	if b["display_name"] != "Contoso Things" || b["primary_color"] != "#1d4ed8" || b["logo"] != nil {
		t.Errorf("branding %v", b)
	}
	if e := w.lastEvent(t); e.Action != "tenant.updated" || e.Details["primary_color"] != " → #1d4ed8" {
		t.Errorf("event %+v", e)
	}

	// The logo.
	img := testPNG(t, 0)
	sum := sha256.Sum256(img)
	for _, tc := range []struct {
		name, who, contentType string
		img                    []byte
		status                 int
		field                  string
	}{
		{"by contoso itself", "contoso/cara", directory.MediaPNG, img, http.StatusForbidden, ""},
		{"by a user", "acme/rita", directory.MediaPNG, img, http.StatusForbidden, ""},
		{"an SVG", "acme/ada", "image/svg+xml", []byte(`<svg xmlns="http://www.w3.org/2000/svg"/>`), http.StatusUnsupportedMediaType, ""},
		{"an SVG sent as a PNG", "acme/ada", directory.MediaPNG, []byte(`<svg xmlns="http://www.w3.org/2000/svg"/>`), http.StatusUnprocessableEntity, "settings.branding.logo"},
		{"a PNG sent as a JPEG", "acme/ada", directory.MediaJPEG, img, http.StatusUnprocessableEntity, "settings.branding.logo"},
		{"one byte too large", "acme/ada", directory.MediaPNG, testPNG(t, directory.MaxLogoBytes+1), http.StatusRequestEntityTooLarge, ""},
		{"empty", "acme/ada", directory.MediaPNG, nil, http.StatusUnprocessableEntity, "settings.branding.logo"},
	} {
		n := w.eventCount()
		status, body := w.putLogo(t, tc.who, "contoso", tc.img, tc.contentType)
		if status != tc.status || tc.field != "" && problemField(body) != tc.field {
			t.Errorf("%s: %d %v, want %d naming %q", tc.name, status, body, tc.status, tc.field)
		}
		if w.eventCount() != n {
			t.Errorf("%s: audited", tc.name)
		}
	}
	if status, body := w.putLogo(t, "acme/ada", "contoso", testPNG(t, directory.MaxLogoBytes), "image/png; charset=binary"); status != http.StatusOK {
		t.Errorf("a logo of exactly %d bytes: %d %v", directory.MaxLogoBytes, status, body)
	}
	status, body := w.putLogo(t, "acme/ada", "contoso", img, directory.MediaPNG)
	if status != http.StatusOK {
		t.Fatalf("the logo: %d %v", status, body)
	}
	wantLogo := map[string]any{"media_type": "image/png", "size": float64(len(img)), "sha256": hex.EncodeToString(sum[:])}
	if l, _ := body["settings"].(map[string]any)["branding"].(map[string]any)["logo"].(map[string]any); !equalMaps(l, wantLogo) {
		t.Errorf("logo %v, want %v", l, wantLogo)
	}
	if e := w.lastEvent(t); e.Action != "tenant.updated" || !strings.Contains(e.Details["logo"], "sha256 "+hex.EncodeToString(sum[:])) {
		t.Errorf("event %+v", e)
	}

	// A PUT of the settings as GET shows them keeps the logo.
	body = w.step(t, apiStep{name: "rename", who: "acme/ada", method: "PUT", path: "/tenants/contoso",
		body: `{"name":"Contoso Ltd","settings":{"branding":{"display_name":"Contoso Things","primary_color":"#1d4ed8",` +
			`"logo":{"media_type":"image/jpeg","size":1,"sha256":"00"}}}}`, status: http.StatusOK})
	if l, _ := body["settings"].(map[string]any)["branding"].(map[string]any)["logo"].(map[string]any); !equalMaps(l, wantLogo) {
		t.Errorf("after a PUT of the settings: logo %v, want it kept: %v", l, wantLogo)
	}

	// Removing it, twice: the second changes nothing and is not audited.
	n := w.eventCount()
	if status, _ := w.do(t, "acme/ada", "DELETE", "/tenants/contoso/branding/logo", ""); status != http.StatusNoContent {
		t.Errorf("delete: %d", status)
	}
	if e := w.lastEvent(t); w.eventCount() != n+1 || e.Details["logo"] == "" || !strings.HasSuffix(e.Details["logo"], " → ") {
		t.Errorf("delete: event %+v", e)
	}
	if status, _ := w.do(t, "acme/ada", "DELETE", "/tenants/contoso/branding/logo", ""); status != http.StatusNoContent || w.eventCount() != n+1 {
		t.Errorf("delete again: %d, %d events, want 204 and none", status, w.eventCount()-n-1)
	}
	if status, _ := w.do(t, "contoso/cara", "DELETE", "/tenants/contoso/branding/logo", ""); status != http.StatusForbidden {
		t.Errorf("delete by contoso itself: %d", status)
	}
	_, body = w.do(t, "acme/ada", "GET", "/tenants/contoso", "")
	if b := body["settings"].(map[string]any)["branding"].(map[string]any); b["logo"] != nil || b["display_name"] != "Contoso Things" {
		t.Errorf("after delete: %v", b)
	}
}

// TestLogoFitsTheBodyLimit: the atomic wrapper keeps at most maxBodyBytes
// of a body; a logo of the largest size must fit.
func TestLogoFitsTheBodyLimit(t *testing.T) {
	if maxBodyBytes < directory.MaxLogoBytes {
		t.Errorf("maxBodyBytes %d < MaxLogoBytes %d", maxBodyBytes, directory.MaxLogoBytes)
	}
}

func equalMaps(a, b map[string]any) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}
