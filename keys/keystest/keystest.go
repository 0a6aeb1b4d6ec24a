// Package keystest is the conformance suite for keys.Store. Every backend runs
// the same Run from its own tests:
//
//	func TestKeys(t *testing.T) {
//		keystest.Run(t, func(t *testing.T) keys.Store { return openFresh(t) })
//	}
//
// It imports nothing but the contract and the standard library. What it
// expects beyond the interface's doc comments, so that backends agree:
//   - times come back in UTC, the same instant to the microsecond;
//   - UpdateKey replaces every field, CreatedAt and the schedule included,
//     and UpdateKey and DeleteKey of an unknown id return ErrNotFound;
//   - a second CreateKey with a taken id fails (with no particular error);
//   - secret names are listed in byte order;
//   - InRotation returns fn's error (errors.Is finds it); fn's writes, and
//     those of an InRotation nested in it, are seen by fn at once and by
//     the plain Store after the commit; of concurrent calls on one Store,
//     fn runs for one at a time (and, where a backend runs OneAtATime with
//     several Stores on one database, of calls on all of them).
package keystest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gatehouse-id/gatehouse/internal/check"
	"github.com/gatehouse-id/gatehouse/keys"
)

// Run runs the suite. newStore must return a new, empty store for each call.
func Run(t *testing.T, newStore func(t *testing.T) keys.Store) {
	t.Run("Keys", func(t *testing.T) { testKeys(t, newStore) })
	t.Run("Secrets", func(t *testing.T) { testSecrets(t, newStore) })
	t.Run("SecretRace", func(t *testing.T) { testSecretRace(t, newStore) })
	t.Run("ListSecrets", func(t *testing.T) { testListSecrets(t, newStore) })
	t.Run("ReplaceSecret", func(t *testing.T) { testReplaceSecret(t, newStore) })
	t.Run("InRotation", func(t *testing.T) { testInRotation(t, newStore) })
}

// at returns a fixed instant plus m minutes, with microseconds.
func at(m int) time.Time {
	return time.Date(2025, 3, 14, 15, 9, 26, 535897000, time.UTC).Add(time.Duration(m) * time.Minute)
}

// record returns a key created at minute m with every field set, each time
// a different one, so that a backend mixing up two columns is caught.
func record(id string, m int) keys.Record {
	return keys.Record{
		ID: id, Algorithm: "ES256", Sealed: []byte{0x00, 0xff, 0x10, byte(m)},
		PublicJWK: []byte(`{"kty":"EC","kid":"` + id + `"}`),
		PublishAt: at(m + 2), ActivateAt: at(m + 3),
		CreatedAt: at(m), UpdatedAt: at(m + 1),
	}
}

func list(t *testing.T, s keys.Store) []keys.Record {
	t.Helper()
	rs, err := s.ListKeys(t.Context())
	mustDo(t, err)
	return rs
}

func wantRecords(t *testing.T, what string, got, want []keys.Record) {
	t.Helper()
	if len(got) == 0 && len(want) == 0 {
		return
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%s:\n got %+v\nwant %+v", what, got, want)
	}
}

