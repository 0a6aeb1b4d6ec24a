package directoryfile_test

import (
	"strings"
	"testing"

	"github.com/gatehouse-id/gatehouse/directory"
	"github.com/gatehouse-id/gatehouse/directoryfile"
)

// The coordinates of a P-256 public key.
const (
	keyX = `WKn-ZIGevcwGIyyrzFoZNBdaq9_TsqzGl96oc0CWuis`
	keyY = `y77t-RvAHRKTsSGdIYUfweuOvwrvDD-Q3Hv5J0fSKbE`
)

const keysFile = `version: 1
clients:
  - id: devices
    name: Devices
    type: confidential
    auth_method: private_key_jwt
    grant_types: [client_credentials]
    jwks:
      keys:
        - {kty: EC, crv: P-256, kid: k1, use: sig, x: ` + keyX + `, y: ` + keyY + `}
  - id: sensors
    name: Sensors
    type: confidential
    auth_method: private_key_jwt
    grant_types: [client_credentials]
    jwks: '{"keys": [{"kty": "EC", "crv": "P-256", "kid": "k1", "x": "` + keyX + `", "y": "` + keyY + `"}]}'
  - id: fleet
    name: Fleet
    type: confidential
    auth_method: private_key_jwt
    grant_types: [client_credentials]
    jwks_uri: https://fleet.example/.well-known/jwks.json
`

// TestApplyClientKeys: private_key_jwt clients with a key set (as YAML or
// as JSON text) or a jwks_uri are registered without a secret, and the
// same file again changes nothing.
func TestApplyClientKeys(t *testing.T) {
	d, _ := newDirectory(t)
	res := apply(t, d, "keys.yaml", keysFile)
	wantCounts(t, res, directoryfile.Result{ClientsCreated: 3})
	if len(res.GeneratedSecrets) != 0 {
		t.Errorf("secrets generated for %v", keys(res.GeneratedSecrets))
	}
	want := `{"keys":[{"crv":"P-256","kid":"k1","kty":"EC","use":"sig","x":"` + keyX + `","y":"` + keyY + `"}]}`
	for id, check := range map[string]func(c directory.Client) bool{
		"devices": func(c directory.Client) bool { return c.JWKS == want },
		"sensors": func(c directory.Client) bool {
			return strings.Contains(c.JWKS, `"kid":"k1"`) && !strings.Contains(c.JWKS, " ")
		},
		"fleet": func(c directory.Client) bool {
			return c.JWKSURI == "https://fleet.example/.well-known/jwks.json" && c.JWKS == ""
		},
	} {
		c, err := d.Store().ClientByID(t.Context(), id)
		if err != nil || c.AuthMethod != directory.AuthPrivateKeyJWT || len(c.SecretHash) != 0 || !check(c) {
			t.Errorf("%s = %+v, %v", id, c, err)
		}
	}
	if again := apply(t, d, "keys.yaml", keysFile); again.Changed() {
		t.Errorf("the same file again: %+v, want nothing changed", again)
	}
}

func TestBadClientKeys(t *testing.T) {
	const head = "version: 1\nclients:\n  - id: devices\n    name: Devices\n    type: confidential\n    grant_types: [client_credentials]\n"
	for _, tc := range []struct {
		name, entry, want string
	}{
		{"a private key", "    auth_method: private_key_jwt\n    jwks: {keys: [{kty: EC, crv: P-256, x: " + keyX + ", y: " + keyY +
			", d: " + keyX + "}]}\n", `demo.yaml:8:11: clients[0].jwks: key 1: holds private key material ("d")`},
		{"no keys", "    auth_method: private_key_jwt\n",
			`demo.yaml:3:5: clients[0].jwks: a private_key_jwt client needs its public keys`},
		{"a secret", "    auth_method: private_key_jwt\n    jwks_uri: https://x.example/jwks\n    secret: a-secret-of-at-least-thirty-two-characters\n",
			`demo.yaml:9:13: clients[0].secret: a private_key_jwt client has no secret`},
		{"not a key set", "    auth_method: private_key_jwt\n    jwks: [1, 2]\n", `demo.yaml:8:11: clients[0].jwks: must be a JSON Web Key Set`},
		{"plain http", "    auth_method: private_key_jwt\n    jwks_uri: http://x.example/jwks\n",
			`demo.yaml:8:15: clients[0].jwks_uri: "http://x.example/jwks": plain http`},
		{"keys without private_key_jwt", "    jwks_uri: https://x.example/jwks\n",
			`demo.yaml:7:15: clients[0].jwks_uri: only a client that authenticates with private_key_jwt has keys`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d, _ := newDirectory(t)
			err := parseAndApply(t, d, head+tc.entry)
			if err == nil || !strings.HasPrefix(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
				t.Errorf("problems:\n%v\nwant one starting %s", err, tc.want)
			}
		})
	}
}
