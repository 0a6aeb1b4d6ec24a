package admin

import (
	"net/http"
	"testing"
)

// The handlers of roles and groups, in newAPIWorld (services: services_test.go).

func TestRolesAPI(t *testing.T) {
	w := newAPIWorld(t)
	for _, tc := range []apiStep{
		{"no token", "", "GET", "/tenants/acme/roles", "", http.StatusUnauthorized, ""},
		{"list", "acme/rita", "GET", "/tenants/acme/roles", "", http.StatusOK, ""},
		{"list outside the subtree", "contoso/cara", "GET", "/tenants/acme/roles", "", http.StatusNotFound, ""},
		{"get", "acme/rita", "GET", "/tenants/acme/roles/readers", "", http.StatusOK, ""},
		{"get missing", "acme/rita", "GET", "/tenants/acme/roles/nope", "", http.StatusNotFound, ""},
		{"create without roles:create", "acme/rita", "POST", "/tenants/acme/roles", `{"name":"ops"}`, http.StatusForbidden, ""},
		{"unknown field", "acme/ada", "POST", "/tenants/acme/roles", `{"name":"ops","colour":"red"}`, http.StatusBadRequest, "colour"},
		{"wrong type", "acme/ada", "POST", "/tenants/acme/roles", `{"name":"ops","permissions":"users:read"}`, http.StatusBadRequest, "permissions"},
		{"not a permission", "acme/ada", "POST", "/tenants/acme/roles", `{"name":"ops","permissions":["users"]}`, http.StatusUnprocessableEntity, "permissions"},
		{"taken", "acme/ada", "POST", "/tenants/acme/roles", `{"name":"readers"}`, http.StatusConflict, "name"},
		{"create", "acme/ada", "POST", "/tenants/acme/roles", `{"name":"ops","description":"Ops","permissions":["inventory:read","operations:admin"]}`, http.StatusCreated, ""},
		{"update", "acme/ada", "PUT", "/tenants/acme/roles/ops", `{"description":"Operations","permissions":["inventory:read"],"require_mfa":true}`, http.StatusOK, ""},
		{"PUT has no name", "acme/ada", "PUT", "/tenants/acme/roles/ops", `{"name":"other"}`, http.StatusBadRequest, "name"},
		{"admins lists no permissions", "acme/ada", "PUT", "/tenants/acme/roles/admins", `{"permissions":["users:read"]}`, http.StatusUnprocessableEntity, "permissions"},
		{"admins cannot go", "acme/ada", "DELETE", "/tenants/acme/roles/admins", "", http.StatusUnprocessableEntity, "name"},
		{"readers is a default", "acme/ada", "DELETE", "/tenants/acme/roles/readers", "", http.StatusUnprocessableEntity, "name"},
		{"delete", "acme/ada", "DELETE", "/tenants/acme/roles/ops", "", http.StatusNoContent, ""},
		{"deleted", "acme/ada", "GET", "/tenants/acme/roles/ops", "", http.StatusNotFound, ""},
	} {
		t.Run(tc.name, func(t *testing.T) { w.step(t, tc) })
	}
	e := w.lastEvent(t)
	if e.Action != "role.deleted" || e.TargetName != "ops" || e.Actor != w.users["acme/ada"] || e.Details["address"] == "" {
		t.Errorf("last event %+v", e)
	}
	w.mu.Lock()
	upd := w.events[len(w.events)-2]
	w.mu.Unlock()
	if upd.Action != "role.updated" || upd.Details["permissions"] != "inventory:read,operations:admin → inventory:read" ||
		upd.Details["description"] != "Ops → Operations" || upd.Details["require_mfa"] != "false → true" {
		t.Errorf("update event %+v", upd)
	}
}

func TestGroupsAPI(t *testing.T) {
	w := newAPIWorld(t)
	for _, st := range []apiStep{
		{"list", "acme/rita", "GET", "/tenants/acme/groups", "", http.StatusOK, ""},
		{"wrong type", "acme/ada", "POST", "/tenants/acme/groups", `{"name":"crew","global_roles":"readers"}`, http.StatusBadRequest, "global_roles"},
		{"create", "acme/ada", "POST", "/tenants/acme/groups",
			`{"name":"crew","description":"Crew","global_roles":["readers"],"service_roles":{},"require_mfa":true}`, http.StatusCreated, ""},
		{"taken", "acme/ada", "POST", "/tenants/acme/groups", `{"name":"administrators"}`, http.StatusConflict, "name"},
		{"unknown role", "acme/ada", "PUT", "/tenants/acme/groups/crew", `{"global_roles":["nope"]}`, http.StatusUnprocessableEntity, "global_roles"},
		{"update", "acme/ada", "PUT", "/tenants/acme/groups/crew", `{"description":"The crew","global_roles":["devices"]}`, http.StatusOK, ""},
		{"get", "acme/rita", "GET", "/tenants/acme/groups/crew", "", http.StatusOK, ""},
		{"reader cannot change", "acme/rita", "PUT", "/tenants/acme/groups/crew", `{}`, http.StatusForbidden, ""},
		{"administrators stays", "acme/ada", "DELETE", "/tenants/acme/groups/administrators", "", http.StatusUnprocessableEntity, "name"},
		{"outside", "contoso/cara", "DELETE", "/tenants/acme/groups/crew", "", http.StatusNotFound, ""},
		{"delete", "acme/ada", "DELETE", "/tenants/acme/groups/crew", "", http.StatusNoContent, ""},
	} {
		body := w.step(t, st)
		if st.name == "get" && (body["description"] != "The crew" || body["require_mfa"] != false) {
			t.Errorf("group %v", body)
		}
	}
	if e := w.lastEvent(t); e.Action != "group.deleted" || e.TargetName != "crew" {
		t.Errorf("last event %+v", e)
	}
}
