package keys

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

// Supported signing algorithms. RS256 is the OpenID Connect default that every
// relying party understands; ES256 and EdDSA sign some thirty times faster.
var Algorithms = []jose.SignatureAlgorithm{jose.RS256, jose.ES256, jose.EdDSA}

// Defaults of Config.
const (
	DefaultRotateEvery   = 90 * 24 * time.Hour
	DefaultJWKSMaxAge    = 5 * time.Minute
	DefaultTokenLifetime = 24 * time.Hour
	DefaultReloadEvery   = 30 * time.Second
)

// Config tunes a Manager.
type Config struct {
	// Algorithm signs new keys; RS256 if empty. A change takes effect as a
	// rotation: a key of the new algorithm is published ahead and then
	// takes over, like any new key.
	Algorithm jose.SignatureAlgorithm
	// RSABits is the RSA modulus size for RS256 keys: 2048 (default) or 3072.
	RSABits int
	// RotateEvery is how long a key signs before the next one takes over
	// (DefaultRotateEvery if zero); negative turns scheduled rotation off,
	// leaving only RotateNow.
	RotateEvery time.Duration
	// JWKSMaxAge is how long relying parties may cache the JWKS (its
	// Cache-Control max-age). A new key is published twice that long
	// before it signs, and a retired one stays published that long after
	// the last token it signed has expired.
	JWKSMaxAge time.Duration
	// TokenLifetime is the longest any token signed by a key may live
	// (DefaultTokenLifetime if zero): a retired key stays published that
	// long.
	TokenLifetime time.Duration
	// ReloadEvery is how often every node reads the keys again
	// (DefaultReloadEvery if zero). A new key is published no sooner than
	// twice that after it is stored, so that every node has it by then.
	ReloadEvery time.Duration
	// Now is the clock; time.Now if nil.
	Now func() time.Time
}

func (c *Config) setDefaults() error {
	def := func(d *time.Duration, v time.Duration) {
		if *d == 0 {
			*d = v
		}
	}
	if c.Algorithm == "" {
		c.Algorithm = jose.RS256
	}
	if c.RSABits == 0 {
		c.RSABits = 2048
	}
	def(&c.RotateEvery, DefaultRotateEvery)
	def(&c.JWKSMaxAge, DefaultJWKSMaxAge)
	def(&c.TokenLifetime, DefaultTokenLifetime)
	def(&c.ReloadEvery, DefaultReloadEvery)
	if c.Now == nil {
		c.Now = time.Now
	}
	switch {
	case !slices.Contains(Algorithms, c.Algorithm):
		return fmt.Errorf("keys: unsupported signing algorithm %q (use RS256, ES256 or EdDSA)", c.Algorithm)
	case c.RSABits != 2048 && c.RSABits != 3072:
		return fmt.Errorf("keys: RSA keys must have 2048 or 3072 bits, not %d", c.RSABits)
	case c.JWKSMaxAge < 0 || c.TokenLifetime < 0 || c.ReloadEvery < 0:
		return errors.New("keys: durations must not be negative")
	case c.RotateEvery > 0 && c.RotateEvery < 2*c.lead():
		return fmt.Errorf("keys: rotating every %s leaves no time to publish a key before it signs (at least %s)", c.RotateEvery, 2*c.lead())
	}
	return nil
}

// publishDelay is how long after it is stored a new key enters the JWKS:
// by then every node has reloaded and publishes it too.
func (c *Config) publishDelay() time.Duration { return 2 * c.ReloadEvery }

// activationLead is how long a key is published before it signs: a relying
// party that fetched the JWKS just before the key appeared has fetched it
// again by then, even through a shared cache that kept its copy for a
// whole max-age before handing it on (twice), with one more max-age to
// spare.
func (c *Config) activationLead() time.Duration { return 3 * c.JWKSMaxAge }

