package branding_test

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/png"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gatehouse-id/gatehouse/branding"
	"github.com/gatehouse-id/gatehouse/directory"
	"github.com/gatehouse-id/gatehouse/password"
	"github.com/gatehouse-id/gatehouse/storage/sqlite"
)

// world is a real SQLite directory holding sys > acme > contoso, and the
// assets served over it.
type world struct {
	dir     *directory.Directory
	srv     *httptest.Server
	tenants map[string]directory.Tenant
}

func newWorld(t *testing.T) *world {
	t.Helper()
	ctx := t.Context()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "gatehouse.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	d := directory.New(st, directory.NewSecretHasher(bytes.Repeat([]byte{3}, 32)),
		directory.Config{PasswordParams: password.Params{Memory: 64, Time: 1, Threads: 1}})
	w := &world{dir: d, tenants: map[string]directory.Tenant{}}
	for _, tn := range []struct {
		slug   string
		level  directory.Level
		parent string
	}{{"sys", directory.LevelSystem, ""}, {"acme", directory.LevelProvider, "sys"}, {"contoso", directory.LevelCustomer, "acme"}} {
		created, err := d.CreateTenant(ctx, tn.slug, tn.slug, tn.level, tn.parent)
		if err != nil {
			t.Fatal(err)
		}
		w.tenants[tn.slug] = created
	}
	return w.serve(t, d)
}

func (w *world) serve(t *testing.T, dir branding.Directory) *world {
	t.Helper()
	mux := http.NewServeMux()
	branding.New(dir, slog.New(slog.NewTextHandler(t.Output(), nil))).Routes(mux)
	w.srv = httptest.NewServer(mux)
	t.Cleanup(w.srv.Close)
	return w
}

func (w *world) setBranding(t *testing.T, slug string, b directory.Branding) {
	t.Helper()
	s := w.dir.Store()
	tn, err := s.TenantBySlug(t.Context(), slug)
	if err != nil {
		t.Fatal(err)
	}
	st := tn.Settings
	st.Branding = b
	if _, err := w.dir.PutTenantSettings(t.Context(), s, slug, st); err != nil {
		t.Fatal(err)
	}
}

// get fetches path with the request headers h, and returns the answer and
// its body.
func (w *world) get(t *testing.T, path string, h http.Header) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), "GET", w.srv.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range h {
		req.Header[k] = v
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res, body
}

func testPNG(t *testing.T) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, image.NewGray(image.Rect(0, 0, 3, 3))); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestTheme(t *testing.T) {
	w := newWorld(t)
	contoso := "/branding/" + w.tenants["contoso"].ID + "/theme.css"

	res, body := w.get(t, contoso, nil)
	if res.StatusCode != http.StatusOK || strings.Contains(string(body), "--gh-primary") {
		t.Errorf("nothing set: %d %q, want 200 without --gh-primary", res.StatusCode, body)
	}
	for k, want := range map[string]string{
		"Content-Type":           "text/css; charset=utf-8",
		"X-Content-Type-Options": "nosniff",
		"Cache-Control":          "public, max-age=300, must-revalidate",
	} {
		if got := res.Header.Get(k); got != want {
			t.Errorf("%s: %q, want %q", k, got, want)
		}
	}
	plain := res.Header.Get("ETag")

	w.setBranding(t, "acme", directory.Branding{PrimaryColor: "#1d4ed8"})
	res, body = w.get(t, contoso, nil)
	if !strings.Contains(string(body), "--gh-primary: #1d4ed8;") || !strings.Contains(string(body), "--gh-on-primary: #ffffff;") {
		t.Errorf("inherited from acme: %q", body)
	}
	etag := res.Header.Get("ETag")
	if etag == "" || etag == plain {
		t.Errorf("ETag %q after a change, before %q", etag, plain)
	}

	// Revalidation: the same theme is 304, a changed one 200.
	res, body = w.get(t, contoso, http.Header{"If-None-Match": {etag}})
	if res.StatusCode != http.StatusNotModified || len(body) != 0 {
		t.Errorf("revalidated unchanged: %d %q, want 304", res.StatusCode, body)
	}
	w.setBranding(t, "contoso", directory.Branding{PrimaryColor: "#B91C1C"})
	res, body = w.get(t, contoso, http.Header{"If-None-Match": {etag}})
	if res.StatusCode != http.StatusOK || !strings.Contains(string(body), "--gh-primary: #b91c1c;") {
		t.Errorf("revalidated after contoso's own: %d %q", res.StatusCode, body)
	}
	if _, body := w.get(t, "/branding/"+w.tenants["acme"].ID+"/theme.css", nil); !strings.Contains(string(body), "#1d4ed8") {
		t.Errorf("acme's own theme: %q", body)
	}
}

