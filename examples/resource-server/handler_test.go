package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-id/gatehouse/claims"
	"github.com/gatehouse-id/gatehouse/claims/claimstest"
)

// Example tenant ids for the demo tree: gatehouse (system) > acme-iot
// (provider) > contoso, fabrikam (customers); contoso > contoso-rotterdam.
var (
	sys       = &claims.Tenant{ID: "t-sys", Slug: "gatehouse", Level: claims.LevelSystem, Path: []string{"t-sys"}}
	acme      = &claims.Tenant{ID: "t-acme", Slug: "acme-iot", Level: claims.LevelProvider, Path: []string{"t-sys", "t-acme"}}
	contoso   = &claims.Tenant{ID: "t-contoso", Slug: "contoso", Level: claims.LevelCustomer, Path: []string{"t-sys", "t-acme", "t-contoso"}}
	rotterdam = &claims.Tenant{ID: "t-rdam", Slug: "contoso-rotterdam", Level: claims.LevelSubcustomer, Path: []string{"t-sys", "t-acme", "t-contoso", "t-rdam"}}
	fabrikam  = &claims.Tenant{ID: "t-fab", Slug: "fabrikam", Level: claims.LevelCustomer, Path: []string{"t-sys", "t-acme", "t-fab"}}
)

// server is the example's handler, verifying tokens of a test issuer with
// the real verifier, over an inventory with one device per tenant.
type server struct {
	iss     *claimstest.Issuer
	handler http.Handler
	ids     map[string]string // tenant slug → its device's id
}

func newServer(t *testing.T) *server {
	t.Helper()
	iss := claimstest.NewIssuer(t)
	v, err := claims.NewVerifier(iss.Config("demo-machine", "demo-web"))
	if err != nil {
		t.Fatal(err)
	}
	inv := newInventory()
	ids := map[string]string{}
	for _, tn := range []*claims.Tenant{sys, acme, contoso, rotterdam, fabrikam} {
		d := inv.add(device{Name: "meter at " + tn.Slug, TenantID: tn.ID, TenantPath: tn.Path, CreatedBy: "seed"})
		ids[tn.Slug] = d.ID
	}
	return &server{iss: iss, handler: newHandler(v, inv), ids: ids}
}

// machine returns a client credentials token of demo-machine in tenant tn
// with the given permissions, as Gatehouse issues one.
func (s *server) machine(t *testing.T, tn *claims.Tenant, perms ...string) string {
	now := time.Now()
	return s.iss.AccessToken(t, claims.AccessToken{
		Subject: "demo-machine", Audience: []string{"demo-machine"}, ClientID: "demo-machine",
		Expiry: now.Add(5 * time.Minute).Unix(), IssuedAt: now.Unix(), JWTID: "jti-" + tn.Slug, Scope: "permissions",
		Access: claims.Access{Tenant: tn, GlobalRoles: []string{"devices"}, Permissions: perms},
	})
}

func (s *server) do(t *testing.T, method, target, token, body string) *httptest.ResponseRecorder {
	t.Helper()
	r := httptest.NewRequest(method, target, strings.NewReader(body))
	if token != "" {
		r.Header.Set("Authorization", "Bearer "+token)
	}
	w := httptest.NewRecorder()
	s.handler.ServeHTTP(w, r)
	return w
}

// listed returns the tenant ids of the devices GET target answers.
func (s *server) listed(t *testing.T, target, token string) []string {
	t.Helper()
	w := s.do(t, "GET", target, token, "")
	if w.Code != http.StatusOK {
		t.Fatalf("GET %s: %d %s", target, w.Code, w.Body)
	}
	var out struct{ Devices []device }
	if err := json.Unmarshal(w.Body.Bytes(), &out); err != nil {
		t.Fatal(err)
	}
	var tenants []string
	for _, d := range out.Devices {
		tenants = append(tenants, d.TenantID)
	}
	slices.Sort(tenants)
	return tenants
}

