package postgres

import (
	"testing"

	"github.com/gatehouse-id/gatehouse/onetime"
	"github.com/gatehouse-id/gatehouse/onetime/onetimetest"
	"github.com/gatehouse-id/gatehouse/storage/postgres/pgtest"
)

func TestOnetime(t *testing.T) {
	pgtest.URL(t) // skip (or fail) once, not in every subtest
	onetimetest.Run(t, func(t *testing.T) onetime.Store { return fresh(t) })
}
