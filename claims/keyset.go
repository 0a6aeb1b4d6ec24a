package claims

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

// How long a fetched key set is trusted to be current, from the JWKS
// response's Cache-Control max-age clamped to these bounds: at least a
// minute, so that a no-cache issuer is not asked on every token, and at most
// a day, so that a revoked key leaves the cache.
const (
	minKeySetTTL     = time.Minute
	maxKeySetTTL     = 24 * time.Hour
	defaultKeySetTTL = 10 * time.Minute
	fetchTimeout     = 15 * time.Second
	maxResponseBytes = 1 << 20
)

// keySet is the issuer's published signing keys, fetched lazily and cached.
// It fetches when it has no keys yet, when they are older than their max-age
// and when a token names a kid it does not know (key rotation), but never
// twice within minRefresh, and only one fetch runs at a time: requests that
// need a fetch while one runs wait for it instead of starting another.
type keySet struct {
	issuer     string
	jwksURL    string // configured; empty to discover
	client     *http.Client
	minRefresh time.Duration
	now        func() time.Time
	log        *slog.Logger

	mu        sync.Mutex
	keys      []jose.JSONWebKey // usable signing keys only (see usable)
	expires   time.Time         // when keys stop being current
	lastFetch time.Time         // start of the last fetch: the rate limit
	lastErr   error             // of the last fetch; nil if it succeeded
	inFlight  *fetchCall

	// resolved is the JWKS URL after discovery. Only the fetch in flight
	// touches it, and fetches never overlap.
	resolved string
}

// fetchCall is one fetch that several requests may wait for.
type fetchCall struct {
	done chan struct{}
	err  error
}

func newKeySet(s settings) *keySet {
	return &keySet{
		issuer: s.Issuer, jwksURL: s.JWKSURL, client: s.HTTPClient,
		minRefresh: s.RefreshMinInterval, now: s.Now, log: s.Logger,
	}
}

// key returns the published key with id kid that may verify alg.
func (ks *keySet) key(ctx context.Context, kid string, alg jose.SignatureAlgorithm) (jose.JSONWebKey, error) {
	ks.mu.Lock()
	k, found := ks.find(kid, alg)
	if found && ks.now().Before(ks.expires) {
		ks.mu.Unlock()
		return k, nil
	}
	call := ks.inFlight
	if call == nil {
		if !ks.lastFetch.IsZero() && ks.now().Sub(ks.lastFetch) < ks.minRefresh {
			err := ks.lastErr
			ks.mu.Unlock()
			switch {
			case found:
				return k, nil // stale, but the newest we may have
			case err != nil:
				return k, err
			}
			return k, fmt.Errorf("%w: kid %q (key set refetched less than %v ago)", ErrUnknownKey, kid, ks.minRefresh)
		}
		call = ks.startFetch(ctx)
	}
	ks.mu.Unlock()

	select {
	case <-call.done:
	case <-ctx.Done():
		return jose.JSONWebKey{}, ctx.Err()
	}
	ks.mu.Lock()
	defer ks.mu.Unlock()
	if k, ok := ks.find(kid, alg); ok {
		return k, nil // a failed refresh keeps the keys we had
	}
	if call.err != nil {
		return jose.JSONWebKey{}, call.err
	}
	return jose.JSONWebKey{}, fmt.Errorf("%w: kid %q", ErrUnknownKey, kid)
}

// find looks kid up among the cached keys. A key that names its alg serves
// that alg only (RFC 7517 §4.4). Callers hold mu.
func (ks *keySet) find(kid string, alg jose.SignatureAlgorithm) (jose.JSONWebKey, bool) {
	for _, k := range ks.keys {
		if k.KeyID == kid && (k.Algorithm == "" || k.Algorithm == string(alg)) {
			return k, true
		}
	}
	return jose.JSONWebKey{}, false
}

