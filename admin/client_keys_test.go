package admin

import (
	"cmp"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	jose "github.com/go-jose/go-jose/v4"
)

func testKeySet(t *testing.T, kid string, private bool) string {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	var key any = &k.PublicKey
	if private {
		key = k
	}
	b, err := json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: key, KeyID: kid, Use: "sig"}}})
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestClientKeysAPI: a machine client registered for private_key_jwt with
// inline keys gets no secret; its keys read back, and each change of keys
// is audited with the kids and thumbprints; bad keys are 422 on the field.
func TestClientKeysAPI(t *testing.T) {
	w := newAPIWorld(t)
	k1, k2 := testKeySet(t, "k1", false), testKeySet(t, "k2", false)
	body := w.step(t, apiStep{name: "create", who: "acme/ada", method: "POST", path: "/tenants/acme/clients",
		body:   `{"id":"acme-pkj","type":"machine","name":"Devices","auth_method":"private_key_jwt","jwks":` + k1 + `}`,
		status: http.StatusCreated})
	if _, has := body["client_secret"]; has || body["auth_method"] != "private_key_jwt" || body["jwks"] == nil || body["jwks_uri"] != "" {
		t.Errorf("created %v", body)
	}
	created := w.lastEvent(t)
	if d := created.Details["jwks"]; !strings.HasPrefix(d, "keys k1#") {
		t.Errorf("create event jwks detail %q", d)
	}
	_, got := w.do(t, "acme/ada", "GET", "/clients/acme-pkj", "")
	keys, _ := got["jwks"].(map[string]any)["keys"].([]any)
	if len(keys) != 1 || keys[0].(map[string]any)["kid"] != "k1" {
		t.Errorf("read back %v", got)
	}

	w.step(t, apiStep{name: "new keys", who: "acme/ada", method: "PUT", path: "/clients/acme-pkj",
		body: `{"name":"Devices","auth_method":"private_key_jwt","jwks":` + k2 + `}`, status: http.StatusOK})
	if d := w.lastEvent(t).Details["jwks"]; !strings.Contains(d, "k1#") || !strings.Contains(d, "→ keys k2#") {
		t.Errorf("key change event detail %q", d)
	}
	w.step(t, apiStep{name: "to a jwks_uri", who: "acme/ada", method: "PUT", path: "/clients/acme-pkj",
		body: `{"name":"Devices","auth_method":"private_key_jwt","jwks_uri":"https://devices.acme.example/jwks.json"}`, status: http.StatusOK})
	if d := w.lastEvent(t).Details["jwks"]; !strings.HasSuffix(d, "→ uri https://devices.acme.example/jwks.json") {
		t.Errorf("jwks_uri change event detail %q", d)
	}
	w.step(t, apiStep{name: "rotate a secret it has not", who: "acme/ada", method: "POST", path: "/clients/acme-pkj/secret",
		status: http.StatusUnprocessableEntity, field: "auth_method"})
	body = w.step(t, apiStep{name: "back to a secret", who: "acme/ada", method: "PUT", path: "/clients/acme-pkj",
		body: `{"name":"Devices"}`, status: http.StatusOK})
	if s, _ := body["client_secret"].(string); len(s) < 43 || body["jwks"] != nil || body["auth_method"] != "client_secret_basic" {
		t.Errorf("moved back to a secret: %v", body)
	}

	const machine = `"type":"machine","name":"X","auth_method":"private_key_jwt"`
	for _, st := range []apiStep{
		{name: "a private key", body: `{"id":"x",` + machine + `,"jwks":` + testKeySet(t, "p", true) + `}`, field: "jwks"},
		{name: "a symmetric key", body: `{"id":"x",` + machine + `,"jwks":{"keys":[{"kty":"oct","k":"c2VjcmV0"}]}}`, field: "jwks"},
		{name: "no keys", body: `{"id":"x",` + machine + `}`, field: "jwks"},
		{name: "both", body: `{"id":"x",` + machine + `,"jwks":` + k1 + `,"jwks_uri":"https://x.example/jwks"}`, field: "jwks_uri"},
		{name: "plain http", body: `{"id":"x",` + machine + `,"jwks_uri":"http://x.example/jwks"}`, field: "jwks_uri"},
		{name: "keys on a secret client", body: `{"id":"x","type":"machine","name":"X","jwks":` + k1 + `}`, field: "jwks"},
		{name: "keys not an object", body: `{"id":"x",` + machine + `,"jwks":"{}"}`, field: "jwks"},
	} {
		st.who, st.method, st.path = "acme/ada", "POST", "/tenants/acme/clients"
		st.status = cmp.Or(st.status, http.StatusUnprocessableEntity)
		w.step(t, st)
	}
}
