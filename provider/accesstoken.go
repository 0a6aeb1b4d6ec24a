package provider

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/gatehouse-id/gatehouse/claims"
	"github.com/gatehouse-id/gatehouse/ephemeral"
)

var errInvalidToken = errors.New("invalid access token")

// verifyAccessToken checks that raw is a live access token Gatehouse issued:
// typ at+jwt (so an ID token is never taken for one), signed by a published
// key, this issuer, not expired, not revoked.
func (s *Server) verifyAccessToken(ctx context.Context, raw string) (*claims.AccessToken, error) {
	sum := sha256.Sum256([]byte(raw))
	e, ok := s.verified.get(sum)
	if !ok || s.publicKey(e.kid, e.alg) == nil {
		var err error
		if e, err = s.verifySignature(ctx, raw); err != nil {
			return nil, err
		}
		s.verified.put(sum, e)
	}
	at := e.at // callers read the claims and never change them
	if at.Issuer != s.store.cfg.Issuer || !s.store.cfg.Now().Before(time.Unix(at.Expiry, 0)) || at.JWTID == "" {
		return nil, errInvalidToken
	}
	revoked, err := s.store.kv.Get(ctx, revokedKey(at.JWTID))
	switch {
	case err == nil && revoked != nil:
		return nil, errInvalidToken
	case err != nil && !errors.Is(err, ephemeral.ErrNotFound):
		return nil, fmt.Errorf("check revocation: %w", err)
	}
	return &at, nil
}

// verifySignature parses raw as an access token signed by a published
// key, and returns its claims (not yet checked for issuer, expiry or
// revocation) and the key that signed it.
func (s *Server) verifySignature(ctx context.Context, raw string) (verifiedToken, error) {
	jws, err := jose.ParseSigned(raw, []jose.SignatureAlgorithm{jose.RS256, jose.ES256, jose.EdDSA})
	if err != nil || len(jws.Signatures) != 1 {
		return verifiedToken{}, errInvalidToken
	}
	h := jws.Signatures[0].Header
	if typ, _ := h.ExtraHeaders[jose.HeaderType].(string); typ != "at+jwt" {
		return verifiedToken{}, errInvalidToken
	}
	key := s.publicKey(h.KeyID, h.Algorithm)
	if key == nil {
		// Another node may have created a key this one has not loaded yet
		// (two nodes starting at once): look again, at most so often.
		if err := s.store.keys.ReloadIfStale(ctx, keyReloadInterval); err != nil {
			return verifiedToken{}, fmt.Errorf("reload signing keys: %w", err)
		}
		if key = s.publicKey(h.KeyID, h.Algorithm); key == nil {
			return verifiedToken{}, errInvalidToken
		}
	}
	payload, err := jws.Verify(key.Key)
	if err != nil {
		return verifiedToken{}, errInvalidToken
	}
	e := verifiedToken{kid: h.KeyID, alg: h.Algorithm}
	if err := json.Unmarshal(payload, &e.at); err != nil {
		return verifiedToken{}, errInvalidToken
	}
	return e, nil
}

// keyReloadInterval bounds how often an unknown key id makes a node read
// the signing keys again, so that tokens with made-up key ids cannot load
// the database.
const keyReloadInterval = 5 * time.Second

func (s *Server) publicKey(kid, alg string) *jose.JSONWebKey {
	if k, ok := s.store.keys.PublicKey(kid); ok && k.Algorithm == alg {
		return &k
	}
	return nil
}

func revokedKey(jti string) string { return "revoked-at:" + jti }

// revokeJTI records an access token id as revoked until the token would
// have expired anyway. Resource servers that verify offline cannot see this;
// userinfo and introspection can (docs/claims.md says so).
func (s *Server) revokeJTI(ctx context.Context, jti string, expiresAt time.Time) error {
	ttl := expiresAt.Sub(s.store.cfg.Now()) + time.Minute
	if ttl <= time.Minute {
		return nil
	}
	return s.store.kv.Set(ctx, revokedKey(jti), []byte{1}, ttl)
}
