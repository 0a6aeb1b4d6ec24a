package sqlite

import (
	"testing"
	"time"

	"github.com/gatehouse-id/gatehouse/password"
)

// TestUpgradeFrom0007 migrates a database holding a user stored before
// 0008, and reads it back with an empty profile and no logins; its first
// login then counts as one.
func TestUpgradeFrom0007(t *testing.T) {
	ts := "2025-03-14T15:09:26.535897000Z"
	path := atVersion(t, 7, []string{
		`INSERT INTO tenants (id, slug, name, level, parent_id, path, created_at, updated_at)
			VALUES ('t-sys', 'sys', 'System', 'system', NULL, '["t-sys"]', '` + ts + `', '` + ts + `')`,
		`INSERT INTO users (id, tenant_id, username, email, email_verified, given_name, family_name, display_name,
			preferred_language, tenant_role, password_hash, disabled, created_at, updated_at)
			VALUES ('u-root', 't-sys', 'root', '', 0, 'Root', '', '', 'en', 'admin', '', 0, '` + ts + `', '` + ts + `')`,
	})
	s := open(t, path)
	ctx := t.Context()
	u, err := s.UserByID(ctx, "u-root")
	if err != nil {
		t.Fatal(err)
	}
	if u.Phone != "" || u.JobTitle != "" || u.OfficeLocation != "" || u.LoginCount != 0 || !u.LastLoginAt.IsZero() ||
		u.LastLoginAddress != "" || !u.LastSeenAt.IsZero() || u.GivenName != "Root" || u.PreferredLanguage != "en" {
		t.Errorf("user after upgrade = %+v", u)
	}
	now := time.Date(2025, 3, 15, 8, 0, 0, 0, time.UTC)
	if err := s.RecordLogin(ctx, u.ID, now, "192.0.2.7"); err != nil {
		t.Fatal(err)
	}
	if u, err = s.UserByID(ctx, "u-root"); err != nil {
		t.Fatal(err)
	}
	if u.LoginCount != 1 || !u.LastLoginAt.Equal(now) || !u.LastSeenAt.Equal(now) || u.LastLoginAddress != "192.0.2.7" {
		t.Errorf("user after its first login = %+v", u)
	}
}

// TestUpgradeFrom0008 migrates a database holding a user stored before
// 0009, and reads it back with a password of unknown strength, no change
// asked for, not deleted and nothing revoked: it counts against its
// tenant's quota and is not due for purging.
func TestUpgradeFrom0008(t *testing.T) {
	ts := "2025-03-14T15:09:26.535897000Z"
	path := atVersion(t, 8, []string{
		`INSERT INTO tenants (id, slug, name, level, parent_id, path, created_at, updated_at)
			VALUES ('t-sys', 'sys', 'System', 'system', NULL, '["t-sys"]', '` + ts + `', '` + ts + `')`,
		`INSERT INTO users (id, tenant_id, username, email, email_verified, given_name, family_name, display_name,
			preferred_language, tenant_role, password_hash, disabled, created_at, updated_at, phone, login_count)
			VALUES ('u-root', 't-sys', 'root', '', 0, 'Root', '', '', 'en', 'admin', '$argon2id$x', 0,
			'` + ts + `', '` + ts + `', '+31 20 555 0134', 3)`,
	})
	s := open(t, path)
	ctx := t.Context()
	wantVersions(t, s)
	u, err := s.UserByID(ctx, "u-root")
	if err != nil {
		t.Fatal(err)
	}
	if u.PasswordStrength != password.StrengthUnknown || u.MustChangePassword || u.Deleted() ||
		!u.RevokedBefore.IsZero() || u.PasswordHash != "$argon2id$x" || u.Phone != "+31 20 555 0134" ||
		u.LoginCount != 3 {
		t.Errorf("user after upgrade = %+v", u)
	}
	if n, err := s.CountUsers(ctx, "t-sys"); err != nil || n != 1 {
		t.Errorf("CountUsers after upgrade = %d, %v; want 1", n, err)
	}
	if due, err := s.DeletedUsersBefore(ctx, time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC), 0); err != nil || len(due) != 0 {
		t.Errorf("DeletedUsersBefore after upgrade = %+v, %v; want none", due, err)
	}
}
