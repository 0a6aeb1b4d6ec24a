package admin

import (
	"net/http"
	"strconv"
	"time"

	"github.com/gatehouse-id/gatehouse/audit"
	"github.com/gatehouse-id/gatehouse/directory"
)

// Deleting, restoring and purging users (directory/admin_lifecycle.go):
// DELETE /users/{id} deletes (restorable until purge_at), with purge=true
// it purges at once ("delete now"); POST /users/{id}/restore restores.

func (h *Handler) deleteUser(w http.ResponseWriter, r *http.Request, c directory.Caller) error {
	purge := false
	if v := r.URL.Query().Get("purge"); v != "" {
		var err error
		if purge, err = strconv.ParseBool(v); err != nil {
			return fieldProblem(http.StatusBadRequest, "purge", "must be true or false")
		}
	}
	if purge {
		u, err := h.dir.PurgeUserFor(r.Context(), c, r.PathValue("id"))
		if err != nil {
			return err
		}
		return h.deleted(w, r, c, audit.Event{Action: "user.purged", TenantID: u.TenantID, Target: u.ID,
			TargetName: u.Username, Details: map[string]string{"was_deleted": boolString(u.Deleted())}})
	}
	_, u, err := h.dir.DeleteUserFor(r.Context(), c, r.PathValue("id"))
	if err != nil {
		return err
	}
	return h.deleted(w, r, c, audit.Event{Action: "user.deleted", TenantID: u.TenantID, Target: u.ID,
		TargetName: u.Username, Details: map[string]string{"purge_at": h.dir.PurgeAt(u).Format(time.RFC3339)}})
}

func (h *Handler) restoreUser(w http.ResponseWriter, r *http.Request, c directory.Caller) error {
	before, u, err := h.dir.RestoreUserFor(r.Context(), c, r.PathValue("id"))
	if err != nil {
		return err
	}
	if err := h.record(r, c, audit.Event{Action: "user.restored", TenantID: u.TenantID, Target: u.ID,
		TargetName: u.Username, Details: map[string]string{"deleted_at": before.DeletedAt.Format(time.RFC3339)}}); err != nil {
		return err
	}
	return h.writeUser(w, r, http.StatusOK, u)
}
