package postgres

import (
	"fmt"

	"github.com/gatehouse-id/gatehouse/directory"
	"github.com/gatehouse-id/gatehouse/storage/internal/stored"
)

// Lists of names are text[] columns, NOT NULL; pgx sends a nil slice as
// NULL, so list stores it as an empty array, and it comes back empty rather
// than nil (the conformance suites store "none", not how it was spelled).
//
// Service roles, tenant settings and audit details are jsonb, encoded and
// decoded here rather than by pgx, so that a nil map is the JSON null and
// an empty one {}, and a row that does not decode is an error naming it.
// Settings and details have the stored forms of package stored, the same
// as in SQLite.

// list returns v, or an empty list for nil.
func list(v []string) []string {
	if v == nil {
		return []string{}
	}
	return v
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
	s, err := stored.Encode("service roles", v)
	e.keep(err)
	return s
}

func (e *encoder) settings(v directory.TenantSettings) string {
	s, err := stored.EncodeSettings(v)
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
	v, err := stored.Decode[directory.ServiceRoles]("service roles", b)
	d.keep(err)
	return v
}

func (d *decoder) settings(b []byte) directory.TenantSettings {
	v, err := stored.DecodeSettings(b)
	d.keep(err)
	return v
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
