package clientkeys

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	jose "github.com/go-jose/go-jose/v4"
)

// Algorithms are the signature algorithms a client assertion may be signed
// with, the order discovery lists them in. Never "none", never HS*: a
// client authenticating with a key proves it holds a private key.
var Algorithms = []jose.SignatureAlgorithm{jose.RS256, jose.PS256, jose.ES256, jose.ES384, jose.EdDSA}

// Limits of a registered key set. A client needs one key, two while it
// rotates; ten leave room for a fleet that gives each instance its own.
const (
	MaxKeys = 10
	// MaxSetBytes bounds a set registered inline: ten RSA-4096 public keys
	// fit in about 8 KiB.
	MaxSetBytes = 16 << 10
	// minRSABits is the smallest RSA modulus accepted (RFC 7518 §3.3).
	minRSABits = 2048
)

// privateMembers are the JWK members that carry private or symmetric key
// material (RFC 7518 §6.2.2, §6.3.2, §6.4; RFC 8037 §2).
var privateMembers = []string{"d", "p", "q", "dp", "dq", "qi", "oth", "k"}

// Parse checks raw, a JSON Web Key Set (RFC 7517 §5) a client registers
// for private_key_jwt, and returns its keys: at least one and at most
// MaxKeys, each a public signature key Gatehouse can verify with (see the
// package doc), kids unique. The error says what is wrong with which key,
// for the administrator who registers it.
func Parse(raw []byte) ([]jose.JSONWebKey, error) {
	if len(raw) > MaxSetBytes {
		return nil, fmt.Errorf("is %d bytes, more than %d", len(raw), MaxSetBytes)
	}
	members, err := splitSet(raw)
	if err != nil {
		return nil, err
	}
	if len(members) == 0 {
		return nil, errors.New(`must hold at least one key in "keys"`)
	}
	if len(members) > MaxKeys {
		return nil, fmt.Errorf("holds %d keys, more than %d", len(members), MaxKeys)
	}
	keys := make([]jose.JSONWebKey, 0, len(members))
	kids := map[string]bool{}
	for i, m := range members {
		k, err := parseKey(m)
		if err == nil {
			err = checkKey(&k)
		}
		if err != nil {
			return nil, fmt.Errorf("key %d: %w", i+1, err)
		}
		if kids[k.KeyID] {
			return nil, fmt.Errorf("key %d: kid %q is used twice; each key needs its own", i+1, k.KeyID)
		}
		kids[k.KeyID] = true
		keys = append(keys, k)
	}
	return keys, nil
}

// parseLenient reads a set a client publishes at its jwks_uri: keys that
// Gatehouse cannot use for signatures (encryption keys, other algorithms)
// are skipped, as a publisher may serve them for other parties; but a set
// with private or symmetric key material is refused whole, since it shows
// the URI publishes what it must not.
func parseLenient(raw []byte) ([]jose.JSONWebKey, error) {
	members, err := splitSet(raw)
	if err != nil {
		return nil, err
	}
	var keys []jose.JSONWebKey
	for i, m := range members {
		k, err := parseKey(m)
		var private privateKeyError
		if errors.As(err, &private) {
			return nil, fmt.Errorf("key %d: %w", i+1, err)
		}
		if err != nil || checkKey(&k) != nil {
			continue
		}
		keys = append(keys, k)
		if len(keys) == MaxKeys*2 {
			break
		}
	}
	return keys, nil
}

// splitSet returns the members of a JWK Set's "keys", undecoded.
func splitSet(raw []byte) ([]json.RawMessage, error) {
	var set struct {
		Keys *[]json.RawMessage `json:"keys"`
	}
	d := json.NewDecoder(bytes.NewReader(raw))
	if err := d.Decode(&set); err != nil || d.More() {
		return nil, errors.New(`must be a JSON Web Key Set: {"keys": [...]}`)
	}
	if set.Keys == nil {
		return nil, errors.New(`must be a JSON Web Key Set: {"keys": [...]}`)
	}
	return *set.Keys, nil
}

type privateKeyError string

