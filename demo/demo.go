// Package demo is Gatehouse's demo: a small IoT platform's directory (a
// tenant tree, administrators and read-only users, two portals and a
// machine client) and a built-in demo portal that shows a newcomer what a
// portal receives after login. serve --demo loads both; nothing here is
// used outside demo mode.
package demo

import (
	_ "embed"
	"strings"
)

//go:embed directory.yaml
var directoryYAML string

// Directory returns the demo directory file for a server at issuer.
func Directory(issuer string) []byte {
	return []byte(strings.ReplaceAll(directoryYAML, "{{issuer}}", issuer))
}

// Account is a demo login, printed at start.
type Account struct {
	Tenant, Username, Password, Description string
}

// Accounts lists the demo logins; a test checks them against directory.yaml.
var Accounts = []Account{
	{"gatehouse", "admin", "admin-demo-pw", "system administrator"},
	{"acme-iot", "alice", "alice-demo-pw", "provider administrator"},
	{"acme-iot", "bob", "bob-demo-pw", "provider read-only user"},
	{"contoso", "carol", "carol-demo-pw", "customer administrator"},
	{"contoso", "dave", "dave-demo-pw", "customer read-only user"},
	{"contoso-rotterdam", "erin", "erin-demo-pw", "sub-customer read-only user"},
	{"fabrikam", "frank", "frank-demo-pw", "customer administrator"},
}

// Client describes a demo client for the start banner.
type Client struct{ ID, Description string }

// Clients lists the demo clients.
var Clients = []Client{
	{"demo-web", "confidential web portal (client_secret_basic), at /demo/web/login"},
	{"demo-spa", "public single-page portal (PKCE, no secret), at /demo/spa/login"},
	{"demo-machine", "machine client (client_credentials) in tenant contoso"},
}

// Secrets of the demo's confidential clients, as in directory.yaml.
const (
	WebClientSecret     = "demo-web-secret-not-for-production-0001"
	MachineClientID     = "demo-machine"
	MachineClientSecret = "demo-machine-secret-not-for-production-1"
)
