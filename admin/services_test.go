package admin

import (
	"net/http"
	"strings"
	"testing"
)

// The handlers of the platform's services, in newAPIWorld: only sam, of
// the system tenant, changes them.

func TestServicesAPI(t *testing.T) {
	w := newAPIWorld(t)
	sys, err := w.dir.SystemTenant(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range []apiStep{
		{"list", "acme/rita", "GET", "/services", "", http.StatusOK, ""},
		{"not from below the system tenant", "acme/ada", "POST", "/services", `{"name":"fleet","roles":["driver"]}`, http.StatusForbidden, ""},
		{"wrong type", "sys/sam", "POST", "/services", `{"name":"fleet","roles":"driver"}`, http.StatusBadRequest, "roles"},
		{"create", "sys/sam", "POST", "/services", `{"name":"fleet","display_name":"Fleet","roles":["driver"]}`, http.StatusCreated, ""},
		{"taken", "sys/sam", "POST", "/services", `{"name":"fleet","roles":["driver"]}`, http.StatusConflict, "name"},
		{"no roles", "sys/sam", "PUT", "/services/fleet", `{"roles":[]}`, http.StatusUnprocessableEntity, "roles"},
		{"update", "sys/sam", "PUT", "/services/fleet", `{"display_name":"Fleet","roles":["driver","planner"]}`, http.StatusOK, ""},
		{"get", "contoso/cara", "GET", "/services/fleet", "", http.StatusOK, ""},
		{"missing", "sys/sam", "PUT", "/services/nope", `{"roles":["x"]}`, http.StatusNotFound, ""},
	} {
		body := w.step(t, st)
		if st.name == "get" {
			if roles, _ := body["roles"].([]any); len(roles) != 2 {
				t.Errorf("service %v", body)
			}
		}
	}
	e := w.lastEvent(t)
	if e.Action != "service.updated" || e.TenantID != sys.ID || e.Target != "fleet" || e.Details["roles"] != "driver → driver,planner" ||
		e.Details["removed_roles"] != "" {
		t.Errorf("last event %+v", e)
	}
}

// TestServicesAPIRemove: a role or a service goes only while nothing holds
// it; the refusal is a 422 naming the field and the holders, and only what
// went is audited.
func TestServicesAPIRemove(t *testing.T) {
	w := newAPIWorld(t)
	sys, err := w.dir.SystemTenant(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	rita := "/users/" + w.users["acme/rita"] + "/roles"
	for _, st := range []apiStep{
		{"create", "sys/sam", "POST", "/services", `{"name":"fleet","display_name":"Fleet","roles":["driver","planner"]}`, http.StatusCreated, ""},
		{"rita drives", "acme/ada", "PUT", rita, `{"tenant_role":"user","service_roles":{"fleet":["driver"]}}`, http.StatusOK, ""},
		{"a held role stays", "sys/sam", "PUT", "/services/fleet", `{"display_name":"Fleet","roles":["planner"]}`, http.StatusUnprocessableEntity, "roles"},
		{"a held service stays", "sys/sam", "DELETE", "/services/fleet", "", http.StatusUnprocessableEntity, "name"},
		{"not from below the system tenant", "acme/ada", "DELETE", "/services/fleet", "", http.StatusForbidden, ""},
		{"nor from a customer", "contoso/cara", "DELETE", "/services/fleet", "", http.StatusForbidden, ""},
		{"no token", "", "DELETE", "/services/fleet", "", http.StatusUnauthorized, ""},
		{"missing", "sys/sam", "DELETE", "/services/nope", "", http.StatusNotFound, ""},
		{"an unused role goes", "sys/sam", "PUT", "/services/fleet", `{"display_name":"Fleet","roles":["driver","loader"]}`, http.StatusOK, ""},
		{"rita no longer drives", "acme/ada", "PUT", rita, `{"tenant_role":"user"}`, http.StatusOK, ""},
		{"delete", "sys/sam", "DELETE", "/services/fleet", "", http.StatusNoContent, ""},
		{"deleted", "sys/sam", "GET", "/services/fleet", "", http.StatusNotFound, ""},
		{"deleted twice", "sys/sam", "DELETE", "/services/fleet", "", http.StatusNotFound, ""},
		{"a seed-like service nobody uses", "sys/sam", "POST", "/services", `{"name":"invoices","roles":["viewer"]}`, http.StatusCreated, ""},
		{"goes too", "sys/sam", "DELETE", "/services/invoices", "", http.StatusNoContent, ""},
	} {
		n := w.eventCount()
		body := w.step(t, st)
		switch st.name {
		case "a held role stays", "a held service stays":
			reason := problemReason(body)
			if body["type"] != problemBase+"invalid-field" || !strings.Contains(reason, "in acme (users rita)") {
				t.Errorf("%s: %v", st.name, body)
			}
			if st.name == "a held role stays" && !strings.Contains(reason, "fleet:driver") {
				t.Errorf("%s: %q does not name the role", st.name, reason)
			}
		case "an unused role goes":
			w.mu.Lock()
			e := w.events[n]
			w.mu.Unlock()
			if e.Action != "service.updated" || e.TenantID != sys.ID || e.Details["removed_roles"] != "planner" ||
				e.Details["roles"] != "driver,planner → driver,loader" {
				t.Errorf("update event %+v", e)
			}
		}
	}
	w.mu.Lock()
	e := w.events[len(w.events)-3] // the delete of fleet, then the create and delete of invoices
	w.mu.Unlock()
	if e.Action != "service.deleted" || e.TenantID != sys.ID || e.Target != "fleet" || e.TargetName != "fleet" ||
		e.Actor != w.users["sys/sam"] || e.Details["roles"] != "driver,loader" || e.Details["display_name"] != "Fleet" {
		t.Errorf("delete event %+v", e)
	}
	if e := w.lastEvent(t); e.Action != "service.deleted" || e.Target != "invoices" {
		t.Errorf("last event %+v", e)
	}
}

// problemReason is the reason of the one field a problem names, or "".
func problemReason(body map[string]any) string {
	errs, _ := body["errors"].([]any)
	if len(errs) != 1 {
		return ""
	}
	r, _ := errs[0].(map[string]any)["reason"].(string)
	return r
}
