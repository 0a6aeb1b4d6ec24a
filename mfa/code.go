package mfa

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"strings"
	"unicode"
)

// kind is what a normalized input is.
type kind int

const (
	kindTOTP kind = iota + 1
	kindRecovery
)

const (
	totpDigits     = 6
	recoveryLength = 10
	// RecoveryCodes is how many recovery codes a user gets at enrolment and
	// at each regeneration.
	RecoveryCodes = 10
	// maxInput bounds what parseCode looks at: a code is at most a few
	// characters, and longer input is refused before any work on it.
	maxInput = 64
)

// recoveryAlphabet is Crockford's base32 in lower case: no i, l, o or u, so
// that no two characters look alike; 32 symbols, 5 bits each, so a code of
// ten carries 50 random bits. Input is read as Crockford reads it: o as 0,
// i and l as 1.
const recoveryAlphabet = "0123456789abcdefghjkmnpqrstvwxyz"

// parseCode normalizes what a person typed, dropping spaces and '-' and
// lower-casing, and says what it is: six digits are a TOTP code, ten
// characters of the recovery alphabet a recovery code (returned in its
// canonical form, the one that is hashed). Anything else is ErrMalformed.
func parseCode(in string) (kind, string, error) {
	if len(in) > maxInput {
		return 0, "", ErrMalformed
	}
	var b strings.Builder
	for _, r := range in {
		if r == '-' || unicode.IsSpace(r) {
			continue
		}
		if r >= 'A' && r <= 'Z' {
			r += 'a' - 'A'
		}
		b.WriteRune(r)
	}
	s := b.String()
	switch {
	case len(s) == totpDigits && allDigits(s):
		return kindTOTP, s, nil
	case len(s) == recoveryLength:
		c := []byte(s)
		for i, ch := range c {
			switch ch {
			case 'o':
				c[i] = '0'
			case 'i', 'l':
				c[i] = '1'
			}
			if strings.IndexByte(recoveryAlphabet, c[i]) < 0 {
				return 0, "", ErrMalformed
			}
		}
		return kindRecovery, string(c), nil
	}
	return 0, "", ErrMalformed
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// newRecoveryCodes returns n distinct random recovery codes in canonical
// form.
func newRecoveryCodes(n int) []string {
	codes := make([]string, 0, n)
	seen := make(map[string]bool, n)
	b := make([]byte, recoveryLength)
	for len(codes) < n {
		rand.Read(b) // never fails (crypto/rand)
		for i := range b {
			// 256 is a multiple of 32, so every symbol is equally likely.
			b[i] = recoveryAlphabet[b[i]&31]
		}
		if c := string(b); !seen[c] {
			seen[c] = true
			codes = append(codes, c)
		}
	}
	return codes
}

// displayRecoveryCode writes a canonical code as a person reads it:
// "xxxxx-xxxxx".
func displayRecoveryCode(c string) string { return c[:5] + "-" + c[5:] }

// hashRecoveryCode is the stored form of a canonical code.
func (s *Service) hashRecoveryCode(c string) []byte {
	m := hmac.New(sha256.New, s.recoveryKey)
	m.Write([]byte(c))
	return m.Sum(nil)
}
