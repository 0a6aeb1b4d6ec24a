package main

import (
	"net/http"
	"testing"

	"github.com/gatehouse-id/gatehouse/claims"
)

// TestAdminEscalationsRefused: what a review of the API found a caller
// could reach beyond what it holds, each refused.
func TestAdminEscalationsRefused(t *testing.T) {
	h := newAdminHarness(t)
	admin := h.adminToken(t, "prov", "prov-admin")
	userID := func(tenant, username string) string {
		t.Helper()
		a := h.api(t, admin, "GET", "/tenants/"+tenant+"/users?q="+username, nil)
		a.want(t, http.StatusOK)
		for _, u := range a.list("users") {
			if field(u, "username") == username {
				return field(u, "id")
			}
		}
		t.Fatalf("no user %s in %s", username, tenant)
		return ""
	}
	// prov gets a tenant keeper (tenants only) and a user manager (users
	// only); cust a strong role.
	h.api(t, admin, "POST", "/tenants/prov/roles", map[string]any{"name": "tenant-keepers", "permissions": []string{"tenants:admin"}}).want(t, http.StatusCreated)
	h.api(t, admin, "POST", "/tenants/prov/roles", map[string]any{"name": "user-managers", "permissions": []string{"users:admin"}}).want(t, http.StatusCreated)
	h.api(t, admin, "POST", "/tenants/cust/roles", map[string]any{"name": "cpower", "permissions": []string{"users:admin", "roles:admin"}}).want(t, http.StatusCreated)
	for _, u := range []struct{ name, role string }{{"tim", "tenant-keepers"}, {"uma", "user-managers"}} {
		h.api(t, admin, "POST", "/tenants/prov/users", map[string]any{"username": u.name, "password": u.name + passphrase,
			"global_roles": []string{u.role}}).want(t, http.StatusCreated)
	}
	signIn := func(name string) string {
		return h.browser().signIn(t, h.console("openid", claims.ScopeAdmin), "prov", name, name+passphrase).AccessToken
	}
	tim, uma := signIn("tim"), signIn("uma")

	t.Run("default roles beyond the caller's", func(t *testing.T) {
		a := h.api(t, tim, "PUT", "/tenants/cust", map[string]any{"name": "Customer",
			"settings": map[string]any{"user_roles": []string{"cpower"}}})
		a.wantProblem(t, http.StatusUnprocessableEntity, "settings.user_roles")
		got := h.api(t, admin, "GET", "/tenants/cust", nil)
		if s, _ := got.body["settings"].(map[string]any); len(strs(s["user_roles"])) != 1 || strs(s["user_roles"])[0] != "readers" {
			t.Errorf("cust's defaults changed: %v", got.body["settings"])
		}
	})
	t.Run("a user manager cannot disable or demote an administrator", func(t *testing.T) {
		id := userID("prov", "prov-admin")
		h.api(t, uma, "PATCH", "/users/"+id, map[string]any{"enabled": false}).want(t, http.StatusForbidden)
		h.api(t, uma, "PUT", "/users/"+id+"/roles", map[string]any{"tenant_role": "user"}).want(t, http.StatusForbidden)
		h.api(t, uma, "POST", "/users/"+id+"/totp/reset", nil).want(t, http.StatusForbidden)
	})
	t.Run("a cascade needs an administrator", func(t *testing.T) {
		h.api(t, tim, "DELETE", "/tenants/sub?cascade=true", nil).want(t, http.StatusForbidden)
		h.api(t, admin, "GET", "/tenants/sub", nil).want(t, http.StatusOK)
	})
	t.Run("only the system tenant's administrators give the API scope", func(t *testing.T) {
		cust := h.adminToken(t, "cust", "cust-admin")
		a := h.api(t, cust, "POST", "/tenants/cust/clients", map[string]any{"id": freshName("evil"), "name": "Evil",
			"type": "web", "redirect_uris": []string{"https://evil.example/cb"}, "scopes": []string{claims.ScopeAdmin}})
		a.wantProblem(t, http.StatusUnprocessableEntity, "scopes")
		a = h.api(t, admin, "POST", "/tenants/prov/clients", map[string]any{"id": freshName("evil"), "name": "Evil",
			"type": "web", "redirect_uris": []string{"https://evil.example/cb"}, "scopes": []string{claims.ScopeAdmin}})
		a.wantProblem(t, http.StatusUnprocessableEntity, "scopes")
	})
}
