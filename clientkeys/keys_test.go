package clientkeys

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	jose "github.com/go-jose/go-jose/v4"
)

// jwk returns the JSON of key as a JWK with kid (and alg, if not empty).
func jwk(t testing.TB, key any, kid, alg string) string {
	t.Helper()
	b, err := json.Marshal(jose.JSONWebKey{Key: key, KeyID: kid, Algorithm: alg})
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func set(keys ...string) string { return `{"keys":[` + strings.Join(keys, ",") + `]}` }

func TestParse(t *testing.T) {
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	small, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	p256, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	p384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	p521, _ := ecdsa.GenerateKey(elliptic.P521(), rand.Reader)
	edPub, edPriv, _ := ed25519.GenerateKey(rand.Reader)
	many := make([]string, MaxKeys+1)
	for i := range many {
		many[i] = jwk(t, &p256.PublicKey, fmt.Sprint(i), "")
	}
	for _, tc := range []struct {
		name, raw string
		want      string // "" valid; else a part of the error
	}{
		{"rsa, ec and ed25519 public keys", set(jwk(t, &rsaKey.PublicKey, "r", "RS256"), jwk(t, &rsaKey.PublicKey, "p", "PS256"),
			jwk(t, &p256.PublicKey, "e", "ES256"), jwk(t, &p384.PublicKey, "e3", ""), jwk(t, edPub, "ed", "EdDSA")), ""},
		{"a key without kid", set(jwk(t, &p256.PublicKey, "", "")), ""},
		{"an RSA private key", set(jwk(t, rsaKey, "r", "")), "private key material"},
		{"an EC private key", set(jwk(t, p256, "e", "")), "private key material"},
		{"an Ed25519 private key", set(jwk(t, edPriv, "ed", "")), "private key material"},
		{"a symmetric key", set(`{"kty":"oct","k":"c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0","kid":"s"}`), "symmetric"},
		{"RSA under 2048 bits", set(jwk(t, &small.PublicKey, "r", "")), "2048 bits"},
		{"P-521", set(jwk(t, &p521.PublicKey, "e", "")), "P-256 or P-384"},
		{"alg that does not fit the key", set(jwk(t, &p256.PublicKey, "e", "RS256")), `alg "RS256"`},
		{"HS256 alg", set(jwk(t, &rsaKey.PublicKey, "r", "HS256")), `alg "HS256"`},
		{"an encryption key", set(`{"kty":"EC","use":"enc","crv":"P-256","x":` + field(t, jwk(t, &p256.PublicKey, "", ""), "x") +
			`,"y":` + field(t, jwk(t, &p256.PublicKey, "", ""), "y") + `}`), `use "enc"`},
		{"no keys", `{"keys":[]}`, "at least one key"},
		{"not a set", `[1,2]`, "JSON Web Key Set"},
		{"a bare key", jwk(t, &p256.PublicKey, "e", ""), "JSON Web Key Set"},
		{"trailing data", set(jwk(t, &p256.PublicKey, "e", "")) + "{}", "JSON Web Key Set"},
		{"a broken key", set(`{"kty":"RSA","n":"!!","e":"AQAB"}`), "not a valid JSON Web Key"},
		{"too many keys", set(many...), "more than 10"},
		{"a kid twice", set(jwk(t, &p256.PublicKey, "e", ""), jwk(t, &p384.PublicKey, "e", "")), "used twice"},
		{"too large", `{"keys":[],"x":"` + strings.Repeat("a", MaxSetBytes) + `"}`, "bytes"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			keys, err := Parse([]byte(tc.raw))
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("Parse: %v", err)
			case tc.want == "" && len(keys) == 0:
				t.Fatal("Parse returned no keys")
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Fatalf("Parse error = %v, want one saying %q", err, tc.want)
			}
		})
	}
}

func field(t *testing.T, obj, name string) string {
	t.Helper()
	var m map[string]json.RawMessage
	if err := json.Unmarshal([]byte(obj), &m); err != nil {
		t.Fatal(err)
	}
	return string(m[name])
}

func TestVerifies(t *testing.T) {
	rsaKey, _ := rsa.GenerateKey(rand.Reader, 2048)
	p256, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	edPub, _, _ := ed25519.GenerateKey(rand.Reader)
	for _, tc := range []struct {
		key  jose.JSONWebKey
		alg  jose.SignatureAlgorithm
		want bool
	}{
		{jose.JSONWebKey{Key: &rsaKey.PublicKey}, jose.RS256, true},
		{jose.JSONWebKey{Key: &rsaKey.PublicKey}, jose.PS256, true},
		{jose.JSONWebKey{Key: &rsaKey.PublicKey, Algorithm: "RS256"}, jose.PS256, false},
		{jose.JSONWebKey{Key: &rsaKey.PublicKey}, jose.ES256, false},
		{jose.JSONWebKey{Key: &rsaKey.PublicKey}, jose.HS256, false},
		{jose.JSONWebKey{Key: &p256.PublicKey}, jose.ES256, true},
		{jose.JSONWebKey{Key: &p256.PublicKey}, jose.ES384, false},
		{jose.JSONWebKey{Key: edPub}, jose.EdDSA, true},
		{jose.JSONWebKey{Key: []byte("secret")}, jose.HS256, false},
	} {
		if got := Verifies(tc.key, tc.alg); got != tc.want {
			t.Errorf("Verifies(%T alg=%q, %s) = %v, want %v", tc.key.Key, tc.key.Algorithm, tc.alg, got, tc.want)
		}
	}
}

func TestDescribe(t *testing.T) {
	p256, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	other, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	a := Describe(set(jwk(t, &p256.PublicKey, "k1", "")))
	b := Describe(set(jwk(t, &other.PublicKey, "k1", "")))
	if !strings.HasPrefix(a, "k1#") || len(a) != len("k1#")+12 {
		t.Errorf("Describe = %q, want k1# and 12 characters of thumbprint", a)
	}
	if a == b {
		t.Errorf("two different keys with one kid are described alike: %q", a)
	}
	if Describe("") != "" {
		t.Error(`Describe("") is not empty`)
	}
}
