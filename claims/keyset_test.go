package claims

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

// fakeClock is a settable clock, safe for concurrent use.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// jwksServer serves a JWKS document the test edits, and counts requests.
type jwksServer struct {
	srv      *httptest.Server
	requests atomic.Int64

	mu           sync.Mutex
	body         []byte
	status       int
	cacheControl string
	gate         chan struct{} // when set, each request waits for it to close
	started      chan struct{} // when set, receives a value as a request starts
}

func newJWKSServer(t *testing.T, keys ...jose.JSONWebKey) *jwksServer {
	s := &jwksServer{status: http.StatusOK}
	s.setKeys(t, keys...)
	s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.requests.Add(1)
		s.mu.Lock()
		body, status, cc, gate, started := s.body, s.status, s.cacheControl, s.gate, s.started
		s.mu.Unlock()
		if started != nil {
			select { // never block: a second request must show in the count, not hang
			case started <- struct{}{}:
			default:
			}
		}
		if gate != nil {
			<-gate
		}
		if cc != "" {
			w.Header().Set("Cache-Control", cc)
		}
		w.WriteHeader(status)
		_, _ = w.Write(body)
	}))
	t.Cleanup(s.srv.Close)
	return s
}

func (s *jwksServer) setKeys(t *testing.T, keys ...jose.JSONWebKey) {
	t.Helper()
	b, err := json.Marshal(jose.JSONWebKeySet{Keys: keys})
	if err != nil {
		t.Fatal(err)
	}
	s.set(func() { s.body = b })
}

func (s *jwksServer) set(f func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f()
}

func (s *jwksServer) count() int { return int(s.requests.Load()) }

// newTestKeySet returns a key set reading s's JWKS directly, on clock c.
func newTestKeySet(t *testing.T, s *jwksServer, c *fakeClock) *keySet {
	t.Helper()
	cfg, err := Config{
		Issuer: s.srv.URL, Audiences: []string{"rp"}, JWKSURL: s.srv.URL + "/keys",
		HTTPClient: s.srv.Client(), Now: c.Now,
	}.validate()
	if err != nil {
		t.Fatal(err)
	}
	return newKeySet(cfg)
}

func ecKey(t *testing.T, kid string) jose.JSONWebKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return jose.JSONWebKey{Key: &k.PublicKey, KeyID: kid, Algorithm: "ES256", Use: "sig"}
}

func epoch() *fakeClock { return &fakeClock{t: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)} }

func wantKey(t *testing.T, ks *keySet, kid string, wantErr error) {
	t.Helper()
	k, err := ks.key(t.Context(), kid, jose.ES256)
	switch {
	case wantErr == nil && err != nil:
		t.Fatalf("key(%q): %v", kid, err)
	case wantErr == nil && k.KeyID != kid:
		t.Fatalf("key(%q) returned kid %q", kid, k.KeyID)
	case wantErr != nil && !errors.Is(err, wantErr):
		t.Fatalf("key(%q) error = %v, want %v", kid, err, wantErr)
	}
}

func wantFetches(t *testing.T, s *jwksServer, n int) {
	t.Helper()
	if got := s.count(); got != n {
		t.Fatalf("JWKS fetched %d times, want %d", got, n)
	}
}

func TestKeySetRefetchesUnknownKidAtMostOncePerInterval(t *testing.T) {
	c := epoch()
	s := newJWKSServer(t, ecKey(t, "a"))
	ks := newTestKeySet(t, s, c)

	wantKey(t, ks, "a", nil)
	wantFetches(t, s, 1)

	s.setKeys(t, ecKey(t, "a"), ecKey(t, "b"))
	c.Advance(DefaultRefreshMinInterval - time.Second)
	wantKey(t, ks, "b", ErrUnknownKey) // within the interval: no fetch
	wantFetches(t, s, 1)

	c.Advance(time.Second)
	wantKey(t, ks, "b", nil) // the interval has passed: one refetch finds it
	wantFetches(t, s, 2)
	for range 5 {
		wantKey(t, ks, "made-up", ErrUnknownKey)
	}
	wantFetches(t, s, 2)

	c.Advance(DefaultRefreshMinInterval)
	wantKey(t, ks, "made-up", ErrUnknownKey)
	wantKey(t, ks, "made-up", ErrUnknownKey)
	wantFetches(t, s, 3)
}

