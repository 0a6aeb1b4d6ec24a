package directory_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"errors"
	"reflect"
	"testing"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/gatehouse-id/gatehouse/directory"
)

// testJWKS returns a JSON Web Key Set with the public half of a new P-256
// key, or, with private set, the key pair itself.
func testJWKS(t *testing.T, kid string, private bool) string {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	var key any = &k.PublicKey
	if private {
		key = k
	}
	b, err := json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: key, KeyID: kid, Algorithm: "ES256", Use: "sig"}}})
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestClientKeysRegistration(t *testing.T) {
	d, c := adminClientsWorld(t)
	ctx := t.Context()
	ada := c["acme/ada"]
	jwks := testJWKS(t, "k1", false)

	inline, err := d.CreateClientFor(ctx, ada, "acme", directory.ClientMachine, directory.Client{ID: "acme-pkj", Name: "Devices",
		AuthMethod: directory.AuthPrivateKeyJWT, JWKS: jwks})
	ok(t, "machine client with inline keys", err)
	if a := inline.After; inline.Secret != "" || len(a.SecretHash) != 0 || a.JWKS != jwks || a.Kind() != directory.ClientMachine {
		t.Errorf("private_key_jwt client %+v", inline)
	}
	if stored, err := d.ClientFor(ctx, ada, "acme-pkj"); err != nil || stored.JWKS != jwks || stored.AuthMethod != directory.AuthPrivateKeyJWT {
		t.Errorf("read back %+v, %v", stored, err)
	}
	byURI, err := d.CreateClientFor(ctx, ada, "acme", directory.ClientWeb, directory.Client{ID: "acme-web-pkj", Name: "Portal",
		RedirectURIs: []string{"https://portal.acme.example/cb"}, AuthMethod: directory.AuthPrivateKeyJWT,
		JWKSURI: "https://portal.acme.example/jwks.json"})
	ok(t, "web client with a jwks_uri", err)
	if byURI.Secret != "" || byURI.After.JWKSURI != "https://portal.acme.example/jwks.json" {
		t.Errorf("jwks_uri client %+v", byURI)
	}
	_, err = d.CreateClientFor(ctx, ada, "acme", directory.ClientMachine, directory.Client{ID: "acme-dev", Name: "Dev",
		AuthMethod: directory.AuthPrivateKeyJWT, JWKSURI: "http://127.0.0.1:8080/jwks"})
	ok(t, "a loopback http jwks_uri", err)

	before := allClients(t, d)
	pkj := func(jwks, uri string) directory.Client {
		return directory.Client{ID: "x", Name: "X", AuthMethod: directory.AuthPrivateKeyJWT, JWKS: jwks, JWKSURI: uri}
	}
	for _, tc := range []struct {
		name   string
		kind   directory.ClientKind
		client directory.Client
		field  string
		says   string
	}{
		{"no keys", directory.ClientMachine, pkj("", ""), "jwks", "public keys"},
		{"both", directory.ClientMachine, pkj(jwks, "https://x.example/jwks"), "jwks_uri", "not both"},
		{"a private key", directory.ClientMachine, pkj(testJWKS(t, "p", true), ""), "jwks", "private key material"},
		{"a symmetric key", directory.ClientMachine, pkj(`{"keys":[{"kty":"oct","k":"c2VjcmV0"}]}`, ""), "jwks", "symmetric"},
		{"not a key set", directory.ClientMachine, pkj(`{"kty":"EC"}`, ""), "jwks", "Key Set"},
		{"plain http", directory.ClientMachine, pkj("", "http://x.example/jwks"), "jwks_uri", "plain http"},
		{"a fragment", directory.ClientMachine, pkj("", "https://x.example/jwks#k"), "jwks_uri", "fragment"},
		{"credentials", directory.ClientMachine, pkj("", "https://u:p@x.example/jwks"), "jwks_uri", "user name"},
		{"relative", directory.ClientMachine, pkj("", "/jwks"), "jwks_uri", "absolute"},
		{"keys on a secret client", directory.ClientMachine, directory.Client{ID: "x", Name: "X", JWKS: jwks}, "jwks", "private_key_jwt"},
		{"a jwks_uri on a secret client", directory.ClientMachine, directory.Client{ID: "x", Name: "X",
			JWKSURI: "https://x.example/jwks"}, "jwks_uri", "private_key_jwt"},
		{"a public client", directory.ClientSinglePage, directory.Client{ID: "x", Name: "X", RedirectURIs: []string{"https://x.example/cb"},
			AuthMethod: directory.AuthPrivateKeyJWT, JWKS: jwks}, "auth_method", ""},
	} {
		ch, err := d.CreateClientFor(ctx, ada, "acme", tc.kind, tc.client)
		wantRefused(t, tc.name, err, nil, tc.field, tc.says)
		if ch.Secret != "" {
			t.Errorf("%s: a refused create gave a secret", tc.name)
		}
	}
	// A registration naming a secret for a private_key_jwt client (the
	// directory file can) is refused.
	_, _, _, err = d.PutClient(ctx, d.Store(), directory.Client{ID: "x", Name: "X", Type: directory.ClientConfidential,
		AuthMethod: directory.AuthPrivateKeyJWT, JWKS: jwks, GrantTypes: []string{directory.GrantClientCredentials}},
		"a-secret-of-at-least-thirty-two-characters")
	wantRefused(t, "a secret for a private_key_jwt client", err, nil, "secret")
	_, err = d.RotateClientSecretFor(ctx, ada, "acme-pkj")
	wantRefused(t, "rotate the secret of a private_key_jwt client", err, nil, "auth_method", "keys")
	if !reflect.DeepEqual(before, allClients(t, d)) {
		t.Error("a refused request changed something")
	}
}

