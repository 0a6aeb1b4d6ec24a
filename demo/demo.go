// Package demo is Gatehouse's demo: a small IoT platform's directory (a
// tenant tree, administrators and read-only users, two portals and a
// machine client) and a built-in demo portal that shows a newcomer what a
// portal receives after login. serve --demo loads both; nothing here is
// used outside demo mode.
//
// The directory is an ordinary directory file (docs/directory-file.md),
// embedded, so the demo also shows operators the import format. What the
// server prints at start (accounts, client ids and secrets) is declared
// here as Go values; a test checks them against the file so that the two
// cannot drift.
package demo

import (
	_ "embed"
	"encoding/json"
	"strings"
)

//go:embed directory.yaml
var directoryYAML string

// Directory returns the demo directory file for a server at issuer: the
// {{issuer}} placeholders in the demo portals' redirect URIs become the
// issuer, without a trailing slash. The placeholders sit inside
// double-quoted YAML strings, and the issuer is escaped for one, so any
// issuer yields a well-formed file.
func Directory(issuer string) []byte {
	quoted, _ := json.Marshal(strings.TrimRight(issuer, "/")) // a string always marshals
	escaped := string(quoted[1 : len(quoted)-1])              // JSON escapes are YAML escapes
	return []byte(strings.ReplaceAll(directoryYAML, "{{issuer}}", escaped))
}

// Account is a demo login, printed at start and on the demo portal.
type Account struct {
	Tenant, Username, Password, Description string
}

// Accounts lists the demo logins in the order of directory.yaml. Callers
// must not modify it.
var Accounts = []Account{
	{"gatehouse", "admin", "admin-demo-pw", "system administrator"},
	{"acme-iot", "alice", "alice-demo-pw", "provider administrator"},
	{"acme-iot", "bob", "bob-demo-pw", "provider read-only user on the support desk, external user of contoso and fabrikam"},
	{"contoso", "carol", "carol-demo-pw", "customer administrator"},
	{"contoso", "dave", "dave-demo-pw", "customer read-only user in rotterdam-team, sub-user of carol"},
	{"contoso-rotterdam", "erin", "erin-demo-pw", "sub-customer read-only user"},
	{"fabrikam", "frank", "frank-demo-pw", "customer administrator"},
}

// Client describes a demo client for the start banner.
type Client struct{ ID, Description string }

// Clients lists the demo clients in the order of directory.yaml. Callers
// must not modify it.
var Clients = []Client{
	{WebClientID, "confidential web portal (client_secret_basic), at /demo/web/login"},
	{SPAClientID, "public single-page portal (PKCE, no secret), at /demo/spa/login"},
	{MachineClientID, "machine client (client_credentials) in tenant " + MachineTenant},
	{CLIClientID, "public command-line tool (device authorization grant): codes are entered at /device"},
}

// The demo clients' ids and secrets, as in directory.yaml. The secrets are
// fixed so that the demo's instructions can quote them; they are public
// knowledge and must never protect anything real.
const (
	WebClientID         = "demo-web"
	WebClientSecret     = "demo-web-secret-not-for-production-0001"
	SPAClientID         = "demo-spa"
	MachineClientID     = "demo-machine"
	MachineClientSecret = "demo-machine-secret-not-for-production-1"
	MachineTenant       = "contoso"
	// CLIClientID is a public client that signs people in with the device
	// authorization grant (RFC 8628), as a command-line tool would.
	CLIClientID = "demo-cli"
)
