// Package stored holds the JSON forms that both SQL backends store:
// tenant settings (a TEXT column in SQLite, jsonb in PostgreSQL) and the
// details of an audit event; and a user's search text (search.go). One
// definition keeps the backends from drifting apart: a row means the same
// on both, and a field renamed in Go orphans nothing stored, since the
// stored names are written here.
//
// Encoders return text, which both drivers bind to either column type;
// decoders take the column as text (SQLite) or bytes (pgx's jsonb).
package stored

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/gatehouse-id/gatehouse/directory"
)

// Encode returns v as JSON text; what names v in the error.
func Encode(what string, v any) (string, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return "", fmt.Errorf("encode %s: %w", what, err)
	}
	return string(b), nil
}

// Decode returns the value of type T that the JSON b holds. The error
// names what, and quotes the start of b so that a bad row can be found.
func Decode[T any, B string | []byte](what string, b B) (T, error) {
	var v T
	if err := json.Unmarshal([]byte(b), &v); err != nil {
		return v, fmt.Errorf("decode %s %.40q: %w", what, b, err)
	}
	return v, nil
}

// settings is the stored form of directory.TenantSettings, with names of
// its own so that renaming a Go field does not orphan stored data.
type settings struct {
	UserRoles []string `json:"user_roles"`
	MFA       string   `json:"mfa,omitempty"`
	// Support is absent for the zero policy, as in every row written
	// before it existed.
	Support *support `json:"support,omitempty"`
	// MaxUsers is absent for no quota (0), as in every row written
	// before quotas existed.
	MaxUsers int `json:"max_users,omitempty"`
	// Branding is absent when the tenant sets none, as in every row
	// written before branding existed.
	Branding *branding `json:"branding,omitempty"`
}

// branding is the stored form of directory.Branding; the logo's bytes are
// base64, as encoding/json writes a []byte.
type branding struct {
	DisplayName  string `json:"display_name,omitempty"`
	PrimaryColor string `json:"primary_color,omitempty"`
	Logo         *logo  `json:"logo,omitempty"`
}

type logo struct {
	MediaType string `json:"media_type"`
	Data      []byte `json:"data"`
}

// support is the stored form of directory.SupportPolicy. The consent
// window is whole seconds; a zero one (inherit) is left out.
type support struct {
	Mode          string `json:"mode,omitempty"`
	RequireReason bool   `json:"require_reason,omitempty"`
	ConsentWindow int64  `json:"consent_window_seconds,omitempty"`
}

// EncodeSettings returns the stored form of v. A nil UserRoles is null and
// an empty one [], so that each reads back as it was. A consent window
// that is not a whole number of seconds would not read back, and is
// refused rather than written.
func EncodeSettings(v directory.TenantSettings) (string, error) {
	out := settings{UserRoles: v.UserRoles, MFA: string(v.MFA), MaxUsers: v.MaxUsers}
	if p := v.Support; p != (directory.SupportPolicy{}) {
		if p.ConsentWindow%time.Second != 0 {
			return "", fmt.Errorf("encode settings: support consent window %s is not whole seconds", p.ConsentWindow)
		}
		out.Support = &support{Mode: string(p.Mode), RequireReason: p.RequireReason,
			ConsentWindow: int64(p.ConsentWindow / time.Second)}
	}
	if b := v.Branding; !b.IsZero() {
		out.Branding = &branding{DisplayName: b.DisplayName, PrimaryColor: b.PrimaryColor}
		if !b.Logo.IsZero() {
			out.Branding.Logo = &logo{MediaType: b.Logo.MediaType, Data: b.Logo.Data}
		}
	}
	return Encode("settings", out)
}

// DecodeSettings returns the settings that b stores; a row without
// "support" (one written before support access existed) has the zero
// policy, one without "mfa" inherits its parent's, and one without
// "max_users" has no quota, and one without "branding" sets no branding
// (inherits all of it).
func DecodeSettings[B string | []byte](b B) (directory.TenantSettings, error) {
	v, err := Decode[settings]("settings", b)
	if err != nil {
		return directory.TenantSettings{}, err
	}
	out := directory.TenantSettings{UserRoles: v.UserRoles, MFA: directory.MFAPolicy(v.MFA), MaxUsers: v.MaxUsers}
	if p := v.Support; p != nil {
		out.Support = directory.SupportPolicy{Mode: directory.SupportMode(p.Mode), RequireReason: p.RequireReason,
			ConsentWindow: time.Duration(p.ConsentWindow) * time.Second}
	}
	if b := v.Branding; b != nil {
		out.Branding = directory.Branding{DisplayName: b.DisplayName, PrimaryColor: b.PrimaryColor}
		if b.Logo != nil {
			out.Branding.Logo = directory.Logo{MediaType: b.Logo.MediaType, Data: b.Logo.Data}
		}
	}
	return out, nil
}

// EncodeDetails returns the stored form of an audit event's details: a
// JSON object of strings, {} for none however spelled, so that the column
// always holds an object.
func EncodeDetails(details map[string]string) (string, error) {
	if len(details) == 0 {
		return "{}", nil
	}
	return Encode("details", details)
}

// DecodeDetails returns the details that b stores; {} comes back as nil.
// Anything but an object of strings is an error.
func DecodeDetails[B string | []byte](b B) (map[string]string, error) {
	m, err := Decode[map[string]string]("details", b)
	if err != nil || len(m) == 0 {
		return nil, err
	}
	return m, nil
}
