// Package directoryfile reads and applies directory files: one YAML file
// holding tenants, users and clients, which operators load with
// `gatehouse import FILE` and in which the demo directory is written. The
// format is documented in docs/directory-file.md.
//
// Parse checks a file without touching any store and reports every problem
// as file:line:col: path: message. Apply then brings a Directory in line with
// the file in one transaction: idempotent (a second run changes nothing) and
// all-or-nothing (one bad entry and nothing is kept). The rules themselves,
// from slug syntax to the shape of the tenant tree, are package directory's;
// this package only locates their complaints in the file.
package directoryfile