func TestClientKeysChange(t *testing.T) {
	d, c := adminClientsWorld(t)
	ctx := t.Context()
	ada := c["acme/ada"]
	created, err := d.CreateClientFor(ctx, ada, "acme", directory.ClientMachine, directory.Client{ID: "acme-m", Name: "M"})
	ok(t, "create", err)

	// To private_key_jwt: the secret is gone.
	jwks := testJWKS(t, "k1", false)
	ch, err := d.UpdateClientFor(ctx, ada, "acme-m", directory.Client{Name: "M", AuthMethod: directory.AuthPrivateKeyJWT, JWKS: jwks})
	ok(t, "to private_key_jwt", err)
	if len(ch.After.SecretHash) != 0 || ch.Secret != "" || ch.After.JWKS != jwks {
		t.Errorf("moved to private_key_jwt: %+v", ch)
	}
	if _, err := d.VerifyClientSecret(ctx, "acme-m", created.Secret); !errors.Is(err, directory.ErrInvalidCredentials) {
		t.Errorf("the old secret of a client now on private_key_jwt: %v", err)
	}
	// New keys replace the old.
	rotated := testJWKS(t, "k2", false)
	ch, err = d.UpdateClientFor(ctx, ada, "acme-m", directory.Client{Name: "M", AuthMethod: directory.AuthPrivateKeyJWT, JWKS: rotated})
	ok(t, "new keys", err)
	if ch.Before.JWKS != jwks || ch.After.JWKS != rotated {
		t.Errorf("key change %+v", ch)
	}
	// Back to a secret: a new one, shown once, that works.
	ch, err = d.UpdateClientFor(ctx, ada, "acme-m", directory.Client{Name: "M", AuthMethod: directory.AuthSecretBasic})
	ok(t, "back to a secret", err)
	if ch.Secret == "" || ch.After.JWKS != "" {
		t.Fatalf("moved back to client_secret_basic: %+v", ch)
	}
	if _, err := d.VerifyClientSecret(ctx, "acme-m", ch.Secret); err != nil {
		t.Errorf("the secret the move generated: %v", err)
	}
	// The same registration twice is no change.
	cl := directory.Client{ID: "acme-file", Name: "F", TenantID: ch.Tenant.ID, Type: directory.ClientConfidential,
		AuthMethod: directory.AuthPrivateKeyJWT, JWKSURI: "https://f.example/jwks", GrantTypes: []string{directory.GrantClientCredentials}}
	_, _, change, err := d.PutClient(ctx, d.Store(), cl, "")
	ok(t, "put", err)
	if _, _, again, err := d.PutClient(ctx, d.Store(), cl, ""); err != nil || again != directory.Unchanged || change != directory.Created {
		t.Errorf("put twice: %v then %v, %v", change, again, err)
	}
}
