package provider

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"

	"github.com/gatehouse-id/gatehouse/clientkeys"
	"github.com/gatehouse-id/gatehouse/directory"
	"github.com/gatehouse-id/gatehouse/ephemeral"
)

// Client assertions (private_key_jwt: RFC 7523 §2.2 and §3, OpenID Connect
// Core §9) are verified here with go-jose, not with the library's
// JWTProfileVerifier, which accepts an iat up to an hour old and has no
// replay check.
const (
	// assertionSkew is the clock difference tolerated between a client
	// and Gatehouse, on exp, nbf and iat.
	assertionSkew = 30 * time.Second
	// maxAssertionLifetime bounds how far ahead an assertion's exp may
	// be. An assertion is used once, within seconds of being signed; the
	// bound keeps the replay guard's entries short-lived.
	maxAssertionLifetime = 10 * time.Minute
	// maxJTILen bounds jti; it is hashed before it is stored anyway.
	maxJTILen = 512
)

// assertionVerifier authenticates clients by their assertions.
type assertionVerifier struct {
	issuer string
	// client loads a client by id (the directory's ClientByID).
	client func(ctx context.Context, id string) (directory.Client, error)
	// kv holds the replay guard: every node refuses a jti any node saw.
	kv    ephemeral.Store
	fetch *clientkeys.Fetcher
	now   func() time.Time
}

// assertionError refuses an assertion: desc is for the client (it helps
// without telling an attacker which client exists or what its keys are),
// reason for the log.
type assertionError struct {
	clientID, desc, reason string
}

func (e *assertionError) Error() string { return e.desc + ": " + e.reason }

// refuse is an assertionError; clientID may be what the request said, so
// it is clipped for the log.
func refuse(clientID, desc, reason string) error {
	return &assertionError{clientID: clipLog(clientID), desc: desc, reason: reason}
}

// verify authenticates the client that sent cc with a client assertion, at
// the endpoint path (the token, introspection or revocation endpoint's).
// It returns an *assertionError for an assertion it refuses, another error
// when it could not decide (the store or the replay guard did not answer).
//
// The assertion must:
//   - come with client_assertion_type
//     urn:ietf:params:oauth:client-assertion-type:jwt-bearer, and no secret;
//   - be a JWS signed with RS256, PS256, ES256, ES384 or EdDSA (never none
//     or HS*) by a key the client registered: the one its kid names, or
//     without a kid the only key that fits the algorithm;
//   - have iss and sub both the client's id (and client_id, if sent, the
//     same);
//   - have an aud naming Gatehouse: the issuer, the token endpoint's URL,
//     or the URL of the endpoint it is sent to;
//   - have an exp not passed and at most ten minutes ahead, and an nbf and
//     iat, if present, not in the future;
//   - have a jti never seen before for the client, on any node, until the
//     assertion expires.
func (v *assertionVerifier) verify(ctx context.Context, cc *op.ClientCredentials, header http.Header, form url.Values, path string) (directory.Client, error) {
	switch {
	case cc.ClientAssertionType != oidc.ClientAssertionTypeJWTAssertion:
		return directory.Client{}, refuse(cc.ClientID, "client_assertion_type must be "+oidc.ClientAssertionTypeJWTAssertion,
			"wrong client_assertion_type")
	case cc.ClientAssertion == "":
		return directory.Client{}, refuse(cc.ClientID, "client_assertion is missing", "no assertion")
	case basicScheme(header.Get("Authorization")) || form.Has("client_secret"):
		return directory.Client{}, refuse(cc.ClientID, "a client authenticates with one method: an assertion or a secret, not both",
			"assertion and secret")
	}
	tok, err := jwt.ParseSigned(cc.ClientAssertion, clientkeys.Algorithms)
	if err != nil {
		return directory.Client{}, refuse(cc.ClientID, "client_assertion must be a JWT signed with "+algList(),
			"unparsable or unsupported algorithm: "+err.Error())
	}
	var claims jwt.Claims
	if err := tok.UnsafeClaimsWithoutVerification(&claims); err != nil {
		return directory.Client{}, refuse(cc.ClientID, "the client assertion's claims could not be read", err.Error())
	}
	id := claims.Subject
	switch {
	case id == "" || claims.Issuer != id:
		return directory.Client{}, refuse(cc.ClientID, "the client assertion's iss and sub must both be the client_id",
			fmt.Sprintf("iss %q, sub %q", clipLog(claims.Issuer), clipLog(id)))
	case cc.ClientID != "" && cc.ClientID != id:
		return directory.Client{}, refuse(cc.ClientID, "client_id is not the client assertion's sub", "sub "+clipLog(id))
	}
	c, err := v.client(ctx, id)
	if errors.Is(err, directory.ErrNotFound) {
		return directory.Client{}, refuse(id, "client authentication failed", "unknown client")
	}
	if err != nil {
		return directory.Client{}, err
	}
	if c.AuthMethod != directory.AuthPrivateKeyJWT {
		return directory.Client{}, refuse(c.ID, "this client must authenticate with "+string(c.AuthMethod), "assertion from a "+string(c.AuthMethod)+" client")
	}
	hdr := tok.Headers[0]
	keys, err := v.keys(ctx, &c, hdr.KeyID)
	if err != nil {
		return directory.Client{}, refuse(c.ID, "the client's public keys could not be loaded", err.Error())
	}
	claims = jwt.Claims{} // from here on, only what the signature covers
	if err := verifySignature(tok, keys, hdr.KeyID, jose.SignatureAlgorithm(hdr.Algorithm), &claims); err != nil {
		return directory.Client{}, refuse(c.ID, "the client assertion's signature does not verify with the client's registered keys", err.Error())
	}
	now := v.now()
	if claims.Subject != c.ID || claims.Issuer != c.ID {
		return directory.Client{}, refuse(c.ID, "the client assertion's iss and sub must both be the client_id", "signed claims differ")
	}
	if err := v.checkClaims(&claims, now, path); err != nil {
		err.clientID = c.ID
		return directory.Client{}, err
	}
	// Last, once the assertion is the client's: made-up assertions write
	// nothing. The jti is kept until no node accepts the assertion any
	// more: past exp and the skew, with as much again for the clocks of
	// the nodes, which may differ a little from this one's.
	ttl := claims.Expiry.Time().Sub(now) + 2*assertionSkew
	won, err := v.kv.SetNX(ctx, assertionKey(c.ID, claims.ID), []byte("1"), max(ttl, time.Second))
	if err != nil {
		return directory.Client{}, fmt.Errorf("replay guard: %w", err)
	}
	if !won {
		return directory.Client{}, refuse(c.ID, "the client assertion was already used; sign a new one, with a new jti, for each request",
			"replayed jti")
	}
	return c, nil
}

