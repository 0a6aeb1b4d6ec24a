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
    backchannel_logout_uri: https://portal.example/backchannel-logout
    backchannel_logout_session_required: true
    grant_types: [authorization_code, refresh_token]
    scopes: [profile, email, offline_access]
  - id: portal-spa
    name: Single-page portal
    type: public
    redirect_uris: [http://localhost:5173/callback]
    initiate_login_uri: http://localhost:5173/login
    third_party: true
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

// full is a valid file using every kind of entry: an added resource, two
// services, tenants with settings, roles (new ones and edited defaults),
// groups, a sub-user listed before its owner, an external user linked to
// two customers, a portal consuming services and a machine client holding
// roles.
const full = `version: 1
resources:
  - name: dashboards
    description: Portal dashboards
    levels: [customer, subcustomer]
services:
  - name: things-manager
    display_name: Things Manager
    roles: [admin, editor, read-only]
  - name: webshop
    roles: [quotation, read-only]
tenants:
  - slug: gatehouse
    name: Gatehouse
    level: system
  - slug: acme-iot
    name: Acme IoT
    level: provider
    parent: gatehouse
  - slug: contoso
    name: Contoso BV
    level: customer
    parent: acme-iot
    settings:
      user_roles: [readers, fleet-viewers]
  - slug: fabrikam
    name: Fabrikam GmbH
    level: customer
    parent: acme-iot
roles:
  - tenant: contoso
    name: fleet-operators
    description: Operate the fleet
    permissions: [inventory:read, inventory:change, alarms:admin, dashboards:read]
  - tenant: contoso
    name: fleet-viewers
    permissions: [inventory:read]
  - tenant: contoso
    name: readers
    description: Reads devices only
    permissions: [inventory:read, alarms:read]
  - tenant: contoso
    name: admins
    description: Contoso's administrators
  - tenant: acme-iot
    name: support-desk
    permissions: [support:read, users:read]
groups:
  - tenant: contoso
    name: rotterdam-team
    description: The Rotterdam site
    global_roles: [fleet-operators]
    service_roles:
      things-manager: [editor]
  - tenant: fabrikam
    name: auditors
    global_roles: [readers]
users:
  - tenant: contoso
    username: dave
    owner: carol
    global_roles: [fleet-viewers]
    service_roles:
      things-manager: [read-only]
    groups: [rotterdam-team]
    password: dave-password
  - tenant: contoso
    username: carol
    role: admin
    service_roles:
      things-manager: [admin, editor, read-only]
      webshop: [quotation]
  - tenant: acme-iot
    username: sam
    global_roles: [support-desk]
    links:
      - tenant: contoso
        global_roles: [fleet-operators]
        service_roles: {things-manager: [read-only]}
      - tenant: fabrikam
        role: admin
        groups: [auditors]
clients:
  - id: contoso-portal
    name: Contoso portal
    type: confidential
    redirect_uris: [https://portal.contoso.example/callback]
    grant_types: [authorization_code, refresh_token]
    scopes: [profile, email, tenant, roles]
    default_scopes: [tenant, roles]
    services: [things-manager, webshop]
  - id: fleet-importer
    name: Fleet importer
    type: confidential
    grant_types: [client_credentials]
    tenant: contoso
    services: [things-manager]
    global_roles: [devices]
    service_roles: {things-manager: [read-only]}
`

// fullFile returns full; a func like baseFile, to seed bad-file cases.
func fullFile(*testing.T) string { return full }
