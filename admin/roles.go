package admin

import (
	"net/http"
	"strings"
	"time"

	"github.com/gatehouse-id/gatehouse/audit"
	"github.com/gatehouse-id/gatehouse/directory"
)

// roleView is a global role as the API shows it.
type roleView struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	Description string `json:"description"`
	// Permissions are the role's own, as "resource:access"; the admins
	// role lists none and holds every one (HoldsAll).
	Permissions []string  `json:"permissions"`
	HoldsAll    bool      `json:"holds_all"`
	RequireMFA  bool      `json:"require_mfa"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

func viewRole(r directory.GlobalRole) roleView {
	return roleView{ID: r.ID, Name: r.Name, Description: r.Description, Permissions: permissionStrings(r.Permissions),
		HoldsAll: r.Name == directory.RoleAdmins, RequireMFA: r.RequireMFA, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}
}

// clipped shortens every value to the audit log's length limit, as
// changes does: a description or a list may be longer.
func clipped(details map[string]string) map[string]string {
	for k, v := range details {
		if len(v) > audit.MaxValueLen {
			details[k] = strings.ToValidUTF8(v[:audit.MaxValueLen-3], "") + "..."
		}
	}
	return details
}

func permissionStrings(ps []directory.Permission) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.String()
	}
	return out
}

// roleBody is what POST and PUT send; PUT has no name (the path names the
// role, and names never change).
type roleBody struct {
	Description string   `json:"description"`
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

func (h *Handler) listRoles(w http.ResponseWriter, r *http.Request, c directory.Caller) error {
	roles, err := h.dir.GlobalRolesFor(r.Context(), c, r.PathValue("slug"))
	if err != nil {
		return err
	}
	out := make([]roleView, len(roles))
	for i, role := range roles {
		out[i] = viewRole(role)
	}
	writeJSON(w, http.StatusOK, map[string]any{"roles": out})
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
	// (Fields are spelled out, not embedded: a type error must name the
	// JSON field, not the Go path through the embedded struct.)
	var in struct {
		Name        string   `json:"name"`
		Description string   `json:"description"`
		Permissions []string `json:"permissions"`
		RequireMFA  bool     `json:"require_mfa"`
	}
	if err := decode(w, r, &in); err != nil {
		return err
	}
	want, err := roleBody{Description: in.Description, Permissions: in.Permissions, RequireMFA: in.RequireMFA}.role(in.Name)
	if err != nil {
		return err
	}
	role, err := h.dir.CreateGlobalRoleFor(r.Context(), c, r.PathValue("slug"), want)
	if err != nil {
		return err
	}
	if err := h.record(r, c, audit.Event{Action: "role.created", TenantID: role.TenantID, Target: role.ID, TargetName: role.Name,
		Details: clipped(map[string]string{"description": role.Description, "permissions": join(permissionStrings(role.Permissions)),
			"require_mfa": boolString(role.RequireMFA)})}); err != nil {
		return err
	}
	w.Header().Set("Location", Prefix+"/tenants/"+directory.NormalizeSlug(r.PathValue("slug"))+"/roles/"+role.Name)
	writeJSON(w, http.StatusCreated, viewRole(role))
	return nil
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
	d := changes(map[string][2]string{
		"description": {before.Description, after.Description},
		"permissions": {join(permissionStrings(before.Permissions)), join(permissionStrings(after.Permissions))},
		"require_mfa": {boolString(before.RequireMFA), boolString(after.RequireMFA)},
	})
	if len(d) > 0 {
		if err := h.record(r, c, audit.Event{Action: "role.updated", TenantID: after.TenantID, Target: after.ID, TargetName: after.Name,
			Details: d}); err != nil {
			return err
		}
	}
	writeJSON(w, http.StatusOK, viewRole(after))
	return nil
}

func (h *Handler) deleteRole(w http.ResponseWriter, r *http.Request, c directory.Caller) error {
	role, err := h.dir.DeleteGlobalRoleFor(r.Context(), c, r.PathValue("slug"), r.PathValue("name"))
	if err != nil {
		return err
	}
	if err := h.record(r, c, audit.Event{Action: "role.deleted", TenantID: role.TenantID, Target: role.ID, TargetName: role.Name,
		Details: clipped(map[string]string{"description": role.Description, "permissions": join(permissionStrings(role.Permissions))})}); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
