package directory_test

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/gatehouse-id/gatehouse/directory"
	"github.com/gatehouse-id/gatehouse/password"
	"github.com/gatehouse-id/gatehouse/storage/sqlite"
)

func newDirectory(t *testing.T) *directory.Directory {
	t.Helper()
	st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "gatehouse.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return directory.New(st, directory.NewSecretHasher(bytes.Repeat([]byte{3}, 32)),
		directory.Config{PasswordParams: password.Params{Memory: 64, Time: 1, Threads: 1}})
}

// put runs fn in a transaction, as an import does.
func put(t *testing.T, d *directory.Directory, fn func(ctx context.Context, s directory.Store) (directory.Change, error)) (directory.Change, error) {
	t.Helper()
	var ch directory.Change
	err := d.Store().InTx(t.Context(), func(s directory.Store) error {
		var err error
		ch, err = fn(t.Context(), s)
		return err
	})
	return ch, err
}

func putTenant(t *testing.T, d *directory.Directory, slug, name string, level directory.Level, parent string) (directory.Change, error) {
	return put(t, d, func(ctx context.Context, s directory.Store) (directory.Change, error) {
		_, ch, err := d.PutTenant(ctx, s, slug, name, level, parent)
		return ch, err
	})
}

func fieldOf(err error) string {
	var fe *directory.FieldError
	if errors.As(err, &fe) {
		return fe.Field
	}
	return ""
}

func TestPutTenant(t *testing.T) {
	d := newDirectory(t)
	for _, tc := range []struct {
		name, slug, tname string
		level             directory.Level
		parent            string
		want              directory.Change
		wantField         string // of the FieldError, if one is expected
	}{
		{"create the root", "gatehouse", "Gatehouse", directory.LevelSystem, "", directory.Created, ""},
		{"create a child", "acme", "Acme", directory.LevelProvider, "gatehouse", directory.Created, ""},
		{"same again", "acme", "Acme", directory.LevelProvider, "gatehouse", directory.Unchanged, ""},
		{"rename", "ACME", " Acme IoT ", directory.LevelProvider, "gatehouse", directory.Updated, ""},
		{"other level", "acme", "Acme IoT", directory.LevelCustomer, "gatehouse", directory.Unchanged, "level"},
		{"other parent", "acme", "Acme IoT", directory.LevelProvider, "", directory.Unchanged, "parent"},
		{"empty name", "acme", " ", directory.LevelProvider, "gatehouse", directory.Unchanged, "name"},
		{"wrong level below parent", "contoso", "Contoso", directory.LevelSubcustomer, "acme", directory.Unchanged, "level"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ch, err := putTenant(t, d, tc.slug, tc.tname, tc.level, tc.parent)
			if fieldOf(err) != tc.wantField || (tc.wantField == "" && err != nil) {
				t.Fatalf("err = %v, want a FieldError on %q", err, tc.wantField)
			}
			if ch != tc.want {
				t.Errorf("change = %s, want %s", ch, tc.want)
			}
		})
	}
}

func TestPutUser(t *testing.T) {
	d := newDirectory(t)
	ctx := t.Context()
	if _, err := putTenant(t, d, "gatehouse", "Gatehouse", directory.LevelSystem, ""); err != nil {
		t.Fatal(err)
	}
	nu := directory.NewUser{TenantSlug: "gatehouse", Username: "Admin", Email: "admin@example.com",
		TenantRole: directory.TenantRoleAdmin, Password: "first-password"}
	putUser := func(nu directory.NewUser) (directory.Change, error) {
		return put(t, d, func(ctx context.Context, s directory.Store) (directory.Change, error) {
			_, ch, err := d.PutUser(ctx, s, nu)
			return ch, err
		})
	}
	if ch, err := putUser(nu); err != nil || ch != directory.Created {
		t.Fatalf("create = %s, %v", ch, err)
	}
	if ch, err := putUser(nu); err != nil || ch != directory.Unchanged {
		t.Fatalf("same again = %s, %v", ch, err)
	}
	nu.Password, nu.GivenName, nu.TenantRole = "second-password", "Ada", directory.TenantRoleUser
	if ch, err := putUser(nu); err != nil || ch != directory.Updated {
		t.Fatalf("update = %s, %v", ch, err)
	}
	u, _, err := d.Authenticate(ctx, "gatehouse", "admin", "first-password")
	if err != nil {
		t.Fatalf("the initial password was overwritten: %v", err)
	}
	if u.GivenName != "Ada" || u.TenantRole != directory.TenantRoleUser {
		t.Errorf("user = %q %s", u.GivenName, u.TenantRole)
	}
	for _, tc := range []struct {
		name  string
		edit  func(*directory.NewUser)
		field string
	}{
		{"unknown tenant", func(nu *directory.NewUser) { nu.TenantSlug = "nowhere" }, "tenant"},
		{"bad role on update", func(nu *directory.NewUser) { nu.TenantRole = "owner" }, "role"},
		{"bad email on update", func(nu *directory.NewUser) { nu.Email = "nope" }, "email"},
		{"bad initial password on update", func(nu *directory.NewUser) { nu.Password = "short" }, "password"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			bad := nu
			tc.edit(&bad)
			if _, err := putUser(bad); fieldOf(err) != tc.field {
				t.Errorf("err = %v, want a FieldError on %q", err, tc.field)
			}
		})
	}
}

