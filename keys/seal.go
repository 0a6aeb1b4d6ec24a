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
type Sealer struct {
	aead cipher.AEAD
}

// NewSealer returns a Sealer for a 32-byte key-encryption key.
func NewSealer(kek []byte) (*Sealer, error) {
	if len(kek) != 32 {
		return nil, fmt.Errorf("keys: the key-encryption key must be 32 bytes, got %d", len(kek))
	}
	block, err := aes.NewCipher(kek)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &Sealer{aead: aead}, nil
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

// Open decrypts what Seal produced for the same aad.
func (s *Sealer) Open(sealed, aad []byte) ([]byte, error) {
	n := s.aead.NonceSize()
	if len(sealed) < 1+n+s.aead.Overhead() || sealed[0] != sealVersion {
		return nil, ErrUnseal
	}
	pt, err := s.aead.Open(nil, sealed[1:1+n], sealed[1+n:], aad)
	if err != nil {
		return nil, ErrUnseal
	}
	return pt, nil
}
