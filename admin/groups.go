package admin

import (
	"net/http"
	"time"

	"github.com/gatehouse-id/gatehouse/audit"
	"github.com/gatehouse-id/gatehouse/directory"
)

// groupView is a group as the API shows it.
type groupView struct {
	ID           string              `json:"id"`
	Name         string              `json:"name"`
	Description  string              `json:"description"`
	GlobalRoles  []string            `json:"global_roles"`
	ServiceRoles map[string][]string `json:"service_roles"`
	RequireMFA   bool                `json:"require_mfa"`
	// Builtin is true for the administrators group: its members
	// administer the tenant; it carries no roles and cannot be deleted.
	Builtin   bool      `json:"builtin"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

func viewGroup(g directory.Group) groupView {
	roles := g.GlobalRoles
	if roles == nil {
		roles = []string{}
	}
	sr := map[string][]string{}
	for k, v := range g.ServiceRoles {
		sr[k] = v
	}
	return groupView{ID: g.ID, Name: g.Name, Description: g.Description, GlobalRoles: roles, ServiceRoles: sr,
		RequireMFA: g.RequireMFA, Builtin: g.Name == directory.GroupAdministrators, CreatedAt: g.CreatedAt, UpdatedAt: g.UpdatedAt}
}

// groupBody is what POST and PUT send; PUT has no name (the path names the
// group, and names never change).
type groupBody struct {
	Description  string              `json:"description"`
	GlobalRoles  []string            `json:"global_roles"`
	ServiceRoles map[string][]string `json:"service_roles"`
	RequireMFA   bool                `json:"require_mfa"`
}

func (b groupBody) group(name string) directory.Group {
	return directory.Group{Name: name, Description: b.Description, GlobalRoles: b.GlobalRoles,
		ServiceRoles: directory.ServiceRoles(b.ServiceRoles), RequireMFA: b.RequireMFA}
}

func (h *Handler) listGroups(w http.ResponseWriter, r *http.Request, c directory.Caller) error {
	groups, err := h.dir.GroupsFor(r.Context(), c, r.PathValue("slug"))
	if err != nil {
		return err
	}
	out := make([]groupView, len(groups))
	for i, g := range groups {
		out[i] = viewGroup(g)
	}
	writeJSON(w, http.StatusOK, map[string]any{"groups": out})
	return nil
}

func (h *Handler) getGroup(w http.ResponseWriter, r *http.Request, c directory.Caller) error {
	g, err := h.dir.GroupFor(r.Context(), c, r.PathValue("slug"), r.PathValue("name"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, viewGroup(g))
	return nil
}

func (h *Handler) createGroup(w http.ResponseWriter, r *http.Request, c directory.Caller) error {
	// (Fields are spelled out, not embedded: a type error must name the
	// JSON field, not the Go path through the embedded struct.)
	var in struct {
		Name         string              `json:"name"`
		Description  string              `json:"description"`
		GlobalRoles  []string            `json:"global_roles"`
		ServiceRoles map[string][]string `json:"service_roles"`
		RequireMFA   bool                `json:"require_mfa"`
	}
	if err := decode(w, r, &in); err != nil {
		return err
	}
	body := groupBody{Description: in.Description, GlobalRoles: in.GlobalRoles, ServiceRoles: in.ServiceRoles, RequireMFA: in.RequireMFA}
	g, err := h.dir.CreateGroupFor(r.Context(), c, r.PathValue("slug"), body.group(in.Name))
	if err != nil {
		return err
	}
	if err := h.record(r, c, audit.Event{Action: "group.created", TenantID: g.TenantID, Target: g.ID, TargetName: g.Name,
		Details: clipped(map[string]string{"description": g.Description, "global_roles": join(g.GlobalRoles),
			"service_roles": g.ServiceRoles.String(), "require_mfa": boolString(g.RequireMFA)})}); err != nil {
		return err
	}
	w.Header().Set("Location", Prefix+"/tenants/"+directory.NormalizeSlug(r.PathValue("slug"))+"/groups/"+g.Name)
	writeJSON(w, http.StatusCreated, viewGroup(g))
	return nil
}

func (h *Handler) updateGroup(w http.ResponseWriter, r *http.Request, c directory.Caller) error {
	var in groupBody
	if err := decode(w, r, &in); err != nil {
		return err
	}
	before, after, err := h.dir.UpdateGroupFor(r.Context(), c, r.PathValue("slug"), r.PathValue("name"), in.group(r.PathValue("name")))
	if err != nil {
		return err
	}
	d := changes(map[string][2]string{
		"description":   {before.Description, after.Description},
		"global_roles":  {join(before.GlobalRoles), join(after.GlobalRoles)},
		"service_roles": {before.ServiceRoles.String(), after.ServiceRoles.String()},
		"require_mfa":   {boolString(before.RequireMFA), boolString(after.RequireMFA)},
	})
	if len(d) > 0 {
		if err := h.record(r, c, audit.Event{Action: "group.updated", TenantID: after.TenantID, Target: after.ID, TargetName: after.Name,
			Details: d}); err != nil {
			return err
		}
	}
	writeJSON(w, http.StatusOK, viewGroup(after))
	return nil
}

func (h *Handler) deleteGroup(w http.ResponseWriter, r *http.Request, c directory.Caller) error {
	g, err := h.dir.DeleteGroupFor(r.Context(), c, r.PathValue("slug"), r.PathValue("name"))
	if err != nil {
		return err
	}
	if err := h.record(r, c, audit.Event{Action: "group.deleted", TenantID: g.TenantID, Target: g.ID, TargetName: g.Name,
		Details: clipped(map[string]string{"description": g.Description, "global_roles": join(g.GlobalRoles),
			"service_roles": g.ServiceRoles.String()})}); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
