// Package logouttest is the conformance suite for logout.Store. Every
// backend runs the same Run from its own tests:
//
//	func TestLogout(t *testing.T) {
//		logouttest.Run(t, func(t *testing.T) logout.Store { return openFresh(t) })
//	}
//
// What it expects beyond the interface's doc comments, so that backends
// agree: times come back in UTC, the same instant to the microsecond; a
// nil and an empty list may come back either way.
package logouttest

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse-id/gatehouse/logout"
)

// Run runs the suite. newStore must return a new, empty store for each call.
func Run(t *testing.T, newStore func(t *testing.T) logout.Store) {
	t.Run("Participations", func(t *testing.T) { testParticipations(t, newStore(t)) })
	t.Run("EndedSessions", func(t *testing.T) { testEnded(t, newStore(t)) })
	t.Run("Outbox", func(t *testing.T) { testOutbox(t, newStore(t)) })
	t.Run("OutboxBound", func(t *testing.T) { testBound(t, newStore(t)) })
	t.Run("ClaimRace", func(t *testing.T) { testClaimRace(t, newStore(t)) })
}

// at returns a fixed instant plus m minutes, with microseconds.
func at(m int) time.Time {
	return time.Date(2025, 3, 14, 15, 9, 26, 535897000, time.UTC).Add(time.Duration(m) * time.Minute)
}

func participation(sid, client, user string, support bool, end int) logout.Participation {
	return logout.Participation{SessionID: sid, ClientID: client, UserID: user, TenantID: "t-" + user,
		Support: support, CreatedAt: at(0), ExpiresAt: at(end)}
}

func delivery(id string, next int) logout.Delivery {
	return logout.Delivery{ID: id, ClientID: "portal-" + id, TenantID: "t-acme", UserID: "u-jill", SessionID: "sid-" + id,
		URI: "https://portal.example/backchannel?x=1", Attempts: 0, CreatedAt: at(0), NextAt: at(next), GiveUpAt: at(24 * 60)}
}

func want[T any](t *testing.T, what string, got, want []T) {
	t.Helper()
	if len(got) == 0 && len(want) == 0 {
		return
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s:\n got %+v\nwant %+v", what, got, want)
	}
}

func testParticipations(t *testing.T, s logout.Store) {
	ctx := t.Context()
	a1 := participation("sid-1", "portal-a", "u-jill", false, 600)
	b1 := participation("sid-1", "portal-b", "u-jill", false, 600)
	a2 := participation("sid-2", "portal-a", "u-jill", true, 60)
	a3 := participation("sid-3", "portal-a", "u-john", false, 600)
	for _, p := range []logout.Participation{b1, a1, a2, a3} {
		if err := s.RecordParticipation(ctx, p); err != nil {
			t.Fatal(err)
		}
	}
	got, err := s.SessionParticipations(ctx, []string{"sid-1"})
	if err != nil {
		t.Fatal(err)
	}
	want(t, "session sid-1", got, []logout.Participation{a1, b1})
	got, err = s.SessionParticipations(ctx, []string{"sid-3", "sid-2", "sid-unknown"})
	if err != nil {
		t.Fatal(err)
	}
	want(t, "sessions sid-2 and sid-3", got, []logout.Participation{a2, a3})
	if got, err = s.SessionParticipations(ctx, nil); err != nil || len(got) != 0 {
		t.Errorf("no sessions = %v, %v", got, err)
	}
	got, err = s.UserParticipations(ctx, "u-jill")
	if err != nil {
		t.Fatal(err)
	}
	want(t, "jill's", got, []logout.Participation{a1, b1, a2})
	got, err = s.TenantParticipations(ctx, []string{"t-u-john", "t-unknown"})
	if err != nil {
		t.Fatal(err)
	}
	want(t, "in john's tenant", got, []logout.Participation{a3})
	if got, err = s.TenantParticipations(ctx, nil); err != nil || len(got) != 0 {
		t.Errorf("no tenants = %v, %v", got, err)
	}

	// Recording again replaces the row (a second code in the session).
	a1.ExpiresAt, a1.CreatedAt = at(700), at(5)
	if err := s.RecordParticipation(ctx, a1); err != nil {
		t.Fatal(err)
	}
	// Deleting removes exactly the rows named, unknown ones included.
	if err := s.DeleteParticipations(ctx, []logout.Participation{b1, participation("sid-9", "x", "y", false, 1)}); err != nil {
		t.Fatal(err)
	}
	got, err = s.SessionParticipations(ctx, []string{"sid-1"})
	if err != nil {
		t.Fatal(err)
	}
	want(t, "sid-1 after replace and delete", got, []logout.Participation{a1})
	if err := s.DeleteParticipations(ctx, nil); err != nil {
		t.Errorf("delete none: %v", err)
	}
}

