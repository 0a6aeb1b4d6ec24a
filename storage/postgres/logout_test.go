package postgres

import (
	"testing"

	"github.com/gatehouse-id/gatehouse/logout"
	"github.com/gatehouse-id/gatehouse/logout/logouttest"
	"github.com/gatehouse-id/gatehouse/storage/postgres/pgtest"
)

func TestLogout(t *testing.T) {
	pgtest.URL(t) // skip (or fail) once, not in every subtest
	logouttest.Run(t, func(t *testing.T) logout.Store { return fresh(t) })
}
