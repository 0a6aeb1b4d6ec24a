package keys

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"unsafe"

	jose "github.com/go-jose/go-jose/v4"
	"golang.org/x/crypto/cryptobyte"
	"golang.org/x/crypto/cryptobyte/asn1"
)

// compactSigner makes JWS Compact Serializations (RFC 7515 §7.1) with one
// key and one typ header. Every token Gatehouse signs has the same
// protected header for a given key, so it is encoded once, here, and a
// signature costs the payload's base64, one hash and the signature itself.
//
// go-jose, which verifies every token Gatehouse and its portals read,
// signed them before: per token it marshalled the header again, encoded the
// payload twice (once for the signing input, once for the serialization)
// and built an object graph: 8.7 KB and 67 allocations more per token than
// this signer, and a tenth of a client-credentials request's time in the
// profile of a loaded node (docs/performance.md). The signatures here are
// the standard library's; the tests verify them with go-jose.
type compactSigner struct {
	// prefix is the base64url protected header and its dot.
	prefix []byte
	alg    jose.SignatureAlgorithm
	key    crypto.Signer
	// sigLen is the length of the base64url signature, so that a token
	// is made in one buffer of its exact size.
	sigLen int
}

// newCompactSigner prepares k's signer for tokens of type typ ("JWT",
// "at+jwt", "logout+jwt").
func newCompactSigner(k SigningKey, typ string) (*compactSigner, error) {
	sigBytes := 64 // ES256: R and S of 32 bytes; Ed25519 signatures
	switch k.Algorithm {
	case jose.RS256:
		rk, ok := k.Private.(*rsa.PrivateKey)
		if !ok {
			return nil, fmt.Errorf("signing key %s: RS256 needs an RSA key, not %T", k.ID, k.Private)
		}
		sigBytes = rk.Size()
	case jose.ES256:
		if p, ok := k.Private.(*ecdsa.PrivateKey); !ok || p.Curve.Params().BitSize != 256 {
			return nil, fmt.Errorf("signing key %s: ES256 needs a P-256 key", k.ID)
		}
	case jose.EdDSA:
		if _, ok := k.Private.(ed25519.PrivateKey); !ok {
			return nil, fmt.Errorf("signing key %s: EdDSA needs an Ed25519 key, not %T", k.ID, k.Private)
		}
	default:
		return nil, fmt.Errorf("signing key %s: algorithm %q is not supported", k.ID, k.Algorithm)
	}
	header, err := json.Marshal(struct {
		Alg jose.SignatureAlgorithm `json:"alg"`
		Kid string                  `json:"kid"`
		Typ string                  `json:"typ,omitempty"`
	}{k.Algorithm, k.ID, typ})
	if err != nil {
		return nil, err
	}
	prefix := base64.RawURLEncoding.AppendEncode(nil, header)
	return &compactSigner{prefix: append(prefix, '.'), alg: k.Algorithm, key: k.Private,
		sigLen: base64.RawURLEncoding.EncodedLen(sigBytes)}, nil
}

// sign returns the compact JWS of payload, made in one buffer of its final
// size: the signing input, then the dot and the signature after it.
func (s *compactSigner) sign(payload []byte) (string, error) {
	n := len(s.prefix) + base64.RawURLEncoding.EncodedLen(len(payload))
	buf := make([]byte, n, n+1+s.sigLen)
	copy(buf, s.prefix)
	base64.RawURLEncoding.Encode(buf[len(s.prefix):], payload)
	sig, err := s.signature(buf)
	if err != nil {
		return "", err
	}
	buf = append(buf, '.')
	buf = base64.RawURLEncoding.AppendEncode(buf, sig)
	// buf is this call's own and is never written again, so the string may
	// share its memory rather than copy a kilobyte per token (the idiom of
	// strings.Builder).
	return unsafe.String(unsafe.SliceData(buf), len(buf)), nil
}

// signature signs the signing input (RFC 7515 §5.1 step 7) as the
// algorithm requires (RFC 7518 §3.3, §3.4; RFC 8037 §3.1).
func (s *compactSigner) signature(input []byte) ([]byte, error) {
	switch s.alg {
	case jose.EdDSA:
		return ed25519.Sign(s.key.(ed25519.PrivateKey), input), nil
	case jose.RS256:
		h := sha256.Sum256(input)
		return rsa.SignPKCS1v15(nil, s.key.(*rsa.PrivateKey), crypto.SHA256, h[:])
	default: // ES256, checked by newCompactSigner
		h := sha256.Sum256(input)
		der, err := ecdsa.SignASN1(rand.Reader, s.key.(*ecdsa.PrivateKey), h[:])
		if err != nil {
			return nil, err
		}
		return fixedSize(der, 32)
	}
}

// fixedSize turns an ASN.1 ECDSA signature into JWS's form: R and S as
// big-endian integers of size bytes each, left-padded with zeros (RFC 7518
// §3.4), which a verifier rejects if a leading zero is dropped.
func fixedSize(der []byte, size int) ([]byte, error) {
	var r, s []byte
	in := cryptobyte.String(der)
	var seq cryptobyte.String
	if !in.ReadASN1(&seq, asn1.SEQUENCE) || !in.Empty() ||
		!seq.ReadASN1Integer(&r) || !seq.ReadASN1Integer(&s) || !seq.Empty() ||
		len(r) > size || len(s) > size {
		return nil, fmt.Errorf("ecdsa: malformed signature")
	}
	out := make([]byte, 2*size)
	copy(out[size-len(r):size], r)
	copy(out[2*size-len(s):], s)
	return out, nil
}
