package sqlite

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/gatehouse-id/gatehouse/directory"
)

// Lists, service roles, permissions and settings are JSON in TEXT columns.
// A nil list or map is stored as null and an empty one as [] or {}, so both
// come back as they went in.

// encList stores a list as JSON text.
func encList(v []string) (string, error) { return encJSON("list", v) }

func decList(s string) ([]string, error) { return decJSON[[]string]("list", s) }

func encJSON(what string, v any) (string, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return "", fmt.Errorf("encode %s: %w", what, err)
	}
	return string(b), nil
}

func decJSON[T any](what, s string) (T, error) {
	var v T
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		return v, fmt.Errorf("decode %s %.40q: %w", what, s, err)
	}
	return v, nil
}

// settingsJSON is the stored form of directory.TenantSettings, with names
// of its own so that renaming a Go field does not orphan stored data.
type settingsJSON struct {
	UserRoles []string `json:"user_roles"`
	MFA       string   `json:"mfa,omitempty"`
	// Support is absent for the zero policy, as in every row written
	// before it existed.
	Support *supportJSON `json:"support,omitempty"`
}

// supportJSON is the stored form of directory.SupportPolicy. The consent
// window is whole seconds; a zero one (inherit) is left out.
type supportJSON struct {
	Mode          string `json:"mode,omitempty"`
	RequireReason bool   `json:"require_reason,omitempty"`
	ConsentWindow int64  `json:"consent_window_seconds,omitempty"`
}

// encSettings returns the stored form of v. A consent window that is not a
// whole number of seconds would not read back, and is refused rather than
// written.
func encSettings(v directory.TenantSettings) (settingsJSON, error) {
	out := settingsJSON{UserRoles: v.UserRoles, MFA: string(v.MFA)}
	if p := v.Support; p != (directory.SupportPolicy{}) {
		if p.ConsentWindow%time.Second != 0 {
			return settingsJSON{}, fmt.Errorf("encode settings: support consent window %s is not whole seconds", p.ConsentWindow)
		}
		out.Support = &supportJSON{Mode: string(p.Mode), RequireReason: p.RequireReason,
			ConsentWindow: int64(p.ConsentWindow / time.Second)}
	}
	return out, nil
}

// decode returns the settings v stores; a row without "support" has the
// zero policy.
func (v settingsJSON) decode() directory.TenantSettings {
	out := directory.TenantSettings{UserRoles: v.UserRoles, MFA: directory.MFAPolicy(v.MFA)}
	if p := v.Support; p != nil {
		out.Support = directory.SupportPolicy{Mode: directory.SupportMode(p.Mode), RequireReason: p.RequireReason,
			ConsentWindow: time.Duration(p.ConsentWindow) * time.Second}
	}
	return out
}

// encPermissions stores permissions in their token form, "resource:access".
// A permission that would not parse back is refused here rather than
// written, since the row could not be read again.
func encPermissions(ps []directory.Permission) (string, error) {
	if ps == nil {
		return encJSON("permissions", []string(nil))
	}
	ss, err := directory.PermissionStrings(ps)
	if err != nil {
		return "", fmt.Errorf("encode permissions: %w", err)
	}
	return encJSON("permissions", ss)
}

func decPermissions(s string) ([]directory.Permission, error) {
	ss, err := decJSON[[]string]("permissions", s)
	if err != nil || ss == nil {
		return nil, err
	}
	ps, err := directory.ParsePermissions(ss)
	if err != nil {
		return nil, fmt.Errorf("decode permissions: %w", err)
	}
	return ps, nil
}

// encoder encodes a row's JSON columns and keeps the first error, the
// counterpart of decoder.
type encoder struct{ err error }

func (e *encoder) keep(s string, err error) string {
	if e.err == nil {
		e.err = err
	}
	return s
}

func (e *encoder) list(v []string) string { return e.keep(encList(v)) }

func (e *encoder) serviceRoles(v directory.ServiceRoles) string {
	return e.keep(encJSON("service roles", v))
}

func (e *encoder) permissions(v []directory.Permission) string { return e.keep(encPermissions(v)) }

func (e *encoder) settings(v directory.TenantSettings) string {
	sj, err := encSettings(v)
	if err != nil {
		return e.keep("", err)
	}
	return e.keep(encJSON("settings", sj))
}

func (d *decoder) list(s string) []string {
	l, err := decList(s)
	d.keep(err)
	return l
}

func (d *decoder) serviceRoles(s string) directory.ServiceRoles {
	v, err := decJSON[directory.ServiceRoles]("service roles", s)
	d.keep(err)
	return v
}

func (d *decoder) permissions(s string) []directory.Permission {
	v, err := decPermissions(s)
	d.keep(err)
	return v
}

func (d *decoder) levels(s string) []directory.Level {
	v, err := decJSON[[]directory.Level]("levels", s)
	d.keep(err)
	return v
}

func (d *decoder) settings(s string) directory.TenantSettings {
	v, err := decJSON[settingsJSON]("settings", s)
	d.keep(err)
	return v.decode()
}
