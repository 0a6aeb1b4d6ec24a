package admin

import (
	"net/http"
	"reflect"
	"strings"
	"testing"
)

// DELETE /tenants/{slug} over HTTP, in newAPIWorld's sys > acme > contoso.
func TestDeleteTenantAPI(t *testing.T) {
	w := newAPIWorld(t)
	acme, contoso := mustTenant(t, w.dir, "acme"), mustTenant(t, w.dir, "contoso")
	for _, tc := range []struct {
		name, who, path string
		status          int
		field, says     string // of the problem, if any
	}{
		{"no token", "", "/tenants/contoso", http.StatusUnauthorized, "", ""},
		{"a reader", "acme/rita", "/tenants/contoso", http.StatusForbidden, "", ""},
		{"its own", "acme/ada", "/tenants/acme", http.StatusForbidden, "", ""},
		{"the system tenant", "sys/sam", "/tenants/sys", http.StatusForbidden, "", ""},
		{"out of reach", "contoso/cara", "/tenants/acme", http.StatusNotFound, "", ""},
		{"missing", "acme/ada", "/tenants/nope?cascade=true", http.StatusNotFound, "", ""},
		{"not a boolean", "acme/ada", "/tenants/contoso?cascade=yes", http.StatusBadRequest, "cascade", ""},
		{"not empty", "acme/ada", "/tenants/contoso", http.StatusConflict, "cascade", "1 user"},
		{"not empty either", "sys/sam", "/tenants/acme?cascade=false", http.StatusConflict, "cascade", "1 child tenant (contoso)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// Every one is refused, and so not audited.
			body := w.step(t, apiStep{tc.name, tc.who, "DELETE", tc.path, "", tc.status, tc.field})
			if detail, _ := body["detail"].(string); !strings.Contains(detail, tc.says) {
				t.Errorf("problem %v does not say %q", body, tc.says)
			}
		})
	}

	status, body := w.do(t, "acme/ada", "DELETE", "/tenants/contoso?cascade=true", "")
	if status != http.StatusOK {
		t.Fatalf("cascade: %d %v", status, body)
	}
	want := map[string]any{"id": contoso.ID, "slug": "contoso", "tenants": 1.0, "removed": []any{"contoso"},
		"users": 1.0, "clients": 0.0, "links": 0.0}
	if !reflect.DeepEqual(body, want) {
		t.Errorf("answer %v, want %v", body, want)
	}
	e := w.lastEvent(t)
	if e.Action != "tenant.deleted" || e.TenantID != acme.ID || e.Target != contoso.ID || e.TargetName != "contoso" ||
		e.Details["users"] != "1" || e.Details["tenants"] != "1" || e.Details["cascade"] != "true" ||
		e.Details["removed"] != "contoso" || e.Actor != w.users["acme/ada"] {
		t.Errorf("event %+v", e)
	}
	if status, _ := w.do(t, "acme/ada", "GET", "/tenants/contoso", ""); status != http.StatusNotFound {
		t.Errorf("GET after the delete: %d", status)
	}
	// cara went with contoso: her token no longer opens the API.
	if status, _ := w.do(t, "contoso/cara", "GET", "/tenants", ""); status != http.StatusUnauthorized {
		t.Errorf("a removed user's token: %d", status)
	}
}
