package postgres

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/gatehouse-id/gatehouse/directory"
)

// Lists of names are text[] columns, NOT NULL; pgx sends a nil slice as
// NULL, so list stores it as an empty array, and it comes back empty rather
// than nil (the conformance suites store "none", not how it was spelled).
//
// Service roles and tenant settings are jsonb, encoded and decoded here
// rather than by pgx, so that a nil map is the JSON null and an empty one
// {}, as in SQLite, and a row that does not decode is an error naming it.

// list returns v, or an empty list for nil.
func list(v []string) []string {
	if v == nil {
		return []string{}
	}
	return v
}

func encJSON(what string, v any) (string, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return "", fmt.Errorf("encode %s: %w", what, err)
	}
	return string(b), nil
}

func decJSON[T any](what string, b []byte) (T, error) {
	var v T
	if err := json.Unmarshal(b, &v); err != nil {
		return v, fmt.Errorf("decode %s %.40q: %w", what, b, err)
	}
	return v, nil
}

// settingsJSON is the stored form of directory.TenantSettings, with names
// of its own so that renaming a Go field does not orphan stored data. The
// same names as in SQLite.
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
func encPermissions(ps []directory.Permission) ([]string, error) {
	ss, err := directory.PermissionStrings(ps)
	if err != nil {
		return nil, fmt.Errorf("encode permissions: %w", err)
	}
	return ss, nil
}

func decPermissions(ss []string) ([]directory.Permission, error) {
	ps, err := directory.ParsePermissions(ss)
	if err != nil {
		return nil, fmt.Errorf("decode permissions: %w", err)
	}
	return ps, nil
}

// encoder encodes a row's jsonb and permission columns and keeps the first
// error, so that an args function reads as a list of fields.
type encoder struct{ err error }

func (e *encoder) keep(err error) {
	if e.err == nil {
		e.err = err
	}
}

func (e *encoder) serviceRoles(v directory.ServiceRoles) string {
	s, err := encJSON("service roles", v)
	e.keep(err)
	return s
}

func (e *encoder) settings(v directory.TenantSettings) string {
	sj, err := encSettings(v)
	if err != nil {
		e.keep(err)
		return ""
	}
	s, err := encJSON("settings", sj)
	e.keep(err)
	return s
}

func (e *encoder) permissions(v []directory.Permission) []string {
	ss, err := encPermissions(v)
	e.keep(err)
	return ss
}

// decoder is the counterpart of encoder for scan functions.
type decoder struct{ err error }

func (d *decoder) keep(err error) {
	if d.err == nil {
		d.err = err
	}
}

func (d *decoder) serviceRoles(b []byte) directory.ServiceRoles {
	v, err := decJSON[directory.ServiceRoles]("service roles", b)
	d.keep(err)
	return v
}

func (d *decoder) settings(b []byte) directory.TenantSettings {
	v, err := decJSON[settingsJSON]("settings", b)
	d.keep(err)
	return v.decode()
}

func (d *decoder) permissions(ss []string) []directory.Permission {
	v, err := decPermissions(ss)
	d.keep(err)
	return v
}

// levels converts without checking, as SQLite's JSON decoding does: the
// Directory validates levels before they are stored.
func levels(ss []string) []directory.Level {
	ls := make([]directory.Level, len(ss))
	for i, s := range ss {
		ls[i] = directory.Level(s)
	}
	return ls
}

func levelStrings(ls []directory.Level) []string {
	ss := make([]string, len(ls))
	for i, l := range ls {
		ss[i] = string(l)
	}
	return ss
}
