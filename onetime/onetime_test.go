package onetime

import (
	"bytes"
	"encoding/base64"
	"strings"
	"testing"
)

func TestNewAndHash(t *testing.T) {
	secret, hash := New()
	if len(secret) != 43 || len(hash) != 32 {
		t.Fatalf("New() = %q (%d chars), %d-byte hash; want 43 chars, 32 bytes", secret, len(secret), len(hash))
	}
	if got := Hash(secret); !bytes.Equal(got, hash) {
		t.Fatalf("Hash(secret) = %x, want %x", got, hash)
	}
	if other, _ := New(); other == secret {
		t.Fatal("New returned the same secret twice")
	}
}

func TestHashRejectsMalformed(t *testing.T) {
	secret, _ := New()
	for _, tc := range []struct{ name, secret string }{
		{"empty", ""},
		{"one short", secret[:42]},
		{"one long", secret + "A"},
		{"padded", base64.URLEncoding.EncodeToString(make([]byte, 32))},
		{"standard alphabet", "+" + secret[1:]},
		{"slash", "/" + secret[1:]},
		{"newline", secret[:20] + "\n" + secret[21:]},
		{"non-zero padding bits", strings.Repeat("A", 42) + "B"},
		{"non-ASCII", "é" + secret[2:]},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Hash(tc.secret); got != nil {
				t.Errorf("Hash(%q) = %x, want nil", tc.secret, got)
			}
		})
	}
}

// FuzzHash checks that Hash accepts exactly the canonical unpadded
// base64url encodings of 32 bytes.
func FuzzHash(f *testing.F) {
	s, _ := New()
	for _, seed := range []string{s, "", s[:42], s + "=", strings.Repeat("A", 42) + "B", s[:20] + "\n" + s[21:]} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, secret string) {
		b, err := base64.RawURLEncoding.DecodeString(secret)
		canonical := err == nil && len(b) == 32 && base64.RawURLEncoding.EncodeToString(b) == secret
		if got := Hash(secret); (got != nil) != canonical {
			t.Fatalf("Hash(%q) = %x, canonical = %v", secret, got, canonical)
		}
	})
}