func testKeys(t *testing.T, newStore func(t *testing.T) keys.Store) {
	t.Run("ListOldestFirst", func(t *testing.T) {
		s := newStore(t)
		wantRecords(t, "empty store", list(t, s), nil)
		k1, k2, k3 := record("k-c", 1), record("k-a", 2), record("k-b", 3)
		for _, r := range []keys.Record{k3, k1, k2} {
			mustDo(t, s.CreateKey(t.Context(), r))
		}
		wantRecords(t, "ListKeys", list(t, s), []keys.Record{k1, k2, k3})
	})

	t.Run("DuplicateID", func(t *testing.T) {
		s := newStore(t)
		mustDo(t, s.CreateKey(t.Context(), record("k-1", 1)))
		if err := s.CreateKey(t.Context(), record("k-1", 2)); err == nil {
			t.Fatal("a second key with the same id was stored")
		}
		wantRecords(t, "after duplicate", list(t, s), []keys.Record{record("k-1", 1)})
	})

	t.Run("Change", func(t *testing.T) {
		for _, tc := range []struct {
			name   string
			change func(t *testing.T, s keys.Store) error
			want   []keys.Record
			err    error
		}{
			{"update every field", func(t *testing.T, s keys.Store) error {
				return s.UpdateKey(t.Context(), keys.Record{ID: "k-1", Algorithm: "RS256", Sealed: []byte{9},
					PublicJWK: []byte(`{}`), PublishAt: at(40), ActivateAt: at(45), CreatedAt: at(50), UpdatedAt: at(51)})
			}, []keys.Record{record("k-2", 2), {ID: "k-1", Algorithm: "RS256", Sealed: []byte{9},
				PublicJWK: []byte(`{}`), PublishAt: at(40), ActivateAt: at(45), CreatedAt: at(50), UpdatedAt: at(51)}}, nil},
			{"reschedule", func(t *testing.T, s keys.Store) error {
				r := record("k-2", 2)
				r.ActivateAt, r.UpdatedAt = at(90), at(91)
				return s.UpdateKey(t.Context(), r)
			}, []keys.Record{record("k-1", 1), func() keys.Record {
				r := record("k-2", 2)
				r.ActivateAt, r.UpdatedAt = at(90), at(91)
				return r
			}()}, nil},
			{"update missing", func(t *testing.T, s keys.Store) error {
				return s.UpdateKey(t.Context(), record("k-nope", 1))
			}, []keys.Record{record("k-1", 1), record("k-2", 2)}, keys.ErrNotFound},
			{"delete", func(t *testing.T, s keys.Store) error {
				return s.DeleteKey(t.Context(), "k-1")
			}, []keys.Record{record("k-2", 2)}, nil},
			{"delete missing", func(t *testing.T, s keys.Store) error {
				return s.DeleteKey(t.Context(), "k-nope")
			}, []keys.Record{record("k-1", 1), record("k-2", 2)}, keys.ErrNotFound},
		} {
			t.Run(tc.name, func(t *testing.T) {
				s := newStore(t)
				mustDo(t, s.CreateKey(t.Context(), record("k-1", 1)))
				mustDo(t, s.CreateKey(t.Context(), record("k-2", 2)))
				wantErr(t, tc.change(t, s), tc.err)
				wantRecords(t, "after change", list(t, s), tc.want)
			})
		}
	})

	t.Run("TimesInUTC", func(t *testing.T) {
		s := newStore(t)
		zone := time.FixedZone("CET", 3600)
		in := record("k-1", 1)
		in.PublishAt, in.ActivateAt = in.PublishAt.In(zone), in.ActivateAt.In(zone)
		in.CreatedAt, in.UpdatedAt = in.CreatedAt.In(zone), in.UpdatedAt.In(zone)
		mustDo(t, s.CreateKey(t.Context(), in))
		wantRecords(t, "ListKeys", list(t, s), []keys.Record{record("k-1", 1)})
	})

	t.Run("Copies", func(t *testing.T) {
		s := newStore(t)
		in := record("k-1", 1)
		mustDo(t, s.CreateKey(t.Context(), in))
		in.Sealed[0] ^= 0xff
		in.PublicJWK[0] = '['
		for range 2 {
			got := list(t, s)
			wantRecords(t, "ListKeys", got, []keys.Record{record("k-1", 1)})
			got[0].Sealed[0] ^= 0xff
			got[0].PublicJWK[0] = '['
		}
	})
}

func testSecrets(t *testing.T, newStore func(t *testing.T) keys.Store) {
	s := newStore(t)
	_, err := s.Secret(t.Context(), "client-secret-key")
	wantErr(t, err, keys.ErrNotFound)

	// Steps on one store, in order: each depends on the ones before.
	for _, step := range []struct {
		name       string
		secret     string
		put        []byte
		wantStored bool
		want       []byte
	}{
		{"first put stores", "client-secret-key", []byte{0x00, 0x01, 0xff}, true, []byte{0x00, 0x01, 0xff}},
		{"second put keeps the first", "client-secret-key", []byte{0x02}, false, []byte{0x00, 0x01, 0xff}},
		{"other name is independent", "cookie-key", []byte{0x03}, true, []byte{0x03}},
	} {
		stored, err := s.PutSecretIfAbsent(t.Context(), step.secret, step.put)
		mustDo(t, err)
		if stored != step.wantStored {
			t.Errorf("%s: stored = %v, want %v", step.name, stored, step.wantStored)
		}
		got, err := s.Secret(t.Context(), step.secret)
		mustDo(t, err)
		if !bytes.Equal(got, step.want) {
			t.Fatalf("%s: Secret = %x, want %x", step.name, got, step.want)
		}
		got[0] ^= 0xff // a copy: changes nothing stored
	}
	got, err := s.Secret(t.Context(), "client-secret-key")
	mustDo(t, err)
	if !bytes.Equal(got, []byte{0x00, 0x01, 0xff}) {
		t.Fatalf("Secret after mutating a returned copy = %x", got)
	}
}

