package admin

import (
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"

	"github.com/gatehouse-id/gatehouse/audit"
	"github.com/gatehouse-id/gatehouse/directory"
)

// A tenant's logo is set on its own, as the raw image: PUT
// /tenants/{slug}/branding/logo with the image as the body and its media
// type as Content-Type. Not in the tenant's JSON, as base64: a logo of
// directory.MaxLogoBytes would not fit the JSON body limit once encoded,
// every GET of a tenant (and of the list of them) would carry it, and a
// client changing a policy would have to send it back or lose it.

// logoField is where the logo shows in a tenant, which problems name.
const logoField = "settings.branding.logo"

// logoTypes are the media types a logo may be sent as.
var logoTypes = map[string]bool{directory.MediaPNG: true, directory.MediaJPEG: true, directory.MediaWebP: true}

func (h *Handler) putLogo(w http.ResponseWriter, r *http.Request, c directory.Caller) error {
	declared, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || !logoTypes[declared] {
		return problem(http.StatusUnsupportedMediaType, "unsupported-media-type", "PNG, JPEG or WebP expected",
			"send the logo as the body, as image/png, image/jpeg or image/webp (SVG is not accepted: it can carry script)")
	}
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, directory.MaxLogoBytes))
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		return problem(http.StatusRequestEntityTooLarge, "too-large", "Logo too large",
			fmt.Sprintf("a logo may be at most %d bytes (%d KiB)", directory.MaxLogoBytes, directory.MaxLogoBytes>>10))
	case err != nil:
		return problem(http.StatusBadRequest, "malformed-body", "Body not read", "the body could not be read")
	}
	logo, err := directory.ParseLogo(data)
	if err != nil {
		return renamed(err, settingsField)
	}
	if logo.MediaType != declared {
		return fieldProblem(http.StatusUnprocessableEntity, logoField, "the body is a "+logo.MediaType+" image, not the "+declared+" it was sent as")
	}
	before, after, err := h.dir.SetTenantLogoFor(r.Context(), c, r.PathValue("slug"), logo)
	if err != nil {
		return renamed(err, settingsField)
	}
	return h.changed(w, r, c, audit.Event{Action: "tenant.updated", TenantID: after.ID, Target: after.ID, TargetName: after.Slug,
		Details: diff(tenantDetails(before), tenantDetails(after))}, viewTenant(after))
}

// deleteLogo removes the tenant's own logo: its parent's shows instead.
// Removing none is no change, and is not audited.
func (h *Handler) deleteLogo(w http.ResponseWriter, r *http.Request, c directory.Caller) error {
	before, after, err := h.dir.SetTenantLogoFor(r.Context(), c, r.PathValue("slug"), directory.Logo{})
	if err != nil {
		return renamed(err, settingsField)
	}
	err = h.recordChange(r, c, audit.Event{Action: "tenant.updated", TenantID: after.ID, Target: after.ID, TargetName: after.Slug,
		Details: diff(tenantDetails(before), tenantDetails(after))})
	if err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
