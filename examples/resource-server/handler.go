package main

import (
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/gatehouse-id/gatehouse/claims"
)

// device is one entry of the inventory. TenantPath is the path of the
// owning tenant, copied from the tenant claim of the token that created it:
// storing the path with each resource is what lets InSubtree decide, from
// the token alone, who may see it.
type device struct {
	ID         string   `json:"id"`
	Name       string   `json:"name"`
	TenantID   string   `json:"tenant_id"`
	TenantPath []string `json:"tenant_path"`
	CreatedBy  string   `json:"created_by"`
	// CreatedBySupport is the support user who acted for CreatedBy, if one
	// did (the act claim): an audit trail should name both.
	CreatedBySupport string `json:"created_by_support,omitempty"`
}

// inventory is an in-memory device store; a real one is a database.
type inventory struct {
	mu      sync.Mutex
	devices map[string]device
	next    int
}

func newInventory() *inventory { return &inventory{devices: map[string]device{}} }

func (inv *inventory) add(d device) device {
	inv.mu.Lock()
	defer inv.mu.Unlock()
	inv.next++
	d.ID = "dev-" + strconv.Itoa(inv.next)
	inv.devices[d.ID] = d
	return d
}

func (inv *inventory) get(id string) (device, bool) {
	inv.mu.Lock()
	defer inv.mu.Unlock()
	d, ok := inv.devices[id]
	return d, ok
}

func (inv *inventory) remove(id string) {
	inv.mu.Lock()
	defer inv.mu.Unlock()
	delete(inv.devices, id)
}

// visible returns, sorted by id, the devices whose tenant path passes keep.
func (inv *inventory) visible(keep func(path []string) bool) []device {
	inv.mu.Lock()
	defer inv.mu.Unlock()
	out := []device{}
	for _, d := range inv.devices {
		if keep(d.TenantPath) {
			out = append(out, d)
		}
	}
	slices.SortFunc(out, func(a, b device) int { return strings.Compare(a.ID, b.ID) })
	return out
}

// newHandler is the device API: every route needs a valid Gatehouse access
// token (v.Middleware), each needs the inventory permission at the level it
// says (claims.Require), and each acts only on devices in the caller's
// tenant subtree (InSubtree, in the handlers, since it needs the device).
// A device outside the subtree answers 404, not 403, so that callers learn
// nothing about other tenants' devices.
func newHandler(v *claims.Verifier, inv *inventory) http.Handler {
	h := &handler{inv: inv}
	mux := http.NewServeMux()
	mux.Handle("GET /devices", requireInventory(claims.PermissionRead, h.list))
	mux.Handle("GET /devices/{id}", requireInventory(claims.PermissionRead, h.get))
	mux.Handle("POST /devices", requireInventory(claims.PermissionCreate, h.create))
	mux.Handle("DELETE /devices/{id}", requireInventory(claims.PermissionChange, h.remove))
	return v.Middleware(mux)
}

func requireInventory(level string, h http.HandlerFunc) http.Handler {
	return claims.Require(func(at *claims.AccessToken) bool { return at.HasPermission("inventory", level) }, h)
}

type handler struct{ inv *inventory }

// list answers the devices of the caller's subtree; ?tenant=<tenant id>
// narrows that to one tenant and the tenants below it.
func (h *handler) list(w http.ResponseWriter, r *http.Request) {
	at, _ := claims.FromContext(r.Context())
	only := r.URL.Query().Get("tenant")
	devices := h.inv.visible(func(path []string) bool {
		return at.InSubtree(path) && (only == "" || slices.Contains(path, only))
	})
	writeJSON(w, http.StatusOK, map[string]any{"devices": devices})
}

func (h *handler) get(w http.ResponseWriter, r *http.Request) {
	at, _ := claims.FromContext(r.Context())
	d, ok := h.inv.get(r.PathValue("id"))
	if !ok || !at.InSubtree(d.TenantPath) {
		writeError(w, http.StatusNotFound, "no such device")
		return
	}
	writeJSON(w, http.StatusOK, d)
}

// create adds a device to the caller's own tenant. A token without the
// tenant claim (a person's token without the tenant scope) cannot create:
// there would be no tenant to put the device in.
func (h *handler) create(w http.ResponseWriter, r *http.Request) {
	at, _ := claims.FromContext(r.Context())
	if at.Tenant == nil {
		writeError(w, http.StatusForbidden, "the token carries no tenant")
		return
	}
	var body struct {
		Name string `json:"name"`
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 64<<10))
	if err := dec.Decode(&body); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			writeError(w, http.StatusRequestEntityTooLarge, "body too large")
			return
		}
		writeError(w, http.StatusBadRequest, "send a JSON object with a name")
		return
	}
	if body.Name = strings.TrimSpace(body.Name); body.Name == "" || len(body.Name) > 100 {
		writeError(w, http.StatusBadRequest, "name: 1 to 100 characters")
		return
	}
	d := device{
		Name: body.Name, TenantID: at.Tenant.ID, TenantPath: slices.Clone(at.Tenant.Path), CreatedBy: at.Subject,
	}
	if act, ok := at.Actor(); ok {
		d.CreatedBySupport = act.Subject
	}
	d = h.inv.add(d)
	w.Header().Set("Location", "/devices/"+d.ID)
	writeJSON(w, http.StatusCreated, d)
}

func (h *handler) remove(w http.ResponseWriter, r *http.Request) {
	at, _ := claims.FromContext(r.Context())
	d, ok := h.inv.get(r.PathValue("id"))
	if !ok || !at.InSubtree(d.TenantPath) {
		writeError(w, http.StatusNotFound, "no such device")
		return
	}
	h.inv.remove(d.ID)
	w.WriteHeader(http.StatusNoContent)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]string{"error": msg})
}