// keys returns the client's public keys: its registered set, or the one
// its jwks_uri serves (cached; refetched for an unknown kid).
func (v *assertionVerifier) keys(ctx context.Context, c *directory.Client, kid string) ([]jose.JSONWebKey, error) {
	if c.JWKS != "" {
		return clientkeys.Parse([]byte(c.JWKS))
	}
	if c.JWKSURI == "" {
		return nil, errors.New("the client has no keys")
	}
	return v.fetch.Keys(ctx, c.ID, c.JWKSURI, kid)
}

// verifySignature checks tok's signature with the key kid names (each
// key with that kid which fits alg, in a fetched set that repeats one),
// or without a kid the only key that fits alg, and decodes its claims
// into claims.
func verifySignature(tok *jwt.JSONWebToken, keys []jose.JSONWebKey, kid string, alg jose.SignatureAlgorithm, claims *jwt.Claims) error {
	var candidates []jose.JSONWebKey
	for _, k := range keys {
		if (kid == "" || k.KeyID == kid) && clientkeys.Verifies(k, alg) {
			candidates = append(candidates, k)
		}
	}
	switch {
	case len(candidates) == 0 && kid != "":
		return fmt.Errorf("no %s key with kid %q", alg, clipLog(kid))
	case len(candidates) == 0:
		return fmt.Errorf("no %s key", alg)
	case len(candidates) > 1 && kid == "":
		return fmt.Errorf("no kid, and %d keys fit %s", len(candidates), alg)
	}
	var err error
	for _, k := range candidates {
		if err = tok.Claims(k.Key, claims); err == nil {
			return nil
		}
	}
	return err
}

