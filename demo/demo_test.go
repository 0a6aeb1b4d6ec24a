package demo

import (
	"bytes"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/gatehouse-id/gatehouse/directory"
	"github.com/gatehouse-id/gatehouse/directoryfile"
	"github.com/gatehouse-id/gatehouse/password"
	"github.com/gatehouse-id/gatehouse/storage/sqlite"
)

// TestDeclarationsMatchDirectory keeps what the server prints (Accounts,
// Clients, the client constants) and what the portal assumes (auth methods,
// callback paths) in step with directory.yaml, which is what is loaded.
func TestDeclarationsMatchDirectory(t *testing.T) {
	const issuer = "http://localhost:8080"
	f, err := directoryfile.Parse("demo/directory.yaml", Directory(issuer))
	if err != nil {
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
		if len(u.Password) < 8 {
			t.Errorf("%s's demo password is shorter than 8 characters", u.Username)
		}
		if admin := strings.Contains(a.Description, "administrator"); admin != (u.Role == directory.TenantRoleAdmin) {
			t.Errorf("%s is %s in the yaml but described as %q", u.Username, u.Role, a.Description)
		}
	}
	var ids []string
	clients := map[string]directoryfile.Client{}
	for _, c := range f.Clients {
		ids = append(ids, c.ID)
		clients[c.ID] = c
	}
	var declared []string
	for _, c := range Clients {
		declared = append(declared, c.ID)
	}
	if !slices.Equal(ids, declared) {
		t.Errorf("clients in the yaml %v, declared %v", ids, declared)
	}
	web, spa, machine := clients[WebClientID], clients[SPAClientID], clients[MachineClientID]
	if web.Secret != WebClientSecret || web.AuthMethod != directory.AuthSecretBasic {
		t.Errorf("demo-web: secret or auth method drifted (%s)", web.AuthMethod)
	}
	if spa.Secret != "" || spa.AuthMethod != directory.AuthNone {
		t.Errorf("demo-spa: want a public client (auth %s)", spa.AuthMethod)
	}
	if machine.Secret != MachineClientSecret || machine.Tenant != MachineTenant {
		t.Errorf("demo-machine: secret or tenant %q drifted", machine.Tenant)
	}
	for _, c := range []directoryfile.Client{web, spa} {
		name := strings.TrimPrefix(c.ID, "demo-")
		if !slices.Equal(c.RedirectURIs, []string{issuer + "/demo/" + name + "/callback"}) ||
			!slices.Equal(c.PostLogoutRedirectURIs, []string{issuer + "/demo/"}) {
			t.Errorf("%s: redirect URIs %v, post-logout %v", c.ID, c.RedirectURIs, c.PostLogoutRedirectURIs)
		}
		for _, s := range scopes(name)[1:] { // all but openid
			if !slices.Contains(c.Scopes, s) {
				t.Errorf("%s may not ask for %q, which the portal asks for", c.ID, s)
			}
		}
	}
}

func TestDirectoryIssuer(t *testing.T) {
	for _, tc := range []struct {
		name, issuer, want string
	}{
		{"plain", "https://id.example.com", "https://id.example.com/demo/web/callback"},
		{"trailing slash", "http://localhost:8080/", "http://localhost:8080/demo/web/callback"},
		{"with a path", "https://example.com/auth", "https://example.com/auth/demo/web/callback"},
		{"needs escaping", `https://example.com/a"b\c`, `https://example.com/a"b\c/demo/web/callback`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data := Directory(tc.issuer)
			if bytes.Contains(data, []byte("{{issuer}}")) {
				t.Error("placeholder left in the file")
			}
			// Parse may refuse an odd issuer's URIs, but the file stays
			// well-formed YAML: any problem is about redirect URIs.
			f, err := directoryfile.Parse("demo.yaml", data)
			if err != nil {
				if strings.Contains(err.Error(), "invalid YAML") || !strings.Contains(err.Error(), "redirect_uris") {
					t.Fatal(err)
				}
				return
			}
			if got := f.Clients[0].RedirectURIs[0]; got != tc.want {
				t.Errorf("redirect URI = %q, want %q", got, tc.want)
			}
		})
	}
}

// TestDemoDirectoryApplies loads the demo directory into a real store: every
// account logs in with its printed password, the printed secrets work, and
// loading it again (every restart does) changes nothing.
func TestDemoDirectoryApplies(t *testing.T) {
	ctx := t.Context()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "gatehouse.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	d := directory.New(st, directory.NewSecretHasher(bytes.Repeat([]byte{1}, 32)),
		directory.Config{PasswordParams: password.Params{Memory: 64, Time: 1, Threads: 1}})
	f, err := directoryfile.Parse("demo/directory.yaml", Directory("http://localhost:8080"))
	if err != nil {
		t.Fatal(err)
	}
	res, err := f.Apply(ctx, d)
	if err != nil {
		t.Fatal(err)
	}
	if res.TenantsCreated != 5 || res.UsersCreated != len(Accounts) || res.ClientsCreated != len(Clients) || len(res.GeneratedSecrets) != 0 {
		t.Errorf("first load = %+v", res)
	}
	for _, a := range Accounts {
		if _, _, err := d.Authenticate(ctx, a.Tenant, a.Username, a.Password); err != nil {
			t.Errorf("%s/%s: %v", a.Tenant, a.Username, err)
		}
	}
	for id, secret := range map[string]string{WebClientID: WebClientSecret, MachineClientID: MachineClientSecret} {
		if _, err := d.VerifyClientSecret(ctx, id, secret); err != nil {
			t.Errorf("%s: %v", id, err)
		}
	}
	res, err = f.Apply(ctx, d)
	if err != nil || res.Changed() {
		t.Errorf("second load = %+v, %v; want no change", res, err)
	}
}
