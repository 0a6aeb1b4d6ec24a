package directory_test

import (
	"bytes"
	"context"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/gatehouse-id/gatehouse/directory"
	"github.com/gatehouse-id/gatehouse/password"
	"github.com/gatehouse-id/gatehouse/storage/sqlite"
)

// The benchmarks here measure the directory's share of a token request: the
// client's secret, and the principal its token speaks of, read the way
// provider's ClientCredentialsExchange and issueToPerson read them.

// fleetSecret is the machine client's secret in tokenPathWorld.
const fleetSecret = "fleet-secret-0123456789abcdefghijklmnopq"

// tokenPathWorld is a SQLite directory holding System > Provider > Customer
// > Sub-Customer (sys > acme > contoso > rotterdam), the seed services,
// and in rotterdam a role granting permissions, a group, a machine client
// holding two global roles and two service roles (with a default scope)
// and a user holding a global role, the group and a service role (and the
// tenant's default readers role). It returns two directories over the
// store: cached, watched as a server watches it so that clients and Books
// come from memory, and uncached, which reads the store every time.
func tokenPathWorld(b *testing.B) (cached, uncached *directory.Directory, client directory.Client, user directory.User) {
	b.Helper()
	ctx := b.Context()
	st, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "gatehouse.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	open := func() *directory.Directory {
		return directory.New(st, directory.NewSecretHasher(bytes.Repeat([]byte{3}, 32)),
			directory.Config{PasswordParams: password.Params{Memory: 64, Time: 1, Threads: 1}})
	}
	cached, uncached = open(), open()
	err = cached.Store().InTx(ctx, func(s directory.Store) error {
		var rotterdam directory.Tenant // the last one
		for _, tn := range []tenantSpec{
			{"sys", directory.LevelSystem, ""}, {"acme", directory.LevelProvider, "sys"},
			{"contoso", directory.LevelCustomer, "acme"}, {"rotterdam", directory.LevelSubcustomer, "contoso"},
		} {
			var err error
			if rotterdam, _, err = cached.PutTenant(ctx, s, tn.slug, titled(tn.slug), tn.level, tn.parent); err != nil {
				return err
			}
		}
		for _, svc := range directory.SeedServices {
			if _, _, err := cached.PutService(ctx, s, svc); err != nil {
				return err
			}
		}
		if _, _, err := cached.PutGlobalRole(ctx, s, "rotterdam", directory.GlobalRole{Name: "fleet-operators",
			Permissions: perms("inventory:read", "inventory:change", "alarms:admin", "operations:read")}); err != nil {
			return err
		}
		if _, _, err := cached.PutGroup(ctx, s, "rotterdam", directory.Group{Name: "night-shift", GlobalRoles: []string{"devices"},
			ServiceRoles: directory.ServiceRoles{"things-support": {"user"}}}); err != nil {
			return err
		}
		if client, _, _, err = cached.PutClient(ctx, s, directory.Client{ID: "fleet-rotterdam", Name: "Rotterdam fleet",
			TenantID: rotterdam.ID, Type: directory.ClientConfidential, AuthMethod: directory.AuthSecretBasic,
			GrantTypes: []string{directory.GrantClientCredentials}, Scopes: []string{"devices.read", "devices.write", "permissions"},
			DefaultScopes: []string{"permissions"}, GlobalRoles: []string{"devices", "fleet-operators"},
			ServiceRoles: directory.ServiceRoles{"things-manager": {"editor"}, "webshop": {"read-only"}}}, fleetSecret); err != nil {
			return err
		}
		user, _, err = cached.PutUser(ctx, s, directory.NewUser{TenantSlug: "rotterdam", Username: "jill", Email: "jill@contoso.example",
			GivenName: "Jill", FamilyName: "de Vries", TenantRole: directory.TenantRoleUser, GlobalRoles: []string{"fleet-operators"},
			Groups: []string{"night-shift"}, ServiceRoles: directory.ServiceRoles{"webshop": {"quotation"}}})
		return err
	})
	if err != nil {
		b.Fatal(err)
	}
	watch(b, cached)
	return cached, uncached, client, user
}

