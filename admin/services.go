package admin

import (
	"net/http"
	"time"

	"github.com/gatehouse-id/gatehouse/audit"
	"github.com/gatehouse-id/gatehouse/directory"
)

// serviceView is a service of the platform's catalog as the API shows it.
type serviceView struct {
	Name        string    `json:"name"`
	DisplayName string    `json:"display_name"`
	Roles       []string  `json:"roles"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

func viewService(s directory.Service) serviceView {
	roles := s.Roles
	if roles == nil {
		roles = []string{}
	}
	return serviceView{Name: s.Name, DisplayName: s.DisplayName, Roles: roles, CreatedAt: s.CreatedAt, UpdatedAt: s.UpdatedAt}
}

// serviceBody is what POST and PUT send; PUT has no name.
type serviceBody struct {
	DisplayName string   `json:"display_name"`
	Roles       []string `json:"roles"`
}

func (h *Handler) listServices(w http.ResponseWriter, r *http.Request, c directory.Caller) error {
	svcs, err := h.dir.ServicesFor(r.Context(), c)
	if err != nil {
		return err
	}
	out := make([]serviceView, len(svcs))
	for i, s := range svcs {
		out[i] = viewService(s)
	}
	writeJSON(w, http.StatusOK, map[string]any{"services": out})
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

func (h *Handler) createService(w http.ResponseWriter, r *http.Request, c directory.Caller) error {
	// (Fields are spelled out, not embedded: a type error must name the
	// JSON field, not the Go path through the embedded struct.)
	var in struct {
		Name        string   `json:"name"`
		DisplayName string   `json:"display_name"`
		Roles       []string `json:"roles"`
	}
	if err := decode(w, r, &in); err != nil {
		return err
	}
	// The catalog's changes are audited in the system tenant (looked up
	// first, so that a change is never left unaudited by a failed read).
	sys, err := h.dir.SystemTenant(r.Context())
	if err != nil {
		return err
	}
	s, err := h.dir.CreateServiceFor(r.Context(), c, directory.Service{Name: in.Name, DisplayName: in.DisplayName, Roles: in.Roles})
	if err != nil {
		return err
	}
	if err := h.record(r, c, audit.Event{Action: "service.created", TenantID: sys.ID, Target: s.Name, TargetName: s.Name,
		Details: clipped(map[string]string{"display_name": s.DisplayName, "roles": join(s.Roles)})}); err != nil {
		return err
	}
	w.Header().Set("Location", Prefix+"/services/"+s.Name)
	writeJSON(w, http.StatusCreated, viewService(s))
	return nil
}

func (h *Handler) updateService(w http.ResponseWriter, r *http.Request, c directory.Caller) error {
	var in serviceBody
	if err := decode(w, r, &in); err != nil {
		return err
	}
	sys, err := h.dir.SystemTenant(r.Context())
	if err != nil {
		return err
	}
	before, after, err := h.dir.UpdateServiceFor(r.Context(), c, r.PathValue("name"),
		directory.Service{DisplayName: in.DisplayName, Roles: in.Roles})
	if err != nil {
		return err
	}
	d := changes(map[string][2]string{
		"display_name": {before.DisplayName, after.DisplayName},
		"roles":        {join(before.Roles), join(after.Roles)},
	})
	if len(d) > 0 {
		if err := h.record(r, c, audit.Event{Action: "service.updated", TenantID: sys.ID, Target: after.Name, TargetName: after.Name,
			Details: d}); err != nil {
			return err
		}
	}
	writeJSON(w, http.StatusOK, viewService(after))
	return nil
}