// startFetch begins a fetch in its own goroutine, detached from ctx's
// cancellation (but not its values): a request that gives up must not fail
// the others waiting for the same fetch. Callers hold mu.
func (ks *keySet) startFetch(ctx context.Context) *fetchCall {
	call := &fetchCall{done: make(chan struct{})}
	ks.inFlight, ks.lastFetch = call, ks.now()
	go func() {
		fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), fetchTimeout)
		defer cancel()
		keys, ttl, err := ks.download(fctx)
		if err != nil {
			err = fmt.Errorf("%w: %w", ErrKeySetUnavailable, err)
			ks.log.WarnContext(ctx, "fetch issuer key set", "issuer", ks.issuer, "err", err)
		}
		ks.mu.Lock()
		if err == nil {
			ks.keys, ks.expires = keys, ks.now().Add(ttl)
		}
		ks.lastErr, call.err, ks.inFlight = err, err, nil
		ks.mu.Unlock()
		close(call.done)
	}()
	return call
}

// download fetches the JWKS (after discovery, the first time) and returns
// its usable keys and how long to cache them.
func (ks *keySet) download(ctx context.Context) ([]jose.JSONWebKey, time.Duration, error) {
	if ks.resolved == "" {
		ks.resolved = ks.jwksURL
		if ks.resolved == "" {
			u, err := discoverJWKS(ctx, ks.client, ks.issuer)
			if err != nil {
				return nil, 0, err
			}
			ks.resolved = u
		}
	}
	resp, err := get(ctx, ks.client, ks.resolved)
	if err != nil {
		return nil, 0, err
	}
	var doc struct {
		Keys []json.RawMessage `json:"keys"`
	}
	if err := json.Unmarshal(resp.body, &doc); err != nil {
		return nil, 0, fmt.Errorf("read JWKS %s: %w", ks.resolved, err)
	}
	var keys []jose.JSONWebKey
	for _, raw := range doc.Keys {
		// One key we cannot read (a new key type, say) must not cost the
		// others; it is simply not usable.
		var k jose.JSONWebKey
		if err := k.UnmarshalJSON(raw); err == nil && usable(k) {
			keys = append(keys, k)
		}
	}
	ks.log.DebugContext(ctx, "fetched issuer key set", "issuer", ks.issuer, "keys", len(keys))
	return keys, freshFor(resp.header), nil
}

// usable reports whether k may verify token signatures: a public
// (asymmetric) key with a kid, meant for signatures. A symmetric "oct" key
// or a private key published by mistake is never used.
func usable(k jose.JSONWebKey) bool {
	return k.KeyID != "" && (k.Use == "" || k.Use == "sig") && k.IsPublic() && k.Valid()
}

// freshFor is how long a fetched key set stays fresh: its max-age less the
// Age a shared cache on the way reports it already had (RFC 9111 §4.2.3),
// within the key set's bounds. A relying party behind a cache thus
// refetches when Gatehouse's max-age says, not a whole max-age later.
func freshFor(h http.Header) time.Duration {
	ttl := cacheTTL(h.Get("Cache-Control"))
	if age, err := strconv.ParseInt(strings.TrimSpace(h.Get("Age")), 10, 64); err == nil && age > 0 {
		ttl -= time.Duration(min(age, int64(maxKeySetTTL/time.Second))) * time.Second
	}
	return max(ttl, minKeySetTTL)
}

// cacheTTL reads max-age from a Cache-Control header value, clamped to the
// bounds above; no-store and no-cache give the minimum.
func cacheTTL(cc string) time.Duration {
	ttl := defaultKeySetTTL
	for d := range strings.SplitSeq(cc, ",") {
		name, val, _ := strings.Cut(strings.ToLower(strings.TrimSpace(d)), "=")
		switch name {
		case "no-store", "no-cache":
			return minKeySetTTL
		case "max-age":
			if n, err := strconv.ParseInt(strings.Trim(val, `"`), 10, 64); err == nil && n >= 0 {
				ttl = time.Duration(min(n, int64(maxKeySetTTL/time.Second))) * time.Second
			}
		}
	}
	return min(max(ttl, minKeySetTTL), maxKeySetTTL)
}
