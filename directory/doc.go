// Package directory is Gatehouse's domain model: the tenant tree, the users
// who live in it and the clients (portals and machines) that ask for tokens.
//
// The login pages, the OpenID provider and the administration API all share
// this model. Rules that protect tenants from each other live here, in the
// domain layer, so that no handler can forget them: a tenant is exactly one
// level below its parent, usernames never contain '$' (reserved for support
// logins), client secrets are only ever stored as keyed hashes.
//
// Persistence sits behind Store, which this package declares because it is its
// consumer; storage backends (SQLite for the embedded default, PostgreSQL in
// production) implement it and pass the conformance suite in
// directory/directorytest.
package directory
