package demo

import (
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// TestAccountsMatchDirectory keeps the printed accounts and secrets in step
// with directory.yaml, which is what is actually loaded.
func TestAccountsMatchDirectory(t *testing.T) {
	var f struct {
		Users []struct {
			Tenant, Username, Password string
		}
		Clients []struct {
			ID, Secret string
		}
	}
	if err := yaml.Unmarshal(Directory("http://localhost:8080"), &f); err != nil {
		t.Fatal(err)
	}
	if len(f.Users) != len(Accounts) {
		t.Fatalf("directory.yaml has %d users, Accounts %d", len(f.Users), len(Accounts))
	}
	for i, u := range f.Users {
		a := Accounts[i]
		if u.Tenant != a.Tenant || u.Username != a.Username || u.Password != a.Password {
			t.Errorf("user %d: yaml %s/%s/%s, Accounts %s/%s/%s", i, u.Tenant, u.Username, u.Password, a.Tenant, a.Username, a.Password)
		}
	}
	secrets := map[string]string{}
	for _, c := range f.Clients {
		secrets[c.ID] = c.Secret
	}
	if secrets["demo-web"] != WebClientSecret || secrets[MachineClientID] != MachineClientSecret {
		t.Errorf("client secrets drifted from directory.yaml")
	}
	if strings.Contains(string(Directory("https://id.example")), "{{issuer}}") {
		t.Error("issuer placeholder left in the demo directory")
	}
}

func TestDecodeJWT(t *testing.T) {
	h, p := decodeJWT("eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.sig")
	if !strings.Contains(h, `"alg": "RS256"`) || !strings.Contains(p, `"sub": "x"`) {
		t.Errorf("decodeJWT = %q, %q", h, p)
	}
	if h, _ := decodeJWT("opaque"); h != "(not a JWT)" {
		t.Errorf("opaque token: %q", h)
	}
}
