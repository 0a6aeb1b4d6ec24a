package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/gatehouse-id/gatehouse/keys"
)

// cachingRP is the strictest relying party there is: it keeps the JWKS for
// exactly the max-age Gatehouse announced, by the test's clock, and never
// fetches it early, not even for a key id it does not know. If a rotation
// verifies at this one, it verifies at every relying party that honours
// the cache lifetime.
type cachingRP struct {
	t         *testing.T
	jwksURL   string
	now       func() time.Time
	set       jose.JSONWebKeySet
	fetchedAt time.Time
	maxAge    time.Duration
	fetches   int
}

func (rp *cachingRP) keySet() jose.JSONWebKeySet {
	rp.t.Helper()
	if !rp.fetchedAt.IsZero() && rp.now().Sub(rp.fetchedAt) < rp.maxAge {
		return rp.set
	}
	resp, err := http.Get(rp.jwksURL)
	if err != nil {
		rp.t.Fatal(err)
	}
	defer resp.Body.Close()
	var set jose.JSONWebKeySet
	if err := json.NewDecoder(resp.Body).Decode(&set); err != nil {
		rp.t.Fatal(err)
	}
	cc := resp.Header.Get("Cache-Control")
	age, err := strconv.Atoi(strings.TrimPrefix(cc[strings.Index(cc, "max-age="):], "max-age="))
	if err != nil || age <= 0 {
		rp.t.Fatalf("JWKS Cache-Control %q", cc)
	}
	rp.set, rp.fetchedAt, rp.maxAge = set, rp.now(), time.Duration(age)*time.Second
	rp.fetches++
	return set
}

// verify checks raw's signature against the cached JWKS and, unless
// ignoreExpiry, its expiry against the clock.
func (rp *cachingRP) verify(raw string, ignoreExpiry bool) error {
	jws, err := jose.ParseSigned(raw, []jose.SignatureAlgorithm{jose.RS256, jose.ES256, jose.EdDSA})
	if err != nil {
		return err
	}
	kid := jws.Signatures[0].Header.KeyID
	set := rp.keySet()
	keys := set.Key(kid)
	if len(keys) == 0 {
		return fmt.Errorf("unknown key %s", kid)
	}
	payload, err := jws.Verify(keys[0])
	if err != nil {
		return err
	}
	var c struct {
		Exp int64 `json:"exp"`
	}
	if err := json.Unmarshal(payload, &c); err != nil {
		return err
	}
	if !ignoreExpiry && !rp.now().Before(time.Unix(c.Exp, 0)) {
		return errors.New("expired")
	}
	return nil
}

// issued is a token the test keeps verifying while it lives.
type issued struct {
	raw string
	kid string
	exp time.Time
}

func tokenKID(t *testing.T, raw string) string {
	t.Helper()
	kid, _ := jwtHeader(t, raw)["kid"].(string)
	return kid
}

// TestRotationWithoutFailedVerification is the promise of key rotation:
// two nodes on one PostgreSQL and Redis, rotating every two hours on the
// test's clock, one of them doing the maintenance and the other only
// reloading as its ticker would. Every 30 seconds a machine token is
// issued by one node or the other, and a relying party that caches the
// JWKS for its full max-age verifies it, and every earlier token that
// still lives, with zero failures through two rotations; both nodes serve
// the same JWKS at every step. Afterwards a token of the first key, long
// expired, still has a valid signature while its key is published, and
// none once the key is removed.
func TestRotationWithoutFailedVerification(t *testing.T) {
	c := newClusterWith(t, "testdata/directory.yaml", func(cfg *config) {
		cfg.SigningAlg, cfg.KeyRotation = "ES256", 2*time.Hour
	})
	ctx := t.Context()
	rp := &cachingRP{t: t, jwksURL: c.issuer + "/keys", now: c.clock.Now}
	cc := clientcredentials.Config{ClientID: "machine", ClientSecret: machineSecret, TokenURL: c.oidc.Endpoint().TokenURL}
	nodeJWKS := func(n int) []byte {
		t.Helper()
		resp, err := http.Get(c.nodes[n].URL + "/keys")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return b
	}

	var (
		live     []issued
		first    *issued
		signers  []string // signing key ids, in the order they signed
		failures int
	)
	step := func(d time.Duration, n int) {
		t.Helper()
		c.clock.Advance(d)
		// Node 2's reload comes just before node 1's maintenance, the worst
		// order: a key node 1 schedules now, node 2 learns of only at the
		// next tick.
		if err := c.apps[1].keys.Reload(ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := c.apps[0].keys.Maintain(ctx); err != nil {
			t.Fatal(err)
		}
		if a, b := nodeJWKS(0), nodeJWKS(1); !bytes.Equal(a, b) {
			t.Fatalf("at %s the nodes serve different JWKS:\n%s\n%s", c.clock.Now().UTC(), a, b)
		}
		c.use(n % 2)
		tok, err := cc.Token(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var claims struct {
			Exp int64 `json:"exp"`
		}
		if err := json.Unmarshal(jwtPayload(t, tok.AccessToken), &claims); err != nil {
			t.Fatal(err)
		}
		is := issued{raw: tok.AccessToken, kid: tokenKID(t, tok.AccessToken), exp: time.Unix(claims.Exp, 0)}
		if first == nil {
			first = &is
		}
		if len(signers) == 0 || signers[len(signers)-1] != is.kid {
			signers = append(signers, is.kid)
		}
		live = append(live, is)
		kept := live[:0]
		for _, l := range live {
			if !c.clock.Now().Before(l.exp) {
				continue
			}
			if err := rp.verify(l.raw, false); err != nil {
				failures++
				t.Errorf("at %s a token of %s does not verify: %v", c.clock.Now().UTC(), l.kid, err)
			}
			kept = append(kept, l)
		}
		live = kept
	}

	n := 0
	for len(signers) < 3 && n < 1000 { // two rotations, in 30-second steps
		step(30*time.Second, n)
		n++
	}
	if len(signers) < 3 {
		t.Fatalf("%d signing keys after %d steps, want 3", len(signers), n)
	}
	if failures != 0 {
		t.Fatalf("%d failed verifications", failures)
	}
	t.Logf("%d tokens over %s, %d signing keys, %d JWKS fetches, zero failures", n, time.Duration(n)*30*time.Second, len(signers), rp.fetches)

	// The first key is retired: its token, long expired, still has a
	// valid signature while the key is published...
	if err := rp.verify(first.raw, true); err != nil {
		t.Errorf("the first key's signature, while it is published: %v", err)
	}
	// ...and none once it is removed, a day after it retired.
	removed := false
	for range 200 {
		step(10*time.Minute, n)
		n++
		if !bytes.Contains(nodeJWKS(0), []byte(first.kid)) {
			removed = true
			break
		}
		if err := rp.verify(first.raw, true); err != nil && failures == 0 {
			t.Errorf("the first key's signature at %s: %v", c.clock.Now().UTC(), err)
		}
	}
	if !removed {
		t.Fatal("the first key was never removed")
	}
	c.clock.Advance(rp.maxAge) // the relying party's cache runs out
	if err := rp.verify(first.raw, true); err == nil {
		t.Error("a token of a removed key still verifies")
	}
	var statuses []keys.Status
	for _, s := range c.apps[0].keys.Keys() {
		if s.ID == first.kid {
			statuses = append(statuses, s)
		}
	}
	if len(statuses) != 0 && statuses[0].State != keys.StateRemoved {
		t.Errorf("first key: %+v", statuses[0])
	}
}
