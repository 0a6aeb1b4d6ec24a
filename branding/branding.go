package branding

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/google/uuid"

	"github.com/gatehouse-id/gatehouse/directory"
)

// CacheMaxAge is how long a browser (or a shared cache) uses an asset
// before it asks again: short, since an administrator's change must show
// soon; the ETag makes asking again cheap.
const CacheMaxAge = 5 * time.Minute

// Directory is what the handler reads; *directory.Directory implements it.
type Directory interface {
	TenantByID(ctx context.Context, id string) (directory.Tenant, error)
	EffectiveBranding(ctx context.Context, t directory.Tenant) (directory.EffectiveBranding, error)
}

// Handler serves the assets.
type Handler struct {
	dir Directory
	log *slog.Logger
}

// New returns a Handler reading dir; log may be nil.
func New(dir Directory, log *slog.Logger) *Handler {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Handler{dir: dir, log: log}
}

// Routes registers the assets on mux.
func (h *Handler) Routes(mux *http.ServeMux) {
	mux.HandleFunc("GET /branding/{tenant}/theme.css", h.theme)
	mux.HandleFunc("GET /branding/{tenant}/logo", h.logo)
}

func (h *Handler) theme(w http.ResponseWriter, r *http.Request) {
	b, ok := h.branding(w, r)
	if !ok {
		return
	}
	serve(w, r, "text/css; charset=utf-8", Stylesheet(b))
}

func (h *Handler) logo(w http.ResponseWriter, r *http.Request) {
	b, ok := h.branding(w, r)
	if !ok {
		return
	}
	if b.Logo.IsZero() {
		notFound(w)
		return
	}
	serve(w, r, b.Logo.MediaType, b.Logo.Data)
}

// branding returns the effective branding of the tenant the path names,
// or answers 404 (no such tenant) or 500 and returns false.
func (h *Handler) branding(w http.ResponseWriter, r *http.Request) (directory.EffectiveBranding, bool) {
	id := r.PathValue("tenant")
	// Tenant ids are UUIDs: anything else names no tenant, and is not
	// worth a query (PostgreSQL would refuse it as a uuid besides).
	if _, err := uuid.Parse(id); err != nil || len(id) != 36 {
		notFound(w)
		return directory.EffectiveBranding{}, false
	}
	ctx := r.Context()
	t, err := h.dir.TenantByID(ctx, id)
	if errors.Is(err, directory.ErrNotFound) {
		notFound(w)
		return directory.EffectiveBranding{}, false
	}
	var b directory.EffectiveBranding
	if err == nil {
		b, err = h.dir.EffectiveBranding(ctx, t)
	}
	if err != nil {
		h.log.ErrorContext(ctx, "branding", "tenant_id", id, "err", err)
		w.Header().Set("Cache-Control", "no-store")
		http.Error(w, http.StatusText(http.StatusInternalServerError), http.StatusInternalServerError)
		return directory.EffectiveBranding{}, false
	}
	return b, true
}

// Stylesheet is the theme of branding b: CSS custom properties the pages'
// stylesheet reads with its own values as fallbacks (var(--gh-primary,
// …)), so that a property left out keeps Gatehouse's look. Only values
// the directory has validated get here (ResolveBranding passes over any
// other), and only the colour is written: nothing a tenant typed reaches
// CSS as text.
func Stylesheet(b directory.EffectiveBranding) []byte {
	var buf bytes.Buffer
	buf.WriteString("/* Gatehouse tenant theme */\n:root {\n")
	if directory.ValidColor(b.PrimaryColor) {
		// White text on it has a contrast of at least 4.5:1
		// (directory.MinContrast).
		fmt.Fprintf(&buf, "  --gh-primary: %s;\n  --gh-on-primary: #ffffff;\n", b.PrimaryColor)
	}
	buf.WriteString("}\n")
	return buf.Bytes()
}

// serve sends body as contentType with its ETag, answering 304 to a
// request that has it already (http.ServeContent).
func serve(w http.ResponseWriter, r *http.Request, contentType string, body []byte) {
	sum := sha256.Sum256(append([]byte(contentType+"\n"), body...))
	h := w.Header()
	h.Set("Content-Type", contentType)
	h.Set("ETag", `"`+base64.RawURLEncoding.EncodeToString(sum[:18])+`"`)
	h.Set("Cache-Control", "public, max-age="+strconv.Itoa(int(CacheMaxAge/time.Second))+", must-revalidate")
	h.Set("X-Content-Type-Options", "nosniff")
	// Opened on its own, an asset runs nothing and loads nothing.
	h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(body))
}

// notFound answers a bare 404: the same for a tenant that does not exist,
// a logo there is none of, and an id that is not one.
func notFound(w http.ResponseWriter) {
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	http.Error(w, http.StatusText(http.StatusNotFound), http.StatusNotFound)
}
