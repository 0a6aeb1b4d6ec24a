package directory_test

import (
	"errors"
	"testing"

	"github.com/gatehouse-id/gatehouse/directory"
)

// TestDeviceCodeClients: the device authorization grant (RFC 8628) is open
// to public clients (a device keeps no secret) and confidential ones, on
// its own or beside the code grant, with refresh tokens and openid; never
// to a machine client.
func TestDeviceCodeClients(t *testing.T) {
	device := directory.GrantDeviceCode
	for _, tc := range []struct {
		name string
		c    directory.Client
		ok   bool
	}{
		{"public, device alone", directory.Client{ID: "cli", Name: "CLI", Type: directory.ClientPublic, AuthMethod: directory.AuthNone,
			GrantTypes: []string{device}}, true},
		{"public, device and refresh", directory.Client{ID: "cli", Name: "CLI", Type: directory.ClientPublic, AuthMethod: directory.AuthNone,
			GrantTypes: []string{device, directory.GrantRefreshToken}, Scopes: []string{"offline_access"}}, true},
		{"confidential, beside the code grant", directory.Client{ID: "gw", Name: "Gateway", Type: directory.ClientConfidential,
			AuthMethod: directory.AuthSecretBasic, RedirectURIs: []string{"https://gw.example/cb"},
			GrantTypes: []string{directory.GrantAuthorizationCode, device}}, true},
		{"third party on a device", directory.Client{ID: "p", Name: "Partner", Type: directory.ClientPublic, AuthMethod: directory.AuthNone,
			ThirdParty: true, GrantTypes: []string{device}}, true},
		{"refresh without a grant that signs people in", directory.Client{ID: "m", Name: "M", Type: directory.ClientConfidential,
			AuthMethod: directory.AuthSecretBasic, GrantTypes: []string{directory.GrantClientCredentials, directory.GrantRefreshToken}}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := directory.ValidateClient(&tc.c)
			if (err == nil) != tc.ok {
				t.Errorf("ValidateClient = %v, want ok %v", err, tc.ok)
			}
		})
	}
	cli := directory.Client{Type: directory.ClientPublic, GrantTypes: []string{device}}
	if !cli.AllowsScope("openid") || cli.Kind() != directory.ClientNative {
		t.Errorf("a device client: openid %v, kind %s", cli.AllowsScope("openid"), cli.Kind())
	}
	gw := directory.Client{Type: directory.ClientConfidential, GrantTypes: []string{device}}
	if gw.Kind() != directory.ClientWeb {
		t.Errorf("a confidential device client is %s, want web", gw.Kind())
	}
}

// TestCreateDeviceClientFor: the administration API registers device
// clients as native (public) or web (confidential) clients, and refuses
// the grant to a machine client.
func TestCreateDeviceClientFor(t *testing.T) {
	d, c := adminClientsWorld(t)
	ctx := t.Context()
	ch, err := d.CreateClientFor(ctx, c["acme/ada"], "acme", directory.ClientNative,
		directory.Client{ID: "acme-cli", Name: "Acme CLI", GrantTypes: []string{directory.GrantDeviceCode, directory.GrantRefreshToken}})
	if err != nil {
		t.Fatalf("native device client: %v", err)
	}
	if ch.After.Type != directory.ClientPublic || ch.After.Kind() != directory.ClientNative {
		t.Errorf("stored as %s, kind %s", ch.After.Type, ch.After.Kind())
	}
	_, err = d.CreateClientFor(ctx, c["acme/ada"], "acme", directory.ClientMachine,
		directory.Client{ID: "acme-bot", Name: "Bot", GrantTypes: []string{directory.GrantClientCredentials, directory.GrantDeviceCode}})
	var fe *directory.FieldError
	if !errors.As(err, &fe) || fe.Field != "grant_types" {
		t.Errorf("machine client with the device grant: %v", err)
	}
}