// lead is the shortest time from storing a key to its signing.
func (c *Config) lead() time.Duration { return c.publishDelay() + c.activationLead() }

// ClockSkew is how far apart the nodes' clocks may be: each node follows
// the schedule by its own clock. The first key signs from this long before
// it is stored, and retired keys stay published this much longer, so
// that a node a little behind agrees with the others.
const ClockSkew = time.Minute

// retention is how long a retired key stays published: the longest token
// it signed may live, a relying party may still hold the JWKS without it
// for a max-age (and accept a token up to a max-age late), plus the skew.
func (c *Config) retention() time.Duration { return c.TokenLifetime + 2*c.JWKSMaxAge + ClockSkew }

// MinRotateEvery is the shortest RotateEvery a Config with these reload and
// cache lifetimes accepts: twice the time from scheduling a key to its
// signing.
func MinRotateEvery(reloadEvery, jwksMaxAge time.Duration) time.Duration {
	c := Config{ReloadEvery: reloadEvery, JWKSMaxAge: jwksMaxAge}
	return 2 * c.lead()
}

// SigningKey is the key tokens are signed with now.
type SigningKey struct {
	ID        string
	Algorithm jose.SignatureAlgorithm
	Private   crypto.Signer
}

// Manager serves the signing key and the published key set from memory,
// as the schedule says they are at each moment: the token endpoint signs
// from memory and reads nothing.
type Manager struct {
	store  Store
	sealer *Sealer
	cfg    Config

	mu       sync.RWMutex
	loadedAt time.Time
	// sched is the loaded keys in order of activation, with when each
	// retires and is removed (schedule); the state at an instant is
	// worked out per call, without sorting or allocating.
	sched   []Status
	private map[string]crypto.Signer // every key not yet removed, by id
	public  map[string]jose.JSONWebKey
	signers map[signerKey]*compactSigner
}

// NewManager loads the keys in store and brings them to the schedule
// (Maintain), returning what that changed: the first start creates the
// first key, a changed algorithm schedules a key of the new one. It fails,
// naming the cause, if a key cannot be opened or does not parse: it never
// signs with a half-loaded key set.
func NewManager(ctx context.Context, store Store, sealer *Sealer, cfg Config) (*Manager, []Change, error) {
	if err := cfg.setDefaults(); err != nil {
		return nil, nil, err
	}
	m := &Manager{store: store, sealer: sealer, cfg: cfg}
	// Open what is stored before changing anything: with the wrong
	// key-encryption key, nothing new may be sealed under it.
	if err := m.Reload(ctx); err != nil {
		return nil, nil, err
	}
	changes, err := m.Maintain(ctx)
	if err != nil {
		return nil, nil, err
	}
	if _, ok := m.Active(); !ok {
		return nil, nil, errors.New("keys: no signing key is active")
	}
	return m, changes, nil
}

// Open loads the keys in store, checking every one as NewManager does, and
// changes nothing: for the command line, which must neither create keys
// nor act on an algorithm it was not configured with.
func Open(ctx context.Context, store Store, sealer *Sealer, cfg Config) (*Manager, error) {
	if err := cfg.setDefaults(); err != nil {
		return nil, err
	}
	m := &Manager{store: store, sealer: sealer, cfg: cfg}
	if err := m.Reload(ctx); err != nil {
		return nil, err
	}
	return m, nil
}

