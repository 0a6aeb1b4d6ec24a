package admin

import (
	"net/http"
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

// settingsView is a tenant's own settings; empty values inherit.
type settingsView struct {
	UserRoles []string    `json:"user_roles"`
	MFA       string      `json:"mfa"`
	Support   supportView `json:"support"`
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
	roles := s.UserRoles
	if roles == nil {
		roles = []string{}
	}
	return tenantView{ID: t.ID, Slug: t.Slug, Name: t.Name, Level: string(t.Level), Parent: t.ParentID, Path: t.Path,
		Settings: settingsView{UserRoles: roles, MFA: string(s.MFA), Support: sv}, CreatedAt: t.CreatedAt, UpdatedAt: t.UpdatedAt}
}

func (v settingsView) settings() (directory.TenantSettings, error) {
	s := directory.TenantSettings{UserRoles: v.UserRoles, MFA: directory.MFAPolicy(v.MFA),
		Support: directory.SupportPolicy{Mode: directory.SupportMode(v.Support.Mode), RequireReason: v.Support.RequireReason}}
	if v.Support.ConsentWindow != "" {
		d, err := time.ParseDuration(v.Support.ConsentWindow)
		if err != nil {
			return s, fieldProblem(http.StatusUnprocessableEntity, "settings.support.consent_window", "must be a duration such as 24h")
		}
		s.Support.ConsentWindow = d
	}
	return s, nil
}

func (h *Handler) listTenants(w http.ResponseWriter, r *http.Request, c directory.Caller) error {
	ts, err := h.dir.TenantsFor(r.Context(), c)
	if err != nil {
		return err
	}
	out := make([]tenantView, len(ts))
	for i, t := range ts {
		out[i] = viewTenant(t)
	}
	writeJSON(w, http.StatusOK, map[string]any{"tenants": out})
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
	if err := h.record(r, c, audit.Event{Action: "tenant.created", TenantID: t.ID, Target: t.ID, TargetName: t.Slug,
		Details: map[string]string{"level": string(t.Level), "parent": in.Parent, "name": t.Name}}); err != nil {
		return err
	}
	w.Header().Set("Location", Prefix+"/tenants/"+t.Slug)
	writeJSON(w, http.StatusCreated, viewTenant(t))
	return nil
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
	before, err := h.dir.TenantFor(r.Context(), c, r.PathValue("slug"))
	if err != nil {
		return err
	}
	t, err := h.dir.UpdateTenantFor(r.Context(), c, r.PathValue("slug"), in.Name, settings)
	if err != nil {
		return renamed(err, map[string]string{"name": "name", "*": "settings."})
	}
	d := changes(map[string][2]string{
		"name": {before.Name, t.Name}, "mfa": {string(before.Settings.MFA), string(t.Settings.MFA)},
		"user_roles":     {join(before.Settings.UserRoles), join(t.Settings.UserRoles)},
		"support_mode":   {string(before.Settings.Support.Mode), string(t.Settings.Support.Mode)},
		"support_reason": {boolString(before.Settings.Support.RequireReason), boolString(t.Settings.Support.RequireReason)},
		"consent_window": {before.Settings.Support.ConsentWindow.String(), t.Settings.Support.ConsentWindow.String()},
	})
	if len(d) > 0 {
		if err := h.record(r, c, audit.Event{Action: "tenant.updated", TenantID: t.ID, Target: t.ID, TargetName: t.Slug, Details: d}); err != nil {
			return err
		}
	}
	writeJSON(w, http.StatusOK, viewTenant(t))
	return nil
}