// testSecretRace starts 8 "nodes" at once, each proposing its own secret:
// exactly one stores, and every node then reads the winner's value.
func testSecretRace(t *testing.T, newStore func(t *testing.T) keys.Store) {
	const n = 8
	s := newStore(t)
	var (
		wg     sync.WaitGroup
		start  = make(chan struct{})
		stored = make([]bool, n)
		read   = make([][]byte, n)
		errs   = make([]error, n)
	)
	for i := range n {
		wg.Go(func() {
			<-start
			mine := []byte(fmt.Sprintf("sealed-%d", i))
			if stored[i], errs[i] = s.PutSecretIfAbsent(t.Context(), "installation", mine); errs[i] != nil {
				return
			}
			read[i], errs[i] = s.Secret(t.Context(), "installation")
		})
	}
	close(start)
	wg.Wait()

	winner := -1
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("node %d: %v", i, errs[i])
		}
		if stored[i] {
			if winner >= 0 {
				t.Fatalf("nodes %d and %d both stored", winner, i)
			}
			winner = i
		}
	}
	if winner < 0 {
		t.Fatal("no node stored")
	}
	want := []byte(fmt.Sprintf("sealed-%d", winner))
	for i := range n {
		if !bytes.Equal(read[i], want) {
			t.Errorf("node %d read %q, want the winner's %q", i, read[i], want)
		}
	}
}

func secretNames(t *testing.T, s keys.Store) []string {
	t.Helper()
	names, err := s.ListSecrets(t.Context())
	mustDo(t, err)
	return names
}

func wantSecret(t *testing.T, s keys.Store, name string, want []byte) {
	t.Helper()
	got, err := s.Secret(t.Context(), name)
	mustDo(t, err)
	if !bytes.Equal(got, want) {
		t.Fatalf("Secret(%q) = %x, want %x", name, got, want)
	}
}

func put(t *testing.T, s keys.Store, name string, sealed []byte) {
	t.Helper()
	stored, err := s.PutSecretIfAbsent(t.Context(), name, sealed)
	mustDo(t, err)
	if !stored {
		t.Fatalf("PutSecretIfAbsent(%q) did not store", name)
	}
}

func testListSecrets(t *testing.T, newStore func(t *testing.T) keys.Store) {
	s := newStore(t)
	if names := secretNames(t, s); len(names) != 0 {
		t.Fatalf("ListSecrets of an empty store = %q", names)
	}
	// Byte order: upper case before lower, '-' before letters, a prefix
	// before what it begins.
	for _, name := range []string{"csrf", "client-secret-key", "b", "B", "client", "code-key"} {
		put(t, s, name, []byte(name))
	}
	want := []string{"B", "b", "client", "client-secret-key", "code-key", "csrf"}
	if got := secretNames(t, s); !slices.Equal(got, want) {
		t.Fatalf("ListSecrets = %q, want %q", got, want)
	}
}

func testReplaceSecret(t *testing.T, newStore func(t *testing.T) keys.Store) {
	s := newStore(t)
	put(t, s, "client-secret-key", []byte{0x00, 0x01})
	put(t, s, "csrf", []byte{0x02})

	in := []byte{0xff, 0x00, 0x10, 0x20}
	mustDo(t, s.ReplaceSecret(t.Context(), "client-secret-key", in))
	in[0] = 0x42 // a copy was stored
	wantSecret(t, s, "client-secret-key", []byte{0xff, 0x00, 0x10, 0x20})
	wantSecret(t, s, "csrf", []byte{0x02})

	// A second replacement replaces the first.
	mustDo(t, s.ReplaceSecret(t.Context(), "client-secret-key", []byte{0x03}))
	wantSecret(t, s, "client-secret-key", []byte{0x03})

	// An unknown name is not created.
	wantErr(t, s.ReplaceSecret(t.Context(), "nope", []byte{0x04}), keys.ErrNotFound)
	_, err := s.Secret(t.Context(), "nope")
	wantErr(t, err, keys.ErrNotFound)
	if got, want := secretNames(t, s), []string{"client-secret-key", "csrf"}; !slices.Equal(got, want) {
		t.Fatalf("ListSecrets after replacing = %q, want %q", got, want)
	}
}

