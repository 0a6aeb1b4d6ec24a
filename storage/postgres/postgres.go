package postgres

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/gatehouse-id/gatehouse/audit"
	"github.com/gatehouse-id/gatehouse/directory"
	"github.com/gatehouse-id/gatehouse/grants"
	"github.com/gatehouse-id/gatehouse/keys"
	"github.com/gatehouse-id/gatehouse/mfa"
)

// Store serves every contract; txStore serves the directory inside InTx,
// rotationStore the keys inside InRotation.
var (
	_ directory.Store = (*Store)(nil)
	_ directory.Store = txStore{}
	_ grants.Store    = (*Store)(nil)
	_ keys.Store      = (*Store)(nil)
	_ keys.Store      = rotationStore{}
	_ mfa.Store       = (*Store)(nil)
	_ audit.Store     = (*Store)(nil)
)

// Store is the PostgreSQL backend: the directory, refresh tokens, signing
// keys and installation secrets, TOTP credentials and the audit log in one
// database, shared by every Gatehouse node. It implements directory.Store,
// grants.Store, keys.Store, mfa.Store and audit.Store. It is safe for
// concurrent use.
type Store struct {
	pool *pgxpool.Pool
	directoryQueries
	keyQueries
}

// querier is what *pgxpool.Pool and pgx.Tx have in common, so that the
// directory and key queries run unchanged inside and outside InTx and
// InRotation.
type querier interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// Open connects to the database at url (a postgres:// URL or a key=value
// connection string, as pgx parses it: sslmode, pool_max_conns and the other
// pgx and libpq settings apply) and brings its schema up to date. The tables
// live in the first schema of the connection's search_path.
func Open(ctx context.Context, url string) (*Store, error) {
	s, err := newStore(ctx, url)
	if err != nil {
		return nil, fmt.Errorf("open postgres: %w", err)
	}
	if err := s.Migrate(ctx); err != nil {
		s.pool.Close()
		return nil, fmt.Errorf("open postgres: %w", err)
	}
	return s, nil
}

// newStore makes the pool without connecting: pgxpool connects when a
// connection is first needed, so errors reaching the server show up in
// Migrate.
func newStore(ctx context.Context, url string) (*Store, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		// pgx quotes the URL in its message and can only try to hide
		// a password in it; say less rather than risk a log line with
		// a password.
		return nil, errors.New("the database URL does not parse as a PostgreSQL URL or connection string")
	}
	// A database that does not answer must fail a connection attempt in
	// seconds, not after the kernel's TCP timeout; the URL may say
	// otherwise (connect_timeout).
	if cfg.ConnConfig.ConnectTimeout == 0 {
		cfg.ConnConfig.ConnectTimeout = 5 * time.Second
	}
	// The concurrency of every method is argued for READ COMMITTED (see
	// the package doc); pin it so that a server configured with another
	// default does not turn lost races into serialization errors.
	cfg.ConnConfig.RuntimeParams["default_transaction_isolation"] = "read committed"
	cfg.AfterConnect = func(_ context.Context, c *pgx.Conn) error {
		// Times come back in UTC, as the contracts ask, rather than in
		// the process's local zone, pgx's default.
		c.TypeMap().RegisterType(&pgtype.Type{Name: "timestamptz", OID: pgtype.TimestamptzOID,
			Codec: &pgtype.TimestamptzCodec{ScanLocation: time.UTC}})
		return nil
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, err
	}
	return &Store{pool: pool, directoryQueries: directoryQueries{q: pool}, keyQueries: keyQueries{q: pool}}, nil
}

// Close closes every connection of the pool, waiting for those in use to be
// returned. Calls after Close fail. It never fails itself; the error is for
// the interface the stores share.
func (s *Store) Close() error {
	s.pool.Close()
	return nil
}

// PoolStat is the state of the connection pool now, for metrics.
func (s *Store) PoolStat() *pgxpool.Stat { return s.pool.Stat() }

// Ping reports whether the database answers, for readiness probes.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.pool.Ping(ctx); err != nil {
		return fmt.Errorf("ping postgres: %w", unavailable(err))
	}
	return nil
}

// inTx runs fn in a transaction with opts on pool and commits unless fn
// fails. The deferred Rollback also covers a panic in fn, and returns the
// connection to the pool; after Commit it is a no-op.
func inTx(ctx context.Context, pool *pgxpool.Pool, opts pgx.TxOptions, fn func(pgx.Tx) error) error {
	tx, err := pool.BeginTx(ctx, opts)
	if err != nil {
		return fmt.Errorf("begin: %w", unavailable(err))
	}
	defer tx.Rollback(ctx)
	if err := fn(tx); err != nil {
		return err
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("commit: %w", unavailable(err))
	}
	return nil
}

// params returns "$1, $2, …, $n", the placeholders of an n-column INSERT.
func params(n int) string {
	var b strings.Builder
	for i := 1; i <= n; i++ {
		if i > 1 {
			b.WriteString(", ")
		}
		b.WriteString("$" + strconv.Itoa(i))
	}
	return b.String()
}

// optString maps "" to NULL for optional foreign keys, which must be NULL
// rather than empty to satisfy the constraint.
func optString(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// optTime maps the zero time to NULL, for columns such as used_at where
// "not yet" must be testable with IS NULL.
func optTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

// scanner is a pgx.Row or pgx.Rows.
type scanner interface{ Scan(dest ...any) error }

// collect scans every row with scan and closes rows.
func collect[T any](rows pgx.Rows, scan func(scanner) (T, error)) ([]T, error) {
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (T, error) { return scan(r) })
}
