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
//   - UpdateKey replaces every field, CreatedAt included, and UpdateKey and
//     DeleteKey of an unknown id return ErrNotFound;
//   - a second CreateKey with a taken id fails (with no particular error).
package keystest

import (
	"bytes"
	"errors"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse-id/gatehouse/keys"
)

// Run runs the suite. newStore must return a new, empty store for each call.
func Run(t *testing.T, newStore func(t *testing.T) keys.Store) {
	t.Run("Keys", func(t *testing.T) { testKeys(t, newStore) })
	t.Run("Secrets", func(t *testing.T) { testSecrets(t, newStore) })
	t.Run("SecretRace", func(t *testing.T) { testSecretRace(t, newStore) })
}

// at returns a fixed instant plus m minutes, with microseconds.
func at(m int) time.Time {
	return time.Date(2025, 3, 14, 15, 9, 26, 535897000, time.UTC).Add(time.Duration(m) * time.Minute)
}

// record returns a key created at minute m with every field set.
func record(id string, m int) keys.Record {
	return keys.Record{
		ID: id, Algorithm: "ES256", Sealed: []byte{0x00, 0xff, 0x10, byte(m)},
		PublicJWK: []byte(`{"kty":"EC","kid":"` + id + `"}`), State: keys.StateNext,
		CreatedAt: at(m), UpdatedAt: at(m + 1),
	}
}

func mustDo(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func wantErr(t *testing.T, err, want error) {
	t.Helper()
	switch {
	case want == nil && err != nil:
		t.Fatalf("error = %v, want nil", err)
	case want != nil && !errors.Is(err, want):
		t.Fatalf("error = %v, want one wrapping %v", err, want)
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
					PublicJWK: []byte(`{}`), State: keys.StateRetired, CreatedAt: at(50), UpdatedAt: at(51)})
			}, []keys.Record{record("k-2", 2), {ID: "k-1", Algorithm: "RS256", Sealed: []byte{9},
				PublicJWK: []byte(`{}`), State: keys.StateRetired, CreatedAt: at(50), UpdatedAt: at(51)}}, nil},
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
