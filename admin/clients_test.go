package admin

import (
	"cmp"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/gatehouse-id/gatehouse/directory"
)

func TestClientsAPI(t *testing.T) {
	w := newAPIWorld(t)
	ctx := t.Context()
	if _, _, _, err := w.dir.PutClient(ctx, w.dir.Store(), directory.Client{ID: directory.AccountClientID, Name: "Account",
		Type: directory.ClientPublic, AuthMethod: directory.AuthNone, RedirectURIs: []string{"https://id.example/account/callback"},
		GrantTypes: []string{directory.GrantAuthorizationCode}}, ""); err != nil {
		t.Fatal(err)
	}
	secrets := map[string]bool{}
	run := func(t *testing.T, st apiStep) map[string]any {
		t.Helper()
		body := w.step(t, st)
		if s, ok := body["client_secret"].(string); ok {
			secrets[s] = true
		}
		return body
	}

	created := run(t, apiStep{"create web", "acme/ada", "POST", "/tenants/acme/clients",
		`{"id":"acme-web","type":"web","name":"Acme portal","redirect_uris":["https://portal.acme.example/cb"],
		  "scopes":["roles","offline_access"],"grant_types":["authorization_code","refresh_token"],"access_token_lifetime":"10m"}`,
		http.StatusCreated, ""})
	secret, _ := created["client_secret"].(string)
	if len(secret) < 43 || created["type"] != "web" || created["auth_method"] != "client_secret_basic" ||
		created["access_token_lifetime"] != "10m0s" || created["id_token_lifetime"] != "" || created["builtin"] != false {
		t.Fatalf("created %v", created)
	}
	if _, err := w.dir.VerifyClientSecret(ctx, "acme-web", secret); err != nil {
		t.Fatalf("the secret shown: %v", err)
	}
	e := w.lastEvent(t)
	if e.Action != "client.created" || e.Target != "acme-web" || e.TargetName != "Acme portal" || e.Details["type"] != "web" ||
		e.Details["lifetimes"] != "access 10m0s" || e.Actor != w.users["acme/ada"] {
		t.Errorf("create event %+v", e)
	}

	for _, st := range []apiStep{
		{"no token", "", "GET", "/tenants/acme/clients", "", http.StatusUnauthorized, ""},
		{"list", "acme/rita", "GET", "/tenants/acme/clients", "", http.StatusOK, ""},
		{"list outside the subtree", "contoso/cara", "GET", "/tenants/acme/clients", "", http.StatusNotFound, ""},
		{"get outside the subtree", "contoso/cara", "GET", "/clients/acme-web", "", http.StatusNotFound, ""},
		{"get missing", "acme/ada", "GET", "/clients/nope", "", http.StatusNotFound, ""},
		{"create without clients:create", "acme/rita", "POST", "/tenants/acme/clients",
			`{"id":"x","type":"single-page","name":"X","redirect_uris":["https://x.example/cb"]}`, http.StatusForbidden, ""},
		{"rotate without clients:change", "acme/rita", "POST", "/clients/acme-web/secret", "", http.StatusForbidden, ""},
		{"unknown field", "acme/ada", "POST", "/tenants/acme/clients", `{"id":"x","type":"web","name":"X","secret":"mine"}`,
			http.StatusBadRequest, "secret"},
		{"wrong type", "acme/ada", "POST", "/tenants/acme/clients", `{"id":"x","type":"web","name":"X","redirect_uris":"https://x.example/cb"}`,
			http.StatusBadRequest, "redirect_uris"},
		{"taken", "acme/ada", "POST", "/tenants/acme/clients",
			`{"id":"acme-web","type":"web","name":"X","redirect_uris":["https://x.example/cb"]}`, http.StatusConflict, "id"},
		{"reserved", "acme/ada", "POST", "/tenants/acme/clients",
			`{"id":"gatehouse-account","type":"single-page","name":"X","redirect_uris":["https://x.example/cb"]}`, http.StatusUnprocessableEntity, "id"},
		{"plain http", "acme/ada", "POST", "/tenants/acme/clients",
			`{"id":"x","type":"web","name":"X","redirect_uris":["http://x.example/cb"]}`, http.StatusUnprocessableEntity, "redirect_uris"},
		{"unknown type", "acme/ada", "POST", "/tenants/acme/clients",
			`{"id":"x","type":"confidential","name":"X","redirect_uris":["https://x.example/cb"]}`, http.StatusUnprocessableEntity, "type"},
		{"not a duration", "acme/ada", "POST", "/tenants/acme/clients",
			`{"id":"x","type":"web","name":"X","redirect_uris":["https://x.example/cb"],"id_token_lifetime":"1 hour"}`,
			http.StatusUnprocessableEntity, "id_token_lifetime"},
		{"too long", "acme/ada", "POST", "/tenants/acme/clients",
			`{"id":"x","type":"web","name":"X","redirect_uris":["https://x.example/cb"],"access_token_lifetime":"25h"}`,
			http.StatusUnprocessableEntity, "access_token_lifetime"},
		{"PUT has no id", "acme/ada", "PUT", "/clients/acme-web", `{"id":"other","name":"X"}`, http.StatusBadRequest, "id"},
		{"PUT has no type", "acme/ada", "PUT", "/clients/acme-web", `{"type":"machine","name":"X"}`, http.StatusBadRequest, "type"},
		{"update", "acme/ada", "PUT", "/clients/acme-web",
			`{"name":"Acme","redirect_uris":["https://portal.acme.example/cb"],"grant_types":["authorization_code"],"scopes":["roles"]}`,
			http.StatusOK, ""},
		{"public has no secret", "acme/ada", "POST", "/tenants/acme/clients",
			`{"id":"acme-spa","type":"single-page","name":"SPA","redirect_uris":["https://app.acme.example/cb"]}`, http.StatusCreated, ""},
		{"nor a rotation", "acme/ada", "POST", "/clients/acme-spa/secret", "", http.StatusUnprocessableEntity, "type"},
		{"machine", "acme/ada", "POST", "/tenants/acme/clients",
			`{"id":"acme-devices","type":"machine","name":"Devices","global_roles":["devices"]}`,
			http.StatusCreated, ""},
		{"a platform client is the system tenant's", "acme/ada", "GET", "/clients/gatehouse-account", "", http.StatusNotFound, ""},
		{"the account client is read-only", "sys/sam", "DELETE", "/clients/gatehouse-account", "", http.StatusUnprocessableEntity, "id"},
	} {
		body := run(t, st)
		if st.name == "update" {
			if body["name"] != "Acme" || body["type"] != "web" || body["id"] != "acme-web" || body["client_secret"] != nil {
				t.Errorf("updated %v", body)
			}
			e := w.lastEvent(t)
			if e.Action != "client.updated" || e.Details["name"] != "Acme portal → Acme" ||
				e.Details["grant_types"] != "authorization_code,refresh_token → authorization_code" ||
				e.Details["lifetimes"] != "access 10m0s → " || e.Details["redirect_uris"] != "" {
				t.Errorf("update event %+v", e)
			}
		}
		if st.name == "public has no secret" && (body["client_secret"] != nil || body["auth_method"] != "none") {
			t.Errorf("public client %v", body)
		}
		if st.name == "machine" && (body["client_secret"] == nil || body["type"] != "machine") {
			t.Errorf("machine client %v", body)
		}
	}

	// Reading never shows the secret again.
	_, got := w.do(t, "acme/ada", "GET", "/clients/acme-web", "")
	if _, has := got["client_secret"]; has || got["name"] != "Acme" {
		t.Errorf("get %v", got)
	}
	_, list := w.do(t, "acme/rita", "GET", "/tenants/acme/clients", "")
	if cs, _ := list["clients"].([]any); len(cs) != 3 || strings.Contains(fmt.Sprint(list), secret) {
		t.Errorf("list %v", list)
	}
	_, sysList := w.do(t, "sys/sam", "GET", "/tenants/sys/clients", "")
	// The platform's clients: the account page's (built in) and the test
	// console the tokens are issued to.
	builtin := 0
	cs, _ := sysList["clients"].([]any)
	for _, c := range cs {
		if m := c.(map[string]any); m["tenant"] != "" {
			t.Errorf("a tenant's client in the platform list: %v", m)
		} else if m["builtin"] == true {
			builtin++
		}
	}
	if len(cs) != 2 || builtin != 1 {
		t.Errorf("the system tenant's list %v, want the account client and the console", sysList)
	}

	// Rotating: a new secret, once; the old one stops working at once.
	rotated := run(t, apiStep{"rotate", "acme/ada", "POST", "/clients/acme-web/secret", "", http.StatusOK, ""})
	fresh, _ := rotated["client_secret"].(string)
	if fresh == "" || fresh == secret || rotated["id"] != "acme-web" {
		t.Fatalf("rotated %v", rotated)
	}
	if _, err := w.dir.VerifyClientSecret(ctx, "acme-web", secret); !errors.Is(err, directory.ErrInvalidCredentials) {
		t.Errorf("old secret after rotation: %v", err)
	}
	if _, err := w.dir.VerifyClientSecret(ctx, "acme-web", fresh); err != nil {
		t.Errorf("new secret: %v", err)
	}
	if e := w.lastEvent(t); e.Action != "client.secret_rotated" || e.Details["rotated"] != "true" || e.Target != "acme-web" {
		t.Errorf("rotate event %+v", e)
	}

	run(t, apiStep{"delete outside the subtree", "contoso/cara", "DELETE", "/clients/acme-web", "", http.StatusNotFound, ""})
	run(t, apiStep{"delete", "acme/ada", "DELETE", "/clients/acme-web", "", http.StatusNoContent, ""})
	run(t, apiStep{"deleted", "acme/ada", "GET", "/clients/acme-web", "", http.StatusNotFound, ""})
	if e := w.lastEvent(t); e.Action != "client.deleted" || e.Target != "acme-web" || e.TargetName != "Acme" {
		t.Errorf("delete event %+v", e)
	}
	if _, err := w.dir.VerifyClientSecret(ctx, "acme-web", fresh); !errors.Is(err, directory.ErrInvalidCredentials) {
		t.Errorf("a deleted client's secret: %v", err)
	}

	// No secret ever reached the audit log.
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(secrets) != 3 {
		t.Errorf("%d secrets shown, want 3 (two creates, one rotation)", len(secrets))
	}
	for _, e := range w.events {
		for k, v := range e.Details {
			for s := range secrets {
				if strings.Contains(v, s) {
					t.Errorf("event %s: detail %s holds a secret", e.Action, k)
				}
			}
		}
	}
}

