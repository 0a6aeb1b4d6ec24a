package directorytest

import (
	"slices"
	"strings"
	"testing"

	"github.com/gatehouse-id/gatehouse/directory"
)

func testClients(t *testing.T, newStore func(t *testing.T) directory.Store) {
	t.Run("RoundTrip", func(t *testing.T) {
		for _, tc := range []struct {
			name   string
			client func(acme directory.Tenant) directory.Client
		}{
			{"confidential machine client", func(acme directory.Tenant) directory.Client { return newClient("machine", acme.ID) }},
			{"public portal without tenant", func(directory.Tenant) directory.Client {
				return directory.Client{ID: "portal", Name: "Portal", Type: directory.ClientPublic,
					AuthMethod: directory.AuthNone, RedirectURIs: []string{"https://portal.example/cb"},
					GrantTypes: []string{directory.GrantAuthorizationCode}, CreatedAt: at(1), UpdatedAt: at(1)}
			}},
			{"portal with a login page", func(acme directory.Tenant) directory.Client {
				return withLoginPage(newClient("portal", acme.ID))
			}},
			{"portal with back-channel logout", func(acme directory.Tenant) directory.Client {
				c := newClient("portal", acme.ID)
				c.BackchannelLogoutURI, c.BackchannelLogoutSessionRequired = "https://portal.example/backchannel?x=1", true
				return c
			}},
			{"third-party application", func(acme directory.Tenant) directory.Client {
				c := newClient("integrator", "")
				c.ThirdParty = true
				return c
			}},
			{"private_key_jwt with inline keys", func(acme directory.Tenant) directory.Client {
				return withKeys(newClient("machine", acme.ID), testJWKS, "")
			}},
			{"private_key_jwt with a jwks_uri", func(acme directory.Tenant) directory.Client {
				return withKeys(newClient("machine", acme.ID), "", "https://machine.example/.well-known/jwks.json")
			}},
			{"empty rather than nil lists", func(directory.Tenant) directory.Client {
				return directory.Client{ID: "portal", Name: "Portal", Type: directory.ClientPublic,
					AuthMethod: directory.AuthNone, SecretHash: []byte{}, RedirectURIs: []string{},
					PostLogoutRedirectURIs: []string{}, GrantTypes: []string{}, Scopes: []string{},
					DefaultScopes: []string{}, Services: []string{}, GlobalRoles: []string{},
					ServiceRoles: directory.ServiceRoles{}, CreatedAt: at(1), UpdatedAt: at(1)}
			}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				s := newStore(t)
				_, acme := seed(t, s)
				want := tc.client(acme)
				mustDo(t, s.CreateClient(t.Context(), want))
				got, err := s.ClientByID(t.Context(), want.ID)
				mustDo(t, err)
				wantEqual(t, "ClientByID", got, want)
			})
		}
	})

	t.Run("NotFound", func(t *testing.T) {
		s := newStore(t)
		_, acme := seed(t, s)
		mustDo(t, s.CreateClient(t.Context(), newClient("machine", acme.ID)))
		for _, id := range []string{"nope", "MACHINE", ""} {
			_, err := s.ClientByID(t.Context(), id)
			wantErr(t, err, directory.ErrNotFound)
		}
	})

	t.Run("DuplicateID", func(t *testing.T) {
		s := newStore(t)
		_, acme := seed(t, s)
		mustDo(t, s.CreateClient(t.Context(), newClient("machine", acme.ID)))
		other := newClient("machine", "")
		other.Name = "Another"
		wantErr(t, s.CreateClient(t.Context(), other), directory.ErrConflict)
	})

	t.Run("MissingTenant", func(t *testing.T) {
		s := newStore(t)
		seed(t, s)
		err := s.CreateClient(t.Context(), newClient("machine", "t-nope"))
		wantMissing(t, err, "t-nope")
		_, err = s.ClientByID(t.Context(), "machine")
		wantErr(t, err, directory.ErrNotFound)
	})

	t.Run("Update", func(t *testing.T) {
		for _, tc := range []struct {
			name   string
			change func(c *directory.Client)
			want   error
		}{
			{"every field", func(c *directory.Client) {
				*c = directory.Client{ID: c.ID, Name: "Renamed", Type: directory.ClientPublic,
					AuthMethod: directory.AuthNone, RedirectURIs: []string{"https://new.example/cb"},
					GrantTypes: []string{directory.GrantAuthorizationCode}, Scopes: []string{"permissions"},
					DefaultScopes: []string{"permissions"}, Services: []string{"webshop"},
					GlobalRoles: []string{directory.RoleReaders}, ServiceRoles: directory.ServiceRoles{"webshop": {"read-only"}},
					InitiateLoginURI:    "https://new.example/login",
					AccessTokenLifetime: 1, CreatedAt: at(30), UpdatedAt: at(31)}
			}, nil},
			{"login page cleared", func(c *directory.Client) { c.InitiateLoginURI = "" }, nil},
			{"made third-party", func(c *directory.Client) { c.ThirdParty = true }, nil},
			{"keys registered", func(c *directory.Client) { *c = withKeys(*c, testJWKS, "") }, nil},
			{"keys moved to a jwks_uri", func(c *directory.Client) { *c = withKeys(*c, "", "https://m.example/jwks") }, nil},
			{"back-channel logout registered", func(c *directory.Client) {
				c.BackchannelLogoutURI, c.BackchannelLogoutSessionRequired = "http://localhost:8081/bcl", true
			}, nil},
			{"roles and services cleared", func(c *directory.Client) {
				c.DefaultScopes, c.Services, c.GlobalRoles, c.ServiceRoles = nil, nil, nil, nil
			}, nil},
			{"missing tenant", func(c *directory.Client) { c.TenantID = "t-nope" }, directory.ErrNotFound},
			{"missing row", func(c *directory.Client) { c.ID = "nope" }, directory.ErrNotFound},
		} {
			t.Run(tc.name, func(t *testing.T) {
				s := newStore(t)
				_, acme := seed(t, s)
				orig := withLoginPage(newClient("machine", acme.ID))
				mustDo(t, s.CreateClient(t.Context(), orig))
				changed := withLoginPage(newClient("machine", acme.ID))
				tc.change(&changed)
				err := s.UpdateClient(t.Context(), changed)
				wantErr(t, err, tc.want)
				if tc.want == directory.ErrNotFound && changed.ID == orig.ID {
					wantMissing(t, err, changed.TenantID)
				}
				want := changed
				if err != nil {
					want = orig
				}
				got, err := s.ClientByID(t.Context(), orig.ID)
				mustDo(t, err)
				wantEqual(t, "after update", got, want)
			})
		}
	})

	// The contract promises no order for ListClients; the suite only
	// checks that every client comes back, once, intact.
	t.Run("List", func(t *testing.T) {
		s := newStore(t)
		_, acme := seed(t, s)
		if got, err := s.ListClients(t.Context()); err != nil || len(got) != 0 {
			t.Fatalf("ListClients on an empty store = %v, %v; want none", got, err)
		}
		want := []directory.Client{newClient("c", acme.ID), withLoginPage(newClient("a", "")), newClient("b", acme.ID)}
		for _, c := range want {
			mustDo(t, s.CreateClient(t.Context(), c))
		}
		got, err := s.ListClients(t.Context())
		mustDo(t, err)
		byID := func(a, b directory.Client) int { return strings.Compare(a.ID, b.ID) }
		slices.SortFunc(got, byID)
		slices.SortFunc(want, byID)
		wantEqual(t, "ListClients", got, want)
	})
}

// withLoginPage gives c a login page (Client.InitiateLoginURI), which
// newClient leaves empty, so that the suite stores clients with and
// without one. Its query is kept as it is: Gatehouse adds iss and
// login_hint to it.
func withLoginPage(c directory.Client) directory.Client {
	c.InitiateLoginURI = "https://" + c.ID + ".example/login?from=gatehouse&lang=nl"
	return c
}

// testJWKS is a key set as a client registers it: JSON text, kept byte for
// byte (a store must not reformat it).
const testJWKS = `{"keys": [{"kty":"EC","crv":"P-256","kid":"k1","use":"sig",` +
	`"x":"WKn-ZIGevcwGIyyrzFoZNBdaq9_TsqzGl96oc0CWuis","y":"y77t-RvAHRKTsSGdIYUfweuOvwrvDD-Q3Hv5J0fSKbE"}]}`

// withKeys makes c a private_key_jwt client with keys jwks or at uri.
func withKeys(c directory.Client, jwks, uri string) directory.Client {
	c.AuthMethod, c.SecretHash, c.JWKS, c.JWKSURI = directory.AuthPrivateKeyJWT, nil, jwks, uri
	return c
}
