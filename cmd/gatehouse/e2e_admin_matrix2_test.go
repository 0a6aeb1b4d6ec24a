package main

import (
	"net/http"
	"net/url"
	"slices"
	"testing"
)

// The second half of the authorization matrix: clients, deleting tenants,
// copying roles and setting owners, for the callers and targets of
// adminMatrixTenants. Every cell works on fixtures root-admin makes for it
// in the target tenant (a machine client without roles, an empty child
// tenant, plain users), so that a 404 is about reach, not existence.

// clientEndpoints are the endpoints of a tenant's clients. root is
// root-admin's token.
func clientEndpoints(root string) []adminEndpoint {
	const fixture = "Made for one cell"
	// makeClient registers a machine client without roles in target and
	// returns its id and secret.
	makeClient := func(t *testing.T, h *harness, target string) (string, string) {
		t.Helper()
		id := freshName("cell-client")
		a := h.api(t, root, "POST", "/tenants/"+target+"/clients", map[string]any{"id": id, "type": "machine", "name": fixture})
		a.want(t, http.StatusCreated)
		if a.str("client_secret") == "" {
			t.Fatalf("created client %s without a secret: %s", id, a)
		}
		return id, a.str("client_secret")
	}
	// intact checks, as root, that the client id is as it was made.
	intact := func(t *testing.T, h *harness, id string) {
		t.Helper()
		if a := h.api(t, root, "GET", "/clients/"+id, nil); a.status != http.StatusOK || a.str("name") != fixture {
			t.Errorf("a refused request changed client %s: %s", id, a)
		}
	}
	// signs reports whether id signs in with secret (client credentials).
	signs := func(t *testing.T, h *harness, id, secret string) bool {
		t.Helper()
		res := h.tokenRequest(t, id, secret, url.Values{"grant_type": {"client_credentials"}})
		return res.status == http.StatusOK
	}
	return []adminEndpoint{
		{name: "list-clients", send: func(t *testing.T, h *harness, token, target string) apiAnswer {
			id, _ := makeClient(t, h, target)
			a := h.api(t, token, "GET", "/tenants/"+target+"/clients", nil)
			if a.status == http.StatusOK && !slices.Contains(idsOf(a, "clients"), id) {
				t.Errorf("clients of %s lack %s: %s", target, id, a.raw)
			}
			return a
		}},
		{name: "create-client", write: true, created: http.StatusCreated, send: func(t *testing.T, h *harness, token, target string) apiAnswer {
			id := freshName("made-client")
			a := h.api(t, token, "POST", "/tenants/"+target+"/clients", map[string]any{"id": id, "type": "machine", "name": "Made"})
			if a.status != http.StatusCreated {
				if g := h.api(t, root, "GET", "/clients/"+id, nil); g.status != http.StatusNotFound {
					t.Errorf("a refused create left a client: %s", g)
				}
			} else if a.str("id") != id || a.str("type") != "machine" || a.str("client_secret") == "" ||
				a.header.Get("Location") != "/api/v1/clients/"+id {
				t.Errorf("created %s at %q", a.raw, a.header.Get("Location"))
			} else if tn := h.api(t, root, "GET", "/tenants/"+target, nil); a.str("tenant") != tn.str("id") {
				t.Errorf("created in tenant %q, want %s (%q)", a.str("tenant"), target, tn.str("id"))
			}
			return a
		}},
		{name: "get-client", send: func(t *testing.T, h *harness, token, target string) apiAnswer {
			id, _ := makeClient(t, h, target)
			a := h.api(t, token, "GET", "/clients/"+id, nil)
			if a.status == http.StatusOK && (a.str("id") != id || a.str("name") != fixture || a.body["client_secret"] != nil) {
				t.Errorf("GET client %s: %s", id, a.raw)
			}
			return a
		}},
		{name: "update-client", write: true, created: http.StatusOK, send: func(t *testing.T, h *harness, token, target string) apiAnswer {
			id, _ := makeClient(t, h, target)
			a := h.api(t, token, "PUT", "/clients/"+id, map[string]any{"name": "Edited"})
			if a.status != http.StatusOK {
				intact(t, h, id)
			} else if a.str("id") != id || a.str("name") != "Edited" || a.str("type") != "machine" {
				t.Errorf("updated: %s", a.raw)
			}
			return a
		}},
		{name: "delete-client", write: true, created: http.StatusNoContent, send: func(t *testing.T, h *harness, token, target string) apiAnswer {
			id, _ := makeClient(t, h, target)
			a := h.api(t, token, "DELETE", "/clients/"+id, nil)
			if a.status == http.StatusNoContent {
				if g := h.api(t, root, "GET", "/clients/"+id, nil); g.status != http.StatusNotFound {
					t.Errorf("GET deleted client: %s", g)
				}
			} else {
				intact(t, h, id)
			}
			return a
		}},
		{name: "rotate-secret", write: true, created: http.StatusOK, send: func(t *testing.T, h *harness, token, target string) apiAnswer {
			id, secret := makeClient(t, h, target)
			if !signs(t, h, id, secret) {
				t.Fatalf("client %s does not sign in with its secret", id)
			}
			a := h.api(t, token, "POST", "/clients/"+id+"/secret", nil)
			if a.status != http.StatusOK {
				intact(t, h, id)
				if !signs(t, h, id, secret) {
					t.Errorf("a refused rotation changed the secret of %s", id)
				}
			} else if next := a.str("client_secret"); next == "" || next == secret || a.str("id") != id {
				t.Errorf("rotated: %s", a.raw)
			} else if signs(t, h, id, secret) || !signs(t, h, id, next) {
				t.Errorf("after rotation: old secret signs in %v, new %v", signs(t, h, id, secret), signs(t, h, id, next))
			}
			return a
		}},
	}
}

