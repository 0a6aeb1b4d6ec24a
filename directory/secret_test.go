package directory_test

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"fmt"
	"sync"
	"testing"

	"github.com/gatehouse-id/gatehouse/directory"
)

// TestSecretHasher: the hash is HMAC-SHA-256 under the installation key
// (what stored hashes were made with), whichever pooled MAC computes it,
// also when many goroutines hash different secrets at once.
func TestSecretHasher(t *testing.T) {
	key := bytes.Repeat([]byte{5}, 32)
	h := directory.NewSecretHasher(key)
	want := func(secret string) []byte {
		m := hmac.New(sha256.New, key)
		m.Write([]byte(secret))
		return m.Sum(nil)
	}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 200 {
				secret := fmt.Sprintf("secret-%d-%d", g, i)
				if got := h.Hash(secret); !bytes.Equal(got, want(secret)) {
					t.Errorf("Hash(%q) = %x, want %x", secret, got, want(secret))
					return
				}
				if !h.Verify(want(secret), secret) || h.Verify(want(secret), secret+"x") || h.Verify(nil, secret) {
					t.Errorf("Verify of %q is wrong", secret)
					return
				}
			}
		})
	}
	wg.Wait()
	if other := directory.NewSecretHasher(bytes.Repeat([]byte{6}, 32)); other.Verify(h.Hash("s"), "s") {
		t.Error("a hash verifies under another installation key")
	}
}
