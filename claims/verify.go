package claims

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

// Verifier checks Gatehouse tokens offline: the signature against the
// issuer's published keys (fetched and cached, see Config), then the JOSE
// typ, iss, aud and the token's lifetime. It is safe for concurrent use;
// make one per issuer and keep it for the life of the process, since the
// key cache lives in it.
//
// An offline check cannot see revocation: a revoked access token verifies
// until it expires (minutes). A resource server that must know at once asks
// Gatehouse's introspection endpoint instead.
type Verifier struct {
	cfg  settings
	keys *keySet
}

// NewVerifier checks cfg and returns a Verifier. It makes no request: the
// keys are fetched at the first verification, so a resource server may
// start before Gatehouse does.
func NewVerifier(cfg Config) (*Verifier, error) {
	s, err := cfg.validate()
	if err != nil {
		return nil, err
	}
	return &Verifier{cfg: s, keys: newKeySet(s)}, nil
}

// VerifyAccessToken verifies raw as a Gatehouse JWT access token and returns
// its claims. RFC 9068 §4: "Resource servers receiving a JWT access token
// MUST validate the typ header value is "at+jwt" or "application/at+jwt" and
// reject tokens carrying any other value", so an ID token, signed by the same
// keys, is never taken for an access token. sub, client_id, iat and jti are
// required (RFC 9068 §2.2).
func (v *Verifier) VerifyAccessToken(ctx context.Context, raw string) (*AccessToken, error) {
	payload, err := v.verify(ctx, raw, isAccessTokenType)
	if err != nil {
		return nil, err
	}
	var at AccessToken
	if err := json.Unmarshal(payload, &at); err != nil {
		return nil, fmt.Errorf("%w: access token claims: %v", ErrMalformed, err)
	}
	switch {
	case at.Subject == "":
		return nil, fmt.Errorf("%w: sub", ErrMissingClaim)
	case at.ClientID == "":
		return nil, fmt.Errorf("%w: client_id", ErrMissingClaim)
	case at.JWTID == "":
		return nil, fmt.Errorf("%w: jti", ErrMissingClaim)
	}
	return &at, nil
}

// VerifyIDToken verifies raw as an OpenID Connect ID token for this relying
// party and returns its claims. Its typ must be absent or "JWT": an access
// token, or a logout token (typ logout+jwt), is refused. OIDC Core §3.1.3.7:
// "If an azp (authorized party) Claim is present, the Client SHOULD verify
// that its client_id is the Claim Value", so azp, when present, must be an
// accepted audience too. The nonce is the caller's to check: only it knows
// what it sent.
func (v *Verifier) VerifyIDToken(ctx context.Context, raw string) (*IDToken, error) {
	payload, err := v.verify(ctx, raw, isIDTokenType)
	if err != nil {
		return nil, err
	}
	var idt IDToken
	if err := json.Unmarshal(payload, &idt); err != nil {
		return nil, fmt.Errorf("%w: ID token claims: %v", ErrMalformed, err)
	}
	if idt.Subject == "" {
		return nil, fmt.Errorf("%w: sub", ErrMissingClaim)
	}
	if idt.AZP != "" && !v.acceptsAudience(idt.AZP) {
		return nil, fmt.Errorf("%w: azp %q", ErrInvalidAudience, idt.AZP)
	}
	return &idt, nil
}

