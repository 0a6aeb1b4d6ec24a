// Package sqlite is Gatehouse's embedded storage: one SQLite file, through the
// pure-Go driver modernc.org/sqlite, so a single machine needs no database
// server and the binary needs no cgo. It implements directory.Store,
// grants.Store, keys.Store, mfa.Store and audit.Store, and passes their
// conformance suites (directorytest, grantstest, keystest, mfatest,
// audittest), the same ones the PostgreSQL backend runs.
//
// The schema lives in migrations/, SQLite's own dialect, applied in order by
// Open and by Migrate and recorded in schema_migrations.
//
// Concurrency: the database runs in WAL mode, so readers never wait for the
// writer; every read-write transaction begins IMMEDIATE, taking the write
// lock up front, so that a transaction that reads before it writes (refresh
// token rotation) is serialized against its rivals instead of failing with
// SQLITE_BUSY when it tries to upgrade; and busy_timeout makes writers queue
// for the lock. Single-file SQLite serializes all writes: that is the
// embedded default's scale, and PostgreSQL is the answer beyond it. The
// same write lock, held by InRotation's transaction, is the key-rotation
// lock.
package sqlite
