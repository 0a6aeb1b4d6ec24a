package directorytest

import (
	"context"
	"testing"
	"time"

	"github.com/gatehouse-id/gatehouse/directory"
)

// RunWatch checks a directory.ChangeWatcher: open returns the watcher and a
// second Store on the same database, as another node or process would
// hold. The watcher must report that it watches, then a client written
// through the other Store, and return once its context is done.
func RunWatch(t *testing.T, open func(t *testing.T) (directory.ChangeWatcher, directory.Store)) {
	w, other := open(t)
	ctx, cancel := context.WithCancel(t.Context())
	events := make(chan bool, 64)
	done := make(chan struct{})
	go func() {
		defer close(done)
		w.WatchChanges(ctx, func(live bool) {
			select {
			case events <- live:
			default: // the test has seen enough
			}
		})
	}()
	want := func(what string) {
		t.Helper()
		deadline := time.After(15 * time.Second)
		for {
			select {
			case live := <-events:
				if live {
					return
				}
			case <-deadline:
				t.Fatalf("no changed(true) for %s within 15s", what)
			}
		}
	}
	want("the start of the watch")
	for len(events) > 0 {
		<-events
	}
	sys := newTenant("t-watch", "watch", nil)
	mustDo(t, other.CreateTenant(t.Context(), sys))
	want("a tenant created through another connection")
	for len(events) > 0 {
		<-events
	}
	mustDo(t, other.CreateClient(t.Context(), newClient("watched", sys.ID)))
	want("a client created through another connection")
	cancel()
	select {
	case <-done:
	case <-time.After(15 * time.Second):
		t.Fatal("WatchChanges did not return once its context was done")
	}
}
