package keys

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

// Supported signing algorithms. RS256 is the OpenID Connect default that every
// relying party understands; ES256 and EdDSA sign some thirty times faster.
var Algorithms = []jose.SignatureAlgorithm{jose.RS256, jose.ES256, jose.EdDSA}

// Config tunes a Manager.
type Config struct {
	// Algorithm signs new keys; RS256 if empty.
	Algorithm jose.SignatureAlgorithm
	// RSABits is the RSA modulus size for RS256 keys: 2048 (default) or 3072.
	RSABits int
	// Now is the clock; time.Now if nil.
	Now func() time.Time
}

// SigningKey is the key tokens are signed with now.
type SigningKey struct {
	ID        string
	Algorithm jose.SignatureAlgorithm
	Private   crypto.Signer
}

// Manager serves the active signing key and the published key set from
// memory.
type Manager struct {
	store  Store
	sealer *Sealer
	cfg    Config

	mu       sync.RWMutex
	loadedAt time.Time
	active   SigningKey
	public   []jose.JSONWebKey
	signers  map[string]jose.Signer // by JOSE typ header
}

// NewManager loads the keys in store, creating and storing an active key of
// cfg.Algorithm if there is none.
func NewManager(ctx context.Context, store Store, sealer *Sealer, cfg Config) (*Manager, error) {
	if cfg.Algorithm == "" {
		cfg.Algorithm = jose.RS256
	}
	if cfg.RSABits == 0 {
		cfg.RSABits = 2048
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if !supported(cfg.Algorithm) {
		return nil, fmt.Errorf("keys: unsupported signing algorithm %q (use RS256, ES256 or EdDSA)", cfg.Algorithm)
	}
	if cfg.RSABits != 2048 && cfg.RSABits != 3072 {
		return nil, fmt.Errorf("keys: RSA keys must have 2048 or 3072 bits, not %d", cfg.RSABits)
	}
	m := &Manager{store: store, sealer: sealer, cfg: cfg}
	if err := m.Reload(ctx); err != nil {
		return nil, err
	}
	m.mu.RLock()
	haveActive := m.active.Private != nil && m.active.Algorithm == cfg.Algorithm
	m.mu.RUnlock()
	if !haveActive {
		if err := m.createActive(ctx); err != nil {
			return nil, err
		}
		if err := m.Reload(ctx); err != nil {
			return nil, err
		}
	}
	return m, nil
}

func supported(alg jose.SignatureAlgorithm) bool {
	for _, a := range Algorithms {
		if a == alg {
			return true
		}
	}
	return false
}

// Reload reads the keys from the store again and swaps them in.
func (m *Manager) Reload(ctx context.Context) error {
	recs, err := m.store.ListKeys(ctx)
	if err != nil {
		return fmt.Errorf("list signing keys: %w", err)
	}
	var (
		active SigningKey
		public []jose.JSONWebKey
		chosen *Record
	)
	for i, r := range recs {
		var jwk jose.JSONWebKey
		if err := json.Unmarshal(r.PublicJWK, &jwk); err != nil {
			return fmt.Errorf("signing key %s: public key: %w", r.ID, err)
		}
		public = append(public, jwk)
		// The oldest active key of the configured algorithm signs (an
		// operator who changes the algorithm gets a new key on start, and
		// the old one stays published for the tokens it signed). Oldest,
		// by creation time then id, so that every node picks the same one
		// from the same data even when two nodes starting at once each
		// created a key.
		if r.State != StateActive || jose.SignatureAlgorithm(r.Algorithm) != m.cfg.Algorithm {
			continue
		}
		if chosen == nil || r.CreatedAt.Before(chosen.CreatedAt) || (r.CreatedAt.Equal(chosen.CreatedAt) && r.ID < chosen.ID) {
			chosen = &recs[i]
		}
	}
	if chosen != nil {
		r := *chosen
		der, err := m.sealer.Open(r.Sealed, []byte("signing-key:"+r.ID))
		if err != nil {
			return fmt.Errorf("signing key %s: %w", r.ID, err)
		}
		priv, err := x509.ParsePKCS8PrivateKey(der)
		if err != nil {
			return fmt.Errorf("signing key %s: %w", r.ID, err)
		}
		signer, ok := priv.(crypto.Signer)
		if !ok {
			return fmt.Errorf("signing key %s: not a signing key", r.ID)
		}
		active = SigningKey{ID: r.ID, Algorithm: jose.SignatureAlgorithm(r.Algorithm), Private: signer}
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.active, m.public, m.signers = active, public, map[string]jose.Signer{}
	m.loadedAt = m.cfg.Now()
	return nil
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

// ReloadEvery reloads the keys every interval until ctx ends, so that every
// node publishes, within interval, a key another node created (until key
// rotation, issue 7, coordinates it). Errors are logged and retried at the
// next tick: the keys in memory stay valid meanwhile.
func (m *Manager) ReloadEvery(ctx context.Context, interval time.Duration, logErr func(error)) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := m.Reload(ctx); err != nil && ctx.Err() == nil {
				logErr(err)
			}
		}
	}
}

