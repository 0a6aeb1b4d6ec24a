package stored

import (
	"reflect"
	"testing"
	"time"

	"github.com/gatehouse-id/gatehouse/directory"
)

// TestSettingsRoundTrip pins the stored form of tenant settings, which
// both backends keep, and reads each back as it was written.
func TestSettingsRoundTrip(t *testing.T) {
	for _, tc := range []struct {
		name     string
		settings directory.TenantSettings
		stored   string
	}{
		{"zero", directory.TenantSettings{}, `{"user_roles":null}`},
		{"empty roles", directory.TenantSettings{UserRoles: []string{}}, `{"user_roles":[]}`},
		{"quota", directory.TenantSettings{MaxUsers: 25}, `{"user_roles":null,"max_users":25}`},
		{"every field", directory.TenantSettings{UserRoles: []string{"readers"}, MFA: directory.MFARequired,
			Support:  directory.SupportPolicy{Mode: directory.SupportByConsent, RequireReason: true, ConsentWindow: time.Hour},
			MaxUsers: 1},
			`{"user_roles":["readers"],"mfa":"required","support":{"mode":"consent","require_reason":true,` +
				`"consent_window_seconds":3600},"max_users":1}`},
		{"branding without logo", directory.TenantSettings{Branding: directory.Branding{DisplayName: "Things Portal", PrimaryColor: "#1d4ed8"}},
			`{"user_roles":null,"branding":{"display_name":"Things Portal","primary_color":"#1d4ed8"}}`},
		{"logo only", directory.TenantSettings{Branding: directory.Branding{Logo: directory.Logo{MediaType: directory.MediaPNG, Data: []byte("\x89PNG\r\n\x1a\n")}}},
			`{"user_roles":null,"branding":{"logo":{"media_type":"image/png","data":"iVBORw0KGgo="}}}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := EncodeSettings(tc.settings)
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.stored {
				t.Errorf("EncodeSettings = %s, want %s", got, tc.stored)
			}
			back, err := DecodeSettings(got)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(back, tc.settings) {
				t.Errorf("DecodeSettings(%s) = %+v, want %+v", got, back, tc.settings)
			}
		})
	}
}

// TestSettingsWithoutQuota: a row written before quotas (and branding)
// existed has none, from either backend's column type.
func TestSettingsWithoutQuota(t *testing.T) {
	const row = `{"user_roles":["readers"],"mfa":"optional"}`
	want := directory.TenantSettings{UserRoles: []string{"readers"}, MFA: directory.MFAOptional}
	for name, decode := range map[string]func() (directory.TenantSettings, error){
		"text":  func() (directory.TenantSettings, error) { return DecodeSettings(row) },
		"bytes": func() (directory.TenantSettings, error) { return DecodeSettings([]byte(row)) },
	} {
		got, err := decode()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: DecodeSettings(%s) = %+v, want %+v", name, row, got, want)
		}
	}
}
