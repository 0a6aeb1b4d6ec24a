package sqlite

import "testing"

// TestUpgradeFrom0001 migrates a database holding data under the first
// schema, as an existing data folder does, and reads that data back with
// the defaults 0002 gives it: no roles, no groups, no owner, no settings;
// 0013's: no login page; and 0016's: no keys.
func TestUpgradeFrom0001(t *testing.T) {
	ts := "2025-03-14T15:09:26.535897000Z"
	path := atVersion(t, 1, []string{
		`INSERT INTO tenants VALUES ('t-sys', 'sys', 'System', 'system', NULL, '["t-sys"]', '` + ts + `', '` + ts + `')`,
		`INSERT INTO users VALUES ('u-root', 't-sys', 'root', '', 0, '', '', '', '', 'admin', '', 0, '` + ts + `', '` + ts + `')`,
		`INSERT INTO clients VALUES ('portal', 'Portal', NULL, 'public', 'none', NULL, '["https://p.example/cb"]', '[]',
			'["authorization_code"]', '["tenant"]', 0, 0, 0, 0, '` + ts + `', '` + ts + `')`,
	})

	s := open(t, path)
	ctx := t.Context()
	wantVersions(t, s)
	tn, err := s.TenantByID(ctx, "t-sys")
	if err != nil {
		t.Fatal(err)
	}
	if tn.Settings.UserRoles != nil || tn.Slug != "sys" {
		t.Errorf("tenant after upgrade = %+v", tn)
	}
	u, err := s.UserByID(ctx, "u-root")
	if err != nil {
		t.Fatal(err)
	}
	if len(u.GlobalRoles) != 0 || len(u.ServiceRoles) != 0 || len(u.Groups) != 0 || u.OwnerID != "" || u.Username != "root" {
		t.Errorf("user after upgrade = %+v", u)
	}
	c, err := s.ClientByID(ctx, "portal")
	if err != nil {
		t.Fatal(err)
	}
	if len(c.DefaultScopes) != 0 || len(c.Services) != 0 || len(c.GlobalRoles) != 0 || len(c.ServiceRoles) != 0 ||
		len(c.Scopes) != 1 || c.InitiateLoginURI != "" || c.JWKS != "" || c.JWKSURI != "" {
		t.Errorf("client after upgrade = %+v", c)
	}
}
