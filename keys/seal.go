package keys

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
)

// sealVersion prefixes every sealed blob, so a future format (another AEAD,
// a KEK id for rewrapping) can be told apart.
const sealVersion byte = 1

// ErrUnseal means a sealed value could not be opened: the wrong
// key-encryption key, or the blob was altered or moved.
var ErrUnseal = errors.New("keys: cannot unseal (wrong key-encryption key, or the data was altered)")

// Sealer encrypts small secrets at rest with AES-256-GCM under the KEK.
//
// While the key-encryption key changes, a Sealer also holds the previous
// ones: it seals with the current key only and opens with any, so that
// every node can run with the new key (and the old as previous) before
// `gatehouse keys rewrap` re-seals what is stored (Reseal), after which
// the old key can go.
type Sealer struct {
	aead     cipher.AEAD
	previous []cipher.AEAD
}

// NewSealer returns a Sealer for a 32-byte key-encryption key, which seals
// and opens, and previous ones, which only open.
func NewSealer(kek []byte, previous ...[]byte) (*Sealer, error) {
	aead, err := newAEAD(kek)
	if err != nil {
		return nil, err
	}
	s := &Sealer{aead: aead}
	for _, p := range previous {
		a, err := newAEAD(p)
		if err != nil {
			return nil, fmt.Errorf("previous key-encryption key: %w", err)
		}
		s.previous = append(s.previous, a)
	}
	return s, nil
}

func newAEAD(kek []byte) (cipher.AEAD, error) {
	if len(kek) != 32 {
		return nil, fmt.Errorf("keys: the key-encryption key must be 32 bytes, got %d", len(kek))
	}
	block, err := aes.NewCipher(kek)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

// ParseKEK decodes a key-encryption key as written in configuration: 32
// bytes in standard or URL-safe base64 (with or without padding), or 64 hex
// digits. `openssl rand -base64 32` makes one.
func ParseKEK(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(s); err == nil && len(b) == 32 {
			return b, nil
		}
	}
	if len(s) == 64 {
		b := make([]byte, 32)
		if _, err := fmt.Sscanf(s, "%x", &b); err == nil && len(b) == 32 {
			return b, nil
		}
	}
	return nil, errors.New("keys: the key-encryption key must be 32 random bytes, base64-encoded (openssl rand -base64 32)")
}

// Seal encrypts plaintext, binding it to aad (the slot it is stored in).
func (s *Sealer) Seal(plaintext, aad []byte) ([]byte, error) {
	nonce := make([]byte, s.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return nil, err
	}
	out := append([]byte{sealVersion}, nonce...)
	return s.aead.Seal(out, nonce, plaintext, aad), nil
}

// Open decrypts what Seal produced for the same aad, under the current
// key-encryption key or a previous one.
func (s *Sealer) Open(sealed, aad []byte) ([]byte, error) {
	pt, _, err := s.open(sealed, aad)
	return pt, err
}

// open is Open that also says whether the current key opened it.
func (s *Sealer) open(sealed, aad []byte) ([]byte, bool, error) {
	for i, a := range append([]cipher.AEAD{s.aead}, s.previous...) {
		n := a.NonceSize()
		if len(sealed) < 1+n+a.Overhead() || sealed[0] != sealVersion {
			return nil, false, ErrUnseal
		}
		if pt, err := a.Open(nil, sealed[1:1+n], sealed[1+n:], aad); err == nil {
			return pt, i == 0, nil
		}
	}
	return nil, false, ErrUnseal
}

// Reseal returns sealed sealed under the current key-encryption key, and
// whether that changed anything: what the current key sealed already comes
// back as it is.
func (s *Sealer) Reseal(sealed, aad []byte) ([]byte, bool, error) {
	pt, current, err := s.open(sealed, aad)
	if err != nil || current {
		return sealed, false, err
	}
	out, err := s.Seal(pt, aad)
	return out, err == nil, err
}