func TestKeySetHonoursMaxAge(t *testing.T) {
	c := epoch()
	s := newJWKSServer(t, ecKey(t, "a"))
	s.set(func() { s.cacheControl = "public, max-age=120" })
	ks := newTestKeySet(t, s, c)

	wantKey(t, ks, "a", nil)
	c.Advance(119 * time.Second)
	wantKey(t, ks, "a", nil)
	wantFetches(t, s, 1)

	// Stale: the known key is fetched again, and a key dropped from the
	// set (revoked) is gone.
	s.setKeys(t, ecKey(t, "b"))
	c.Advance(time.Second)
	wantKey(t, ks, "a", ErrUnknownKey)
	wantFetches(t, s, 2)
	wantKey(t, ks, "b", nil)
	wantFetches(t, s, 2)
}

func TestCacheTTL(t *testing.T) {
	for _, tc := range []struct {
		header string
		want   time.Duration
	}{
		{"", defaultKeySetTTL},
		{"public, max-age=3600", time.Hour},
		{"Max-Age=600", 10 * time.Minute},
		{`max-age="900"`, 15 * time.Minute},
		{"max-age=5", minKeySetTTL},
		{"max-age=0", minKeySetTTL},
		{"max-age=9999999999", maxKeySetTTL},
		{"max-age=-1", defaultKeySetTTL},
		{"max-age=soon", defaultKeySetTTL},
		{"no-cache", minKeySetTTL},
		{"max-age=3600, no-store", minKeySetTTL},
	} {
		if got := cacheTTL(tc.header); got != tc.want {
			t.Errorf("cacheTTL(%q) = %v, want %v", tc.header, got, tc.want)
		}
	}
}

// TestFreshForSubtractsAge: a key set that a shared cache already held
// for a while is fresh only for what is left of its max-age.
func TestFreshForSubtractsAge(t *testing.T) {
	for _, tc := range []struct {
		cc, age string
		want    time.Duration
	}{
		{"max-age=300", "", 5 * time.Minute},
		{"max-age=300", "120", 3 * time.Minute},
		{"max-age=300", "299", minKeySetTTL},
		{"max-age=300", "9999", minKeySetTTL},
		{"max-age=300", "soon", 5 * time.Minute},
		{"max-age=300", "-5", 5 * time.Minute},
	} {
		h := http.Header{"Cache-Control": {tc.cc}}
		if tc.age != "" {
			h.Set("Age", tc.age)
		}
		if got := freshFor(h); got != tc.want {
			t.Errorf("freshFor(%q, Age %q) = %v, want %v", tc.cc, tc.age, got, tc.want)
		}
	}
}

func TestKeySetUsesSigningPublicKeysOnly(t *testing.T) {
	rsaPriv, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	ecPriv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	enc := ecKey(t, "enc")
	enc.Use = "enc"
	noAlg := ecKey(t, "no-alg")
	noAlg.Algorithm = ""
	keys := []jose.JSONWebKey{
		ecKey(t, "good"),
		noAlg,
		enc,
		{Key: []byte("a shared secret of at least 32 bytes!"), KeyID: "oct", Algorithm: "HS256"},
		{Key: ecPriv, KeyID: "private", Algorithm: "ES256"},
		{Key: &rsaPriv.PublicKey, KeyID: "rsa", Algorithm: "RS256"},
		{Key: &ecPriv.PublicKey, Algorithm: "ES256"}, // no kid
	}
	b, err := json.Marshal(jose.JSONWebKeySet{Keys: keys})
	if err != nil {
		t.Fatal(err)
	}
	// A key of a type nobody knows must not cost the others.
	var doc map[string][]json.RawMessage
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	doc["keys"] = append(doc["keys"], json.RawMessage(`{"kty":"PQC","kid":"future","alg":"ML-DSA-99"}`))
	s := newJWKSServer(t)
	s.set(func() { s.body, _ = json.Marshal(doc) })
	ks := newTestKeySet(t, s, epoch())

	wantKey(t, ks, "good", nil)
	wantKey(t, ks, "no-alg", nil)
	for _, kid := range []string{"enc", "oct", "private", "rsa", "future", ""} {
		wantKey(t, ks, kid, ErrUnknownKey) // rsa: its alg is RS256, not the ES256 asked for
	}
	if _, err := ks.key(t.Context(), "rsa", jose.RS256); err != nil {
		t.Fatalf("rsa key for RS256: %v", err)
	}
	wantFetches(t, s, 1)
}

