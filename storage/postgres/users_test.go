package postgres

import (
	"testing"
	"time"

	"github.com/gatehouse-id/gatehouse/password"
)

// TestUpgradeFrom0007 migrates a schema holding a user stored before 0008,
// and reads it back with an empty profile and no logins; its first login
// then counts as one.
func TestUpgradeFrom0007(t *testing.T) {
	ts := "2025-03-14T15:09:26.535897Z"
	u := atVersion(t, 7, []string{
		`INSERT INTO tenants (id, slug, name, level, parent_id, path, created_at, updated_at)
			VALUES ('t-sys', 'sys', 'System', 'system', NULL, '{t-sys}', '` + ts + `', '` + ts + `')`,
		`INSERT INTO users (id, tenant_id, username, email, email_verified, given_name, family_name, display_name,
			preferred_language, tenant_role, password_hash, disabled, created_at, updated_at)
			VALUES ('u-root', 't-sys', 'root', '', false, 'Root', '', '', 'en', 'admin', '', false, '` + ts + `', '` + ts + `')`,
	})
	s := open(t, u)
	ctx := t.Context()
	usr, err := s.UserByID(ctx, "u-root")
	if err != nil {
		t.Fatal(err)
	}
	if usr.Phone != "" || usr.JobTitle != "" || usr.OfficeLocation != "" || usr.LoginCount != 0 || !usr.LastLoginAt.IsZero() ||
		usr.LastLoginAddress != "" || !usr.LastSeenAt.IsZero() || usr.GivenName != "Root" || usr.PreferredLanguage != "en" {
		t.Errorf("user after upgrade = %+v", usr)
	}
	now := time.Date(2025, 3, 15, 8, 0, 0, 0, time.UTC)
	if err := s.RecordLogin(ctx, usr.ID, now, "192.0.2.7"); err != nil {
		t.Fatal(err)
	}
	if usr, err = s.UserByID(ctx, "u-root"); err != nil {
		t.Fatal(err)
	}
	if usr.LoginCount != 1 || !usr.LastLoginAt.Equal(now) || !usr.LastSeenAt.Equal(now) || usr.LastLoginAddress != "192.0.2.7" {
		t.Errorf("user after its first login = %+v", usr)
	}
}

// TestUpgradeFrom0008 migrates a schema holding a user stored before 0009,
// and reads it back with a password of unknown strength, no change asked
// for, not deleted and nothing revoked: it counts against its tenant's
// quota and is not due for purging.
func TestUpgradeFrom0008(t *testing.T) {
	ts := "2025-03-14T15:09:26.535897Z"
	u := atVersion(t, 8, []string{
		`INSERT INTO tenants (id, slug, name, level, parent_id, path, created_at, updated_at)
			VALUES ('t-sys', 'sys', 'System', 'system', NULL, '{t-sys}', '` + ts + `', '` + ts + `')`,
		`INSERT INTO users (id, tenant_id, username, email, email_verified, given_name, family_name, display_name,
			preferred_language, tenant_role, password_hash, disabled, created_at, updated_at, phone, login_count)
			VALUES ('u-root', 't-sys', 'root', '', false, 'Root', '', '', 'en', 'admin', '$argon2id$x', false,
			'` + ts + `', '` + ts + `', '+31 20 555 0134', 3)`,
	})
	s := open(t, u)
	ctx := t.Context()
	wantVersions(t, s)
	usr, err := s.UserByID(ctx, "u-root")
	if err != nil {
		t.Fatal(err)
	}
	if usr.PasswordStrength != password.StrengthUnknown || usr.MustChangePassword || usr.Deleted() ||
		!usr.RevokedBefore.IsZero() || usr.PasswordHash != "$argon2id$x" || usr.Phone != "+31 20 555 0134" ||
		usr.LoginCount != 3 {
		t.Errorf("user after upgrade = %+v", usr)
	}
	if n, err := s.CountUsers(ctx, "t-sys"); err != nil || n != 1 {
		t.Errorf("CountUsers after upgrade = %d, %v; want 1", n, err)
	}
	if due, err := s.DeletedUsersBefore(ctx, time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC), 0); err != nil || len(due) != 0 {
		t.Errorf("DeletedUsersBefore after upgrade = %+v, %v; want none", due, err)
	}
}
