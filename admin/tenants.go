package admin

import (
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/gatehouse-id/gatehouse/audit"
	"github.com/gatehouse-id/gatehouse/directory"
)

// tenantView is a tenant as the API shows it.
type tenantView struct {
	ID        string       `json:"id"`
	Slug      string       `json:"slug"`
	Name      string       `json:"name"`
	Level     string       `json:"level"`
	Parent    string       `json:"parent,omitempty"` // the parent's id
	Path      []string     `json:"path"`
	Settings  settingsView `json:"settings"`
	CreatedAt time.Time    `json:"created_at"`
	UpdatedAt time.Time    `json:"updated_at"`
}

// settingsView is a tenant's own settings, as shown and as PUT sends them;
// empty values inherit.
type settingsView struct {
	UserRoles []string    `json:"user_roles"`
	MFA       string      `json:"mfa"`
	Support   supportView `json:"support"`
	// MaxUsers is the tenant's user quota; 0 is none. Unlike the
	// policies it is not inherited: each tenant's is its own.
	MaxUsers int `json:"max_users"`
	// Branding is the tenant's own; empty fields inherit, field by field.
	Branding brandingView `json:"branding"`
}

// brandingView is a tenant's own branding. The logo is shown by what it
// is, not its bytes (those are GET /branding/{tenant id}/logo's), and is
// read-only here: PUT /tenants/{slug}/branding/logo sets it, so that a
// change of the settings neither sends an image back nor loses one.
type brandingView struct {
	DisplayName  string    `json:"display_name"`
	PrimaryColor string    `json:"primary_color"`
	Logo         *logoView `json:"logo"`
}

type logoView struct {
	MediaType string `json:"media_type"`
	Size      int    `json:"size"`
	SHA256    string `json:"sha256"`
}

type supportView struct {
	Mode          string `json:"mode"`
	RequireReason bool   `json:"require_reason"`
	// ConsentWindow is a Go duration ("24h"), or "" to inherit.
	ConsentWindow string `json:"consent_window"`
}

func viewTenant(t directory.Tenant) tenantView {
	s := t.Settings
	sv := supportView{Mode: string(s.Support.Mode), RequireReason: s.Support.RequireReason}
	if s.Support.ConsentWindow > 0 {
		sv.ConsentWindow = s.Support.ConsentWindow.String()
	}
	bv := brandingView{DisplayName: s.Branding.DisplayName, PrimaryColor: s.Branding.PrimaryColor}
	if l := s.Branding.Logo; !l.IsZero() {
		bv.Logo = &logoView{MediaType: l.MediaType, Size: len(l.Data), SHA256: l.Digest()}
	}
	return tenantView{ID: t.ID, Slug: t.Slug, Name: t.Name, Level: string(t.Level), Parent: t.ParentID, Path: t.Path,
		Settings: settingsView{UserRoles: orEmpty(s.UserRoles), MFA: string(s.MFA), Support: sv, MaxUsers: s.MaxUsers,
			Branding: bv},
		CreatedAt: t.CreatedAt, UpdatedAt: t.UpdatedAt}
}

func (v settingsView) settings() (directory.TenantSettings, error) {
	s := directory.TenantSettings{UserRoles: v.UserRoles, MFA: directory.MFAPolicy(v.MFA),
		Support:  directory.SupportPolicy{Mode: directory.SupportMode(v.Support.Mode), RequireReason: v.Support.RequireReason},
		MaxUsers: v.MaxUsers, Branding: directory.Branding{DisplayName: v.Branding.DisplayName, PrimaryColor: v.Branding.PrimaryColor}}
	if v.Support.ConsentWindow != "" {
		d, err := time.ParseDuration(v.Support.ConsentWindow)
		if err != nil {
			return s, fieldProblem(http.StatusUnprocessableEntity, "settings.support.consent_window", "must be a duration such as 24h")
		}
		s.Support.ConsentWindow = d
	}
	return s, nil
}

// tenantDetails are the audit details of a tenant's name and settings.
func tenantDetails(t directory.Tenant) map[string]string {
	s := t.Settings
	return map[string]string{
		"name": t.Name, "mfa": string(s.MFA), "user_roles": join(s.UserRoles), "support_mode": string(s.Support.Mode),
		"support_reason": boolString(s.Support.RequireReason), "consent_window": s.Support.ConsentWindow.String(),
		"max_users": strconv.Itoa(s.MaxUsers), "display_name": s.Branding.DisplayName, "primary_color": s.Branding.PrimaryColor,
		"logo": logoDetail(s.Branding.Logo),
	}
}

// logoDetail names a logo in the audit log by its type, size and digest.
func logoDetail(l directory.Logo) string {
	if l.IsZero() {
		return ""
	}
	return fmt.Sprintf("%s, %d bytes, sha256 %s", l.MediaType, len(l.Data), l.Digest())
}

// settingsField is the body's name for a field of the directory's: but
// for the name, it names the settings by themselves.
func settingsField(field string) string {
	if field == "name" {
		return field
	}
	return "settings." + field
}

func (h *Handler) listTenants(w http.ResponseWriter, r *http.Request, c directory.Caller) error {
	ts, err := h.dir.TenantsFor(r.Context(), c)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"tenants": views(ts, viewTenant)})
	return nil
}

func (h *Handler) getTenant(w http.ResponseWriter, r *http.Request, c directory.Caller) error {
	t, err := h.dir.TenantFor(r.Context(), c, r.PathValue("slug"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, viewTenant(t))
	return nil
}

func (h *Handler) createTenant(w http.ResponseWriter, r *http.Request, c directory.Caller) error {
	var in struct {
		Slug   string `json:"slug"`
		Name   string `json:"name"`
		Parent string `json:"parent"`
	}
	if err := decode(w, r, &in); err != nil {
		return err
	}
	t, err := h.dir.CreateTenantFor(r.Context(), c, in.Slug, in.Name, in.Parent)
	if err != nil {
		return err
	}
	return h.created(w, r, c, audit.Event{Action: "tenant.created", TenantID: t.ID, Target: t.ID, TargetName: t.Slug,
		Details: map[string]string{"level": string(t.Level), "parent": directory.NormalizeSlug(in.Parent), "name": t.Name}},
		Prefix+"/tenants/"+t.Slug, viewTenant(t))
}

func (h *Handler) updateTenant(w http.ResponseWriter, r *http.Request, c directory.Caller) error {
	var in struct {
		Name     string       `json:"name"`
		Settings settingsView `json:"settings"`
	}
	if err := decode(w, r, &in); err != nil {
		return err
	}
	settings, err := in.Settings.settings()
	if err != nil {
		return err
	}
	// The tenant as it was, for the audit: UpdateTenantFor answers with
	// the tenant as it is only. (Read unchecked, it is shown to nobody:
	// UpdateTenantFor decides whether the caller may change it, and so
	// needs no tenants:read besides, and a tenant out of reach is 404
	// there, like one that does not exist here.)
	before, err := h.dir.TenantBySlug(r.Context(), r.PathValue("slug"))
	if err != nil {
		return err
	}
	t, err := h.dir.UpdateTenantFor(r.Context(), c, r.PathValue("slug"), in.Name, settings)
	if err != nil {
		return renamed(err, settingsField)
	}
	return h.changed(w, r, c, audit.Event{Action: "tenant.updated", TenantID: t.ID, Target: t.ID, TargetName: t.Slug,
		Details: diff(tenantDetails(before), tenantDetails(t))}, viewTenant(t))
}