// watch runs d.WatchChanges for the benchmark, as a server does, and waits
// until its cache serves.
func watch(b *testing.B, d *directory.Directory) {
	b.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); d.WatchChanges(ctx) }()
	b.Cleanup(func() { cancel(); <-done })
	for deadline := time.Now().Add(15 * time.Second); !d.Cached(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			b.Fatal("the directory's cache did not come live within 15s")
		}
	}
}

// BenchmarkClientPrincipal measures what a client credentials token needs
// of the directory besides the client: the machine client's principal in
// its Sub-Customer tenant (ClientPrincipal: the tenant's Book, then
// Resolve) and its permissions as the token carries them. "cached" is the
// server's case, the Book from memory; "store" reads the tenant, roles,
// groups, services and resources from SQLite each time, as a node does
// while its cache cannot serve. BenchmarkResolve covers Resolve alone.
func BenchmarkClientPrincipal(b *testing.B) {
	cached, uncached, c, _ := tokenPathWorld(b)
	for _, bc := range []struct {
		name string
		d    *directory.Directory
	}{{"cached", cached}, {"store", uncached}} {
		b.Run(bc.name, func(b *testing.B) {
			p, err := bc.d.ClientPrincipal(b.Context(), &c)
			if err != nil {
				b.Fatal(err)
			}
			if !slices.Equal(p.GlobalRoles, []string{"devices", "fleet-operators"}) || !p.Permissions.Has("alarms", directory.AccessAdmin) ||
				!p.ServiceRoles.Has("webshop", "read-only") {
				b.Fatalf("the machine client resolved to %+v", p)
			}
			b.ReportAllocs()
			for b.Loop() {
				p, err := bc.d.ClientPrincipal(b.Context(), &c)
				if err != nil {
					b.Fatal(err)
				}
				_ = p.Permissions.Strings()
			}
		})
	}
}

// BenchmarkPrincipalOf measures the same for a person's tokens
// (PrincipalSince, called by issueToPerson and userinfo): the user, always
// read from the store, and the principal resolved with the Book (from
// memory when cached).
func BenchmarkPrincipalOf(b *testing.B) {
	cached, uncached, _, u := tokenPathWorld(b)
	for _, bc := range []struct {
		name string
		d    *directory.Directory
	}{{"cached", cached}, {"store", uncached}} {
		b.Run(bc.name, func(b *testing.B) {
			_, p, err := bc.d.PrincipalSince(b.Context(), u.ID, "", time.Now())
			if err != nil {
				b.Fatal(err)
			}
			if !slices.Equal(p.GlobalRoles, []string{"devices", "fleet-operators", "readers"}) || !slices.Equal(p.Groups, []string{"night-shift"}) ||
				!p.ServiceRoles.Has("things-support", "user") || !p.ServiceRoles.Has("webshop", "quotation") {
				b.Fatalf("jill resolved to %+v", p)
			}
			b.ReportAllocs()
			for b.Loop() {
				_, p, err := bc.d.PrincipalSince(b.Context(), u.ID, "", time.Now())
				if err != nil {
					b.Fatal(err)
				}
				_ = p.Permissions.Strings()
			}
		})
	}
}

// BenchmarkClientSecret measures the client authentication of every
// client_secret_basic or _post token request: the client from the
// directory's cache (ClientByID, a copy) and CheckClientSecret (one
// HMAC-SHA-256 and a constant-time compare; never a password hash), with
// the right secret and a wrong one of the same length, which must cost the
// same.
func BenchmarkClientSecret(b *testing.B) {
	d, _, c, _ := tokenPathWorld(b)
	wrong := fleetSecret[:len(fleetSecret)-1] + "X"
	for _, bc := range []struct {
		name   string
		secret string
		ok     bool
	}{{"right", fleetSecret, true}, {"wrong", wrong, false}} {
		b.Run("check/"+bc.name, func(b *testing.B) {
			if err := d.CheckClientSecret(&c, bc.secret); (err == nil) != bc.ok {
				b.Fatalf("CheckClientSecret: %v", err)
			}
			b.ReportAllocs()
			for b.Loop() {
				_ = d.CheckClientSecret(&c, bc.secret)
			}
		})
	}
	b.Run("lookup-and-check", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			c, err := d.Store().ClientByID(b.Context(), "fleet-rotterdam")
			if err != nil {
				b.Fatal(err)
			}
			if err := d.CheckClientSecret(&c, fleetSecret); err != nil {
				b.Fatal(err)
			}
		}
	})
}
