package admin

import (
	"context"
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
		if err := h.endSessions(r, u.ID); err != nil {
			return err
		}
		return h.deleted(w, r, c, audit.Event{Action: "user.purged", TenantID: u.TenantID, Target: u.ID,
			TargetName: u.Username, Details: map[string]string{"was_deleted": boolString(u.Deleted())}})
	}
	_, u, err := h.dir.DeleteUserFor(r.Context(), c, r.PathValue("id"))
	if err != nil {
		return err
	}
	if err := h.endSessions(r, u.ID); err != nil {
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

// endSessions has the sessions of the person userID, which the change
// being made ends (directory.User.RevokedBefore), logged out at the
// portals once the change has committed (Config.SignedOut). A failure is
// logged, not answered: the change is made and audited, and the sessions
// are refused at Gatehouse already.
func (h *Handler) endSessions(r *http.Request, userID string) error {
	if h.signedOut == nil {
		return nil
	}
	ctx := context.WithoutCancel(r.Context())
	return h.afterCommit(func() error {
		if err := h.signedOut(ctx, userID); err != nil {
			h.log.ErrorContext(ctx, "back-channel logout of an ended person's sessions", "user_id", userID, "err", err)
		}
		return nil
	})
}