func testEnded(t *testing.T, s logout.Store) {
	ctx := t.Context()
	ps := []logout.Participation{
		participation("sup-1", "portal-a", "u-john", true, 10),
		participation("sup-1", "portal-b", "u-john", true, 10),
		participation("sup-2", "portal-a", "u-carol", true, 20),
		participation("sup-3", "portal-a", "u-carol", true, 30), // not yet ended at 20
		participation("sid-1", "portal-a", "u-jill", false, 5),  // ordinary, long ended
		participation("sid-2", "portal-a", "u-jill", false, 40),
	}
	for _, p := range ps {
		if err := s.RecordParticipation(ctx, p); err != nil {
			t.Fatal(err)
		}
	}
	got, err := s.EndedSupportParticipations(ctx, at(20), 10)
	if err != nil {
		t.Fatal(err)
	}
	want(t, "support sessions ended at 20", got, ps[:3])
	if got, err = s.EndedSupportParticipations(ctx, at(20), 2); err != nil {
		t.Fatal(err)
	}
	want(t, "the first two", got, ps[:2])

	// The cleanup of ordinary sessions leaves support sessions to the sweep.
	n, err := s.DeleteEndedParticipations(ctx, at(35))
	if err != nil || n != 1 {
		t.Fatalf("DeleteEndedParticipations = %d, %v; want 1", n, err)
	}
	left, err := s.SessionParticipations(ctx, []string{"sup-1", "sup-2", "sup-3", "sid-1", "sid-2"})
	if err != nil {
		t.Fatal(err)
	}
	want(t, "left", left, []logout.Participation{ps[5], ps[0], ps[1], ps[2], ps[3]})
}

