package keys

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/big"
	"strings"
	"testing"

	jose "github.com/go-jose/go-jose/v4"
	"golang.org/x/crypto/cryptobyte"
	"golang.org/x/crypto/cryptobyte/asn1"
)

func testSigningKeys(t testing.TB) []SigningKey {
	t.Helper()
	rk, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	ek, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	_, edk, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return []SigningKey{{"rsa-1", jose.RS256, rk}, {"ec-1", jose.ES256, ek}, {"ed-1", jose.EdDSA, edk}}
}

// TestCompactSignerVerifiesWithGoJose: what compactSigner signs, go-jose
// (the library portals verify with) parses and verifies, with the header
// it expects. ES256 signs many times, so that R or S with leading zero
// bytes (one signature in about 128) is among them: they must be padded.
func TestCompactSignerVerifiesWithGoJose(t *testing.T) {
	for _, k := range testSigningKeys(t) {
		t.Run(string(k.Algorithm), func(t *testing.T) {
			s, err := newCompactSigner(k, "at+jwt")
			if err != nil {
				t.Fatal(err)
			}
			n := 3
			if k.Algorithm == jose.ES256 {
				n = 600
			}
			for i := range n {
				payload := fmt.Appendf(nil, `{"sub":"meter-%d","scope":"a b"}`, i)
				tok, err := s.sign(payload)
				if err != nil {
					t.Fatal(err)
				}
				jws, err := jose.ParseSigned(tok, []jose.SignatureAlgorithm{k.Algorithm})
				if err != nil {
					t.Fatalf("go-jose cannot parse %s: %v", tok, err)
				}
				h := jws.Signatures[0].Protected
				if h.Algorithm != string(k.Algorithm) || h.KeyID != k.ID || h.ExtraHeaders[jose.HeaderType] != "at+jwt" {
					t.Fatalf("header %+v", h)
				}
				got, err := jws.Verify(k.Private.Public())
				if err != nil {
					t.Fatalf("signature %d does not verify: %v", i, err)
				}
				if !bytes.Equal(got, payload) {
					t.Fatalf("payload %s, want %s", got, payload)
				}
			}
		})
	}
}

// TestCompactSignerHeader: the protected header names the algorithm, the
// key and the type, and nothing else.
func TestCompactSignerHeader(t *testing.T) {
	k := testSigningKeys(t)[2]
	s, err := newCompactSigner(k, "logout+jwt")
	if err != nil {
		t.Fatal(err)
	}
	tok, err := s.sign([]byte(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	raw, err := base64.RawURLEncoding.DecodeString(strings.Split(tok, ".")[0])
	if err != nil {
		t.Fatal(err)
	}
	var h map[string]string
	if err := json.Unmarshal(raw, &h); err != nil || len(h) != 3 || h["alg"] != "EdDSA" || h["kid"] != "ed-1" || h["typ"] != "logout+jwt" {
		t.Errorf("header %s (%v)", raw, err)
	}
}

// TestCompactSignerRefusesMismatchedKeys: an algorithm and a key of
// another kind, or an algorithm Gatehouse does not sign with, fail when
// the signer is built, before any token.
func TestCompactSignerRefusesMismatchedKeys(t *testing.T) {
	ks := testSigningKeys(t)
	p384, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []SigningKey{
		{"x", jose.RS256, ks[1].Private},
		{"x", jose.ES256, ks[0].Private},
		{"x", jose.ES256, p384},
		{"x", jose.EdDSA, ks[1].Private},
		{"x", jose.HS256, ks[0].Private},
		{"x", jose.PS256, ks[0].Private},
	} {
		if _, err := newCompactSigner(k, "JWT"); err == nil {
			t.Errorf("%s with %T: signer built", k.Algorithm, k.Private)
		}
	}
}

// TestFixedSize: ASN.1 integers of any length up to the size are
// left-padded; longer ones and malformed input are refused.
func TestFixedSize(t *testing.T) {
	der := func(r, s []byte) []byte {
		var b cryptobyte.Builder
		b.AddASN1(asn1.SEQUENCE, func(b *cryptobyte.Builder) {
			b.AddASN1BigInt(new(big.Int).SetBytes(r))
			b.AddASN1BigInt(new(big.Int).SetBytes(s))
		})
		return b.BytesOrPanic()
	}
	short := []byte{0x01, 0x02}
	full := bytes.Repeat([]byte{0xff}, 32)
	got, err := fixedSize(der(short, full), 32)
	if err != nil {
		t.Fatal(err)
	}
	want := append(append(make([]byte, 30), short...), full...)
	if !bytes.Equal(got, want) {
		t.Errorf("fixedSize = %x, want %x", got, want)
	}
	for name, in := range map[string][]byte{
		"too long": der(bytes.Repeat([]byte{0x7f}, 33), full),
		"empty":    {},
		"trailing": append(der(short, short), 0),
		"not DER":  []byte("signature"),
	} {
		if _, err := fixedSize(in, 32); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