// checkClaims checks aud, exp, nbf, iat and jti at time now, for an
// assertion sent to path.
func (v *assertionVerifier) checkClaims(c *jwt.Claims, now time.Time, path string) *assertionError {
	fail := func(desc, reason string) *assertionError { return &assertionError{desc: desc, reason: reason} }
	audiences := []string{v.issuer, v.issuer + pathToken}
	if path == pathIntrospect || path == pathRevoke {
		audiences = append(audiences, v.issuer+path)
	}
	if !slices.ContainsFunc(audiences, c.Audience.Contains) {
		return fail("the client assertion's aud must be the issuer or the token endpoint's URL", fmt.Sprintf("aud %q", clipLog(fmt.Sprint([]string(c.Audience)))))
	}
	switch {
	case c.Expiry == nil:
		return fail("the client assertion must have an exp", "no exp")
	case now.After(c.Expiry.Time().Add(assertionSkew)):
		return fail("the client assertion has expired", "expired at "+c.Expiry.Time().UTC().Format(time.RFC3339))
	case c.Expiry.Time().After(now.Add(maxAssertionLifetime + assertionSkew)):
		return fail(fmt.Sprintf("the client assertion's exp must be at most %s ahead", maxAssertionLifetime), "exp too far ahead")
	case c.NotBefore != nil && c.NotBefore.Time().After(now.Add(assertionSkew)):
		return fail("the client assertion is not valid yet (nbf)", "nbf in the future")
	case c.IssuedAt != nil && c.IssuedAt.Time().After(now.Add(assertionSkew)):
		return fail("the client assertion was issued in the future (iat)", "iat in the future")
	case c.ID == "":
		return fail("the client assertion must have a jti", "no jti")
	case len(c.ID) > maxJTILen:
		return fail(fmt.Sprintf("the client assertion's jti must be at most %d bytes", maxJTILen), "jti too long")
	}
	return nil
}

// assertionKey is the replay guard's key for jti of client id: hashed, so
// that keys are short and a jti cannot reach into another client's.
func assertionKey(clientID, jti string) string {
	h := sha256.Sum256([]byte(clientID + "\x00" + jti))
	return "client-assertion:" + base64.RawURLEncoding.EncodeToString(h[:])
}

func algList() string {
	s := ""
	for i, a := range clientkeys.Algorithms {
		if i > 0 {
			s += ", "
		}
		s += string(a)
	}
	return s
}

// clip bounds what an assertion says before it goes into a log line.
func clipLog(s string) string {
	if len(s) > 128 {
		return s[:128] + "..."
	}
	return s
}

// verifyClientAssertion is VerifyClient for a request with a client
// assertion: the client, or invalid_client (401) with the refusal's
// description, its reason logged at warn (never the assertion itself).
func (s *Server) verifyClientAssertion(ctx context.Context, r *op.Request[op.ClientCredentials]) (directory.Client, error) {
	path := ""
	if r.URL != nil {
		path = r.URL.Path
	}
	c, err := s.assertions.verify(ctx, r.Data, r.Header, r.Form, path)
	var refused *assertionError
	if errors.As(err, &refused) {
		s.store.log.WarnContext(ctx, "client assertion refused", "client_id", refused.clientID, "reason", refused.reason)
		return directory.Client{}, invalidClient(refused.desc)
	}
	if err != nil {
		return directory.Client{}, s.serverError(ctx, "verify client assertion", err)
	}
	return c, nil
}

// advertiseClientAssertions adds private_key_jwt, and the algorithms an
// assertion may be signed with, to what discovery says the token,
// introspection and revocation endpoints accept.
func advertiseClientAssertions(d *oidc.DiscoveryConfiguration) {
	var algs []string
	for _, a := range clientkeys.Algorithms {
		algs = append(algs, string(a))
	}
	d.TokenEndpointAuthMethodsSupported = append(d.TokenEndpointAuthMethodsSupported, oidc.AuthMethodPrivateKeyJWT)
	d.TokenEndpointAuthSigningAlgValuesSupported = algs
	d.IntrospectionEndpointAuthMethodsSupported = append(d.IntrospectionEndpointAuthMethodsSupported, oidc.AuthMethodPrivateKeyJWT)
	d.IntrospectionEndpointAuthSigningAlgValuesSupported = algs
	d.RevocationEndpointAuthMethodsSupported = append(d.RevocationEndpointAuthMethodsSupported, oidc.AuthMethodPrivateKeyJWT)
	d.RevocationEndpointAuthSigningAlgValuesSupported = algs
}
