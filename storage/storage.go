// Package storage holds what every storage backend shares: the error that
// says a backend cannot be reached right now, and the loading of versioned
// SQL migrations. The backends themselves live in the packages below
// (sqlite, postgres) and in ephemeral/ (memory, redis).
package storage

import "errors"

// ErrUnavailable wraps every error a networked backend (PostgreSQL, Redis)
// returns because it cannot be reached: refused or dropped connections,
// timeouts, a server shutting down. Callers test it with errors.Is to answer
// "temporarily unavailable, try again" (503) rather than "our fault" (500);
// nothing was changed. The embedded backends never return it.
var ErrUnavailable = errors.New("storage backend unavailable")
