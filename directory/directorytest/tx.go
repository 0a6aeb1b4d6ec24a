package directorytest

import (
	"errors"
	"testing"

	"github.com/gatehouse-id/gatehouse/directory"
)

func testInTx(t *testing.T, newStore func(t *testing.T) directory.Store) {
	errAbort := errors.New("abort")
	sys := newTenant("t-sys", "sys", nil)
	acme := newTenant("t-acme", "acme", &sys)
	jill := newUser("u-jill", acme.ID, "jill", "jill@example.com")
	portal := newClient("portal", acme.ID)

	// writeAll stores a tenant tree, a user and a client through tx,
	// checking that tx reads its own writes on the way.
	writeAll := func(t *testing.T, tx directory.Store) error {
		t.Helper()
		mustDo(t, tx.CreateTenant(t.Context(), sys))
		mustDo(t, tx.CreateTenant(t.Context(), acme))
		if _, err := tx.TenantBySlug(t.Context(), acme.Slug); err != nil {
			t.Fatalf("a transaction must see its own writes: %v", err)
		}
		mustDo(t, tx.CreateUser(t.Context(), jill))
		return tx.CreateClient(t.Context(), portal)
	}

	for _, tc := range []struct {
		name    string
		fn      func(t *testing.T) func(directory.Store) error
		wantErr error // nil: committed
	}{
		{"commit", func(t *testing.T) func(directory.Store) error {
			return func(tx directory.Store) error { return writeAll(t, tx) }
		}, nil},
		{"fn fails after several writes", func(t *testing.T) func(directory.Store) error {
			return func(tx directory.Store) error {
				mustDo(t, writeAll(t, tx))
				return errAbort
			}
		}, errAbort},
		{"store error inside fn", func(t *testing.T) func(directory.Store) error {
			return func(tx directory.Store) error {
				mustDo(t, writeAll(t, tx))
				return tx.CreateTenant(t.Context(), newTenant("t-dup", sys.Slug, &sys))
			}
		}, directory.ErrConflict},
		{"nested InTx joins the outer transaction", func(t *testing.T) func(directory.Store) error {
			return func(tx directory.Store) error {
				mustDo(t, tx.InTx(t.Context(), func(inner directory.Store) error { return writeAll(t, inner) }))
				return errAbort
			}
		}, errAbort},
		{"nested commit", func(t *testing.T) func(directory.Store) error {
			return func(tx directory.Store) error {
				mustDo(t, tx.CreateTenant(t.Context(), sys))
				return tx.InTx(t.Context(), func(inner directory.Store) error {
					mustDo(t, inner.CreateTenant(t.Context(), acme))
					mustDo(t, inner.CreateUser(t.Context(), jill))
					return inner.CreateClient(t.Context(), portal)
				})
			}
		}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newStore(t)
			err := s.InTx(t.Context(), tc.fn(t))
			wantErr(t, err, tc.wantErr)

			if tc.wantErr == nil {
				got, err := s.TenantBySlug(t.Context(), acme.Slug)
				mustDo(t, err)
				wantEqual(t, "tenant after commit", got, acme)
				u, err := s.UserByUsername(t.Context(), acme.ID, jill.Username)
				mustDo(t, err)
				wantEqual(t, "user after commit", u, jill)
				c, err := s.ClientByID(t.Context(), portal.ID)
				mustDo(t, err)
				wantEqual(t, "client after commit", c, portal)
				return
			}
			if ts, err := s.ListTenants(t.Context()); err != nil || len(ts) != 0 {
				t.Errorf("tenants after rollback = %v, %v; want none", ts, err)
			}
			if _, err := s.UserByID(t.Context(), jill.ID); !errors.Is(err, directory.ErrNotFound) {
				t.Errorf("user after rollback: error = %v, want ErrNotFound", err)
			}
			if cs, err := s.ListClients(t.Context()); err != nil || len(cs) != 0 {
				t.Errorf("clients after rollback = %v, %v; want none", cs, err)
			}
		})
	}
}

// testCopies checks that values handed in and out are not shared with the
// store: a caller may mutate them freely.
func testCopies(t *testing.T, newStore func(t *testing.T) directory.Store) {
	s := newStore(t)
	sys, acme := seed(t, s)
	client := newClient("machine", acme.ID)
	mustDo(t, s.CreateClient(t.Context(), client))
	want := newClient("machine", acme.ID)

	// Mutate what was handed in.
	client.SecretHash[0] ^= 0xff
	client.RedirectURIs[0] = "https://evil.example/cb"
	client.Scopes[0] = "admin"
	acme.Path[0] = "mutated"

	// Mutate what came out, then read again.
	for range 2 {
		got, err := s.ClientByID(t.Context(), client.ID)
		mustDo(t, err)
		wantEqual(t, "client", got, want)
		got.SecretHash[0] ^= 0xff
		got.RedirectURIs[0] = "https://evil.example/cb"
		got.GrantTypes[0] = "password"

		list, err := s.ListClients(t.Context())
		mustDo(t, err)
		list[0].PostLogoutRedirectURIs[0] = "https://evil.example/bye"

		tn, err := s.TenantByID(t.Context(), "t-acme")
		mustDo(t, err)
		wantEqual(t, "tenant", tn, newTenant("t-acme", "acme", &sys))
		tn.Path[0] = "mutated"
		tenants, err := s.ListTenants(t.Context())
		mustDo(t, err)
		tenants[1].Path[0] = "mutated"
	}
}
