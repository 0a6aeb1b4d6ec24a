package clientkeys

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// jwksServer serves body (changeable) and counts requests.
type jwksServer struct {
	*httptest.Server
	mu     sync.Mutex
	body   string
	status int
	hits   atomic.Int64
}

func newJWKSServer(t *testing.T, body string) *jwksServer {
	s := &jwksServer{body: body, status: http.StatusOK}
	s.Server = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.hits.Add(1)
		s.mu.Lock()
		defer s.mu.Unlock()
		w.WriteHeader(s.status)
		_, _ = w.Write([]byte(s.body))
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *jwksServer) serve(status int, body string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.status, s.body = status, body
}

type clock struct{ t time.Time }

func (c *clock) now() time.Time          { return c.t }
func (c *clock) advance(d time.Duration) { c.t = c.t.Add(d) }

func newTestFetcher(t *testing.T, s *jwksServer, c *clock) *Fetcher {
	return NewFetcher(FetcherConfig{Client: s.Client(), Now: c.now, Logger: slog.New(slog.NewTextHandler(t.Output(), nil))})
}

func kids(t *testing.T, f *Fetcher, uri, kid string) (string, error) {
	t.Helper()
	keys, err := f.Keys(t.Context(), "machine", uri, kid)
	var ids []string
	for _, k := range keys {
		ids = append(ids, k.KeyID)
	}
	return strings.Join(ids, ","), err
}

func TestFetcherCachesAndRefetches(t *testing.T) {
	k1, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	k2, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	s := newJWKSServer(t, set(jwk(t, &k1.PublicKey, "k1", "")))
	c := &clock{t: time.Unix(1_800_000_000, 0)}
	f := newTestFetcher(t, s, c)

	step := func(name, kid, want string, wantHits int64) {
		t.Helper()
		got, err := kids(t, f, s.URL, kid)
		if err != nil || got != want || s.hits.Load() != wantHits {
			t.Fatalf("%s: keys %q, err %v, %d fetches; want %q, nil, %d", name, got, err, s.hits.Load(), want, wantHits)
		}
	}
	step("first use fetches", "k1", "k1", 1)
	step("a known kid is served from the cache", "k1", "k1", 1)
	step("an unknown kid refetches, but not within the minimum interval", "k2", "k1", 1)

	s.serve(http.StatusOK, set(jwk(t, &k1.PublicKey, "k1", ""), jwk(t, &k2.PublicKey, "k2", "")))
	c.advance(10 * time.Second)
	step("an unknown kid refetches after the minimum interval", "k2", "k1,k2", 2)
	step("made-up kids right after cost nothing", "nope", "k1,k2", 2)
	c.advance(4 * time.Minute)
	step("within the TTL the cache serves", "", "k1,k2", 2)
	c.advance(time.Minute)
	step("past the TTL the set is fetched again", "", "k1,k2", 3)

	s.serve(http.StatusServiceUnavailable, "down")
	c.advance(6 * time.Minute)
	step("while the URI is down the stale set serves", "k1", "k1,k2", 4)
	c.advance(5 * time.Second)
	step("and the URI is not asked again within the interval", "k1", "k1,k2", 4)
	c.advance(24 * time.Hour)
	if _, err := kids(t, f, s.URL, "k1"); !errors.Is(err, ErrUnavailable) {
		t.Fatalf("a set stale for longer than MaxStale: err %v, want ErrUnavailable", err)
	}
	s.serve(http.StatusOK, set(jwk(t, &k2.PublicKey, "k2", "")))
	c.advance(10 * time.Second)
	step("the URI back up", "k2", "k2", 6)
}

func TestFetcherURIChange(t *testing.T) {
	k1, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	k2, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	a := newJWKSServer(t, set(jwk(t, &k1.PublicKey, "a", "")))
	b := newJWKSServer(t, set(jwk(t, &k2.PublicKey, "b", "")))
	c := &clock{t: time.Unix(1_800_000_000, 0)}
	f := NewFetcher(FetcherConfig{Client: a.Client(), Now: c.now}) // both servers share httptest's CA
	if got, err := kids(t, f, a.URL, ""); got != "a" || err != nil {
		t.Fatalf("first URI: %q, %v", got, err)
	}
	if got, err := kids(t, f, b.URL, ""); got != "b" || err != nil {
		t.Fatalf("a client's new jwks_uri is used at once: got %q, %v", got, err)
	}
}

func TestFetcherRefuses(t *testing.T) {
	p256, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	good := set(jwk(t, &p256.PublicKey, "k", ""))
	for _, tc := range []struct {
		name    string
		handler http.HandlerFunc
	}{
		{"a body over the limit", func(w http.ResponseWriter, r *http.Request) {
			_, _ = w.Write([]byte(`{"keys":[],"pad":"` + strings.Repeat("a", 64<<10) + `"}`))
		}},
		{"a redirect", func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/moved" {
				_, _ = w.Write([]byte(good))
				return
			}
			http.Redirect(w, r, "/moved", http.StatusFound)
		}},
		{"a private key", func(w http.ResponseWriter, r *http.Request) {
			_, _ = w.Write([]byte(set(jwk(t, &p256.PublicKey, "k", ""), jwk(t, p256, "p", ""))))
		}},
		{"no usable key", func(w http.ResponseWriter, r *http.Request) {
			_, _ = w.Write([]byte(`{"keys":[{"kty":"oct-ish"}]}`))
		}},
		{"not JSON", func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte("<html>")) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := httptest.NewTLSServer(tc.handler)
			defer s.Close()
			f := NewFetcher(FetcherConfig{Client: s.Client()})
			if keys, err := f.Keys(t.Context(), "machine", s.URL, ""); !errors.Is(err, ErrUnavailable) {
				t.Fatalf("Keys = %d keys, %v; want ErrUnavailable", len(keys), err)
			}
		})
	}
	t.Run("plain http unless allowed", func(t *testing.T) {
		s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte(good)) }))
		defer s.Close()
		if _, err := NewFetcher(FetcherConfig{}).Keys(t.Context(), "machine", s.URL, ""); !errors.Is(err, ErrUnavailable) {
			t.Fatalf("http fetched without InsecureAllowHTTP: %v", err)
		}
		if _, err := NewFetcher(FetcherConfig{InsecureAllowHTTP: true}).Keys(t.Context(), "machine", s.URL, ""); err != nil {
			t.Fatalf("http with InsecureAllowHTTP: %v", err)
		}
	})
}
