package directory

import (
	"context"
	"sync"
	"sync/atomic"
)

// cache keeps, in memory, what every token request reads and what almost
// never changes: clients by id, and each tenant's Book (its roles, groups,
// services and resource catalog). A client-credentials token then costs no
// database query at all.
//
// It is invalidated as a whole by a generation counter. Every write through
// the Directory's store bumps it after the write committed (cachedStore),
// and so does every change another node or process made (WatchChanges).
// An entry remembers the generation it was read in and is served only while
// the generation is still the same; since a reader takes the generation
// before it reads the database, a value read before a change committed is
// never served after the change's bump.
//
// When changes made elsewhere cannot be seen (the store can report them but
// nobody watches, or the watch lost its connection), the cache serves
// nothing and every read goes to the store.
type cache struct {
	gen atomic.Uint64
	// live is whether changes made elsewhere reach invalidate: always for
	// a store only this process uses, only while watched for one that
	// others share.
	live atomic.Bool

	mu      sync.Mutex
	clients map[string]cached[Client]
	books   map[string]cached[*Book]
}

// cached is a value and the generation it was read in.
type cached[V any] struct {
	gen uint64
	v   V
}

// maxCached bounds each map: beyond it, the map starts again empty. Only
// values that exist are cached, so the bound is only reached by an
// installation with that many clients or tenants in use at once.
const maxCached = 10000

func newCache(live bool) *cache {
	c := &cache{clients: map[string]cached[Client]{}, books: map[string]cached[*Book]{}}
	c.live.Store(live)
	return c
}

// Generation is the cache's generation and whether it is live: a value
// worked out from clients and Books read while the generation was still
// this one is current for as long as it stays so (and live). It lets a
// memo above the directory (the provider's machine claims) follow the
// cache's invalidation without a cache of its own to keep true. Take it
// before reading what the value is worked out from, as the cache does.
func (d *Directory) Generation() (gen uint64, live bool) {
	return d.cache.gen.Load(), d.cache.live.Load()
}

// invalidate drops everything cached so far.
func (c *cache) invalidate() { c.gen.Add(1) }

// lookup returns m[key] if it is of the current generation.
func lookup[V any](c *cache, m map[string]cached[V], key string) (V, uint64, bool) {
	gen := c.gen.Load()
	if !c.live.Load() {
		var zero V
		return zero, gen, false
	}
	c.mu.Lock()
	e, ok := m[key]
	c.mu.Unlock()
	return e.v, gen, ok && e.gen == gen
}

// keep stores v as read in generation gen, unless that generation has
// passed already.
func keep[V any](c *cache, m map[string]cached[V], key string, gen uint64, v V) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen.Load() {
		return
	}
	if len(m) >= maxCached {
		clear(m)
	}
	m[key] = cached[V]{gen: gen, v: v}
}

// client returns the client from the cache, or reads it with load and keeps
// it. The caller gets its own copy.
func (c *cache) client(ctx context.Context, id string, load func(context.Context, string) (Client, error)) (Client, error) {
	v, gen, ok := lookup(c, c.clients, id)
	if ok {
		return v.clone(), nil
	}
	v, err := load(ctx, id)
	if err != nil {
		return Client{}, err
	}
	keep(c, c.clients, id, gen, v.clone())
	return v, nil
}

// book returns the tenant's Book from the cache, or builds it with load
// and keeps it. A Book is never changed once built, so it is shared.
func (c *cache) book(ctx context.Context, tenantID string, load func(context.Context, string) (*Book, error)) (*Book, error) {
	v, gen, ok := lookup(c, c.books, tenantID)
	if ok {
		return v, nil
	}
	v, err := load(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	keep(c, c.books, tenantID, gen, v)
	return v, nil
}
