package postgres

import (
	"encoding/json"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/gatehouse-id/gatehouse/directory"
)

// TestSupportSettingsJSON pins the stored names of the support policy
// (storage/internal/stored, shared with the other backend) as this
// backend's settings column holds them, so that renaming a Go field does
// not orphan stored data, and that the zero policy leaves no key behind.
func TestSupportSettingsJSON(t *testing.T) {
	s := fresh(t)
	for _, tc := range []struct {
		policy directory.SupportPolicy
		want   string
	}{
		{directory.SupportPolicy{}, `{"user_roles":null}`},
		{directory.SupportPolicy{Mode: directory.SupportByConsent, RequireReason: true, ConsentWindow: 24 * time.Hour},
			`{"user_roles":null,"support":{"mode":"consent","require_reason":true,"consent_window_seconds":86400}}`},
		{directory.SupportPolicy{Mode: directory.SupportByPermission},
			`{"user_roles":null,"support":{"mode":"permission"}}`},
	} {
		tn := directory.Tenant{ID: "t-sys", Slug: "sys", Level: directory.LevelSystem, Path: []string{"t-sys"},
			Settings: directory.TenantSettings{Support: tc.policy}}
		if _, err := s.pool.Exec(t.Context(), `DELETE FROM tenants`); err != nil {
			t.Fatal(err)
		}
		if err := s.CreateTenant(t.Context(), tn); err != nil {
			t.Fatal(err)
		}
		var got []byte
		if err := s.pool.QueryRow(t.Context(), `SELECT settings FROM tenants WHERE id = 't-sys'`).Scan(&got); err != nil {
			t.Fatal(err)
		}
		var g, w any
		if err := json.Unmarshal(got, &g); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal([]byte(tc.want), &w); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(g, w) {
			t.Errorf("settings of %+v stored as %s, want %s", tc.policy, got, tc.want)
		}
	}
}

// TestSupportWindowNotWholeSeconds: a consent window that would not read
// back is refused rather than stored.
func TestSupportWindowNotWholeSeconds(t *testing.T) {
	s := fresh(t)
	tn := directory.Tenant{ID: "t-sys", Slug: "sys", Level: directory.LevelSystem, Path: []string{"t-sys"},
		Settings: directory.TenantSettings{Support: directory.SupportPolicy{ConsentWindow: time.Hour + time.Millisecond}}}
	if err := s.CreateTenant(t.Context(), tn); err == nil {
		t.Fatal("CreateTenant stored a consent window of a fraction of a second")
	}
	if _, err := s.TenantByID(t.Context(), tn.ID); !errors.Is(err, directory.ErrNotFound) {
		t.Errorf("TenantByID after the refused create: %v, want ErrNotFound", err)
	}
}

// TestUpgradeFrom0004 migrates a schema holding a tenant and a refresh
// token under the fourth version, and reads them back with what 0005 gives
// them: the tenant has the zero support policy, and the token was born
// outside a support session.
func TestUpgradeFrom0004(t *testing.T) {
	ts := "2025-03-14T15:09:26.535897Z"
	u := atVersion(t, 4, []string{
		`INSERT INTO tenants (id, slug, name, level, parent_id, path, settings, created_at, updated_at)
			VALUES ('t-sys', 'sys', 'System', 'system', NULL, '{t-sys}', '{"user_roles":["readers"],"mfa":"required"}',
			'` + ts + `', '` + ts + `')`,
		`INSERT INTO refresh_tokens (id, hash, family_id, client_id, subject, tenant_id, session_id, scopes, audience,
			amr, acr, auth_time, created_at, expires_at, used_at, revoked_at)
			VALUES ('rt-1', '\x0102', 'fam-1', 'portal', 'u-jill', 't-sys', 'sid-1', '{openid}', '{portal}',
			'{pwd}', '', '` + ts + `', '` + ts + `', '` + ts + `', NULL, NULL)`,
	})

	s := open(t, u)
	ctx := t.Context()
	wantVersions(t, s)
	tn, err := s.TenantByID(ctx, "t-sys")
	if err != nil || tn.Settings.Support != (directory.SupportPolicy{}) || tn.Settings.MFA != directory.MFARequired ||
		len(tn.Settings.UserRoles) != 1 {
		t.Errorf("tenant after upgrade = %+v, %v", tn, err)
	}
	rt, err := s.RefreshTokenByHash(ctx, []byte{1, 2})
	if err != nil || rt.ActorID != "" || rt.SupportReason != "" || rt.ID != "rt-1" || rt.Subject != "u-jill" {
		t.Errorf("refresh token after upgrade = %+v, %v", rt, err)
	}
	if _, err := s.SupportConsentOf(ctx, "t-sys", ""); !errors.Is(err, directory.ErrNotFound) {
		t.Errorf("SupportConsentOf after upgrade: error = %v, want ErrNotFound", err)
	}
}