// TestClientBackchannelLogoutAPI: backchannel_logout_uri and
// backchannel_logout_session_required are set on create, shown, audited,
// cleared by a PUT that leaves them out, and refused as the directory
// refuses them.
func TestClientBackchannelLogoutAPI(t *testing.T) {
	w := newAPIWorld(t)
	const web = `"type":"web","name":"Web","redirect_uris":["https://app.acme.example/cb"]`
	body := w.step(t, apiStep{name: "create", who: "acme/ada", method: "POST", path: "/tenants/acme/clients",
		body: `{"id":"acme-web2",` + web + `,"backchannel_logout_uri":"https://app.acme.example/bcl",` +
			`"backchannel_logout_session_required":true}`, status: http.StatusCreated})
	if body["backchannel_logout_uri"] != "https://app.acme.example/bcl" || body["backchannel_logout_session_required"] != true {
		t.Errorf("created %v", body)
	}
	if e := w.lastEvent(t); e.Details["backchannel_logout"] != "https://app.acme.example/bcl (sid required)" {
		t.Errorf("create event %+v", e)
	}
	body = w.step(t, apiStep{name: "clear", who: "acme/ada", method: "PUT", path: "/clients/acme-web2",
		body: `{"name":"Web","redirect_uris":["https://app.acme.example/cb"]}`, status: http.StatusOK})
	if v, ok := body["backchannel_logout_uri"]; !ok || v != "" || body["backchannel_logout_session_required"] != false {
		t.Errorf("cleared %v", body)
	}
	for _, st := range []apiStep{
		{name: "plain http", body: `{"id":"x",` + web + `,"backchannel_logout_uri":"http://app.acme.example/bcl"}`},
		{name: "a fragment", body: `{"id":"x",` + web + `,"backchannel_logout_uri":"https://app.acme.example/bcl#f"}`},
		{name: "a machine", body: `{"id":"x","type":"machine","name":"X","backchannel_logout_uri":"https://x.example/bcl"}`},
		{name: "sid without a URI", body: `{"id":"x",` + web + `,"backchannel_logout_session_required":true}`,
			field: "backchannel_logout_session_required"},
	} {
		st.who, st.method, st.path = "acme/ada", "POST", "/tenants/acme/clients"
		st.field = cmp.Or(st.field, "backchannel_logout_uri")
		st.status = cmp.Or(st.status, http.StatusUnprocessableEntity)
		w.step(t, st)
	}
}

