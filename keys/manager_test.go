package keys_test

// The keys tests run on the real SQLite store, which imports package keys:
// hence an external test package.

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/gatehouse-id/gatehouse/keys"
	"github.com/gatehouse-id/gatehouse/storage/sqlite"
)

// fakeClock is a settable clock shared by the managers of a test.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

// t0 is where every test's clock starts: whole seconds, so that the
// instants a manager computes survive the stores' microseconds exactly.
var t0 = time.Date(2026, 3, 14, 15, 9, 26, 0, time.UTC)

func newClock() *fakeClock { return &fakeClock{now: t0} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Set(t time.Time) {
	c.mu.Lock()
	c.now = t
	c.mu.Unlock()
}

func (c *fakeClock) Advance(d time.Duration) { c.Set(c.Now().Add(d)) }

// openStore opens a fresh SQLite store in a temporary folder.
func openStore(t *testing.T) *sqlite.Store {
	t.Helper()
	s, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "gatehouse.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// kek returns a 32-byte key-encryption key made of b.
func kek(b byte) []byte { return bytes.Repeat([]byte{b}, 32) }

func newSealer(t *testing.T, current byte, previous ...byte) *keys.Sealer {
	t.Helper()
	var prev [][]byte
	for _, p := range previous {
		prev = append(prev, kek(p))
	}
	s, err := keys.NewSealer(kek(current), prev...)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// The schedule every test uses unless it says otherwise: what the server
// configures (ReloadEvery 30s, JWKSMaxAge 5m), with tokens living an hour
// so that a retired key's removal comes soon.
const (
	reloadEvery   = 30 * time.Second
	jwksMaxAge    = 5 * time.Minute
	tokenLifetime = time.Hour
	rotateEvery   = 30 * 24 * time.Hour

	publishDelay = 2 * reloadEvery                               // stored → published
	activation   = 3 * jwksMaxAge                                // published → signing
	lead         = publishDelay + activation                     // stored → signing
	retention    = tokenLifetime + 2*jwksMaxAge + keys.ClockSkew // retired → removed
)

func testConfig(alg jose.SignatureAlgorithm, clk *fakeClock) keys.Config {
	return keys.Config{
		Algorithm: alg, RotateEvery: rotateEvery, JWKSMaxAge: jwksMaxAge,
		TokenLifetime: tokenLifetime, ReloadEvery: reloadEvery, Now: clk.Now,
	}
}

func newManager(t *testing.T, store keys.Store, sealer *keys.Sealer, cfg keys.Config) (*keys.Manager, []keys.Change) {
	t.Helper()
	m, changes, err := keys.NewManager(t.Context(), store, sealer, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return m, changes
}

func maintain(t *testing.T, m *keys.Manager) []keys.Change {
	t.Helper()
	changes, err := m.Maintain(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	return changes
}

func active(t *testing.T, m *keys.Manager) keys.SigningKey {
	t.Helper()
	k, ok := m.Active()
	if !ok {
		t.Fatal("no active signing key")
	}
	return k
}

func kids(jwks []jose.JSONWebKey) []string {
	out := make([]string, len(jwks))
	for i, k := range jwks {
		out[i] = k.KeyID
	}
	return out
}

func listKeys(t *testing.T, s keys.Store) []keys.Record {
	t.Helper()
	recs, err := s.ListKeys(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

// verifyToken checks that m signs a token that the key of the same kid in
// m's JWKS verifies, with m's signing algorithm, and returns the kid.
func verifyToken(t *testing.T, m *keys.Manager) string {
	t.Helper()
	k := active(t, m)
	raw, err := m.Sign(map[string]string{"sub": "someone"}, "at+jwt")
	if err != nil {
		t.Fatal(err)
	}
	jws, err := jose.ParseSignedCompact(raw, []jose.SignatureAlgorithm{k.Algorithm})
	if err != nil {
		t.Fatalf("the token does not parse as %s: %v", k.Algorithm, err)
	}
	h := jws.Signatures[0].Header
	if h.KeyID != k.ID || h.Algorithm != string(k.Algorithm) || h.ExtraHeaders[jose.HeaderType] != "at+jwt" {
		t.Fatalf("header kid %q alg %q typ %v, want %q %s at+jwt", h.KeyID, h.Algorithm, h.ExtraHeaders[jose.HeaderType], k.ID, k.Algorithm)
	}
	i := slices.IndexFunc(m.PublicKeys(), func(p jose.JSONWebKey) bool { return p.KeyID == k.ID })
	if i < 0 {
		t.Fatalf("the signing key %s is not published", k.ID)
	}
	pub := m.PublicKeys()[i]
	if !pub.IsPublic() || pub.Use != "sig" || pub.Algorithm != string(k.Algorithm) {
		t.Fatalf("published key: public %v use %q alg %q", pub.IsPublic(), pub.Use, pub.Algorithm)
	}
	payload, err := jws.Verify(pub)
	if err != nil {
		t.Fatalf("the published key does not verify the token: %v", err)
	}
	if string(payload) != `{"sub":"someone"}` {
		t.Fatalf("payload %s", payload)
	}
	return k.ID
}

func TestLifecycle(t *testing.T) {
	const ret = 2 * time.Hour
	at := func(m int) time.Time { return t0.Add(time.Duration(m) * time.Minute) }
	// a signs from the start; b is published at 10 and signs from 20; c,
	// stored before b but signing later, at 40 and 50.
	a := keys.Record{ID: "a", Algorithm: "RS256", PublishAt: at(0), ActivateAt: at(0)}
	b := keys.Record{ID: "b", Algorithm: "ES256", PublishAt: at(10), ActivateAt: at(20)}
	c := keys.Record{ID: "c", Algorithm: "EdDSA", PublishAt: at(40), ActivateAt: at(50)}
	recs := []keys.Record{c, a, b}
	type want struct {
		state     keys.State
		published bool
	}
	var (
		next      = want{keys.StateNext, false}
		nextPub   = want{keys.StateNext, true}
		activeKey = want{keys.StateActive, true}
		retired   = want{keys.StateRetired, true}
		removed   = want{keys.StateRemoved, false}
	)
	ns := time.Nanosecond
	for _, tc := range []struct {
		name    string
		now     time.Time
		a, b, c want
	}{
		{"before a activates", at(0).Add(-ns), next, next, next},
		{"a activates and is published", at(0), activeKey, next, next},
		{"just before b is published", at(10).Add(-ns), activeKey, next, next},
		{"b is published", at(10), activeKey, nextPub, next},
		{"just before b signs", at(20).Add(-ns), activeKey, nextPub, next},
		{"b signs, a retires", at(20), retired, activeKey, next},
		{"c is published", at(40), retired, activeKey, nextPub},
		{"c signs, b retires", at(50), retired, retired, activeKey},
		{"just before a is removed", at(20).Add(ret - ns), retired, retired, activeKey},
		{"a is removed", at(20).Add(ret), removed, retired, activeKey},
		{"just before b is removed", at(50).Add(ret - ns), removed, retired, activeKey},
		{"b is removed", at(50).Add(ret), removed, removed, activeKey},
		{"years later, c still signs", at(50).Add(1e5 * time.Hour), removed, removed, activeKey},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := keys.Lifecycle(slices.Clone(recs), tc.now, ret)
			if got := []string{st[0].ID, st[1].ID, st[2].ID}; !slices.Equal(got, []string{"a", "b", "c"}) {
				t.Fatalf("order %v, want by activation", got)
			}
			for i, w := range []want{tc.a, tc.b, tc.c} {
				if got := (want{st[i].State, st[i].Published}); got != w {
					t.Errorf("%s: %+v, want %+v", st[i].ID, got, w)
				}
			}
			wantTimes := [][2]time.Time{{at(20), at(20).Add(ret)}, {at(50), at(50).Add(ret)}, {}}
			for i, w := range wantTimes {
				if !st[i].RetireAt.Equal(w[0]) || !st[i].RemoveAt.Equal(w[1]) {
					t.Errorf("%s: retires %v, removed %v; want %v, %v", st[i].ID, st[i].RetireAt, st[i].RemoveAt, w[0], w[1])
				}
			}
		})
	}

	t.Run("ties by id", func(t *testing.T) {
		x := keys.Record{ID: "x", PublishAt: at(0), ActivateAt: at(5)}
		y := keys.Record{ID: "y", PublishAt: at(0), ActivateAt: at(5)}
		st := keys.Lifecycle([]keys.Record{y, x}, at(5), ret)
		if st[0].ID != "x" || st[0].State != keys.StateRetired || st[1].ID != "y" || st[1].State != keys.StateActive {
			t.Fatalf("%+v", st)
		}
	})
	t.Run("empty", func(t *testing.T) {
		if st := keys.Lifecycle(nil, t0, ret); len(st) != 0 {
			t.Fatal(st)
		}
	})
}

func TestNewManagerCreatesFirstKey(t *testing.T) {
	for _, tc := range []struct {
		alg  jose.SignatureAlgorithm
		bits int
	}{{jose.RS256, 0}, {jose.RS256, 3072}, {jose.ES256, 0}, {jose.EdDSA, 0}} {
		t.Run(fmt.Sprintf("%s-%d", tc.alg, tc.bits), func(t *testing.T) {
			store, clk := openStore(t), newClock()
			cfg := testConfig(tc.alg, clk)
			cfg.RSABits = tc.bits
			m, changes := newManager(t, store, newSealer(t, 1), cfg)
			if len(changes) != 1 || !changes[0].Created || changes[0].Reason != keys.ReasonFirst {
				t.Fatalf("changes %+v, want the first key", changes)
			}
			r := changes[0].Key
			// Backdated by the clock skew nodes may have: a node a little
			// behind finds it signing too.
			if first := t0.Add(-keys.ClockSkew); r.Algorithm != string(tc.alg) || !r.PublishAt.Equal(first) || !r.ActivateAt.Equal(first) {
				t.Errorf("first key %s published %v, signing %v; want %s at once", r.Algorithm, r.PublishAt, r.ActivateAt, tc.alg)
			}
			k := active(t, m)
			if k.ID != r.ID || k.Algorithm != tc.alg {
				t.Errorf("active %s %s, want %s %s", k.ID, k.Algorithm, r.ID, tc.alg)
			}
			if tc.alg == jose.RS256 {
				want := max(tc.bits, 2048)
				if n := k.Private.(*rsa.PrivateKey).N.BitLen(); n != want {
					t.Errorf("RSA key of %d bits, want %d", n, want)
				}
			}
			if got := kids(m.PublicKeys()); !slices.Equal(got, []string{r.ID}) {
				t.Errorf("JWKS %v, want the first key", got)
			}
			if got := m.PublishedAlgorithms(); !slices.Equal(got, []jose.SignatureAlgorithm{tc.alg}) {
				t.Errorf("published algorithms %v", got)
			}
			verifyToken(t, m)
			if recs := listKeys(t, store); len(recs) != 1 || recs[0].ID != r.ID {
				t.Fatalf("stored %+v", recs)
			}
			// A restart loads the same key and creates none.
			m2, changes := newManager(t, store, newSealer(t, 1), cfg)
			if len(changes) != 0 || active(t, m2).ID != r.ID {
				t.Fatalf("restart: changes %+v, active %s", changes, active(t, m2).ID)
			}
			if !active(t, m2).Private.Public().(interface{ Equal(crypto.PublicKey) bool }).Equal(k.Private.Public()) {
				t.Fatal("the restarted manager loaded another private key")
			}
		})
	}
}

func TestScheduledRotation(t *testing.T) {
	store, clk := openStore(t), newClock()
	sealer := newSealer(t, 1)
	m, _ := newManager(t, store, sealer, testConfig(jose.ES256, clk))
	k1 := active(t, m)
	due := t0.Add(-keys.ClockSkew).Add(rotateEvery) // the first key signs from a skew back

	// Until the lead before the key is due, nothing happens.
	clk.Set(due.Add(-lead - time.Second))
	if ch := maintain(t, m); len(ch) != 0 {
		t.Fatalf("rotation a lead early: %+v", ch)
	}
	// From then on, a key is scheduled: published once every node has
	// reloaded, signing when the old key is due, a JWKS lifetime later.
	clk.Set(due.Add(-lead))
	ch := maintain(t, m)
	if len(ch) != 1 || !ch[0].Created || ch[0].Reason != keys.ReasonScheduled || ch[0].Key.Algorithm != "ES256" {
		t.Fatalf("changes %+v, want a scheduled key", ch)
	}
	k2 := ch[0].Key
	if want := clk.Now().Add(publishDelay); !k2.PublishAt.Equal(want) {
		t.Errorf("published at %v, want %v (2×ReloadEvery after it is stored)", k2.PublishAt, want)
	}
	if !k2.ActivateAt.Equal(due) || !k2.ActivateAt.Equal(k2.PublishAt.Add(activation)) {
		t.Errorf("signs from %v, want %v", k2.ActivateAt, due)
	}
	// While it is pending, Maintain and a restart change nothing.
	for _, d := range []time.Duration{0, time.Second, publishDelay, lead - time.Second} {
		clk.Set(due.Add(-lead + d))
		if ch := maintain(t, m); len(ch) != 0 {
			t.Fatalf("%s into the rotation: %+v", d, ch)
		}
	}
	if _, ch := newManager(t, store, sealer, testConfig(jose.ES256, clk)); len(ch) != 0 {
		t.Fatalf("restart while a key is pending: %+v", ch)
	}
	if n := len(listKeys(t, store)); n != 2 {
		t.Fatalf("%d keys stored, want 2", n)
	}

	steps := []struct {
		at      time.Time
		signing string
		jwks    []string
	}{
		{k2.PublishAt.Add(-time.Nanosecond), k1.ID, []string{k1.ID}},
		{k2.PublishAt, k1.ID, []string{k1.ID, k2.ID}},
		{k2.ActivateAt.Add(-time.Nanosecond), k1.ID, []string{k1.ID, k2.ID}},
		{k2.ActivateAt, k2.ID, []string{k2.ID, k1.ID}},
		{k2.ActivateAt.Add(retention - time.Nanosecond), k2.ID, []string{k2.ID, k1.ID}},
		{k2.ActivateAt.Add(retention), k2.ID, []string{k2.ID}},
	}
	for _, s := range steps {
		clk.Set(s.at)
		if got := active(t, m).ID; got != s.signing {
			t.Errorf("at %v: signing %s, want %s", s.at, got, s.signing)
		}
		if got := kids(m.PublicKeys()); !slices.Equal(got, s.jwks) {
			t.Errorf("at %v: JWKS %v, want %v", s.at, got, s.jwks)
		}
		verifyToken(t, m)
	}
	// The removed key's record is deleted by the next maintenance.
	ch = maintain(t, m)
	if len(ch) != 1 || !ch[0].Deleted || ch[0].Key.ID != k1.ID {
		t.Fatalf("changes %+v, want %s deleted", ch, k1.ID)
	}
	if recs := listKeys(t, store); len(recs) != 1 || recs[0].ID != k2.ID {
		t.Fatalf("stored after the deletion: %+v", recs)
	}
	if st := m.Keys(); len(st) != 1 || st[0].ID != k2.ID || st[0].State != keys.StateActive {
		t.Fatalf("Keys() after the deletion: %+v", st)
	}
}

// TestScheduledRotationLate: a node that runs Maintain after the point a
// lead before the key is due (it was down) still publishes the new key a
// full JWKS lifetime before it signs: the old key signs a little longer.
func TestScheduledRotationLate(t *testing.T) {
	store, clk := openStore(t), newClock()
	m, _ := newManager(t, store, newSealer(t, 1), testConfig(jose.EdDSA, clk))
	due := t0.Add(rotateEvery)
	for _, late := range []time.Duration{time.Minute, lead, 3 * 24 * time.Hour} {
		clk.Set(due.Add(-lead + late))
		ch := maintain(t, m)
		if len(ch) != 1 || ch[0].Reason != keys.ReasonScheduled {
			t.Fatalf("%s late: %+v", late, ch)
		}
		now := clk.Now()
		r := ch[0].Key
		if !r.PublishAt.Equal(now.Add(publishDelay)) || !r.ActivateAt.Equal(now.Add(lead)) {
			t.Errorf("%s late: published %v, signs %v; want %v, %v", late, r.PublishAt, r.ActivateAt, now.Add(publishDelay), now.Add(lead))
		}
		// Take it back out for the next case.
		if err := store.DeleteKey(t.Context(), r.ID); err != nil {
			t.Fatal(err)
		}
	}
}

func TestRotationOff(t *testing.T) {
	store, clk := openStore(t), newClock()
	cfg := testConfig(jose.ES256, clk)
	cfg.RotateEvery = -1
	m, _ := newManager(t, store, newSealer(t, 1), cfg)
	clk.Advance(10 * 365 * 24 * time.Hour)
	if ch := maintain(t, m); len(ch) != 0 {
		t.Fatalf("rotation is off, yet: %+v", ch)
	}
}

func TestAlgorithmChange(t *testing.T) {
	store, clk := openStore(t), newClock()
	sealer := newSealer(t, 1)
	_, _ = newManager(t, store, sealer, testConfig(jose.RS256, clk))
	clk.Advance(time.Hour)
	m, ch := newManager(t, store, sealer, testConfig(jose.ES256, clk))
	if len(ch) != 1 || !ch[0].Created || ch[0].Reason != keys.ReasonAlgorithm || ch[0].Key.Algorithm != "ES256" {
		t.Fatalf("changes %+v, want an ES256 key scheduled", ch)
	}
	r := ch[0].Key
	if now := clk.Now(); !r.PublishAt.Equal(now.Add(publishDelay)) || !r.ActivateAt.Equal(now.Add(lead)) {
		t.Errorf("published %v, signs %v", r.PublishAt, r.ActivateAt)
	}
	if k := active(t, m); k.Algorithm != jose.RS256 {
		t.Fatalf("signing with %s before the new key is due", k.Algorithm)
	}
	clk.Set(r.PublishAt)
	if got := m.PublishedAlgorithms(); !slices.Equal(got, []jose.SignatureAlgorithm{jose.RS256, jose.ES256}) {
		t.Errorf("published algorithms %v, want RS256 (signing) then ES256", got)
	}
	clk.Set(r.ActivateAt)
	if k := active(t, m); k.ID != r.ID || k.Algorithm != jose.ES256 {
		t.Fatalf("signing with %s %s, want the ES256 key", k.ID, k.Algorithm)
	}
	if got := m.PublishedAlgorithms(); !slices.Equal(got, []jose.SignatureAlgorithm{jose.ES256, jose.RS256}) {
		t.Errorf("published algorithms %v, want ES256 (signing) then RS256", got)
	}
	verifyToken(t, m)
	if ch := maintain(t, m); len(ch) != 0 {
		t.Fatalf("the algorithm is the configured one, yet: %+v", ch)
	}
	// A node still configured with RS256 would change it back, and the
	// nodes would take turns for ever: it refuses to start, naming the
	// disagreement, and schedules nothing.
	if _, _, err := keys.NewManager(t.Context(), store, sealer, testConfig(jose.RS256, clk)); err == nil ||
		!strings.Contains(err.Error(), "different signing algorithms") {
		t.Fatalf("a node configured with the replaced algorithm: %v", err)
	}
	if n := len(listKeys(t, store)); n != 2 {
		t.Fatalf("%d keys stored after the refused start, want 2", n)
	}
	// Once the RS256 key has retired longer than the retention, it is
	// an ordinary (if slow) algorithm change again.
	clk.Advance(retention)
	old, ch := newManager(t, store, sealer, testConfig(jose.RS256, clk))
	if len(ch) != 2 || !ch[0].Deleted || ch[1].Key.Algorithm != "RS256" || ch[1].Reason != keys.ReasonAlgorithm {
		t.Fatalf("changes %+v", ch)
	}
	if ch := maintain(t, old); len(ch) != 0 {
		t.Fatalf("second maintenance while one is pending: %+v", ch)
	}
}

func TestRotateNow(t *testing.T) {
	store, clk := openStore(t), newClock()
	sealer := newSealer(t, 1)
	newManager(t, store, sealer, testConfig(jose.EdDSA, clk))
	clk.Advance(time.Hour)
	// The command line opens the keys with the default algorithm, which is
	// not the installation's: the new key keeps the signing key's.
	m, err := keys.Open(t.Context(), store, sealer, testConfig(jose.RS256, clk))
	if err != nil {
		t.Fatal(err)
	}
	ch, err := m.RotateNow(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	now := clk.Now()
	if !ch.Created || ch.Reason != keys.ReasonOnDemand || ch.Key.Algorithm != "EdDSA" ||
		!ch.Key.PublishAt.Equal(now.Add(publishDelay)) || !ch.Key.ActivateAt.Equal(now.Add(lead)) {
		t.Fatalf("RotateNow: %+v", ch)
	}
	// Idempotent while it is pending, whichever node asks.
	for _, d := range []time.Duration{0, publishDelay, lead - time.Nanosecond} {
		clk.Set(now.Add(d))
		again, err := m.RotateNow(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		if again.Created || again.Key.ID != ch.Key.ID {
			t.Fatalf("%s later: %+v, want the pending %s", d, again, ch.Key.ID)
		}
	}
	if n := len(listKeys(t, store)); n != 2 {
		t.Fatalf("%d keys stored, want 2", n)
	}
	clk.Set(ch.Key.ActivateAt)
	if k := active(t, m); k.ID != ch.Key.ID {
		t.Fatalf("signing with %s, want %s", k.ID, ch.Key.ID)
	}
	// Once it signs, the next RotateNow schedules another.
	next, err := m.RotateNow(t.Context())
	if err != nil || !next.Created || next.Key.ID == ch.Key.ID {
		t.Fatalf("RotateNow after the rotation: %+v, %v", next, err)
	}
}

// TestNodesAgree runs two managers on one store, as two nodes, through
// on-demand and scheduled rotations and removals. Node A maintains every
// ReloadEvery; node B only reloads every ReloadEvery, at another phase.
// At every instant they publish the same keys and sign with the same one.
func TestNodesAgree(t *testing.T) {
	store, clk := openStore(t), newClock()
	sealer := newSealer(t, 1)
	cfg := testConfig(jose.ES256, clk)
	cfg.RotateEvery = 2 * time.Hour
	a, _ := newManager(t, store, sealer, cfg)
	b, err := keys.Open(t.Context(), store, sealer, cfg)
	if err != nil {
		t.Fatal(err)
	}
	const step = 5 * time.Second
	var (
		rotations, removals int
		signers             = map[string]bool{}
	)
	for i := range int(6 * time.Hour / step) {
		now := t0.Add(time.Duration(i) * step)
		clk.Set(now)
		if i%int(reloadEvery/step) == 0 {
			for _, c := range maintain(t, a) {
				if c.Created {
					rotations++
				}
				if c.Deleted {
					removals++
				}
			}
		}
		if i%int(reloadEvery/step) == 5 {
			if err := b.ReloadIfStale(t.Context(), reloadEvery); err != nil {
				t.Fatal(err)
			}
		}
		if i == int(37*time.Minute/step)+1 { // an operator, between two ticks
			ch, err := a.RotateNow(t.Context())
			if err != nil || !ch.Created {
				t.Fatalf("RotateNow: %+v, %v", ch, err)
			}
			rotations++
		}
		for _, at := range []time.Time{now, now.Add(step - time.Nanosecond)} {
			clk.Set(at)
			ka, kb := active(t, a), active(t, b)
			pa, pb := kids(a.PublicKeys()), kids(b.PublicKeys())
			if ka.ID != kb.ID || !slices.Equal(pa, pb) {
				t.Fatalf("at %s: node A signs with %s and publishes %v, node B %s and %v",
					at.Sub(t0), ka.ID, pa, kb.ID, pb)
			}
			signers[ka.ID] = true
		}
	}
	if rotations < 3 || removals < 2 || len(signers) < 4 {
		t.Fatalf("the simulation saw %d rotations, %d removals, %d signing keys: too few to mean anything", rotations, removals, len(signers))
	}
}

// storeWith returns a store holding one key of each algorithm, sealed
// under KEK 1, and those records, oldest first: RS256 retired (still
// published), ES256 signing, EdDSA scheduled. All three are loaded.
func storeWith(t *testing.T) (*sqlite.Store, *fakeClock, []keys.Record) {
	t.Helper()
	store, clk := openStore(t), newClock()
	sealer := newSealer(t, 1)
	newManager(t, store, sealer, testConfig(jose.RS256, clk))
	clk.Advance(time.Hour)
	newManager(t, store, sealer, testConfig(jose.ES256, clk))
	clk.Advance(lead)
	newManager(t, store, sealer, testConfig(jose.EdDSA, clk))
	recs := listKeys(t, store)
	var algs []string
	for _, r := range recs {
		algs = append(algs, r.Algorithm)
	}
	if !slices.Equal(algs, []string{"RS256", "ES256", "EdDSA"}) {
		t.Fatalf("stored keys %v", algs)
	}
	return store, clk, recs
}

func wantKeyError(t *testing.T, err error, id, says string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want one naming key %s", id)
	}
	if !strings.Contains(err.Error(), id) || !strings.Contains(err.Error(), says) {
		t.Fatalf("error %q, want it to name key %s and say %q", err, id, says)
	}
}

func TestWrongKEK(t *testing.T) {
	store, clk, recs := storeWith(t)
	cfg := testConfig(jose.EdDSA, clk)
	_, _, err := keys.NewManager(t.Context(), store, newSealer(t, 2), cfg)
	wantKeyError(t, err, recs[0].ID, "cannot unseal")
	if !errors.Is(err, keys.ErrUnseal) {
		t.Errorf("error %v does not wrap ErrUnseal", err)
	}
	_, err = keys.Open(t.Context(), store, newSealer(t, 2), cfg)
	wantKeyError(t, err, recs[0].ID, "cannot unseal")
	if after := listKeys(t, store); len(after) != len(recs) {
		t.Fatalf("a failed start changed the stored keys: %d, had %d", len(after), len(recs))
	}
	// The right key as a previous one opens them.
	if _, err := keys.Open(t.Context(), store, newSealer(t, 2, 1), cfg); err != nil {
		t.Fatal(err)
	}
}

func TestCorruptedKey(t *testing.T) {
	for _, tc := range []struct {
		name   string
		victim int // index in the records, by age
		change func(t *testing.T, r *keys.Record, others []keys.Record)
		says   string
	}{
		{"sealed byte flipped", 0, func(t *testing.T, r *keys.Record, _ []keys.Record) {
			r.Sealed[len(r.Sealed)/2] ^= 0x01
		}, "cannot unseal"},
		{"sealed truncated", 1, func(t *testing.T, r *keys.Record, _ []keys.Record) {
			r.Sealed = r.Sealed[:5]
		}, "cannot unseal"},
		{"sealed blob of another key", 1, func(t *testing.T, r *keys.Record, others []keys.Record) {
			r.Sealed = others[0].Sealed // bound to its own id
		}, "cannot unseal"},
		{"garbage public JWK", 2, func(t *testing.T, r *keys.Record, _ []keys.Record) {
			r.PublicJWK = []byte("{garbage")
		}, "public key"},
		{"public JWK of another key", 0, func(t *testing.T, r *keys.Record, others []keys.Record) {
			r.PublicJWK = others[1].PublicJWK
		}, "does not match"},
		{"public JWK of another key under this key's id", 0, func(t *testing.T, r *keys.Record, _ []keys.Record) {
			// Another RS256 key, its kid and alg made to fit the record.
			other, err := rsa.GenerateKey(rand.Reader, 2048)
			if err != nil {
				t.Fatal(err)
			}
			r.PublicJWK = marshalJWK(t, jose.JSONWebKey{Key: other.Public(), KeyID: r.ID, Algorithm: "RS256", Use: "sig"})
		}, "private key does not match"},
		{"private key in the public slot", 1, func(t *testing.T, r *keys.Record, _ []keys.Record) {
			priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
			if err != nil {
				t.Fatal(err)
			}
			r.PublicJWK = marshalJWK(t, jose.JSONWebKey{Key: priv, KeyID: r.ID, Algorithm: "ES256", Use: "sig"})
		}, "does not match"},
		{"unknown algorithm", 2, func(t *testing.T, r *keys.Record, _ []keys.Record) {
			r.Algorithm = "HS256"
		}, "unsupported algorithm"},
		{"algorithm of another key", 1, func(t *testing.T, r *keys.Record, _ []keys.Record) {
			r.Algorithm = "EdDSA"
		}, "does not match"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			store, clk, recs := storeWith(t)
			cfg := testConfig(jose.EdDSA, clk)
			sealer := newSealer(t, 1)
			running, err := keys.Open(t.Context(), store, sealer, cfg)
			if err != nil {
				t.Fatal(err)
			}
			before, beforeKey := kids(running.PublicKeys()), active(t, running)

			r := recs[tc.victim]
			r.Sealed, r.PublicJWK = bytes.Clone(r.Sealed), bytes.Clone(r.PublicJWK)
			tc.change(t, &r, recs)
			if err := store.UpdateKey(t.Context(), r); err != nil {
				t.Fatal(err)
			}
			_, _, err = keys.NewManager(t.Context(), store, sealer, cfg)
			wantKeyError(t, err, r.ID, tc.says)
			_, err = keys.Open(t.Context(), store, sealer, cfg)
			wantKeyError(t, err, r.ID, tc.says)

			// A running node that reloads keeps what it had.
			wantKeyError(t, running.Reload(t.Context()), r.ID, tc.says)
			_, err = running.Maintain(t.Context())
			wantKeyError(t, err, r.ID, tc.says)
			if got := kids(running.PublicKeys()); !slices.Equal(got, before) {
				t.Errorf("JWKS after a failed reload %v, want %v", got, before)
			}
			if k := active(t, running); k.ID != beforeKey.ID {
				t.Errorf("signing with %s after a failed reload, want %s", k.ID, beforeKey.ID)
			}
			verifyToken(t, running)
		})
	}
}

func marshalJWK(t *testing.T, k jose.JSONWebKey) []byte {
	t.Helper()
	b, err := k.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestBadConfig(t *testing.T) {
	clk := newClock()
	for _, tc := range []struct {
		name   string
		change func(*keys.Config)
		says   string
	}{
		{"unknown algorithm", func(c *keys.Config) { c.Algorithm = "HS256" }, `unsupported signing algorithm "HS256"`},
		{"none", func(c *keys.Config) { c.Algorithm = "none" }, "unsupported signing algorithm"},
		{"RSA 1024", func(c *keys.Config) { c.RSABits = 1024 }, "2048 or 3072"},
		{"RSA 4096", func(c *keys.Config) { c.RSABits = 4096 }, "2048 or 3072"},
		{"rotation shorter than the lead", func(c *keys.Config) { c.RotateEvery = 20 * time.Minute }, "no time to publish"},
		{"negative max age", func(c *keys.Config) { c.JWKSMaxAge = -time.Second }, "negative"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			store := openStore(t)
			cfg := testConfig(jose.RS256, clk)
			tc.change(&cfg)
			if _, _, err := keys.NewManager(t.Context(), store, newSealer(t, 1), cfg); err == nil || !strings.Contains(err.Error(), tc.says) {
				t.Errorf("NewManager: %v, want %q", err, tc.says)
			}
			if _, err := keys.Open(t.Context(), store, newSealer(t, 1), cfg); err == nil || !strings.Contains(err.Error(), tc.says) {
				t.Errorf("Open: %v, want %q", err, tc.says)
			}
			if n := len(listKeys(t, store)); n != 0 {
				t.Errorf("%d keys created under a bad configuration", n)
			}
		})
	}
}

func TestSealerPreviousKEK(t *testing.T) {
	a, b := newSealer(t, 1), newSealer(t, 2, 1)
	aad := []byte("secret:x")
	old, err := a.Seal([]byte("plain"), aad)
	if err != nil {
		t.Fatal(err)
	}
	if pt, err := b.Open(old, aad); err != nil || string(pt) != "plain" {
		t.Fatalf("the previous KEK does not open: %q, %v", pt, err)
	}
	if _, err := b.Open(old, []byte("secret:y")); !errors.Is(err, keys.ErrUnseal) {
		t.Fatalf("opened under another slot: %v", err)
	}
	moved, changed, err := b.Reseal(old, aad)
	if err != nil || !changed || bytes.Equal(moved, old) {
		t.Fatalf("Reseal of an old blob: changed %v, %v", changed, err)
	}
	onlyB := newSealer(t, 2)
	if pt, err := onlyB.Open(moved, aad); err != nil || string(pt) != "plain" {
		t.Fatalf("the current KEK alone does not open the resealed blob: %q, %v", pt, err)
	}
	if _, err := onlyB.Open(old, aad); !errors.Is(err, keys.ErrUnseal) {
		t.Fatalf("the new KEK alone opens the old blob: %v", err)
	}
	if _, err := a.Open(moved, aad); !errors.Is(err, keys.ErrUnseal) {
		t.Fatalf("the old KEK opens the resealed blob: %v", err)
	}
	same, changed, err := b.Reseal(moved, aad)
	if err != nil || changed || !bytes.Equal(same, moved) {
		t.Fatalf("Reseal of a current blob: changed %v, %v", changed, err)
	}
	if _, changed, err := b.Reseal(old, []byte("secret:y")); !errors.Is(err, keys.ErrUnseal) || changed {
		t.Fatalf("Reseal under another slot: changed %v, %v", changed, err)
	}
	// Something no key opens is refused, not passed on.
	if _, changed, err := b.Reseal(old[:10], aad); !errors.Is(err, keys.ErrUnseal) || changed {
		t.Fatalf("Reseal of garbage: changed %v, %v", changed, err)
	}
	if _, err := keys.NewSealer(kek(2), []byte("short")); err == nil {
		t.Fatal("a short previous KEK was accepted")
	}
}

func TestRewrap(t *testing.T) {
	ctx := t.Context()
	store, clk, recs := storeWith(t)
	cfg := testConfig(jose.EdDSA, clk)
	oldSealer := newSealer(t, 1)
	secrets := map[string][]byte{}
	for _, name := range []string{"csrf", "client-secret-hmac"} {
		v, err := keys.InstallationSecret(ctx, store, oldSealer, name, 32)
		if err != nil {
			t.Fatal(err)
		}
		secrets[name] = v
	}
	before, err := keys.Open(ctx, store, oldSealer, cfg)
	if err != nil {
		t.Fatal(err)
	}

	// Every node runs with the new KEK and the old as previous meanwhile.
	both := newSealer(t, 2, 1)
	if _, err := keys.Open(ctx, store, both, cfg); err != nil {
		t.Fatal(err)
	}
	n, err := keys.Rewrap(ctx, store, both)
	if err != nil || n != len(recs)+len(secrets) {
		t.Fatalf("Rewrap: %d, %v; want %d", n, err, len(recs)+len(secrets))
	}
	if n, err := keys.Rewrap(ctx, store, both); err != nil || n != 0 {
		t.Fatalf("second Rewrap: %d, %v; want nothing left", n, err)
	}

	onlyNew := newSealer(t, 2)
	m, err := keys.Open(ctx, store, onlyNew, cfg)
	if err != nil {
		t.Fatalf("the new KEK alone: %v", err)
	}
	if got, want := kids(m.PublicKeys()), kids(before.PublicKeys()); !slices.Equal(got, want) || active(t, m).ID != active(t, before).ID {
		t.Fatalf("after rewrap: JWKS %v, want %v", got, want)
	}
	verifyToken(t, m)
	for name, want := range secrets {
		got, err := keys.InstallationSecret(ctx, store, onlyNew, name, 32)
		if err != nil || !bytes.Equal(got, want) {
			t.Fatalf("secret %s after rewrap: %v", name, err)
		}
	}
	_, err = keys.Open(ctx, store, oldSealer, cfg)
	wantKeyError(t, err, recs[0].ID, "cannot unseal")
	if _, err := keys.InstallationSecret(ctx, store, oldSealer, "csrf", 32); !errors.Is(err, keys.ErrUnseal) {
		t.Fatalf("the old KEK still opens a secret: %v", err)
	}

	// Rewrap without the previous key fails, naming what it cannot open,
	// and changes nothing.
	third := newSealer(t, 3)
	if _, err := keys.Rewrap(ctx, store, third); !errors.Is(err, keys.ErrUnseal) || !strings.Contains(err.Error(), "signing key") {
		t.Fatalf("Rewrap without the previous KEK: %v", err)
	}
	if _, err := keys.Open(ctx, store, onlyNew, cfg); err != nil {
		t.Fatalf("a failed Rewrap changed something: %v", err)
	}
}

// TestConcurrentStart: nodes starting at once on an empty store agree on
// one first key.
func TestConcurrentStart(t *testing.T) {
	store, clk := openStore(t), newClock()
	sealer := newSealer(t, 1)
	const n = 4
	var (
		wg   sync.WaitGroup
		ids  [n]string
		errs [n]error
	)
	for i := range n {
		wg.Go(func() {
			m, _, err := keys.NewManager(context.WithoutCancel(t.Context()), store, sealer, testConfig(jose.ES256, clk))
			if errs[i] = err; err == nil {
				k, _ := m.Active()
				ids[i] = k.ID
			}
		})
	}
	wg.Wait()
	for i := range n {
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
		if ids[i] != ids[0] {
			t.Fatalf("nodes sign with %v", ids)
		}
	}
	if recs := listKeys(t, store); len(recs) != 1 {
		t.Fatalf("%d keys after a concurrent start", len(recs))
	}
}

// TestLegacyKeysAdopted: keys stored before schedules existed (migration
// 0006 gave them their creation time as publish and activation time) are
// scheduled once: the one the old code signed with (the oldest of the
// configured algorithm) keeps signing, and the others retire now and stay
// published for a whole retention, so that nothing they signed fails.
func TestLegacyKeysAdopted(t *testing.T) {
	store, clk := openStore(t), newClock()
	sealer := newSealer(t, 1)
	m, _ := newManager(t, store, sealer, testConfig(jose.ES256, clk))
	if _, err := m.RotateNow(t.Context()); err != nil {
		t.Fatal(err)
	}
	recs := listKeys(t, store)
	if len(recs) != 2 {
		t.Fatalf("%d keys", len(recs))
	}
	// Both as 0006 leaves a legacy key; the old code would sign with the
	// oldest, recs[0].
	for i := range recs {
		recs[i].CreatedAt = t0.Add(time.Duration(i) * time.Hour)
		recs[i].PublishAt, recs[i].ActivateAt = recs[i].CreatedAt, recs[i].CreatedAt
		if err := store.UpdateKey(t.Context(), recs[i]); err != nil {
			t.Fatal(err)
		}
	}
	clk.Set(t0.Add(30 * 24 * time.Hour)) // the upgrade, long after both were made
	m2, ch := newManager(t, store, sealer, testConfig(jose.ES256, clk))
	for _, c := range ch {
		if c.Deleted {
			t.Fatalf("the upgrade removed key %s", c.Key.ID)
		}
	}
	if k := active(t, m2); k.ID != recs[0].ID {
		t.Fatalf("signing with %s after the upgrade, want the oldest legacy key %s", k.ID, recs[0].ID)
	}
	for _, s := range m2.Keys() {
		if s.ID == recs[1].ID && (s.State != keys.StateRetired || !s.Published || s.RemoveAt.Before(clk.Now().Add(retention))) {
			t.Errorf("the other legacy key: %+v, want retired and published for a retention", s)
		}
	}
	// Adopted once: the next maintenance changes nothing.
	if ch := maintain(t, m2); len(ch) != 0 {
		t.Errorf("a second adoption: %+v", ch)
	}
	if k := active(t, m2); k.ID != recs[0].ID {
		t.Errorf("signing with %s", k.ID)
	}
}

// TestPublicKeyAgreesWithPublicKeys: PublicKey finds a key exactly when
// PublicKeys lists it, at every step of a rotation: before the next key is
// published, once it is, once it signs, and after the old one is deleted.
func TestPublicKeyAgreesWithPublicKeys(t *testing.T) {
	store, clk := openStore(t), newClock()
	m, _ := newManager(t, store, newSealer(t, 1), testConfig(jose.ES256, clk))
	first := active(t, m)
	ch, err := m.RotateNow(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	ids := []string{first.ID, ch.Key.ID, "no-such-key"}
	check := func(when string) {
		t.Helper()
		listed := map[string]jose.JSONWebKey{}
		for _, k := range m.PublicKeys() {
			listed[k.KeyID] = k
		}
		for _, id := range ids {
			k, ok := m.PublicKey(id)
			want, listedOK := listed[id]
			if ok != listedOK || ok && (k.KeyID != want.KeyID || k.Algorithm != want.Algorithm) {
				t.Errorf("%s: PublicKey(%s) = %v, %v; PublicKeys lists it: %v", when, id, k.KeyID, ok, listedOK)
			}
		}
	}
	now := clk.Now()
	check("just scheduled")
	clk.Set(now.Add(publishDelay))
	check("published")
	clk.Set(ch.Key.ActivateAt)
	check("signing")
	if _, err := m.Delete(t.Context(), first.ID); err != nil {
		t.Fatal(err)
	}
	check("old key deleted")
	if _, ok := m.PublicKey(first.ID); ok {
		t.Error("a deleted key is still published")
	}
	if _, ok := m.PublicKey(ch.Key.ID); !ok {
		t.Error("the signing key is not published")
	}
}