// createActive generates a key of the configured algorithm, seals it and
// stores it as active.
func (m *Manager) createActive(ctx context.Context) error {
	priv, err := generate(m.cfg.Algorithm, m.cfg.RSABits)
	if err != nil {
		return err
	}
	pubJWK := jose.JSONWebKey{Key: priv.Public(), Algorithm: string(m.cfg.Algorithm), Use: "sig"}
	thumb, err := pubJWK.Thumbprint(crypto.SHA256)
	if err != nil {
		return err
	}
	// The kid is the RFC 7638 thumbprint: stable, and unique per key.
	pubJWK.KeyID = base64.RawURLEncoding.EncodeToString(thumb)
	pubJSON, err := pubJWK.MarshalJSON()
	if err != nil {
		return err
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return err
	}
	sealed, err := m.sealer.Seal(der, []byte("signing-key:"+pubJWK.KeyID))
	if err != nil {
		return err
	}
	now := m.cfg.Now().UTC()
	return m.store.CreateKey(ctx, Record{
		ID: pubJWK.KeyID, Algorithm: string(m.cfg.Algorithm), Sealed: sealed, PublicJWK: pubJSON,
		State: StateActive, CreatedAt: now, UpdatedAt: now,
	})
}

func generate(alg jose.SignatureAlgorithm, rsaBits int) (crypto.Signer, error) {
	switch alg {
	case jose.RS256:
		return rsa.GenerateKey(rand.Reader, rsaBits)
	case jose.ES256:
		return ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	case jose.EdDSA:
		_, priv, err := ed25519.GenerateKey(rand.Reader)
		return priv, err
	}
	return nil, fmt.Errorf("keys: unsupported algorithm %q", alg)
}

// Active returns the key that signs now.
func (m *Manager) Active() SigningKey {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return m.active
}

// PublicKeys returns every key a verifier may meet, for the JWKS.
func (m *Manager) PublicKeys() []jose.JSONWebKey {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return append([]jose.JSONWebKey(nil), m.public...)
}

// Sign serializes claims, signs them with the active key and returns the
// compact JWS. typ is the JOSE "typ" header: "JWT" for ID tokens, "at+jwt"
// for access tokens (RFC 9068 §2.1), so a resource server can tell an access
// token from an ID token before reading a claim.
func (m *Manager) Sign(claims any, typ string) (string, error) {
	payload, err := json.Marshal(claims)
	if err != nil {
		return "", err
	}
	signer, err := m.signer(typ)
	if err != nil {
		return "", err
	}
	jws, err := signer.Sign(payload)
	if err != nil {
		return "", err
	}
	return jws.CompactSerialize()
}

// signer returns the cached jose.Signer for typ, building it once per key.
func (m *Manager) signer(typ string) (jose.Signer, error) {
	m.mu.RLock()
	s, ok := m.signers[typ]
	active := m.active
	m.mu.RUnlock()
	if ok {
		return s, nil
	}
	if active.Private == nil {
		return nil, fmt.Errorf("keys: no active signing key")
	}
	s, err := jose.NewSigner(jose.SigningKey{
		Algorithm: active.Algorithm,
		Key:       jose.JSONWebKey{Key: active.Private, KeyID: active.ID},
	}, (&jose.SignerOptions{}).WithType(jose.ContentType(typ)))
	if err != nil {
		return nil, err
	}
	m.mu.Lock()
	if m.active.ID == active.ID {
		m.signers[typ] = s
	}
	m.mu.Unlock()
	return s, nil
}