func testOutbox(t *testing.T, s logout.Store) {
	ctx := t.Context()
	d1, d2, d3 := delivery("d1", 0), delivery("d2", 5), delivery("d3", 1)
	if n, err := s.QueueDeliveries(ctx, []logout.Delivery{d1, d2, d3}, 100); err != nil || n != 3 {
		t.Fatalf("queue = %d, %v", n, err)
	}
	if n, err := s.PendingDeliveries(ctx); err != nil || n != 3 {
		t.Fatalf("pending = %d, %v", n, err)
	}
	// Due at 2: d1 and d3, soonest first; d2 is not due.
	got, err := s.ClaimDeliveries(ctx, "node-1", at(2), at(3), 10)
	if err != nil {
		t.Fatal(err)
	}
	want(t, "claimed at 2", got, []logout.Delivery{d1, d3})
	// Leased: nobody else gets them until the lease ends.
	if got, err = s.ClaimDeliveries(ctx, "node-2", at(2), at(3), 10); err != nil || len(got) != 0 {
		t.Errorf("claimed again while leased = %+v, %v", got, err)
	}
	// Only the holder of the lease records a retry.
	if err := s.RetryDelivery(ctx, "d1", "node-2", 1, at(4)); !errors.Is(err, logout.ErrNotFound) {
		t.Errorf("retry by another node = %v, want ErrNotFound", err)
	}
	if err := s.RetryDelivery(ctx, "d1", "node-1", 1, at(4)); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteDelivery(ctx, "d3"); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteDelivery(ctx, "d3"); err != nil {
		t.Errorf("delete twice: %v", err)
	}
	// At 3.5 d1 waits for its retry (4); at 5 both d1 (retried) and d2 are
	// due. A lease that ran out (node-1 crashed) is claimable again.
	if got, err = s.ClaimDeliveries(ctx, "node-2", at(3).Add(30*time.Second), at(6), 10); err != nil || len(got) != 0 {
		t.Errorf("claimed before the retry is due = %+v, %v", got, err)
	}
	r1 := d1
	r1.Attempts, r1.NextAt = 1, at(4)
	if got, err = s.ClaimDeliveries(ctx, "node-2", at(5), at(6), 1); err != nil {
		t.Fatal(err)
	}
	want(t, "claimed at 5, one", got, []logout.Delivery{r1})
	if got, err = s.ClaimDeliveries(ctx, "node-3", at(7), at(8), 10); err != nil {
		t.Fatal(err)
	}
	want(t, "claimed at 7 after node-2's lease ended", got, []logout.Delivery{r1, d2})
	if err := s.RetryDelivery(ctx, "d1", "node-2", 2, at(9)); !errors.Is(err, logout.ErrNotFound) {
		t.Errorf("retry on a lost lease = %v, want ErrNotFound", err)
	}
	if n, err := s.PendingDeliveries(ctx); err != nil || n != 2 {
		t.Errorf("pending = %d, %v; want 2", n, err)
	}
}

func testBound(t *testing.T, s logout.Store) {
	ctx := t.Context()
	var ds []logout.Delivery
	for i := range 5 {
		ds = append(ds, delivery(fmt.Sprintf("d%d", i), i))
	}
	if n, err := s.QueueDeliveries(ctx, ds[:2], 3); err != nil || n != 2 {
		t.Fatalf("queue 2 of cap 3 = %d, %v", n, err)
	}
	if n, err := s.QueueDeliveries(ctx, ds[2:], 3); err != nil || n != 1 {
		t.Fatalf("queue 3 more with room for 1 = %d, %v; want 1", n, err)
	}
	got, err := s.ClaimDeliveries(ctx, "n", at(10), at(11), 10)
	if err != nil {
		t.Fatal(err)
	}
	want(t, "kept", got, ds[:3])
	if n, err := s.QueueDeliveries(ctx, ds[3:], 3); err != nil || n != 0 {
		t.Errorf("queue into a full outbox = %d, %v; want 0", n, err)
	}
}

// testClaimRace: workers claiming at once never share a delivery, and
// together claim each once.
func testClaimRace(t *testing.T, s logout.Store) {
	ctx := t.Context()
	var ds []logout.Delivery
	for i := range 40 {
		ds = append(ds, delivery(fmt.Sprintf("d%02d", i), 0))
	}
	if n, err := s.QueueDeliveries(ctx, ds, 100); err != nil || n != len(ds) {
		t.Fatalf("queue = %d, %v", n, err)
	}
	var (
		mu  sync.Mutex
		all []string
		wg  sync.WaitGroup
	)
	for w := range 4 {
		wg.Go(func() {
			for {
				got, err := s.ClaimDeliveries(ctx, fmt.Sprintf("node-%d", w), at(1), at(5), 3)
				if err != nil {
					t.Error(err)
					return
				}
				if len(got) == 0 {
					return
				}
				mu.Lock()
				for _, d := range got {
					all = append(all, d.ID)
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	slices.Sort(all)
	var ids []string
	for _, d := range ds {
		ids = append(ids, d.ID)
	}
	if !slices.Equal(all, ids) {
		t.Errorf("claimed %v, want each of %v once", all, ids)
	}
}
