package sqlite

import (
	"context"
	"errors"
	"testing"

	"github.com/gatehouse-id/gatehouse/directory"
	"github.com/gatehouse-id/gatehouse/mfa"
	"github.com/gatehouse-id/gatehouse/mfa/mfatest"
)

func TestMFA(t *testing.T) {
	mfatest.Run(t, func(t *testing.T) (mfa.Store, func(string) error) {
		s := fresh(t)
		return s, userMaker(t, s)
	})
}

// userMaker stores a tenant and returns a function that stores a user of
// it with the given id, for credentials to refer to.
func userMaker(t *testing.T, s *Store) func(id string) error {
	tn := seedTenant(t, s)
	return func(id string) error {
		return s.CreateUser(t.Context(), directory.User{ID: id, TenantID: tn.ID, Username: id,
			TenantRole: directory.TenantRoleUser})
	}
}

// TestMFAGoesWithUser: removing a user's row removes its credential and
// recovery codes (ON DELETE CASCADE), so that nothing of a deleted person
// outlives them, as mfa.Store promises. mfatest cannot remove a user;
// the Directory removes one with its tenant (DeleteTenant) or on its own
// (PurgeUser), each ending in a DELETE FROM users, which the first case
// runs alone.
func TestMFAGoesWithUser(t *testing.T) {
	for _, tc := range []struct {
		name   string
		remove func(ctx context.Context, s *Store) error
	}{
		{"row deleted", func(ctx context.Context, s *Store) error {
			_, err := s.db.ExecContext(ctx, `DELETE FROM users WHERE id = 'u-1'`)
			return err
		}},
		{"user purged", func(ctx context.Context, s *Store) error { return s.PurgeUser(ctx, "u-1") }},
		{"tenant deleted", func(ctx context.Context, s *Store) error { return s.DeleteTenant(ctx, "t-sys") }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := fresh(t)
			addUser := userMaker(t, s)
			if err := addUser("u-1"); err != nil {
				t.Fatal(err)
			}
			cred := mfa.Credential{UserID: "u-1", SealedSecret: []byte{1}}
			if err := s.PutTOTPCredential(t.Context(), cred, [][]byte{{1}, {2}}); err != nil {
				t.Fatal(err)
			}
			if err := tc.remove(t.Context(), s); err != nil {
				t.Fatal(err)
			}
			if _, err := s.TOTPCredential(t.Context(), "u-1"); !errors.Is(err, mfa.ErrNotFound) {
				t.Errorf("TOTPCredential after the user's removal: error = %v, want ErrNotFound", err)
			}
			var n int
			if err := s.db.QueryRowContext(t.Context(), `SELECT count(*) FROM recovery_codes`).Scan(&n); err != nil || n != 0 {
				t.Errorf("recovery codes left after the user's removal: %d, %v; want 0", n, err)
			}
		})
	}
}

// TestUpgradeFrom0002 migrates a database holding roles, groups and tenant
// settings under the second schema, and reads them back with what 0003
// gives them: no role or group requires MFA, and every tenant inherits its
// parent's MFA policy.
func TestUpgradeFrom0002(t *testing.T) {
	ts := "2025-03-14T15:09:26.535897000Z"
	path := atVersion(t, 2, []string{
		`INSERT INTO tenants (id, slug, name, level, parent_id, path, settings, created_at, updated_at)
			VALUES ('t-sys', 'sys', 'System', 'system', NULL, '["t-sys"]', '{"user_roles":["readers"]}', '` + ts + `', '` + ts + `')`,
		`INSERT INTO global_roles (id, tenant_id, name, description, permissions, created_at, updated_at)
			VALUES ('r-1', 't-sys', 'admins', '', '[]', '` + ts + `', '` + ts + `')`,
		`INSERT INTO groups (id, tenant_id, name, description, global_roles, service_roles, created_at, updated_at)
			VALUES ('g-1', 't-sys', 'administrators', '', '[]', '{}', '` + ts + `', '` + ts + `')`,
	})

	s := open(t, path)
	ctx := t.Context()
	wantVersions(t, s)
	tn, err := s.TenantByID(ctx, "t-sys")
	if err != nil || tn.Settings.MFA != directory.MFAInherit || len(tn.Settings.UserRoles) != 1 {
		t.Errorf("tenant after upgrade = %+v, %v", tn, err)
	}
	r, err := s.GlobalRoleByName(ctx, "t-sys", "admins")
	if err != nil || r.RequireMFA {
		t.Errorf("role after upgrade = %+v, %v", r, err)
	}
	g, err := s.GroupByName(ctx, "t-sys", "administrators")
	if err != nil || g.RequireMFA {
		t.Errorf("group after upgrade = %+v, %v", g, err)
	}
}
