package postgres

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/gatehouse-id/gatehouse/directory"
	"github.com/gatehouse-id/gatehouse/storage"
)

// SQLSTATE codes this package tells apart
// (https://www.postgresql.org/docs/current/errcodes-appendix.html).
const (
	codeUniqueViolation      = "23505"
	codeForeignKeyViolation  = "23503"
	codeSerializationFailure = "40001"
	codeDeadlockDetected     = "40P01"
)

func pgCode(err error) string {
	var e *pgconn.PgError
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

// dirErr translates driver errors into the directory sentinels, keeping the
// driver's error in the chain for the log. A foreign key that fails means a
// row the write refers to does not exist; writeErr says which.
func dirErr(err error) error {
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return directory.ErrNotFound
	case pgCode(err) == codeUniqueViolation:
		return fmt.Errorf("%w: %w", directory.ErrConflict, err)
	case pgCode(err) == codeForeignKeyViolation:
		return fmt.Errorf("a row it refers to: %w (%w)", directory.ErrNotFound, err)
	}
	return unavailable(err)
}

// ref is a row that a write refers to: the name of the foreign key
// constraint that refers to it, what it is called in messages, and its id
// (empty: no reference).
type ref struct{ constraint, what, id string }

// writeErr is dirErr for a write with foreign keys to refs. PostgreSQL names
// the violated constraint, so the missing row is named ("tenant t-1: not
// found") without looking it up, which could not be done anyway: a failed
// statement aborts the transaction it ran in.
func writeErr(err error, refs ...ref) error {
	var e *pgconn.PgError
	if errors.As(err, &e) && e.Code == codeForeignKeyViolation {
		for _, r := range refs {
			if r.constraint == e.ConstraintName && r.id != "" {
				return fmt.Errorf("%s %s: %w", r.what, r.id, directory.ErrNotFound)
			}
		}
	}
	return dirErr(err)
}

// unavailable wraps err in storage.ErrUnavailable when it says that the
// server could not be reached or did not answer, so that callers can answer
// "try again" rather than "our fault". Errors the server sent about the
// statement itself, or about a wrong password or database name, are left
// alone: retrying does not help them.
func unavailable(err error) error {
	if err == nil || !isUnavailable(err) {
		return err
	}
	return fmt.Errorf("%w: %w", storage.ErrUnavailable, err)
}

func isUnavailable(err error) bool {
	var e *pgconn.PgError
	if errors.As(err, &e) {
		// Class 08 is "connection exception"; 57P01-57P03 a server
		// shutting down, crashed or starting up; 53300 "too many
		// connections"; 25006 a read-only standby (during a failover).
		switch {
		case strings.HasPrefix(e.Code, "08"), e.Code == "57P01", e.Code == "57P02", e.Code == "57P03", e.Code == "53300", e.Code == "25006":
			return true
		}
		return false
	}
	var (
		connect *pgconn.ConnectError
		netErr  net.Error
	)
	return errors.As(err, &connect) || errors.As(err, &netErr) || pgconn.Timeout(err) ||
		errors.Is(err, context.DeadlineExceeded) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF)
}
