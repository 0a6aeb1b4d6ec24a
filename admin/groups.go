package admin

import (
	"net/http"
	"time"

	"github.com/gatehouse-id/gatehouse/audit"
	"github.com/gatehouse-id/gatehouse/directory"
)

// groupView is a group as the API shows it.
type groupView struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	groupBody
	// Builtin is true for the administrators group: its members
	// administer the tenant; it carries no roles and cannot be deleted.
	Builtin   bool      `json:"builtin"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

func viewGroup(g directory.Group) groupView {
	return groupView{ID: g.ID, Name: g.Name,
		groupBody: groupBody{Description: g.Description, GlobalRoles: orEmpty(g.GlobalRoles),
			ServiceRoles: serviceRolesView(g.ServiceRoles), RequireMFA: g.RequireMFA},
		Builtin: g.Name == directory.GroupAdministrators, CreatedAt: g.CreatedAt, UpdatedAt: g.UpdatedAt}
}

// groupBody is what PUT sends, and POST with the name (the path names the
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

// groupDetails are the audit details of a group.
func groupDetails(g directory.Group) map[string]string {
	return map[string]string{"description": g.Description, "global_roles": join(g.GlobalRoles),
		"service_roles": g.ServiceRoles.String(), "require_mfa": boolString(g.RequireMFA)}
}

func (h *Handler) listGroups(w http.ResponseWriter, r *http.Request, c directory.Caller) error {
	groups, err := h.dir.GroupsFor(r.Context(), c, r.PathValue("slug"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"groups": views(groups, viewGroup)})
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
	var in struct {
		Name string `json:"name"`
		groupBody
	}
	if err := decode(w, r, &in); err != nil {
		return err
	}
	g, err := h.dir.CreateGroupFor(r.Context(), c, r.PathValue("slug"), in.group(in.Name))
	if err != nil {
		return err
	}
	return h.created(w, r, c, audit.Event{Action: "group.created", TenantID: g.TenantID, Target: g.ID, TargetName: g.Name,
		Details: groupDetails(g)}, Prefix+"/tenants/"+directory.NormalizeSlug(r.PathValue("slug"))+"/groups/"+g.Name, viewGroup(g))
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
	return h.changed(w, r, c, audit.Event{Action: "group.updated", TenantID: after.TenantID, Target: after.ID,
		TargetName: after.Name, Details: diff(groupDetails(before), groupDetails(after))}, viewGroup(after))
}

func (h *Handler) deleteGroup(w http.ResponseWriter, r *http.Request, c directory.Caller) error {
	g, err := h.dir.DeleteGroupFor(r.Context(), c, r.PathValue("slug"), r.PathValue("name"))
	if err != nil {
		return err
	}
	return h.deleted(w, r, c, audit.Event{Action: "group.deleted", TenantID: g.TenantID, Target: g.ID, TargetName: g.Name,
		Details: groupDetails(g)})
}
