package admin

import (
	"net/http"
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
//
// The subtree is named by its top tenant (audit.Query.Subtree), which the
// store reads beside the events: a provider's subtree may hold thousands
// of tenants, whose ids would otherwise be listed here and sent with every
// page. The tenants are the directory's as each page is read, so a
// deleted tenant's events, which the log keeps, are no longer listed.
func (h *Handler) listAudit(w http.ResponseWriter, r *http.Request, c directory.Caller) error {
	ctx := r.Context()
	q := r.URL.Query()
	if !c.Can("audit", directory.AccessRead) {
		return problem(http.StatusForbidden, "forbidden", "Not allowed", "reading the audit log needs audit:read")
	}
	root := c.Principal.Tenant.ID
	if slug := q.Get("tenant"); slug != "" {
		// Not TenantFor, which needs tenants:read: reading the log
		// needs audit:read only.
		t, err := h.dir.Store().TenantBySlug(ctx, directory.NormalizeSlug(slug))
		if err != nil {
			return err
		}
		if !c.Reaches(t) {
			return directory.ErrNotFound // out of reach, as if there were no such tenant
		}
		root = t.ID
	}
	query := audit.Query{Subtree: root, Actor: q.Get("actor"), Target: q.Get("target"), Action: q.Get("action")}
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
