package directory_test

import (
	"bytes"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/gatehouse-id/gatehouse/directory"
	"github.com/gatehouse-id/gatehouse/mfa"
	"github.com/gatehouse-id/gatehouse/password"
	"github.com/gatehouse-id/gatehouse/storage/sqlite"
)

// BenchmarkUsersFor measures a page of the administration API's user list
// (50 users, the default) in tenants of 2,000 and 20,000 users over SQLite:
// the first page, a page from a cursor in the middle, a text query most
// users match, and the users with TOTP (one in ten). The store reads the
// page rather than the tenant, so a page costs about the same in both;
// compare ns/op across the sizes. A text that (almost) nobody matches is
// still looked for in every user of the tenant (text-one), as no index
// holds parts of names; that cost grows with the tenant, in SQL:
//
//	go test -run '^$' -bench UsersFor ./directory
func BenchmarkUsersFor(b *testing.B) {
	for _, n := range []int{2000, 20000} {
		d, admin := bigTenant(b, n)
		mid, _, err := d.UsersFor(b.Context(), admin, "acme", directory.UserFilter{Limit: n / 2})
		if err != nil {
			b.Fatal(err)
		}
		_, cursor, err := d.UsersFor(b.Context(), admin, "acme", directory.UserFilter{Limit: len(mid)})
		if err != nil {
			b.Fatal(err)
		}
		for _, bc := range []struct {
			name string
			f    directory.UserFilter
			want int // the page's users
		}{
			{"first", directory.UserFilter{}, 50},
			{"cursor", directory.UserFilter{After: cursor}, 50},
			{"text", directory.UserFilter{Query: "User"}, 50},
			{"mfa", directory.UserFilter{MFA: directory.MFAEnrolled}, 50},
			// The worst case: a text one user matches is looked for in
			// every user of the tenant, in SQL.
			{"text-one", directory.UserFilter{Query: "USER000042@"}, 1},
		} {
			b.Run(fmt.Sprintf("users=%d/%s", n, bc.name), func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					page, _, err := d.UsersFor(b.Context(), admin, "acme", bc.f)
					if err != nil || len(page) != bc.want {
						b.Fatalf("a page of %d, %v", len(page), err)
					}
				}
			})
		}
	}
}

// bigTenant is a SQLite directory whose tenant acme has n users (one in
// ten with TOTP) besides its administrator, whose Caller it returns.
func bigTenant(b *testing.B, n int) (*directory.Directory, directory.Caller) {
	b.Helper()
	ctx := b.Context()
	st, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "gatehouse.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	d := directory.New(st, directory.NewSecretHasher(bytes.Repeat([]byte{3}, 32)),
		directory.Config{PasswordParams: password.Params{Memory: 64, Time: 1, Threads: 1}})
	if _, err = d.CreateTenant(ctx, "sys", "System", directory.LevelSystem, ""); err != nil {
		b.Fatal(err)
	}
	acme, err := d.CreateTenant(ctx, "acme", "Acme", directory.LevelProvider, "sys")
	if err != nil {
		b.Fatal(err)
	}
	ada, err := d.CreateUser(ctx, directory.NewUser{TenantSlug: "acme", Username: "ada", TenantRole: directory.TenantRoleAdmin})
	if err != nil {
		b.Fatal(err)
	}
	created := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	err = d.Store().InTx(ctx, func(s directory.Store) error {
		for i := range n {
			at := created.Add(time.Duration(i) * time.Second)
			name := fmt.Sprintf("user%06d", (i*7919)%n)
			if err := s.CreateUser(ctx, directory.User{ID: fmt.Sprintf("u-%06d", i), TenantID: acme.ID, Username: name,
				Email: name + "@example.com", GivenName: "User", FamilyName: name, TenantRole: directory.TenantRoleUser,
				GlobalRoles: []string{directory.RoleReaders}, CreatedAt: at, UpdatedAt: at}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	creds := mfa.Store(st)
	for i := 0; i < n; i += 10 {
		if err := creds.PutTOTPCredential(ctx, mfa.Credential{UserID: fmt.Sprintf("u-%06d", i), SealedSecret: []byte{1},
			CreatedAt: created}, nil); err != nil {
			b.Fatal(err)
		}
	}
	admin, err := d.CallerForUser(ctx, ada.ID, "", "")
	if err != nil {
		b.Fatal(err)
	}
	return d, admin
}