// idsOf are the ids of the objects of the array key of a's body.
func idsOf(a apiAnswer, key string) []string {
	var out []string
	for _, v := range a.list(key) {
		out = append(out, field(v, "id"))
	}
	return out
}

// TestAdminClientMatrix: every endpoint of clients, for the administrator
// and the reader of each of root, prov, cust and sub, against the targets
// of TestAdminAuthorizationMatrix. Readers read (readers holds
// clients:read) and are refused every change; administrators change
// clients wherever they reach; outside reach everything is 404.
func TestAdminClientMatrix(t *testing.T) {
	m := newAdminMatrix(t)
	m.run(t, clientEndpoints(m.root), nil)
}

// tenantUserEndpoints are deleting a tenant; deleting, restoring and
// purging a user; copying a user's roles and setting a user's owner. root
// is root-admin's token.
func tenantUserEndpoints(root string) []adminEndpoint {
	// makeUser creates a plain user of target, holding globalRoles.
	makeUser := func(t *testing.T, h *harness, target string, globalRoles ...string) map[string]any {
		t.Helper()
		name := freshName("cell-user")
		body := map[string]any{"username": name, "email": name + "@example.com"}
		if globalRoles != nil {
			body["global_roles"] = globalRoles
		}
		a := h.api(t, root, "POST", "/tenants/"+target+"/users", body)
		a.want(t, http.StatusCreated)
		if a.str("id") == "" {
			t.Fatalf("created user without id: %s", a)
		}
		return a.body
	}
	getUser := func(t *testing.T, h *harness, id string) apiAnswer {
		t.Helper()
		a := h.api(t, root, "GET", "/users/"+id, nil)
		a.want(t, http.StatusOK)
		return a
	}
	return []adminEndpoint{
		{name: "delete-tenant", write: true, created: http.StatusOK, send: func(t *testing.T, h *harness, token, target string) apiAnswer {
			if target == "sub" {
				t.Skip("a subcustomer has no children to delete")
			}
			slug := freshName("doomed")
			h.api(t, root, "POST", "/tenants", map[string]any{"slug": slug, "name": "Doomed " + slug, "parent": target}).
				want(t, http.StatusCreated)
			a := h.api(t, token, "DELETE", "/tenants/"+slug, nil)
			g := h.api(t, root, "GET", "/tenants/"+slug, nil)
			if a.status != http.StatusOK {
				if g.status != http.StatusOK {
					t.Errorf("a refused delete removed %s: %s", slug, g)
				}
			} else {
				if a.str("slug") != slug || a.body["tenants"] != float64(1) || !slices.Equal(strs(a.body["removed"]), []string{slug}) ||
					a.body["users"] != float64(0) || a.body["clients"] != float64(0) || a.body["links"] != float64(0) {
					t.Errorf("deleted: %s", a.raw)
				}
				if g.status != http.StatusNotFound {
					t.Errorf("GET deleted tenant %s: %s", slug, g)
				}
			}
			return a
		}},
		{name: "copy-roles", write: true, created: http.StatusOK, send: func(t *testing.T, h *harness, token, target string) apiAnswer {
			to := field(makeUser(t, h, target), "id")
			from := field(makeUser(t, h, target, "readers", "devices"), "id")
			before := getUser(t, h, to)
			a := h.api(t, token, "POST", "/users/"+to+"/roles/copy", map[string]any{"from": from, "mode": "merge"})
			if a.status != http.StatusOK {
				if after := getUser(t, h, to); !sameSet(strs(after.body["global_roles"]), strs(before.body["global_roles"])) {
					t.Errorf("a refused copy changed the roles: %v, was %v", after.body["global_roles"], before.body["global_roles"])
				}
			} else if got := strs(a.body["global_roles"]); a.str("id") != to || !slices.Contains(got, "readers") ||
				!slices.Contains(got, "devices") || a.str("tenant_role") != "user" {
				t.Errorf("copied: %s", a.raw)
			}
			return a
		}},
		{name: "delete-user", write: true, created: http.StatusNoContent, send: func(t *testing.T, h *harness, token, target string) apiAnswer {
			user := field(makeUser(t, h, target), "id")
			a := h.api(t, token, "DELETE", "/users/"+user, nil)
			after := getUser(t, h, user)
			if deleted := after.str("deleted_at") != ""; deleted != (a.status == http.StatusNoContent) {
				t.Errorf("DELETE answered %d; the user after: %s", a.status, after)
			}
			return a
		}},
		{name: "restore-user", write: true, created: http.StatusOK, send: func(t *testing.T, h *harness, token, target string) apiAnswer {
			user := field(makeUser(t, h, target), "id")
			h.api(t, root, "DELETE", "/users/"+user, nil).want(t, http.StatusNoContent)
			a := h.api(t, token, "POST", "/users/"+user+"/restore", nil)
			after := getUser(t, h, user)
			if restored := after.str("deleted_at") == ""; restored != (a.status == http.StatusOK) {
				t.Errorf("restore answered %d; the user after: %s", a.status, after)
			}
			return a
		}},
		{name: "purge-user", write: true, created: http.StatusNoContent, send: func(t *testing.T, h *harness, token, target string) apiAnswer {
			user := field(makeUser(t, h, target), "id")
			a := h.api(t, token, "DELETE", "/users/"+user+"?purge=true", nil)
			if g := h.api(t, root, "GET", "/users/"+user, nil); (g.status == http.StatusNotFound) != (a.status == http.StatusNoContent) {
				t.Errorf("purge answered %d; the user after: %s", a.status, g)
			}
			return a
		}},
		{name: "set-owner", write: true, created: http.StatusOK, send: func(t *testing.T, h *harness, token, target string) apiAnswer {
			user := field(makeUser(t, h, target), "id")
			owner := field(makeUser(t, h, target), "id")
			a := h.api(t, token, "PUT", "/users/"+user+"/owner", map[string]any{"owner": owner})
			if a.status != http.StatusOK {
				if after := getUser(t, h, user); after.str("owner") != "" {
					t.Errorf("a refused request set the owner: %s", after)
				}
				return a
			}
			if a.str("id") != user || a.str("owner") != owner {
				t.Errorf("owner set: %s", a.raw)
			}
			if after := getUser(t, h, user); after.str("owner") != owner {
				t.Errorf("owner after the request: %s", after)
			}
			c := h.api(t, token, "PUT", "/users/"+user+"/owner", map[string]any{"owner": nil})
			c.want(t, http.StatusOK)
			if c.str("owner") != "" {
				t.Errorf("owner cleared: %s", c.raw)
			}
			return a
		}},
	}
}

// TestAdminTenantUserMatrix: deleting a fresh empty child of every target,
// copying roles between and setting the owner of fresh plain users of
// every target, for the administrator and the reader of each of root,
// prov, cust and sub. Inside reach administrators succeed and readers get
// 403; outside reach everything is 404.
func TestAdminTenantUserMatrix(t *testing.T) {
	m := newAdminMatrix(t)
	m.run(t, tenantUserEndpoints(m.root), func(t *testing.T, c adminCaller) {
		// Its own tenant is never the caller's to delete (and neither is
		// the system tenant): 403, before it being non-empty.
		t.Run("delete-tenant/own-itself", func(t *testing.T) {
			m.api(t, c.token, "DELETE", "/tenants/"+c.tenant.slug, nil).want(t, http.StatusForbidden)
			m.api(t, m.root, "GET", "/tenants/"+c.tenant.slug, nil).want(t, http.StatusOK)
		})
	})
}
