package provider

import (
	"context"
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
	jws, err := jose.ParseSigned(raw, []jose.SignatureAlgorithm{jose.RS256, jose.ES256, jose.EdDSA})
	if err != nil || len(jws.Signatures) != 1 {
		return nil, errInvalidToken
	}
	h := jws.Signatures[0].Header
	if typ, _ := h.ExtraHeaders[jose.HeaderType].(string); typ != "at+jwt" {
		return nil, errInvalidToken
	}
	key := s.publicKey(h.KeyID, h.Algorithm)
	if key == nil {
		// Another node may have created a key this one has not loaded yet
		// (two nodes starting at once): look again, at most so often.
		if err := s.store.keys.ReloadIfStale(ctx, keyReloadInterval); err != nil {
			return nil, fmt.Errorf("reload signing keys: %w", err)
		}
		if key = s.publicKey(h.KeyID, h.Algorithm); key == nil {
			return nil, errInvalidToken
		}
	}
	payload, err := jws.Verify(key.Key)
	if err != nil {
		return nil, errInvalidToken
	}
	var at claims.AccessToken
	if err := json.Unmarshal(payload, &at); err != nil {
		return nil, errInvalidToken
	}
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

// keyReloadInterval bounds how often an unknown key id makes a node read
// the signing keys again, so that tokens with made-up key ids cannot load
// the database.
const keyReloadInterval = 5 * time.Second

func (s *Server) publicKey(kid, alg string) *jose.JSONWebKey {
	for _, k := range s.store.keys.PublicKeys() {
		if k.KeyID == kid && k.Algorithm == alg {
			return &k
		}
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
