package sqlite

import (
	"testing"

	"github.com/gatehouse-id/gatehouse/onetime"
	"github.com/gatehouse-id/gatehouse/onetime/onetimetest"
)

func TestOnetime(t *testing.T) {
	onetimetest.Run(t, func(t *testing.T) onetime.Store { return fresh(t) })
}
