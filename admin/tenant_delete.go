package admin

import (
	"context"
	"errors"
	"net/http"
	"strconv"

	"github.com/gatehouse-id/gatehouse/audit"
	"github.com/gatehouse-id/gatehouse/directory"
)

// tenantDeletionView is what DELETE /tenants/{slug} answers: what went.
type tenantDeletionView struct {
	ID   string `json:"id"`
	Slug string `json:"slug"`
	// Tenants counts the tenant and every tenant below it that went with
	// it; Removed names them, the tenant first.
	Tenants int      `json:"tenants"`
	Removed []string `json:"removed"`
	Users   int      `json:"users"`
	Clients int      `json:"clients"`
	// Links counts other tenants' users whose membership of a removed
	// tenant went; the users stay.
	Links int `json:"links"`
}

// deleteTenant serves DELETE /tenants/{slug}[?cascade=true]: an empty
// tenant, or with cascade its whole subtree and everything in it
// (directory.DeleteTenantFor). The deletion is audited in the parent
// tenant, which outlives it, with what went. The removed tenants' own
// events stay in the log under their ids, but GET /audit reads the
// caller's current subtree, so they are no longer listed there.
func (h *Handler) deleteTenant(w http.ResponseWriter, r *http.Request, c directory.Caller) error {
	cascade := false
	switch v := r.URL.Query().Get("cascade"); v {
	case "", "false":
	case "true":
		cascade = true
	default:
		return fieldProblem(http.StatusBadRequest, "cascade", "must be true or false")
	}
	del, err := h.dir.DeleteTenantFor(r.Context(), c, r.PathValue("slug"), cascade)
	var fe *directory.FieldError
	if errors.Is(err, directory.ErrConflict) && errors.As(err, &fe) {
		p := problem(http.StatusConflict, "not-empty", "The tenant is not empty", fe.Reason)
		p.Errors = []FieldProblem{{Field: fe.Field, Reason: fe.Reason}}
		return p
	}
	if err != nil {
		return err
	}
	t := del.Tenant
	v := tenantDeletionView{ID: t.ID, Slug: t.Slug, Tenants: len(del.Removed), Removed: make([]string, len(del.Removed)),
		Users: del.Users, Clients: del.Clients, Links: del.Links}
	ids := make([]string, len(del.Removed))
	for i, x := range del.Removed {
		v.Removed[i], ids[i] = x.Slug, x.ID
	}
	if err := h.record(r, c, audit.Event{Action: "tenant.deleted", TenantID: t.ParentID, Target: t.ID, TargetName: t.Slug,
		Details: map[string]string{
			"name": t.Name, "level": string(t.Level), "cascade": boolString(cascade),
			"tenants": strconv.Itoa(v.Tenants), "users": strconv.Itoa(v.Users), "clients": strconv.Itoa(v.Clients),
			"links": strconv.Itoa(v.Links), "removed": join(v.Removed), "removed_ids": join(ids),
		}}); err != nil {
		return err
	}
	if h.removed != nil {
		// The sessions acting in the removed tenants are refused already;
		// once the deletion has committed their portals are told, and a
		// failure to tell them is logged, not answered.
		ctx := context.WithoutCancel(r.Context())
		if err := h.afterCommit(func() error {
			if err := h.removed(ctx, ids); err != nil {
				h.log.ErrorContext(ctx, "back-channel logout of the removed tenants' sessions", "tenant", t.Slug, "err", err)
			}
			return nil
		}); err != nil {
			return err
		}
	}
	writeJSON(w, http.StatusOK, v)
	return nil
}
