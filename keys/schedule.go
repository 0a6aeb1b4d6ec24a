package keys

import (
	"slices"
	"time"
)

// State is where a signing key is in its life at an instant: next
// (scheduled; published from its PublishAt), active (signing), retired
// (superseded, still published for the tokens it signed), removed (no
// longer published; its record is deleted at the next maintenance).
type State string

// Signing key states.
const (
	StateNext    State = "next"
	StateActive  State = "active"
	StateRetired State = "retired"
	StateRemoved State = "removed"
)

// Status is a key and where it is in its life at an instant.
type Status struct {
	Record
	State State
	// Published says whether the key is in the JWKS.
	Published bool
	// RetireAt is when a later key takes over (zero while none is
	// scheduled); RemoveAt is when the key leaves the JWKS (zero while
	// it has no successor).
	RetireAt time.Time
	RemoveAt time.Time
}

// Lifecycle returns where each of recs is at now, in the order of their
// activation (ties by id). A key signs from its ActivateAt until the next
// key's ActivateAt; it is published from its PublishAt until retention
// after that, retention being how long a token it signed may live plus how
// long a relying party may cache the JWKS. Everything follows from the
// records and the clock, so every node computes the same answer at every
// moment.
func Lifecycle(recs []Record, now time.Time, retention time.Duration) []Status {
	out := schedule(recs, retention)
	for i := range out {
		out[i].at(now)
	}
	return out
}

// schedule orders recs by activation and works out when each retires and
// is removed; the states are left for at.
func schedule(recs []Record, retention time.Duration) []Status {
	out := make([]Status, len(recs))
	for i, r := range recs {
		out[i] = Status{Record: r}
	}
	slices.SortFunc(out, func(a, b Status) int {
		if c := a.ActivateAt.Compare(b.ActivateAt); c != 0 {
			return c
		}
		switch {
		case a.ID < b.ID:
			return -1
		case a.ID > b.ID:
			return 1
		}
		return 0
	})
	for i := range out {
		if i+1 < len(out) {
			out[i].RetireAt = out[i+1].ActivateAt
			out[i].RemoveAt = out[i].RetireAt.Add(retention)
		}
	}
	return out
}

// at sets the state of s at now.
func (s *Status) at(now time.Time) {
	switch {
	case now.Before(s.ActivateAt):
		s.State = StateNext
	case !s.RetireAt.IsZero() && !now.Before(s.RemoveAt):
		s.State = StateRemoved
	case !s.RetireAt.IsZero() && !now.Before(s.RetireAt):
		s.State = StateRetired
	default:
		s.State = StateActive
	}
	s.Published = !now.Before(s.PublishAt) && s.State != StateRemoved
}

// signing returns the key that signs at now, or false before the first
// key activates.
func signing(st []Status) (Status, bool) {
	for _, s := range st {
		if s.State == StateActive {
			return s, true
		}
	}
	return Status{}, false
}

// pending returns the key scheduled to sign next, if any.
func pending(st []Status) (Status, bool) {
	for _, s := range st {
		if s.State == StateNext {
			return s, true
		}
	}
	return Status{}, false
}
