package directorytest

import (
	"bytes"
	"context"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse-id/gatehouse/directory"
)

// RunThroughCache runs Run against the Store a directory.Directory works
// on: the backend behind the directory's cache, watched for changes as a
// server watches it (Directory.WatchChanges). Every read that follows a
// write must see it, whether the cache answers or the backend does.
func RunThroughCache(t *testing.T, newStore func(t *testing.T) directory.Store, enrol EnrolTOTP) {
	var backends sync.Map // the Store handed out → its backend
	Run(t, func(t *testing.T) directory.Store {
		backend := newStore(t)
		d := directory.New(backend, directory.NewSecretHasher(bytes.Repeat([]byte{7}, 32)), directory.Config{})
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { defer close(done); d.WatchChanges(ctx) }()
		t.Cleanup(func() { cancel(); <-done }) // before the backend closes
		for deadline := time.Now().Add(15 * time.Second); !d.Cached(); time.Sleep(10 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatal("the directory's cache did not come live within 15s")
			}
		}
		s := d.Store()
		backends.Store(s, backend)
		return s
	}, func(t *testing.T, s directory.Store, id string) {
		backend, _ := backends.Load(s)
		enrol(t, backend.(directory.Store), id)
	})
}