func (e privateKeyError) Error() string { return string(e) }

// parseKey decodes one JWK, refusing private and symmetric key material
// before go-jose decodes it.
func parseKey(m json.RawMessage) (jose.JSONWebKey, error) {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(m, &fields); err != nil {
		return jose.JSONWebKey{}, errors.New("must be a JSON object")
	}
	var kty string
	_ = json.Unmarshal(fields["kty"], &kty)
	if kty == "oct" {
		return jose.JSONWebKey{}, privateKeyError(`is a symmetric ("oct") key; private_key_jwt needs the public half of a key pair`)
	}
	for _, name := range privateMembers {
		if _, ok := fields[name]; ok {
			return jose.JSONWebKey{}, privateKeyError(fmt.Sprintf("holds private key material (%q); register the public key only, and keep the private key with the client", name))
		}
	}
	var k jose.JSONWebKey
	if err := k.UnmarshalJSON(m); err != nil {
		return jose.JSONWebKey{}, fmt.Errorf("is not a valid JSON Web Key: %s", strings.TrimPrefix(err.Error(), "go-jose/go-jose: "))
	}
	return k, nil
}

// checkKey accepts a public signature key of a supported type and size
// whose alg, if it names one, fits the key.
func checkKey(k *jose.JSONWebKey) error {
	if !k.IsPublic() || !k.Valid() {
		return errors.New("must be a public key")
	}
	if k.Use != "" && k.Use != "sig" {
		return fmt.Errorf(`has use %q; a key that signs client assertions has use "sig" or none`, k.Use)
	}
	algs := algorithmsFor(k.Key)
	if algs == nil {
		return errors.New("must be an RSA (2048 bits or more), EC P-256 or P-384, or Ed25519 public key")
	}
	if k.Algorithm != "" && !slices.Contains(algs, jose.SignatureAlgorithm(k.Algorithm)) {
		return fmt.Errorf("has alg %q, which this key cannot sign with (it can: %s)", k.Algorithm, joinAlgs(algs))
	}
	return nil
}

// algorithmsFor returns the algorithms of Algorithms a public key verifies,
// nil for a key Gatehouse does not accept.
func algorithmsFor(key any) []jose.SignatureAlgorithm {
	switch key := key.(type) {
	case *rsa.PublicKey:
		if key.N.BitLen() >= minRSABits {
			return []jose.SignatureAlgorithm{jose.RS256, jose.PS256}
		}
	case *ecdsa.PublicKey:
		switch key.Curve {
		case elliptic.P256():
			return []jose.SignatureAlgorithm{jose.ES256}
		case elliptic.P384():
			return []jose.SignatureAlgorithm{jose.ES384}
		}
	case ed25519.PublicKey:
		return []jose.SignatureAlgorithm{jose.EdDSA}
	}
	return nil
}

// Verifies reports whether k may verify a signature made with alg: the key
// fits the algorithm and, if it names one, names alg.
func Verifies(k jose.JSONWebKey, alg jose.SignatureAlgorithm) bool {
	return slices.Contains(algorithmsFor(k.Key), alg) && (k.Algorithm == "" || k.Algorithm == string(alg))
}

// Describe summarizes a registered set for the audit log: each key's kid
// and the start of its RFC 7638 thumbprint, so that a change of keys shows
// as a change of the summary, with nothing secret in it (the keys are
// public anyway). An empty set is "".
func Describe(raw string) string {
	if raw == "" {
		return ""
	}
	keys, err := parseLenient([]byte(raw))
	if err != nil {
		return "unreadable"
	}
	var parts []string
	for _, k := range keys {
		tp, err := k.Thumbprint(crypto.SHA256)
		if err != nil {
			continue
		}
		parts = append(parts, k.KeyID+"#"+base64.RawURLEncoding.EncodeToString(tp)[:12])
	}
	return strings.Join(parts, ",")
}

func joinAlgs(algs []jose.SignatureAlgorithm) string {
	s := make([]string, len(algs))
	for i, a := range algs {
		s[i] = string(a)
	}
	return strings.Join(s, ", ")
}