// verify checks what every token shares: the alg allow-list, the typ, the
// signature, then iss, aud, exp, nbf and iat. It returns the verified
// payload; nothing of the payload is read before the signature holds.
func (v *Verifier) verify(ctx context.Context, raw string, typeOK func(string) bool) ([]byte, error) {
	jws, err := jose.ParseSignedCompact(raw, v.cfg.algs)
	if err != nil {
		if alg := headerAlg(raw); alg != "" && !slices.Contains(v.cfg.algs, jose.SignatureAlgorithm(alg)) {
			return nil, fmt.Errorf("%w: %q", ErrInvalidAlgorithm, alg)
		}
		return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	h := jws.Signatures[0].Protected // compact: exactly one, all protected
	if typ, _ := h.ExtraHeaders[jose.HeaderType].(string); !typeOK(typ) {
		return nil, fmt.Errorf("%w: typ %q", ErrInvalidType, typ)
	}
	if h.KeyID == "" {
		return nil, fmt.Errorf("%w: no kid in the header", ErrMalformed)
	}
	key, err := v.keys.key(ctx, h.KeyID, jose.SignatureAlgorithm(h.Algorithm))
	if err != nil {
		return nil, err
	}
	payload, err := jws.Verify(key.Key)
	if err != nil {
		return nil, fmt.Errorf("%w: kid %q", ErrInvalidSignature, h.KeyID)
	}
	if err := v.checkRegistered(payload); err != nil {
		return nil, err
	}
	return payload, nil
}

// registered holds the registered claims (RFC 7519 §4.1) every token type
// is checked by.
type registered struct {
	Issuer    string   `json:"iss"`
	Audience  []string `json:"aud"`
	Expiry    int64    `json:"exp"`
	NotBefore int64    `json:"nbf"`
	IssuedAt  int64    `json:"iat"`
}

// checkRegistered applies RFC 7519 §4.1 and RFC 9068 §4: iss exactly the
// issuer, aud holding an accepted audience, "the current time MUST be before
// the time represented by the exp claim" (give or take the leeway), and
// neither nbf nor iat in the future.
func (v *Verifier) checkRegistered(payload []byte) error {
	var r registered
	if err := json.Unmarshal(payload, &r); err != nil {
		return fmt.Errorf("%w: registered claims: %v", ErrMalformed, err)
	}
	if r.Issuer != v.cfg.Issuer {
		return fmt.Errorf("%w: %q", ErrInvalidIssuer, r.Issuer)
	}
	if !slices.ContainsFunc(r.Audience, v.acceptsAudience) {
		return fmt.Errorf("%w: %q", ErrInvalidAudience, r.Audience)
	}
	if r.Expiry == 0 {
		return fmt.Errorf("%w: exp", ErrMissingClaim)
	}
	if r.IssuedAt == 0 {
		return fmt.Errorf("%w: iat", ErrMissingClaim)
	}
	now, leeway := v.cfg.Now(), v.cfg.Leeway
	if exp := time.Unix(r.Expiry, 0); !now.Before(exp.Add(leeway)) {
		return fmt.Errorf("%w at %s", ErrExpired, exp.UTC().Format(time.RFC3339))
	}
	if nbf := time.Unix(r.NotBefore, 0); r.NotBefore != 0 && now.Add(leeway).Before(nbf) {
		return fmt.Errorf("%w: nbf %s", ErrNotYetValid, nbf.UTC().Format(time.RFC3339))
	}
	if iat := time.Unix(r.IssuedAt, 0); now.Add(leeway).Before(iat) {
		return fmt.Errorf("%w: iat %s", ErrNotYetValid, iat.UTC().Format(time.RFC3339))
	}
	return nil
}

func (v *Verifier) acceptsAudience(aud string) bool {
	if aud == "" {
		return false
	}
	return slices.Contains(v.cfg.Audiences, aud) || (v.cfg.AcceptAudience != nil && v.cfg.AcceptAudience(aud))
}

// Type header values compare case-insensitively (RFC 7515 §4.1.9), and the
// "application/" prefix may be left out.
func isAccessTokenType(typ string) bool {
	t := strings.ToLower(typ)
	return t == "at+jwt" || t == "application/at+jwt"
}

func isIDTokenType(typ string) bool {
	t := strings.ToLower(typ)
	return t == "" || t == "jwt" || t == "application/jwt"
}

// headerAlg reads alg from a compact JWS header without trusting it, only
// to tell a refused algorithm from a malformed token in errors.
func headerAlg(raw string) string {
	seg, _, _ := strings.Cut(raw, ".")
	b, err := base64.RawURLEncoding.DecodeString(seg)
	if err != nil {
		return ""
	}
	var h struct {
		Alg string `json:"alg"`
	}
	if json.Unmarshal(b, &h) != nil {
		return ""
	}
	return h.Alg
}
