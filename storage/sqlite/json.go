package sqlite

import (
	"fmt"

	"github.com/gatehouse-id/gatehouse/directory"
	"github.com/gatehouse-id/gatehouse/storage/internal/stored"
)

// Lists, service roles, permissions and settings are JSON in TEXT columns.
// A nil list or map is stored as null and an empty one as [] or {}, so both
// come back as they went in. Settings (and audit details) have the stored
// forms of package stored, the same as in PostgreSQL.

// encList stores a list as JSON text.
func encList(v []string) (string, error) { return stored.Encode("list", v) }

func decList(s string) ([]string, error) { return stored.Decode[[]string]("list", s) }

// encPermissions stores permissions in their token form, "resource:access".
// A permission that would not parse back is refused here rather than
// written, since the row could not be read again.
func encPermissions(ps []directory.Permission) (string, error) {
	if ps == nil {
		return stored.Encode("permissions", []string(nil))
	}
	ss, err := directory.PermissionStrings(ps)
	if err != nil {
		return "", fmt.Errorf("encode permissions: %w", err)
	}
	return stored.Encode("permissions", ss)
}

func decPermissions(s string) ([]directory.Permission, error) {
	ss, err := stored.Decode[[]string]("permissions", s)
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
	return e.keep(stored.Encode("service roles", v))
}

func (e *encoder) permissions(v []directory.Permission) string { return e.keep(encPermissions(v)) }

func (e *encoder) settings(v directory.TenantSettings) string {
	return e.keep(stored.EncodeSettings(v))
}

func (d *decoder) list(s string) []string {
	l, err := decList(s)
	d.keep(err)
	return l
}

func (d *decoder) serviceRoles(s string) directory.ServiceRoles {
	v, err := stored.Decode[directory.ServiceRoles]("service roles", s)
	d.keep(err)
	return v
}

func (d *decoder) permissions(s string) []directory.Permission {
	v, err := decPermissions(s)
	d.keep(err)
	return v
}

func (d *decoder) levels(s string) []directory.Level {
	v, err := stored.Decode[[]directory.Level]("levels", s)
	d.keep(err)
	return v
}

func (d *decoder) settings(s string) directory.TenantSettings {
	v, err := stored.DecodeSettings(s)
	d.keep(err)
	return v
}
