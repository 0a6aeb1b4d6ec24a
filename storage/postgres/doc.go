// Package postgres is Gatehouse's production storage: one PostgreSQL
// database, through pgx and its pool, shared by every Gatehouse node. It
// implements directory.Store, grants.Store, keys.Store, mfa.Store and
// audit.Store, and passes their conformance suites (directorytest,
// grantstest, keystest, mfatest, audittest), the same ones the SQLite
// backend runs.
//
// The schema lives in migrations/, PostgreSQL's own dialect of the same
// versions as storage/sqlite's, applied in order by Open and by Migrate
// under an advisory lock, and recorded in schema_migrations. The tables go
// to the first schema of the connection's search_path, so an installation
// can have a schema of its own ("options=-csearch_path=gatehouse" in the
// URL).
//
// Native types throughout: timestamptz (microseconds; pgx drops anything
// finer), text[] for lists, jsonb for service roles, tenant settings and
// audit details (settings and details in the forms SQLite stores too, from
// storage/internal/stored), bytea, boolean, bigint nanoseconds for
// durations. Ids and names are
// COLLATE "C", so that lists come back in byte order and e-mail addresses
// fold case in ASCII only, as in SQLite, whatever the database's locale.
//
// Concurrency. Connections run READ COMMITTED, and every method but
// InTx is one statement or a transaction whose first statement decides the
// race: RotateRefreshToken's UPDATE … WHERE used_at IS NULL lets exactly
// one of concurrent rotations of a token through (the others wait for its
// row lock and then find the token used), and PutSecretIfAbsent's INSERT …
// ON CONFLICT DO NOTHING lets exactly one node store. InTx, where the
// Directory reads, checks and writes, runs SERIALIZABLE and runs fn again
// when PostgreSQL aborts it for a conflict with a concurrent transaction,
// which is how two nodes starting at once can both apply the same
// directory file. InRotation, where the key manager reads and rewrites the
// keys, runs READ COMMITTED too, but takes a transaction advisory lock
// first (rotationLock), so that rotations and rewraps on every node run
// one at a time, each on what the one before committed.
//
// Errors: a violated foreign key is ErrNotFound naming the missing row,
// which PostgreSQL identifies by the constraint's name (the migrations name
// every constraint); a unique violation is ErrConflict; a server that
// cannot be reached is storage.ErrUnavailable. A failed statement aborts
// the transaction it ran in: after a Store error, fn should return it.
package postgres
