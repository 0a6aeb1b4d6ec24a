package directoryfile_test

import (
	"bytes"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-id/gatehouse/directory"
	"github.com/gatehouse-id/gatehouse/password"
	"github.com/gatehouse-id/gatehouse/storage/sqlite"
)

// cheap is a password cost that keeps tests fast; the cost itself is
// package password's business.
var cheap = password.Params{Memory: 64, Time: 1, Threads: 1}

// newDirectory returns a Directory over a fresh SQLite store in t's temporary
// directory, with a fixed clock that tests can move.
func newDirectory(t *testing.T) (*directory.Directory, *clock) {
	t.Helper()
	st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "gatehouse.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	c := &clock{now: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
	d := directory.New(st, directory.NewSecretHasher(bytes.Repeat([]byte{7}, 32)),
		directory.Config{PasswordParams: cheap, Now: c.Now})
	return d, c
}

type clock struct{ now time.Time }

func (c *clock) Now() time.Time { return c.now }

// dump describes everything stored, one line per entity, so that a test can
// tell that nothing changed.
func dump(t *testing.T, d *directory.Directory) string {
	t.Helper()
	ctx, s := t.Context(), d.Store()
	var b strings.Builder
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	resources, err := s.ListResources(ctx)
	must(err)
	for _, r := range resources {
		fmt.Fprintf(&b, "resource %s %q %v\n", r.Name, r.Description, r.Levels)
	}
	services, err := s.ListServices(ctx)
	must(err)
	for _, sv := range services {
		fmt.Fprintf(&b, "service %s %q %v updated=%s\n", sv.Name, sv.DisplayName, sv.Roles, sv.UpdatedAt.Format(time.RFC3339))
	}
	tenants, err := s.ListTenants(ctx)
	must(err)
	slugs := map[string]string{}
	for _, tn := range tenants {
		slugs[tn.ID] = tn.Slug
	}
	for _, tn := range tenants {
		fmt.Fprintf(&b, "tenant %s %q %s user_roles=%v mfa=%s support=%+v updated=%s\n", tn.Slug, tn.Name, tn.Level,
			tn.Settings.UserRoles, tn.Settings.MFA, tn.Settings.Support, tn.UpdatedAt.Format(time.RFC3339))
		roles, err := s.ListGlobalRoles(ctx, tn.ID)
		must(err)
		for _, r := range roles {
			fmt.Fprintf(&b, "  role %s %q %v updated=%s\n", r.Name, r.Description, r.Permissions, r.UpdatedAt.Format(time.RFC3339))
		}
		groups, err := s.ListGroups(ctx, tn.ID)
		must(err)
		for _, g := range groups {
			fmt.Fprintf(&b, "  group %s %q %v %v updated=%s\n", g.Name, g.Description, g.GlobalRoles,
				g.ServiceRoles.Normalize(), g.UpdatedAt.Format(time.RFC3339))
		}
		users, err := s.ListUsers(ctx, tn.ID)
		must(err)
		for _, u := range users {
			fmt.Fprintf(&b, "  user %s %s %s %q %q %q %q %q disabled=%t hash=%t %v %v %v owner=%s updated=%s\n", u.Username,
				u.TenantRole, u.Email, u.GivenName, u.FamilyName, u.Phone, u.JobTitle, u.OfficeLocation, u.Disabled,
				u.PasswordHash != "", u.GlobalRoles, u.ServiceRoles.Normalize(), u.Groups, u.OwnerID, u.UpdatedAt.Format(time.RFC3339))
			links, err := s.LinksOfUser(ctx, u.ID)
			must(err)
			for _, l := range links {
				fmt.Fprintf(&b, "    link %s %s %v %v %v updated=%s\n", slugs[l.TenantID], l.TenantRole, l.GlobalRoles,
					l.ServiceRoles.Normalize(), l.Groups, l.UpdatedAt.Format(time.RFC3339))
			}
		}
	}
	clients, err := s.ListClients(ctx)
	must(err)
	for _, c := range clients {
		fmt.Fprintf(&b, "client %s %q %s %s %v %q %v %v %v %v %v %x updated=%s\n", c.ID, c.Name, c.Type, c.AuthMethod,
			c.RedirectURIs, c.InitiateLoginURI, c.Scopes, c.DefaultScopes, c.Services, c.GlobalRoles, c.ServiceRoles.Normalize(),
			c.SecretHash, c.UpdatedAt.Format(time.RFC3339))
	}
	return b.String()
}