// errFn is what the failing fns of testInRotation return.
var errFn = errors.New("keystest: fn failed")

func testInRotation(t *testing.T, newStore func(t *testing.T) keys.Store) {
	t.Run("Commits", func(t *testing.T) {
		s := newStore(t)
		mustDo(t, s.CreateKey(t.Context(), record("k-1", 1)))
		put(t, s, "csrf", []byte{0x01})
		mustDo(t, s.InRotation(t.Context(), func(tx keys.Store) error {
			// fn sees what was committed before, and its own writes.
			wantRecords(t, "ListKeys in fn", list(t, tx), []keys.Record{record("k-1", 1)})
			mustDo(t, tx.CreateKey(t.Context(), record("k-2", 2)))
			r := record("k-1", 1)
			r.Sealed, r.UpdatedAt = []byte{0x07}, at(60)
			mustDo(t, tx.UpdateKey(t.Context(), r))
			mustDo(t, tx.ReplaceSecret(t.Context(), "csrf", []byte{0x02}))
			put(t, tx, "code-key", []byte{0x03})
			wantRecords(t, "ListKeys in fn after writing", list(t, tx), []keys.Record{r, record("k-2", 2)})
			wantSecret(t, tx, "csrf", []byte{0x02})
			if got, want := secretNames(t, tx), []string{"code-key", "csrf"}; !slices.Equal(got, want) {
				t.Fatalf("ListSecrets in fn = %q, want %q", got, want)
			}
			return nil
		}))
		r := record("k-1", 1)
		r.Sealed, r.UpdatedAt = []byte{0x07}, at(60)
		wantRecords(t, "ListKeys after commit", list(t, s), []keys.Record{r, record("k-2", 2)})
		wantSecret(t, s, "csrf", []byte{0x02})
		wantSecret(t, s, "code-key", []byte{0x03})

		// And a delete.
		mustDo(t, s.InRotation(t.Context(), func(tx keys.Store) error {
			return tx.DeleteKey(t.Context(), "k-1")
		}))
		wantRecords(t, "ListKeys after a delete", list(t, s), []keys.Record{record("k-2", 2)})
	})

	t.Run("ErrorKeepsNothing", func(t *testing.T) {
		s := newStore(t)
		mustDo(t, s.CreateKey(t.Context(), record("k-1", 1)))
		put(t, s, "csrf", []byte{0x01})
		err := s.InRotation(t.Context(), func(tx keys.Store) error {
			mustDo(t, tx.CreateKey(t.Context(), record("k-2", 2)))
			mustDo(t, tx.DeleteKey(t.Context(), "k-1"))
			mustDo(t, tx.ReplaceSecret(t.Context(), "csrf", []byte{0x02}))
			put(t, tx, "code-key", []byte{0x03})
			wantRecords(t, "ListKeys in fn", list(t, tx), []keys.Record{record("k-2", 2)})
			return errFn
		})
		wantErr(t, err, errFn)
		wantRecords(t, "ListKeys after the error", list(t, s), []keys.Record{record("k-1", 1)})
		wantSecret(t, s, "csrf", []byte{0x01})
		_, err = s.Secret(t.Context(), "code-key")
		wantErr(t, err, keys.ErrNotFound)

		// A failed store call that fn returns rolls back as well, and
		// the store works on afterwards.
		err = s.InRotation(t.Context(), func(tx keys.Store) error {
			mustDo(t, tx.CreateKey(t.Context(), record("k-2", 2)))
			return tx.UpdateKey(t.Context(), record("k-nope", 3))
		})
		wantErr(t, err, keys.ErrNotFound)
		wantRecords(t, "ListKeys after a failed call", list(t, s), []keys.Record{record("k-1", 1)})
		mustDo(t, s.InRotation(t.Context(), func(tx keys.Store) error {
			return tx.CreateKey(t.Context(), record("k-2", 2))
		}))
		wantRecords(t, "ListKeys after a rotation", list(t, s), []keys.Record{record("k-1", 1), record("k-2", 2)})
	})

	t.Run("OneAtATime", func(t *testing.T) { OneAtATime(t, newStore(t)) })

	t.Run("Nested", func(t *testing.T) {
		s := newStore(t)
		// A nested call that waited for the lock its caller holds would
		// hang: fail instead.
		ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
		defer cancel()
		mustDo(t, s.InRotation(ctx, func(tx keys.Store) error {
			mustDo(t, tx.CreateKey(ctx, record("k-1", 1)))
			return tx.InRotation(ctx, func(inner keys.Store) error {
				// The inner fn sees the outer one's writes, and the
				// outer one sees the inner's.
				wantRecords(t, "ListKeys in the nested fn", list(t, inner), []keys.Record{record("k-1", 1)})
				mustDo(t, inner.CreateKey(ctx, record("k-2", 2)))
				put(t, inner, "csrf", []byte{0x01})
				return inner.InRotation(ctx, func(inner2 keys.Store) error {
					return inner2.ReplaceSecret(ctx, "csrf", []byte{0x02})
				})
			})
		}))
		wantRecords(t, "ListKeys after commit", list(t, s), []keys.Record{record("k-1", 1), record("k-2", 2)})
		wantSecret(t, s, "csrf", []byte{0x02})

		// The nested fn's error is returned, and everything, the outer
		// fn's writes included, is rolled back.
		err := s.InRotation(ctx, func(tx keys.Store) error {
			mustDo(t, tx.CreateKey(ctx, record("k-3", 3)))
			return tx.InRotation(ctx, func(inner keys.Store) error {
				mustDo(t, inner.CreateKey(ctx, record("k-4", 4)))
				return errFn
			})
		})
		wantErr(t, err, errFn)
		wantRecords(t, "ListKeys after the nested error", list(t, s), []keys.Record{record("k-1", 1), record("k-2", 2)})
	})
}