// Reload reads the keys from the store again and swaps them in. Every key
// not yet removed is opened and checked first; if one fails, nothing
// changes and the error names the key.
func (m *Manager) Reload(ctx context.Context) error {
	recs, err := m.store.ListKeys(ctx)
	if err != nil {
		return fmt.Errorf("list signing keys: %w", err)
	}
	now := m.cfg.Now()
	sched := schedule(recs, m.cfg.retention())
	private := map[string]crypto.Signer{}
	public := map[string]jose.JSONWebKey{}
	for _, s := range sched { // a copy: at writes the state
		if s.at(now); s.State == StateRemoved {
			continue
		}
		priv, pub, err := m.open(s.Record)
		if err != nil {
			return err
		}
		private[s.ID], public[s.ID] = priv, pub
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.sched, m.private, m.public = sched, private, public
	m.signers = map[signerKey]*compactSigner{}
	m.loadedAt = now
	return nil
}

// open unseals r's private key and checks it against its public JWK.
func (m *Manager) open(r Record) (crypto.Signer, jose.JSONWebKey, error) {
	fail := func(err error) (crypto.Signer, jose.JSONWebKey, error) {
		return nil, jose.JSONWebKey{}, fmt.Errorf("signing key %s: %w", r.ID, err)
	}
	alg := jose.SignatureAlgorithm(r.Algorithm)
	if !slices.Contains(Algorithms, alg) {
		return fail(fmt.Errorf("unsupported algorithm %q", r.Algorithm))
	}
	var pub jose.JSONWebKey
	if err := json.Unmarshal(r.PublicJWK, &pub); err != nil {
		return fail(fmt.Errorf("public key: %w", err))
	}
	if pub.KeyID != r.ID || pub.Algorithm != r.Algorithm || !pub.IsPublic() {
		return fail(errors.New("public key does not match its record"))
	}
	der, err := m.sealer.Open(r.Sealed, keyAAD(r.ID))
	if err != nil {
		return fail(err)
	}
	parsed, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		return fail(fmt.Errorf("private key: %w", err))
	}
	priv, ok := parsed.(crypto.Signer)
	if !ok || !samePublic(priv.Public(), pub.Key) || !fits(alg, priv) {
		return fail(errors.New("private key does not match its public key and algorithm"))
	}
	return priv, pub, nil
}

func keyAAD(id string) []byte { return []byte("signing-key:" + id) }

// samePublic reports whether two public keys are the same key.
func samePublic(a, b crypto.PublicKey) bool {
	type equaler interface{ Equal(crypto.PublicKey) bool }
	e, ok := a.(equaler)
	return ok && e.Equal(b)
}

// fits reports whether priv is a key for alg.
func fits(alg jose.SignatureAlgorithm, priv crypto.Signer) bool {
	switch priv.(type) {
	case *rsa.PrivateKey:
		return alg == jose.RS256
	case *ecdsa.PrivateKey:
		return alg == jose.ES256
	case ed25519.PrivateKey:
		return alg == jose.EdDSA
	}
	return false
}

// LoadedAt is when the keys were last read from the store: a node that
// has not managed to for a while follows an outdated schedule, and its
// readiness check says so.
func (m *Manager) LoadedAt() time.Time {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return m.loadedAt
}

// ReloadIfStale reloads the keys unless they were loaded less than minAge
// ago. Nodes share one key store but each serves its keys from memory; a
// node that meets a key id it does not know calls this before refusing
// the token.
func (m *Manager) ReloadIfStale(ctx context.Context, minAge time.Duration) error {
	m.mu.RLock()
	fresh := m.cfg.Now().Sub(m.loadedAt) < minAge
	m.mu.RUnlock()
	if fresh {
		return nil
	}
	return m.Reload(ctx)
}

// statuses returns where the loaded keys are now, and their public keys.
func (m *Manager) statuses() ([]Status, map[string]jose.JSONWebKey) {
	now := m.cfg.Now()
	m.mu.RLock()
	defer m.mu.RUnlock()
	st := slices.Clone(m.sched)
	for i := range st {
		st[i].at(now)
	}
	return st, m.public
}

// Active returns the key that signs now, and false if none does (before
// the first key is loaded). It is on every token's path: it scans the
// schedule in memory, and neither sorts nor allocates.
func (m *Manager) Active() (SigningKey, bool) {
	now := m.cfg.Now()
	m.mu.RLock()
	defer m.mu.RUnlock()
	for i := range m.sched {
		s := m.sched[i] // a copy: at writes the state
		if s.at(now); s.State == StateActive && m.private[s.ID] != nil {
			return SigningKey{ID: s.ID, Algorithm: jose.SignatureAlgorithm(s.Algorithm), Private: m.private[s.ID]}, true
		}
	}
	return SigningKey{}, false
}

