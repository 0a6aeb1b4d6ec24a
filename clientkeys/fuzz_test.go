package clientkeys

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"testing"
)

// FuzzParse: Parse never panics, and what it accepts is what the package
// promises: 1 to MaxKeys public keys, each verifying at least one of
// Algorithms. The lenient parser of fetched sets never returns a private
// key either.
func FuzzParse(f *testing.F) {
	k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	for _, seed := range []string{
		set(jwk(f, &k.PublicKey, "k1", "ES256")),
		set(jwk(f, k, "k1", "")),
		`{"keys":[{"kty":"oct","k":"c2VjcmV0"}]}`,
		`{"keys":[{"kty":"RSA","n":"AQAB","e":"AQAB"}]}`,
		`{"keys":[]}`, `{"keys":null}`, `{}`, `[]`, `null`, ``,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		keys, err := Parse(raw)
		if err == nil && (len(keys) == 0 || len(keys) > MaxKeys) {
			t.Fatalf("Parse accepted %d keys", len(keys))
		}
		for _, k := range keys {
			if !k.IsPublic() || len(algorithmsFor(k.Key)) == 0 {
				t.Fatalf("Parse accepted a %T key", k.Key)
			}
		}
		lenient, _ := parseLenient(raw)
		for _, k := range lenient {
			if !k.IsPublic() {
				t.Fatalf("parseLenient returned a %T key", k.Key)
			}
		}
	})
}