// OneAtATime runs rotations on many goroutines at once, spread over stores,
// each reading a counter, pausing, and writing it back plus one: no
// increment may be lost, and no two fns may run at the same time. Run calls
// it with one Store. A backend whose Stores can share one database (two
// processes on one file, two nodes on one server) calls it too, with
// several Stores opened on the same new, empty database, to show that the
// database's lock keeps their rotations apart, not anything in the process.
func OneAtATime(t *testing.T, stores ...keys.Store) {
	t.Helper()
	const perStore = 8
	if len(stores) == 0 {
		t.Fatal("keystest.OneAtATime: no stores")
	}
	put(t, stores[0], "counter", []byte("0"))
	var (
		wg             sync.WaitGroup
		start          = make(chan struct{})
		errs           = make([]error, perStore*len(stores))
		inFlight, most atomic.Int32
	)
	for i := range errs {
		s := stores[i%len(stores)]
		wg.Go(func() {
			<-start
			errs[i] = s.InRotation(t.Context(), func(tx keys.Store) error {
				cur := inFlight.Add(1)
				defer inFlight.Add(-1)
				for m := most.Load(); cur > m && !most.CompareAndSwap(m, cur); m = most.Load() {
				}
				b, err := tx.Secret(t.Context(), "counter")
				if err != nil {
					return err
				}
				v, err := strconv.Atoi(string(b))
				if err != nil {
					return err
				}
				time.Sleep(10 * time.Millisecond) // time for a rival to read the same value
				return tx.ReplaceSecret(t.Context(), "counter", []byte(strconv.Itoa(v+1)))
			})
		})
	}
	close(start)
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	if m := most.Load(); m != 1 {
		t.Errorf("%d fns ran at the same time, want 1", m)
	}
	for _, s := range stores {
		wantSecret(t, s, "counter", []byte(strconv.Itoa(len(errs))))
	}
}

// mustDo and wantErr are the suites' shared assertions (internal/check).
var mustDo, wantErr = check.MustDo, check.WantErr
