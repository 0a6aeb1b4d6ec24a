package main

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"fmt"

	"github.com/go-jose/go-jose/v4"
)

// signingAlgs are the algorithms the floor signs with, as Gatehouse's
// --signing-alg names them.
var signingAlgs = []jose.SignatureAlgorithm{jose.RS256, jose.ES256, jose.EdDSA}

// signingKey is a fresh key pair for alg with its kid (the RFC 7638
// thumbprint of the public key), as Gatehouse publishes its keys.
type signingKey struct {
	alg    jose.SignatureAlgorithm
	kid    string
	signer jose.Signer
	public jose.JSONWebKey
}

func newSigningKey(alg jose.SignatureAlgorithm) (*signingKey, error) {
	var priv crypto.Signer
	var err error
	switch alg {
	case jose.RS256:
		priv, err = rsa.GenerateKey(rand.Reader, 2048)
	case jose.ES256:
		priv, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	case jose.EdDSA:
		_, priv, err = ed25519.GenerateKey(rand.Reader)
	default:
		return nil, fmt.Errorf("unsupported algorithm %q (RS256, ES256 or EdDSA)", alg)
	}
	if err != nil {
		return nil, err
	}
	pub := jose.JSONWebKey{Key: priv.Public(), Algorithm: string(alg), Use: "sig"}
	thumb, err := pub.Thumbprint(crypto.SHA256)
	if err != nil {
		return nil, err
	}
	pub.KeyID = base64.RawURLEncoding.EncodeToString(thumb)
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: alg, Key: priv},
		(&jose.SignerOptions{}).WithType("at+jwt").WithHeader("kid", pub.KeyID))
	if err != nil {
		return nil, err
	}
	return &signingKey{alg: alg, kid: pub.KeyID, signer: signer, public: pub}, nil
}

// sign is one JWS in compact form: the work a token endpoint does per
// token beyond HTTP and JSON.
func (k *signingKey) sign(payload []byte) (string, error) {
	jws, err := k.signer.Sign(payload)
	if err != nil {
		return "", err
	}
	return jws.CompactSerialize()
}
