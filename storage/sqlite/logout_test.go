package sqlite

import (
	"testing"

	"github.com/gatehouse-id/gatehouse/logout"
	"github.com/gatehouse-id/gatehouse/logout/logouttest"
)

func TestLogout(t *testing.T) {
	logouttest.Run(t, func(t *testing.T) logout.Store { return fresh(t) })
}
