package directory

import "context"

// ChangeWatcher is implemented by a store that other processes share:
// PostgreSQL behind several nodes, or an SQLite file that a command such as
// `gatehouse import` writes while a server runs. A Directory over such a
// store serves nothing from its cache until WatchChanges runs.
type ChangeWatcher interface {
	// WatchChanges calls changed(true) after every change to tenants,
	// clients, global roles, groups, services or resources that another
	// connection may have committed, and also when it starts or starts
	// again to watch (whatever changed before is unknown);
	// changed(false) as soon as it can no longer promise to see changes
	// (a lost connection). It keeps watching, reconnecting as needed,
	// until ctx is done, and then returns.
	WatchChanges(ctx context.Context, changed func(live bool))
}

// WatchChanges keeps the directory's cache in step with changes made by
// other nodes and processes, until ctx is done; run it in its own goroutine
// for the life of a server. Changes made through this Directory need no
// watching: they invalidate the cache as they are written. With a store
// that no one else uses it returns at once.
func (d *Directory) WatchChanges(ctx context.Context) {
	cs := d.store.(*cachedStore)
	w, ok := cs.Store.(ChangeWatcher)
	if !ok {
		return
	}
	w.WatchChanges(ctx, func(live bool) {
		if live {
			d.cache.invalidate()
			d.cache.live.Store(true)
			return
		}
		d.cache.live.Store(false)
		d.cache.invalidate()
	})
	d.cache.live.Store(false)
	d.cache.invalidate()
}

// Cached reports whether the directory's reads are served from memory now:
// false while changes made elsewhere could go unseen (see ChangeWatcher).
func (d *Directory) Cached() bool { return d.cache.live.Load() }
