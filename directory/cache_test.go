package directory_test

import (
	"bytes"
	"context"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gatehouse-id/gatehouse/directory"
	"github.com/gatehouse-id/gatehouse/mfa"
	"github.com/gatehouse-id/gatehouse/storage/sqlite"
)

// counting counts the backend reads the cache should spare. It hides the
// backend's ChangeWatcher, as a store only this process uses would have
// none.
type counting struct {
	directory.Store
	clients, tenants atomic.Int64
}

func (c *counting) ClientByID(ctx context.Context, id string) (directory.Client, error) {
	c.clients.Add(1)
	return c.Store.ClientByID(ctx, id)
}

func (c *counting) TenantByID(ctx context.Context, id string) (directory.Tenant, error) {
	c.tenants.Add(1)
	return c.Store.TenantByID(ctx, id)
}

func openSQLite(t *testing.T) *sqlite.Store {
	t.Helper()
	st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "gatehouse.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func cacheFixture(t *testing.T, backend directory.Store) *directory.Directory {
	t.Helper()
	d := directory.New(backend, directory.NewSecretHasher(bytes.Repeat([]byte{3}, 32)), directory.Config{})
	ctx := t.Context()
	sys := directory.Tenant{ID: "t-sys", Slug: "system", Name: "System", Level: directory.LevelSystem, Path: []string{"t-sys"}}
	must(t, d.Store().CreateTenant(ctx, sys))
	must(t, d.Store().CreateClient(ctx, directory.Client{ID: "machine", Name: "Machine", TenantID: sys.ID,
		Type: directory.ClientConfidential, AuthMethod: directory.AuthSecretBasic,
		GrantTypes: []string{directory.GrantClientCredentials}, Scopes: []string{"devices.read"}}))
	return d
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestCacheServesClientsAndBooksFromMemory(t *testing.T) {
	backend := &counting{Store: openSQLite(t)}
	d := cacheFixture(t, backend)
	ctx := t.Context()
	if !d.Cached() {
		t.Fatal("a store only this process uses is not cached")
	}
	for range 5 {
		c, err := d.Store().ClientByID(ctx, "machine")
		must(t, err)
		if _, err := d.ClientPrincipal(ctx, &c); err != nil {
			t.Fatal(err)
		}
		c.Scopes[0] = "mutated by a caller"
	}
	if n, m := backend.clients.Load(), backend.tenants.Load(); n != 1 || m != 1 {
		t.Errorf("five token requests read the client %d times and the tenant %d times from the store, want once each", n, m)
	}
	c, err := d.Store().ClientByID(ctx, "machine")
	must(t, err)
	if c.Scopes[0] != "devices.read" {
		t.Errorf("a caller's change reached the cache: %q", c.Scopes[0])
	}

	// A write through the store is seen by the next read.
	c.Scopes = []string{"devices.write"}
	must(t, d.Store().UpdateClient(ctx, c))
	if c, _ := d.Store().ClientByID(ctx, "machine"); c.Scopes[0] != "devices.write" {
		t.Errorf("after UpdateClient: %v", c.Scopes)
	}
	// So is one inside a transaction, once it commits.
	must(t, d.Store().InTx(ctx, func(s directory.Store) error {
		c.Name = "Renamed"
		return s.UpdateClient(ctx, c)
	}))
	if c, _ := d.Store().ClientByID(ctx, "machine"); c.Name != "Renamed" {
		t.Errorf("after a transaction: %q", c.Name)
	}
	// A deleted client is gone at once.
	must(t, d.Store().DeleteClient(ctx, "machine"))
	if _, err := d.Store().ClientByID(ctx, "machine"); err == nil {
		t.Error("a deleted client is still served")
	}
}

// TestCacheWaitsForTheWatch: over a store others share, nothing is served
// from memory until WatchChanges runs, nor after it stops.
func TestCacheWaitsForTheWatch(t *testing.T) {
	d := cacheFixture(t, openSQLite(t))
	if d.Cached() {
		t.Fatal("a shared store is cached before anyone watches it")
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() { defer close(done); d.WatchChanges(ctx) }()
	for deadline := time.Now().Add(10 * time.Second); !d.Cached(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("not cached while watched")
		}
	}
	cancel()
	<-done
	if d.Cached() {
		t.Error("still cached once the watch stopped")
	}
}

// mfaStore is the backend of d as the mfa.Store it also is.
func mfaStore(t *testing.T, d *directory.Directory) mfa.Store {
	t.Helper()
	u, ok := d.Store().(interface{ Unwrap() directory.Store })
	if !ok {
		t.Fatal("the directory's store does not unwrap")
	}
	m, ok := u.Unwrap().(mfa.Store)
	if !ok {
		t.Fatal("the backend is not an mfa.Store")
	}
	return m
}