func TestListIsTheCallersSubtree(t *testing.T) {
	s := newServer(t)
	for _, tc := range []struct {
		name   string
		tenant *claims.Tenant
		target string
		want   []string
	}{
		{"customer sees itself and its subcustomer", contoso, "/devices", []string{"t-contoso", "t-rdam"}},
		{"subcustomer sees itself", rotterdam, "/devices", []string{"t-rdam"}},
		{"provider sees its customers", acme, "/devices", []string{"t-acme", "t-contoso", "t-fab", "t-rdam"}},
		{"system sees everything", sys, "/devices", []string{"t-acme", "t-contoso", "t-fab", "t-rdam", "t-sys"}},
		{"provider narrows to one customer", acme, "/devices?tenant=t-contoso", []string{"t-contoso", "t-rdam"}},
		{"customer cannot widen to a sibling", contoso, "/devices?tenant=t-fab", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := s.listed(t, tc.target, s.machine(t, tc.tenant, "inventory:read"))
			if !slices.Equal(got, tc.want) {
				t.Fatalf("tenants listed = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestAuthorization(t *testing.T) {
	s := newServer(t)
	idToken := s.iss.IDToken(t, claims.IDToken{
		Subject: "u-carol", Audience: []string{"demo-web"}, Expiry: time.Now().Add(time.Hour).Unix(), IssuedAt: time.Now().Unix(),
		Access: claims.Access{Tenant: contoso, Permissions: []string{"inventory:admin"}},
	})
	for _, tc := range []struct {
		name, method, target, token string
		want                        int
	}{
		{"no token", "GET", "/devices", "", 401},
		{"an ID token", "GET", "/devices", idToken, 401},
		{"no inventory permission", "GET", "/devices", s.machine(t, contoso, "alarms:read"), 403},
		{"create only cannot read", "GET", "/devices/" + s.ids["contoso"], s.machine(t, contoso, "inventory:create"), 403},
		{"read own device", "GET", "/devices/" + s.ids["contoso"], s.machine(t, contoso, "inventory:read"), 200},
		{"read a subcustomer's device", "GET", "/devices/" + s.ids["contoso-rotterdam"], s.machine(t, contoso, "inventory:read"), 200},
		{"read the provider's device", "GET", "/devices/" + s.ids["acme-iot"], s.machine(t, contoso, "inventory:read"), 404},
		{"read a sibling's device", "GET", "/devices/" + s.ids["fabrikam"], s.machine(t, contoso, "inventory:admin"), 404},
		{"read-only cannot delete", "DELETE", "/devices/" + s.ids["contoso"], s.machine(t, contoso, "inventory:read"), 403},
		{"delete a sibling's device", "DELETE", "/devices/" + s.ids["fabrikam"], s.machine(t, contoso, "inventory:change"), 404},
		{"provider deletes a customer's device", "DELETE", "/devices/" + s.ids["contoso"], s.machine(t, acme, "inventory:admin"), 204},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if w := s.do(t, tc.method, tc.target, tc.token, ""); w.Code != tc.want {
				t.Fatalf("%s %s = %d %s, want %d", tc.method, tc.target, w.Code, w.Body, tc.want)
			}
		})
	}
}

func TestCreateLandsInTheCallersTenant(t *testing.T) {
	s := newServer(t)
	w := s.do(t, "POST", "/devices", s.machine(t, rotterdam, "inventory:create"), `{"name":"water meter 7"}`)
	if w.Code != http.StatusCreated {
		t.Fatalf("POST /devices = %d %s", w.Code, w.Body)
	}
	var d device
	if err := json.Unmarshal(w.Body.Bytes(), &d); err != nil {
		t.Fatal(err)
	}
	if d.TenantID != rotterdam.ID || !slices.Equal(d.TenantPath, rotterdam.Path) || d.CreatedBy != "demo-machine" || w.Header().Get("Location") != "/devices/"+d.ID {
		t.Fatalf("created %+v at %q", d, w.Header().Get("Location"))
	}
	if w := s.do(t, "GET", "/devices/"+d.ID, s.machine(t, contoso, "inventory:read"), ""); w.Code != http.StatusOK {
		t.Fatalf("the parent customer cannot read it: %d", w.Code)
	}
	if w := s.do(t, "GET", "/devices/"+d.ID, s.machine(t, fabrikam, "inventory:read"), ""); w.Code != http.StatusNotFound {
		t.Fatalf("a sibling customer reads it: %d", w.Code)
	}

	for body, want := range map[string]int{`{"name":"  "}`: 400, `not json`: 400, `{"name":"` + strings.Repeat("x", 70<<10) + `"}`: 413} {
		if w := s.do(t, "POST", "/devices", s.machine(t, contoso, "inventory:create"), body); w.Code != want {
			t.Errorf("POST %.20q = %d, want %d", body, w.Code, want)
		}
	}
}

func TestCreateBySupportNamesTheActor(t *testing.T) {
	s := newServer(t)
	now := time.Now()
	token := s.iss.AccessToken(t, claims.AccessToken{
		Subject: "u-carol", Audience: []string{"demo-web"}, ClientID: "demo-web", Expiry: now.Add(time.Minute).Unix(),
		IssuedAt: now.Unix(), JWTID: "jti-support",
		Access: claims.Access{
			Tenant: contoso, TenantRole: claims.TenantRoleAdmin, Permissions: []string{"inventory:admin"},
			Act: &claims.Actor{Subject: "u-jill", PreferredUsername: "jill", Tenant: &claims.ActorTenant{ID: acme.ID, Slug: acme.Slug}},
		},
	})
	w := s.do(t, "POST", "/devices", token, `{"name":"gateway"}`)
	var d device
	_ = json.Unmarshal(w.Body.Bytes(), &d)
	if w.Code != http.StatusCreated || d.CreatedBy != "u-carol" || d.CreatedBySupport != "u-jill" {
		t.Fatalf("POST by support = %d %+v", w.Code, d)
	}
}

func TestCreateNeedsATenant(t *testing.T) {
	s := newServer(t)
	now := time.Now()
	token := s.iss.AccessToken(t, claims.AccessToken{
		Subject: "u-carol", Audience: []string{"demo-web"}, ClientID: "demo-web", Expiry: now.Add(time.Minute).Unix(),
		IssuedAt: now.Unix(), JWTID: "jti-no-tenant", Access: claims.Access{Permissions: []string{"inventory:admin"}},
	})
	if w := s.do(t, "POST", "/devices", token, `{"name":"gateway"}`); w.Code != http.StatusForbidden {
		t.Fatalf("POST without a tenant claim = %d", w.Code)
	}
}