func TestLogo(t *testing.T) {
	w := newWorld(t)
	contoso := "/branding/" + w.tenants["contoso"].ID + "/logo"
	if res, _ := w.get(t, contoso, nil); res.StatusCode != http.StatusNotFound {
		t.Errorf("no logo anywhere: %d, want 404", res.StatusCode)
	}
	img := testPNG(t)
	w.setBranding(t, "acme", directory.Branding{Logo: directory.Logo{MediaType: directory.MediaPNG, Data: img}})
	res, body := w.get(t, contoso, nil)
	if res.StatusCode != http.StatusOK || !bytes.Equal(body, img) {
		t.Fatalf("acme's logo at contoso: %d, %d bytes", res.StatusCode, len(body))
	}
	for k, want := range map[string]string{
		"Content-Type":           "image/png",
		"X-Content-Type-Options": "nosniff",
		"Cache-Control":          "public, max-age=300, must-revalidate",
	} {
		if got := res.Header.Get(k); got != want {
			t.Errorf("%s: %q, want %q", k, got, want)
		}
	}
	etag := res.Header.Get("ETag")
	if res, _ := w.get(t, contoso, http.Header{"If-None-Match": {etag}}); res.StatusCode != http.StatusNotModified {
		t.Errorf("revalidated: %d, want 304", res.StatusCode)
	}
	// Removed at acme: gone below it too.
	w.setBranding(t, "acme", directory.Branding{})
	if res, _ := w.get(t, contoso, http.Header{"If-None-Match": {etag}}); res.StatusCode != http.StatusNotFound {
		t.Errorf("after removal: %d, want 404", res.StatusCode)
	}
}

// TestUnknownTenant: a tenant that does not exist, and an id that is not
// one, are a bare 404 for both assets.
func TestUnknownTenant(t *testing.T) {
	w := newWorld(t)
	for _, id := range []string{"0190d1a2-0000-7000-8000-000000000000", "contoso", "' or 1=1 --", strings.Repeat("a", 500)} {
		for _, asset := range []string{"theme.css", "logo"} {
			res, body := w.get(t, "/branding/"+strings.ReplaceAll(id, " ", "%20")+"/"+asset, nil)
			if res.StatusCode != http.StatusNotFound || strings.TrimSpace(string(body)) != "Not Found" {
				t.Errorf("%s/%s: %d %q, want a bare 404", id, asset, res.StatusCode, body)
			}
		}
	}
}

// failing is a directory whose store fails.
type failing struct{}

func (failing) TenantByID(context.Context, string) (directory.Tenant, error) {
	return directory.Tenant{}, errors.New("database is locked")
}

func (failing) EffectiveBranding(context.Context, directory.Tenant) (directory.EffectiveBranding, error) {
	return directory.EffectiveBranding{}, nil
}

// TestStoreFailure: a failing store is a 500 that says nothing of why and
// is not cached.
func TestStoreFailure(t *testing.T) {
	w := (&world{}).serve(t, failing{})
	res, body := w.get(t, "/branding/0190d1a2-0000-7000-8000-000000000000/theme.css", nil)
	if res.StatusCode != http.StatusInternalServerError || strings.Contains(string(body), "locked") ||
		res.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("%d %q %q", res.StatusCode, body, res.Header.Get("Cache-Control"))
	}
}

// TestStylesheetWritesOnlyValidColours: a colour that did not pass the
// directory's checks is never written into CSS.
func TestStylesheetWritesOnlyValidColours(t *testing.T) {
	for _, c := range []string{"#fff;} body{display:none", "#ffffff", "red", ""} {
		if css := string(branding.Stylesheet(directory.EffectiveBranding{PrimaryColor: c})); strings.Contains(css, "--gh-primary") {
			t.Errorf("%q: %s", c, css)
		}
	}
}
