package directoryfile_test

import (
	"strings"
	"testing"

	"github.com/gatehouse-id/gatehouse/password"
)

// base is a valid file used by the tests: a three-level tree, two users
// (one with an initial password, one with a hash) and three clients.
const base = `version: 1
tenants:
  - slug: gatehouse
    name: Gatehouse
    level: system
  - slug: acme-iot
    name: Acme IoT
    level: provider
    parent: gatehouse
  - slug: contoso
    name: Contoso
    level: customer
    parent: acme-iot
users:
  - tenant: acme-iot
    username: alice
    email: alice@acme-iot.example
    email_verified: true
    given_name: Alice
    family_name: Admin
    role: admin
    password: alice-password
  - tenant: contoso
    username: carol
    email: carol@contoso.example
    role: user
    password_hash: "HASH"
clients:
  - id: portal-web
    name: Web portal
    type: confidential
    secret: portal-web-secret-0123456789abcdef
    redirect_uris: [https://portal.example/callback]
    post_logout_redirect_uris: [https://portal.example/]
    grant_types: [authorization_code, refresh_token]
    scopes: [profile, email, offline_access]
  - id: portal-spa
    name: Single-page portal
    type: public
    redirect_uris: [http://localhost:5173/callback]
    grant_types: [authorization_code]
  - id: sensor-ingest
    name: Sensor ingest
    type: confidential
    grant_types: [client_credentials]
    tenant: contoso
    access_token_lifetime: 5m
`

// carolPassword is the password behind the hash base gives carol.
const carolPassword = "carol-password"

// baseFile returns base with carol's hash filled in.
func baseFile(t *testing.T) string {
	t.Helper()
	hash, err := password.Hash(carolPassword, cheap)
	if err != nil {
		t.Fatal(err)
	}
	return strings.Replace(base, "HASH", hash, 1)
}