func TestKeySetFetchFailure(t *testing.T) {
	c := epoch()
	s := newJWKSServer(t, ecKey(t, "a"))
	s.set(func() { s.status = http.StatusInternalServerError })
	ks := newTestKeySet(t, s, c)

	wantKey(t, ks, "a", ErrKeySetUnavailable)
	wantKey(t, ks, "a", ErrKeySetUnavailable) // the failure is rate-limited too
	wantFetches(t, s, 1)

	s.set(func() { s.status = http.StatusOK })
	c.Advance(DefaultRefreshMinInterval)
	wantKey(t, ks, "a", nil)
	wantFetches(t, s, 2)

	// Once the cache is stale and the issuer fails, the keys it had keep
	// working, while an unknown kid reports the outage.
	s.set(func() { s.status = http.StatusBadGateway })
	c.Advance(defaultKeySetTTL)
	wantKey(t, ks, "a", nil)
	wantFetches(t, s, 3)
	c.Advance(DefaultRefreshMinInterval)
	wantKey(t, ks, "b", ErrKeySetUnavailable)
	wantFetches(t, s, 4)
}

func TestKeySetConcurrentMissesShareOneFetch(t *testing.T) {
	s := newJWKSServer(t, ecKey(t, "a"))
	gate, started := make(chan struct{}), make(chan struct{}, 1)
	s.set(func() { s.gate, s.started = gate, started })
	ks := newTestKeySet(t, s, epoch())

	const n = 32
	errs := make(chan error, n)
	for range n {
		go func() {
			_, err := ks.key(t.Context(), "a", jose.ES256)
			errs <- err
		}()
	}
	<-started
	close(gate)
	for range n {
		if err := <-errs; err != nil {
			t.Errorf("key: %v", err)
		}
	}
	wantFetches(t, s, 1)
}

func TestKeySetFetchOutlivesAGivingUpCaller(t *testing.T) {
	s := newJWKSServer(t, ecKey(t, "a"))
	gate, started := make(chan struct{}), make(chan struct{}, 1)
	s.set(func() { s.gate, s.started = gate, started })
	ks := newTestKeySet(t, s, epoch())

	ctx, cancel := context.WithCancel(t.Context())
	errc := make(chan error, 1)
	go func() {
		_, err := ks.key(ctx, "a", jose.ES256)
		errc <- err
	}()
	<-started
	cancel()
	if err := <-errc; !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled caller: error = %v, want context.Canceled", err)
	}
	close(gate)
	wantKey(t, ks, "a", nil) // waits for, or finds, the same fetch
	wantFetches(t, s, 1)
}

func TestDiscoveryMustNameTheIssuer(t *testing.T) {
	for _, tc := range []struct {
		name string
		doc  func(url string) string
		want error
	}{
		{"good", func(u string) string { return `{"issuer":"` + u + `","jwks_uri":"` + u + `/keys"}` }, nil},
		{"other issuer", func(u string) string { return `{"issuer":"https://evil.example","jwks_uri":"` + u + `/keys"}` }, ErrKeySetUnavailable},
		{"trailing slash", func(u string) string { return `{"issuer":"` + u + `/","jwks_uri":"` + u + `/keys"}` }, ErrKeySetUnavailable},
		{"relative jwks_uri", func(u string) string { return `{"issuer":"` + u + `","jwks_uri":"/keys"}` }, ErrKeySetUnavailable},
	} {
		t.Run(tc.name, func(t *testing.T) {
			key := ecKey(t, "a")
			set, _ := json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{key}})
			var url string
			mux := http.NewServeMux()
			mux.HandleFunc("GET /.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
				_, _ = w.Write([]byte(tc.doc(url)))
			})
			mux.HandleFunc("GET /keys", func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write(set) })
			srv := httptest.NewServer(mux)
			defer srv.Close()
			url = srv.URL
			cfg, err := Config{Issuer: srv.URL, Audiences: []string{"rp"}, HTTPClient: srv.Client(), Now: epoch().Now}.validate()
			if err != nil {
				t.Fatal(err)
			}
			wantKey(t, newKeySet(cfg), "a", tc.want)
		})
	}
}
