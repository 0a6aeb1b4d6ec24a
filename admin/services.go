package admin

import (
	"net/http"
	"slices"
	"time"

	"github.com/gatehouse-id/gatehouse/audit"
	"github.com/gatehouse-id/gatehouse/directory"
)

// serviceView is a service of the platform's catalog as the API shows it.
type serviceView struct {
	Name string `json:"name"`
	serviceBody
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

func viewService(s directory.Service) serviceView {
	return serviceView{Name: s.Name, serviceBody: serviceBody{DisplayName: s.DisplayName, Roles: orEmpty(s.Roles)},
		CreatedAt: s.CreatedAt, UpdatedAt: s.UpdatedAt}
}

// serviceBody is what PUT sends, and POST with the name.
type serviceBody struct {
	DisplayName string   `json:"display_name"`
	Roles       []string `json:"roles"`
}

func (b serviceBody) service(name string) directory.Service {
	return directory.Service{Name: name, DisplayName: b.DisplayName, Roles: b.Roles}
}

// serviceDetails are the audit details of a service.
func serviceDetails(s directory.Service) map[string]string {
	return map[string]string{"display_name": s.DisplayName, "roles": join(s.Roles)}
}

func (h *Handler) listServices(w http.ResponseWriter, r *http.Request, c directory.Caller) error {
	svcs, err := h.dir.ServicesFor(r.Context(), c)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"services": views(svcs, viewService)})
	return nil
}

func (h *Handler) getService(w http.ResponseWriter, r *http.Request, c directory.Caller) error {
	s, err := h.dir.ServiceFor(r.Context(), c, r.PathValue("name"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, viewService(s))
	return nil
}

// The catalog's changes are audited in the system tenant: the tenant the
// caller acts in, since only a caller acting there changes the catalog
// (directory.CreateServiceFor, UpdateServiceFor, DeleteServiceFor).

func (h *Handler) createService(w http.ResponseWriter, r *http.Request, c directory.Caller) error {
	var in struct {
		Name string `json:"name"`
		serviceBody
	}
	if err := decode(w, r, &in); err != nil {
		return err
	}
	s, err := h.dir.CreateServiceFor(r.Context(), c, in.service(in.Name))
	if err != nil {
		return err
	}
	return h.created(w, r, c, audit.Event{Action: "service.created", TenantID: c.Principal.Tenant.ID, Target: s.Name,
		TargetName: s.Name, Details: serviceDetails(s)}, Prefix+"/services/"+s.Name, viewService(s))
}

func (h *Handler) updateService(w http.ResponseWriter, r *http.Request, c directory.Caller) error {
	var in serviceBody
	if err := decode(w, r, &in); err != nil {
		return err
	}
	before, after, err := h.dir.UpdateServiceFor(r.Context(), c, r.PathValue("name"), in.service(r.PathValue("name")))
	if err != nil {
		return err
	}
	details := diff(serviceDetails(before), serviceDetails(after))
	// The roles a PUT left out, and so removed (nothing held them), said
	// plainly: the diff of the lists shows them only to a careful reader.
	if removed := slices.DeleteFunc(slices.Clone(before.Roles), func(r string) bool { return after.HasRole(r) }); len(removed) > 0 {
		details["removed_roles"] = join(removed)
	}
	return h.changed(w, r, c, audit.Event{Action: "service.updated", TenantID: c.Principal.Tenant.ID, Target: after.Name,
		TargetName: after.Name, Details: details}, viewService(after))
}

// deleteService deletes a service nothing uses (directory.DeleteServiceFor
// says what "uses" is), recording what it was.
func (h *Handler) deleteService(w http.ResponseWriter, r *http.Request, c directory.Caller) error {
	s, err := h.dir.DeleteServiceFor(r.Context(), c, r.PathValue("name"))
	if err != nil {
		return err
	}
	return h.deleted(w, r, c, audit.Event{Action: "service.deleted", TenantID: c.Principal.Tenant.ID, Target: s.Name,
		TargetName: s.Name, Details: serviceDetails(s)})
}