func TestPutClient(t *testing.T) {
	d := newDirectory(t)
	ctx := t.Context()
	putClient := func(c directory.Client, secret string) (directory.Change, string, error) {
		var generated string
		ch, err := put(t, d, func(ctx context.Context, s directory.Store) (directory.Change, error) {
			_, g, ch, err := d.PutClient(ctx, s, c, secret)
			generated = g
			return ch, err
		})
		return ch, generated, err
	}
	spa := directory.Client{ID: "spa", Name: "SPA", Type: directory.ClientPublic, AuthMethod: directory.AuthNone,
		RedirectURIs: []string{"https://spa.example/cb"}, GrantTypes: []string{directory.GrantAuthorizationCode}}
	const given = "a-secret-of-at-least-thirty-two-characters"

	steps := []struct {
		name      string
		edit      func(*directory.Client)
		secret    string
		want      directory.Change
		generated bool   // a secret is returned
		verifies  string // "" none, "generated", or a given secret
	}{
		{"create public", func(*directory.Client) {}, "", directory.Created, false, ""},
		{"same again", func(*directory.Client) {}, "", directory.Unchanged, false, ""},
		{"public turned confidential gets a secret", func(c *directory.Client) {
			c.Type, c.AuthMethod = directory.ClientConfidential, directory.AuthSecretBasic
		}, "", directory.Updated, true, "generated"},
		{"confidential keeps its secret", func(c *directory.Client) {
			c.Type, c.AuthMethod = directory.ClientConfidential, directory.AuthSecretBasic
		}, "", directory.Unchanged, false, "generated"},
		{"a given secret replaces it", func(c *directory.Client) {
			c.Type, c.AuthMethod = directory.ClientConfidential, directory.AuthSecretBasic
		}, given, directory.Updated, false, given},
		{"the same given secret is no change", func(c *directory.Client) {
			c.Type, c.AuthMethod = directory.ClientConfidential, directory.AuthSecretBasic
		}, given, directory.Unchanged, false, given},
		{"settings change", func(c *directory.Client) {
			c.Type, c.AuthMethod = directory.ClientConfidential, directory.AuthSecretBasic
			c.AccessTokenLifetime = time.Minute
		}, "", directory.Updated, false, given},
		{"a login page is a change", func(c *directory.Client) {
			c.Type, c.AuthMethod = directory.ClientConfidential, directory.AuthSecretBasic
			c.AccessTokenLifetime = time.Minute
			c.InitiateLoginURI = "https://spa.example/login"
		}, "", directory.Updated, false, given},
		{"the same login page is none", func(c *directory.Client) {
			c.Type, c.AuthMethod = directory.ClientConfidential, directory.AuthSecretBasic
			c.AccessTokenLifetime = time.Minute
			c.InitiateLoginURI = "https://spa.example/login"
		}, "", directory.Unchanged, false, given},
	}
	var generated string
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			c := spa
			st.edit(&c)
			ch, g, err := putClient(c, st.secret)
			if err != nil || ch != st.want || (g != "") != st.generated {
				t.Fatalf("put = %s, generated %t, %v; want %s, generated %t", ch, g != "", err, st.want, st.generated)
			}
			if g != "" {
				generated = g
			}
			want := st.verifies
			if want == "generated" {
				want = generated
			}
			if want != "" {
				if _, err := d.VerifyClientSecret(ctx, "spa", want); err != nil {
					t.Errorf("secret does not verify: %v", err)
				}
			}
		})
	}
	if _, _, err := putClient(spa, given); fieldOf(err) != "secret" {
		t.Errorf("public client with a secret: %v", err)
	}
}

func TestValidateNew(t *testing.T) {
	for _, tc := range []struct {
		name  string
		err   error
		field string
	}{
		{"valid user", directory.ValidateNewUser(directory.NewUser{Username: "a", TenantRole: directory.TenantRoleUser, Password: "long-enough"}), ""},
		{"bad hash", directory.ValidateNewUser(directory.NewUser{Username: "a", TenantRole: directory.TenantRoleUser, PasswordHash: "$2a$10$x"}), "password_hash"},
		{"valid client", directory.ValidateNewClient(directory.Client{ID: "m", Name: "M", Type: directory.ClientConfidential,
			AuthMethod: directory.AuthSecretPost, GrantTypes: []string{directory.GrantClientCredentials}}, ""), ""},
		{"short secret", directory.ValidateNewClient(directory.Client{ID: "m", Name: "M", Type: directory.ClientConfidential,
			AuthMethod: directory.AuthSecretPost, GrantTypes: []string{directory.GrantClientCredentials}}, "short"), "secret"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if fieldOf(tc.err) != tc.field || (tc.field == "" && tc.err != nil) {
				t.Errorf("err = %v, want a FieldError on %q", tc.err, tc.field)
			}
		})
	}
}