// TestClientLoginPageAPI: initiate_login_uri is set on create, shown,
// replaced by PUT (and cleared when left out, as PUT replaces), audited,
// and refused as the directory refuses it.
func TestClientLoginPageAPI(t *testing.T) {
	w := newAPIWorld(t)
	const spa = `"type":"single-page","name":"SPA","redirect_uris":["https://app.acme.example/cb"]`
	body := w.step(t, apiStep{name: "create", who: "acme/ada", method: "POST", path: "/tenants/acme/clients",
		body: `{"id":"acme-spa",` + spa + `,"initiate_login_uri":"https://app.acme.example/login"}`, status: http.StatusCreated})
	if body["initiate_login_uri"] != "https://app.acme.example/login" {
		t.Errorf("created %v", body)
	}
	if e := w.lastEvent(t); e.Details["initiate_login_uri"] != "https://app.acme.example/login" {
		t.Errorf("create event %+v", e)
	}
	if _, got := w.do(t, "acme/ada", "GET", "/clients/acme-spa", ""); got["initiate_login_uri"] != "https://app.acme.example/login" {
		t.Errorf("read back %v", got)
	}

	body = w.step(t, apiStep{name: "change", who: "acme/ada", method: "PUT", path: "/clients/acme-spa",
		body:   `{"name":"SPA","redirect_uris":["https://app.acme.example/cb"],"initiate_login_uri":"https://app.acme.example/start?via=gatehouse"}`,
		status: http.StatusOK})
	if body["initiate_login_uri"] != "https://app.acme.example/start?via=gatehouse" {
		t.Errorf("changed %v", body)
	}
	if e := w.lastEvent(t); e.Details["initiate_login_uri"] != "https://app.acme.example/login → https://app.acme.example/start?via=gatehouse" {
		t.Errorf("change event %+v", e)
	}
	body = w.step(t, apiStep{name: "clear", who: "acme/ada", method: "PUT", path: "/clients/acme-spa",
		body: `{"name":"SPA","redirect_uris":["https://app.acme.example/cb"]}`, status: http.StatusOK})
	if v, ok := body["initiate_login_uri"]; !ok || v != "" {
		t.Errorf("cleared %v", body)
	}

	for _, st := range []apiStep{
		{name: "plain http", body: `{"id":"x",` + spa + `,"initiate_login_uri":"http://app.acme.example/login"}`},
		{name: "a fragment", body: `{"id":"x",` + spa + `,"initiate_login_uri":"https://app.acme.example/login#top"}`},
		{name: "a machine", body: `{"id":"x","type":"machine","name":"X","initiate_login_uri":"https://x.example/login"}`},
		{name: "not a string", body: `{"id":"x",` + spa + `,"initiate_login_uri":["https://x.example/login"]}`,
			status: http.StatusBadRequest},
	} {
		st.who, st.method, st.path, st.field = "acme/ada", "POST", "/tenants/acme/clients", "initiate_login_uri"
		st.status = cmp.Or(st.status, http.StatusUnprocessableEntity)
		w.step(t, st)
	}
}
