package admin

import (
	"net/http"
	"time"

	"github.com/gatehouse-id/gatehouse/audit"
	"github.com/gatehouse-id/gatehouse/directory"
)

// roleView is a global role as the API shows it.
type roleView struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	roleBody
	HoldsAll  bool      `json:"holds_all"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

func viewRole(r directory.GlobalRole) roleView {
	return roleView{ID: r.ID, Name: r.Name,
		roleBody: roleBody{Description: r.Description, Permissions: permissionStrings(r.Permissions), RequireMFA: r.RequireMFA},
		HoldsAll: r.Name == directory.RoleAdmins, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}
}

func permissionStrings(ps []directory.Permission) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.String()
	}
	return out
}

// roleBody is what PUT sends, and POST with the name (the path names the
// role, and names never change).
type roleBody struct {
	Description string `json:"description"`
	// Permissions are the role's own, as "resource:access"; the admins
	// role lists none and holds every one (roleView.HoldsAll).
	Permissions []string `json:"permissions"`
	RequireMFA  bool     `json:"require_mfa"`
}

func (b roleBody) role(name string) (directory.GlobalRole, error) {
	ps := make([]directory.Permission, len(b.Permissions))
	for i, s := range b.Permissions {
		p, err := directory.ParsePermission(s)
		if err != nil {
			return directory.GlobalRole{}, fieldProblem(http.StatusUnprocessableEntity, "permissions", err.Error())
		}
		ps[i] = p
	}
	return directory.GlobalRole{Name: name, Description: b.Description, Permissions: ps, RequireMFA: b.RequireMFA}, nil
}

// roleDetails are the audit details of a role.
func roleDetails(r directory.GlobalRole) map[string]string {
	return map[string]string{"description": r.Description, "permissions": join(permissionStrings(r.Permissions)),
		"require_mfa": boolString(r.RequireMFA)}
}

func (h *Handler) listRoles(w http.ResponseWriter, r *http.Request, c directory.Caller) error {
	roles, err := h.dir.GlobalRolesFor(r.Context(), c, r.PathValue("slug"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"roles": views(roles, viewRole)})
	return nil
}

func (h *Handler) getRole(w http.ResponseWriter, r *http.Request, c directory.Caller) error {
	role, err := h.dir.GlobalRoleFor(r.Context(), c, r.PathValue("slug"), r.PathValue("name"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, viewRole(role))
	return nil
}

func (h *Handler) createRole(w http.ResponseWriter, r *http.Request, c directory.Caller) error {
	var in struct {
		Name string `json:"name"`
		roleBody
	}
	if err := decode(w, r, &in); err != nil {
		return err
	}
	want, err := in.role(in.Name)
	if err != nil {
		return err
	}
	role, err := h.dir.CreateGlobalRoleFor(r.Context(), c, r.PathValue("slug"), want)
	if err != nil {
		return err
	}
	return h.created(w, r, c, audit.Event{Action: "role.created", TenantID: role.TenantID, Target: role.ID, TargetName: role.Name,
		Details: roleDetails(role)}, Prefix+"/tenants/"+directory.NormalizeSlug(r.PathValue("slug"))+"/roles/"+role.Name, viewRole(role))
}

func (h *Handler) updateRole(w http.ResponseWriter, r *http.Request, c directory.Caller) error {
	var in roleBody
	if err := decode(w, r, &in); err != nil {
		return err
	}
	want, err := in.role(r.PathValue("name"))
	if err != nil {
		return err
	}
	before, after, err := h.dir.UpdateGlobalRoleFor(r.Context(), c, r.PathValue("slug"), r.PathValue("name"), want)
	if err != nil {
		return err
	}
	return h.changed(w, r, c, audit.Event{Action: "role.updated", TenantID: after.TenantID, Target: after.ID,
		TargetName: after.Name, Details: diff(roleDetails(before), roleDetails(after))}, viewRole(after))
}

func (h *Handler) deleteRole(w http.ResponseWriter, r *http.Request, c directory.Caller) error {
	role, err := h.dir.DeleteGlobalRoleFor(r.Context(), c, r.PathValue("slug"), r.PathValue("name"))
	if err != nil {
		return err
	}
	return h.deleted(w, r, c, audit.Event{Action: "role.deleted", TenantID: role.TenantID, Target: role.ID, TargetName: role.Name,
		Details: roleDetails(role)})
}
