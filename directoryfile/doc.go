// Package directoryfile reads and applies directory files: one YAML file
// holding the permission catalog's additions, services, tenants, their
// roles, groups and settings, users (with what they hold, their owners and
// their links to other tenants) and clients, which operators load with
// `gatehouse import FILE` and in which the demo directory is written. The
// format is documented in docs/directory-file.md.
//
// Parse checks a file without touching any store and reports every problem
// as file:line:col: path: message. It reads nothing else but the images
// the file names as tenants' logos, from the file's folder. Apply then brings a Directory in line with
// the file in one transaction, kind by kind in the order they depend on
// each other (resources, services, tenants, roles, groups, tenant settings,
// users, links, clients): idempotent (a second run changes nothing) and
// all-or-nothing (one bad entry and nothing is kept). The rules themselves,
// from slug syntax to the owner rule, are package directory's; this package
// only locates their complaints in the file.
package directoryfile
