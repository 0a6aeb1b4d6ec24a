package clientkeys

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

// FetcherConfig tunes a Fetcher; zero values take the defaults written next
// to them (the package doc explains them).
type FetcherConfig struct {
	TTL         time.Duration // 5 minutes
	MinInterval time.Duration // 10 seconds between two fetches for one client
	MaxStale    time.Duration // 24 hours past the TTL while the URI is down
	Timeout     time.Duration // 5 seconds per fetch
	// MaxBytes bounds a response body; 64 KiB.
	MaxBytes int64
	// Client makes the requests; a plain http.Client if nil. Its
	// redirects are never followed.
	Client *http.Client
	// InsecureAllowHTTP lets plain http:// URIs be fetched (local
	// development with an http issuer, tests); otherwise only https.
	InsecureAllowHTTP bool
	Logger            *slog.Logger
	Now               func() time.Time
}

// ErrUnavailable is wrapped in Keys' error when a client's set could not
// be had: never fetched yet and the URI did not answer with a usable set,
// or the last set fetched is older than MaxStale past its TTL.
var ErrUnavailable = errors.New("clientkeys: the client's key set could not be fetched")

// Fetcher fetches and caches the key sets clients publish at their
// jwks_uri. It is safe for concurrent use.
type Fetcher struct {
	cfg    FetcherConfig
	client *http.Client

	mu      sync.Mutex
	entries map[string]*entry // by client id
}

// entry is one client's cached set. Its own mutex serializes the fetches
// for the client, so that concurrent assertions cause one request.
type entry struct {
	mu          sync.Mutex
	uri         string
	keys        []jose.JSONWebKey
	fetchedAt   time.Time // of keys; zero before the first success
	attemptedAt time.Time // of the last fetch, successful or not
}

// NewFetcher returns a Fetcher with cfg.
func NewFetcher(cfg FetcherConfig) *Fetcher {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&cfg.TTL, 5*time.Minute)
	def(&cfg.MinInterval, 10*time.Second)
	def(&cfg.MaxStale, 24*time.Hour)
	def(&cfg.Timeout, 5*time.Second)
	if cfg.MaxBytes <= 0 {
		cfg.MaxBytes = 64 << 10
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	c := http.Client{}
	if cfg.Client != nil {
		c = *cfg.Client
	}
	c.Timeout = cfg.Timeout
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &Fetcher{cfg: cfg, client: &c, entries: map[string]*entry{}}
}

// Keys returns the keys client publishes at uri. kid is the key id an
// assertion names ("" for none): a cached set without it is fetched again,
// if the client's last fetch is MinInterval old, since the client may
// have rotated its key. A set older than the TTL is fetched again under
// the same limit; if that fails, the old set serves until MaxStale.
func (f *Fetcher) Keys(ctx context.Context, clientID, uri, kid string) ([]jose.JSONWebKey, error) {
	e := f.entry(clientID, uri)
	e.mu.Lock()
	defer e.mu.Unlock()
	now := f.cfg.Now()
	fresh := !e.fetchedAt.IsZero() && now.Sub(e.fetchedAt) < f.cfg.TTL
	if (!fresh || (kid != "" && !hasKID(e.keys, kid))) &&
		(e.attemptedAt.IsZero() || now.Sub(e.attemptedAt) >= f.cfg.MinInterval) {
		e.attemptedAt = now
		keys, err := f.fetch(ctx, uri)
		if err != nil {
			f.cfg.Logger.WarnContext(ctx, "fetch client key set", "client_id", clientID, "jwks_uri", uri, "err", err)
		} else {
			e.keys, e.fetchedAt = keys, now
		}
	}
	switch {
	case e.fetchedAt.IsZero():
		return nil, fmt.Errorf("client %q: %w", clientID, ErrUnavailable)
	case now.Sub(e.fetchedAt) > f.cfg.TTL+f.cfg.MaxStale:
		return nil, fmt.Errorf("client %q: last fetched %s: %w", clientID, e.fetchedAt.UTC().Format(time.RFC3339), ErrUnavailable)
	}
	return e.keys, nil
}

// entry returns the cache entry of clientID, a fresh one if the client's
// URI changed.
func (f *Fetcher) entry(clientID, uri string) *entry {
	f.mu.Lock()
	defer f.mu.Unlock()
	e := f.entries[clientID]
	if e == nil || e.uri != uri {
		e = &entry{uri: uri}
		f.entries[clientID] = e
	}
	return e
}

// fetch GETs uri. The request is not cancelled with ctx: other requests
// wait for this fetch, and the client's Timeout bounds it.
func (f *Fetcher) fetch(ctx context.Context, uri string) ([]jose.JSONWebKey, error) {
	if !strings.HasPrefix(uri, "https://") && !f.cfg.InsecureAllowHTTP {
		return nil, errors.New("only an https jwks_uri is fetched")
	}
	req, err := http.NewRequestWithContext(context.WithoutCancel(ctx), http.MethodGet, uri, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/jwk-set+json, application/json")
	resp, err := f.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("status %s", resp.Status)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, f.cfg.MaxBytes+1))
	if err != nil {
		return nil, err
	}
	if int64(len(body)) > f.cfg.MaxBytes {
		return nil, fmt.Errorf("the key set is larger than %d bytes", f.cfg.MaxBytes)
	}
	keys, err := parseLenient(body)
	if err != nil {
		return nil, err
	}
	if len(keys) == 0 {
		return nil, errors.New("the key set has no key usable for signatures")
	}
	return keys, nil
}

func hasKID(keys []jose.JSONWebKey, kid string) bool {
	return slices.ContainsFunc(keys, func(k jose.JSONWebKey) bool { return k.KeyID == kid })
}
