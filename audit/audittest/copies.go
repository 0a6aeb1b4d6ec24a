package audittest

import (
	"testing"
	"time"

	"github.com/gatehouse-id/gatehouse/audit"
)

// testCopies checks that the Details handed in and out are not shared with
// the store: a caller may change them freely.
func testCopies(t *testing.T, newStore func(t *testing.T) audit.Store) {
	s := newStore(t)
	in, bare := event("e-1", "t-acme", 1), event("e-0", "t-acme", 0)
	bare.Details = map[string]string{}
	appendAll(t, s, in, bare)
	want := []audit.Event{event("e-1", "t-acme", 1), bare}
	want[1].Details = nil

	// Change what was handed in.
	in.Details["added"] = "admins"
	in.Details["extra"] = "x"
	bare.Details["extra"] = "x"

	for range 2 {
		got := list(t, s, []string{"t-acme"}, time.Time{}, 0)
		wantEvents(t, "listed", got, want)
		// Change what came out, then read again. An empty map that
		// came out may not be one the store shares between events.
		for _, e := range got {
			if e.Details != nil {
				e.Details["added"] = "admins"
				e.Details["extra"] = "x"
			}
		}
	}
}
