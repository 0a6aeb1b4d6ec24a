package admin

import (
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/gatehouse-id/gatehouse/audit"
	"github.com/gatehouse-id/gatehouse/directory"
)

// eventView is an audit event as the API shows it.
type eventView struct {
	ID         string            `json:"id"`
	Time       time.Time         `json:"time"`
	Action     string            `json:"action"`
	Tenant     string            `json:"tenant"`
	Actor      string            `json:"actor"`
	ActorName  string            `json:"actor_name,omitempty"`
	Target     string            `json:"target,omitempty"`
	TargetName string            `json:"target_name,omitempty"`
	Details    map[string]string `json:"details,omitempty"`
}

func viewEvent(e audit.Event) eventView {
	return eventView{ID: e.ID, Time: e.Time, Action: e.Action, Tenant: e.TenantID, Actor: e.Actor, ActorName: e.ActorName,
		Target: e.Target, TargetName: e.TargetName, Details: e.Details}
}

// listAudit serves GET /audit: the events of the caller's subtree (or of
// one tenant in it, tenant=slug, and its subtree), filtered by actor,
// target (user), action (exact, or a prefix ending in "."), and time
// range, newest first, a page at a time. It needs audit:read.
func (h *Handler) listAudit(w http.ResponseWriter, r *http.Request, c directory.Caller) error {
	ctx := r.Context()
	q := r.URL.Query()
	if !c.Can("audit", directory.AccessRead) {
		return problem(http.StatusForbidden, "forbidden", "Not allowed", "reading the audit log needs audit:read")
	}
	tenants, err := h.subtree(r, c)
	if err != nil {
		return err
	}
	root := c.Principal.Tenant.ID
	if slug := q.Get("tenant"); slug != "" {
		slug = directory.NormalizeSlug(slug)
		i := slices.IndexFunc(tenants, func(t directory.Tenant) bool { return t.Slug == slug })
		if i < 0 {
			return directory.ErrNotFound // no such tenant, or out of reach
		}
		root = tenants[i].ID
	}
	ids := make([]string, 0, len(tenants))
	for _, t := range tenants {
		if slices.Contains(t.Path, root) {
			ids = append(ids, t.ID)
		}
	}
	query := audit.Query{TenantIDs: ids, Actor: q.Get("actor"), Target: q.Get("target"), Action: q.Get("action")}
	for _, p := range []struct {
		name string
		to   *time.Time
	}{{"since", &query.Since}, {"until", &query.Until}} {
		if v := q.Get(p.name); v != "" {
			t, err := time.Parse(time.RFC3339, v)
			if err != nil {
				return fieldProblem(http.StatusBadRequest, p.name, "must be a time in RFC 3339, such as 2026-01-31T12:00:00Z")
			}
			*p.to = t
		}
	}
	if v := q.Get("cursor"); v != "" {
		cur, err := audit.DecodeCursor(v)
		if err != nil {
			return fieldProblem(http.StatusBadRequest, "cursor", "is not a cursor this API gave out")
		}
		query.After = cur
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > audit.ListLimit {
			return fieldProblem(http.StatusBadRequest, "limit", "must be a number from 1 to "+strconv.Itoa(audit.ListLimit))
		}
		query.Limit = n
	}
	evs, more, err := h.events.QueryEvents(ctx, query)
	if err != nil {
		return err
	}
	body := map[string]any{"events": views(evs, viewEvent)}
	if more && len(evs) > 0 {
		last := evs[len(evs)-1]
		body["next_cursor"] = audit.EncodeCursor(audit.Cursor{Time: last.Time, ID: last.ID})
	}
	writeJSON(w, http.StatusOK, body)
	return nil
}

// subtree is the caller's subtree: the tenants whose events it may read.
// (Not TenantsFor, which needs tenants:read: reading the log needs
// audit:read only.)
func (h *Handler) subtree(r *http.Request, c directory.Caller) ([]directory.Tenant, error) {
	all, err := h.dir.Store().ListTenants(r.Context())
	if err != nil {
		return nil, err
	}
	var out []directory.Tenant
	for _, t := range all {
		if c.Reaches(t) {
			out = append(out, t)
		}
	}
	return out, nil
}