// PublicKeys returns every key a verifier may meet now, for the JWKS: the
// one that signs first, then those scheduled to sign, then the retired
// ones, newest first.
func (m *Manager) PublicKeys() []jose.JSONWebKey {
	st, public := m.statuses()
	var active, others []jose.JSONWebKey
	for _, s := range slices.Backward(st) {
		if !s.Published {
			continue
		}
		if s.State == StateActive {
			active = append(active, public[s.ID])
		} else {
			others = append(others, public[s.ID])
		}
	}
	return append(active, others...)
}

// PublicKey returns the published key with id kid, as PublicKeys lists it,
// and false for a key not published now (unknown, not yet published, or
// removed). It is on the path of every access token a node verifies
// (introspection, userinfo, the administration API): it scans the
// schedule in memory, as Active does, and neither copies nor allocates.
func (m *Manager) PublicKey(kid string) (jose.JSONWebKey, bool) {
	now := m.cfg.Now()
	m.mu.RLock()
	defer m.mu.RUnlock()
	for i := range m.sched {
		s := m.sched[i] // a copy: at writes the state
		if s.ID == kid {
			if s.at(now); s.Published {
				return m.public[kid], true
			}
			return jose.JSONWebKey{}, false
		}
	}
	return jose.JSONWebKey{}, false
}

// PublishedAlgorithms returns the algorithms of the published keys, the signing
// key's first: what discovery advertises, so that a relying party that
// cached it accepts the next key's algorithm too.
func (m *Manager) PublishedAlgorithms() []jose.SignatureAlgorithm {
	var out []jose.SignatureAlgorithm
	for _, k := range m.PublicKeys() {
		if a := jose.SignatureAlgorithm(k.Algorithm); !slices.Contains(out, a) {
			out = append(out, a)
		}
	}
	return out
}

// Sign serializes claims, signs them with the key that signs now and
// returns the compact JWS. typ is the JOSE "typ" header: "JWT" for ID
// tokens, "at+jwt" for access tokens (RFC 9068 §2.1), so a resource server
// can tell an access token from an ID token before reading a claim.
func (m *Manager) Sign(claims any, typ string) (string, error) {
	k, ok := m.Active()
	if !ok {
		return "", errors.New("keys: no active signing key")
	}
	return m.SignWith(k, claims, typ)
}

// SignWith is Sign with the key k that Active returned: a caller that signs
// several tokens that must agree (an ID token's at_hash follows its
// algorithm) takes one key for all of them.
func (m *Manager) SignWith(k SigningKey, claims any, typ string) (string, error) {
	payload, err := json.Marshal(claims)
	if err != nil {
		return "", err
	}
	signer, err := m.signer(k, typ)
	if err != nil {
		return "", err
	}
	return signer.sign(payload)
}

// signerKey names a cached signer: a key and a JOSE typ header.
type signerKey struct{ id, typ string }

// signer returns the cached signer for k and typ, building it once.
func (m *Manager) signer(k SigningKey, typ string) (*compactSigner, error) {
	cacheKey := signerKey{k.ID, typ}
	m.mu.RLock()
	s, ok := m.signers[cacheKey]
	m.mu.RUnlock()
	if ok {
		return s, nil
	}
	s, err := newCompactSigner(k, typ)
	if err != nil {
		return nil, err
	}
	m.mu.Lock()
	m.signers[cacheKey] = s
	m.mu.Unlock()
	return s, nil
}

// Keys returns where every stored key is now, for `gatehouse keys list`.
func (m *Manager) Keys() []Status {
	st, _ := m.statuses()
	return st
}
