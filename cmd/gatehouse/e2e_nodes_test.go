package main

import (
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	gooidc "github.com/coreos/go-oidc/v3/oidc"
	"github.com/pquerna/otp/totp"
	"golang.org/x/oauth2"

	"github.com/gatehouse-id/gatehouse/directory"
	"github.com/gatehouse-id/gatehouse/ephemeral/redis/redistest"
	"github.com/gatehouse-id/gatehouse/storage/postgres/pgtest"
)

// cluster is two Gatehouse nodes on one PostgreSQL schema and one Redis
// key prefix, behind a "load balancer" whose target the test chooses per
// step. The nodes share nothing in memory: each is built by build from its
// own configuration, exactly as a separate process would be.
type cluster struct {
	*harness
	nodes                   [2]*httptest.Server
	apps                    [2]*app
	target                  atomic.Int32
	dbURL, redisURL, prefix string
}

// use sends the following requests to node n (0 or 1).
func (c *cluster) use(n int) { c.target.Store(int32(n)) }

func newCluster(t *testing.T) *cluster {
	t.Helper()
	return newClusterWith(t, "testdata/directory.yaml")
}

// newClusterWith is newCluster with the directory file at path, and each
// node's configuration changed by tune.
func newClusterWith(t *testing.T, path string, tune ...func(*config)) *cluster {
	t.Helper()
	dbURL, redisURL := pgtest.FreshSchemaURL(t), redistest.URL(t)
	prefix := redistest.Prefix(t, redisURL)
	lb := httptest.NewUnstartedServer(nil)
	issuer := "http://" + lb.Listener.Addr().String()
	clk := &clock{}
	c := &cluster{dbURL: dbURL, redisURL: redisURL, prefix: prefix}
	var apps [2]*app
	// The nodes start at once, as a deployment's do: both find an empty
	// database, and must still agree on the signing keys.
	var (
		wg   sync.WaitGroup
		errs [2]error
	)
	for i := range apps {
		cfg := testConfig(t, issuer, dbURL, redisURL, prefix)
		for _, f := range tune {
			f(cfg)
		}
		wg.Go(func() { apps[i], errs[i] = tryBuildNode(t, cfg, clk, "node", i+1) })
	}
	wg.Wait()
	for i, a := range apps {
		if errs[i] != nil {
			t.Fatalf("node %d: %v", i+1, errs[i])
		}
		c.nodes[i], c.apps[i] = httptest.NewServer(a.handler), a
		t.Cleanup(func() { c.nodes[i].Close(); a.Close() })
	}
	applyFile(t, apps[0], path, mustRead(t, path), issuer)
	lb.Config.Handler = &httputil.ReverseProxy{Rewrite: func(r *httputil.ProxyRequest) {
		u, _ := url.Parse(c.nodes[c.target.Load()].URL)
		r.SetURL(u)
		r.Out.Host = r.In.Host
	}}
	lb.Start()
	t.Cleanup(lb.Close)
	p, err := gooidc.NewProvider(t.Context(), issuer)
	if err != nil {
		t.Fatal(err)
	}
	c.harness = &harness{t: t, issuer: issuer, app: apps[0], clock: clk, oidc: p}
	return c
}

// TestFlowAcrossTwoNodes: login on node 1, the code redeemed on node 2, the
// refresh on node 1, logout on node 2, and the refresh token then refused
// on node 1.
func TestFlowAcrossTwoNodes(t *testing.T) {
	c := newCluster(t)
	b := c.browser()
	pa := c.portalA()

	c.use(0)
	a, code := b.login(pa, "contoso", "carol", "carol-password")

	c.use(1)
	tok, err := pa.exchange(t.Context(), code, a)
	if err != nil {
		t.Fatalf("code from node 1 redeemed on node 2: %v", err)
	}
	c.verifyAccessToken(t, tok.AccessToken, "portal-a")
	// Whichever node signed it, both accept it.
	for n := range 2 {
		c.use(n)
		if _, err := c.oidc.UserInfo(t.Context(), oauth2.StaticTokenSource(tok)); err != nil {
			t.Errorf("userinfo on node %d: %v", n+1, err)
		}
	}

	c.use(0)
	fresh, err := pa.refresh(t.Context(), tok.RefreshToken)
	if err != nil {
		t.Fatalf("refresh on node 1: %v", err)
	}
	if fresh.RefreshToken == tok.RefreshToken {
		t.Fatal("refresh token not rotated")
	}

	c.use(1)
	q := url.Values{"id_token_hint": {tok.Extra("id_token").(string)}, "post_logout_redirect_uri": {"http://localhost/a/"}}
	if resp, _ := b.get(c.issuer + "/end_session?" + q.Encode()); resp.StatusCode != http.StatusFound {
		t.Fatalf("logout on node 2 answered %d", resp.StatusCode)
	}

	c.use(0)
	_, err = pa.refresh(t.Context(), fresh.RefreshToken)
	wantOAuthError(t, err, "invalid_grant")
	// And the session is gone on every node: node 1 asks to log in again.
	if _, _, body := b.start(pa); !strings.Contains(body, "csrf_token") {
		t.Error("after logout on node 2, node 1 still had the session")
	}
}

// TestCodeSingleUseAcrossNodes: a code redeemed on one node cannot be
// redeemed on the other, and the replay revokes what the first redemption
// issued, wherever it is used next.
func TestCodeSingleUseAcrossNodes(t *testing.T) {
	c := newCluster(t)
	pa := c.portalA()
	c.use(0)
	a, code := c.browser().login(pa, "contoso", "carol", "carol-password")
	c.use(1)
	tok := pa.redeem(t, code, a)
	c.use(0)
	_, err := pa.exchange(t.Context(), code, a)
	wantOAuthError(t, err, "invalid_grant")
	c.use(1)
	_, err = pa.refresh(t.Context(), tok.RefreshToken)
	wantOAuthError(t, err, "invalid_grant")
}

// TestTOTPAcrossNodes: a code accepted on one node is refused on the other,
// and the operator's `gatehouse mfa reset` (run as the command, against the
// same PostgreSQL and Redis) makes the user enrol again.
func TestTOTPAcrossNodes(t *testing.T) {
	c := newCluster(t)
	c.setMFA(t, "contoso", directory.MFARequired)
	c.alignTOTP()
	pa := c.portalA()
	c.use(0)
	b := c.browser()
	_, resp, body := b.submitPassword(pa, "contoso", "carol", "carol-password")
	secret, _, _ := c.enrol(t, b, resp, body)

	c.clock.Advance(31 * time.Second)
	now, _ := totp.GenerateCode(secret, c.clock.Now())
	login := func(node int) *http.Response {
		b := c.browser()
		c.use(node)
		_, resp, body := b.submitPassword(pa, "contoso", "carol", "carol-password")
		resp, _ = b.postOn(resp, body, "/login/totp", url.Values{"code": {now}})
		return resp
	}
	if resp := login(0); resp.StatusCode != http.StatusFound {
		t.Fatalf("code on node 1: %d", resp.StatusCode)
	}
	if resp := login(1); resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("the same code on node 2: %d, want 401 (replay)", resp.StatusCode)
	}

	// The operator resets carol's TOTP with the command line.
	cfg := testConfig(t, c.issuer, c.dbURL, c.redisURL, c.prefix)
	t.Setenv("GATEHOUSE_DATABASE_URL", cfg.DatabaseURL)
	t.Setenv("GATEHOUSE_REDIS_URL", cfg.RedisURL)
	t.Setenv("GATEHOUSE_REDIS_PREFIX", cfg.RedisPrefix)
	t.Setenv("GATEHOUSE_KEK", cfg.KEK)
	var out, errOut strings.Builder
	if code := run(t.Context(), []string{"mfa", "reset", "contoso", "carol"}, &out, &errOut); code != 0 || !strings.Contains(out.String(), "enrolled false") {
		t.Fatalf("gatehouse mfa reset: exit %d\n%s%s", code, out.String(), errOut.String())
	}
	c.use(1)
	b = c.browser()
	if _, _, body = b.submitPassword(pa, "contoso", "carol", "carol-password"); !enrolFormRE.MatchString(body) {
		t.Errorf("after the reset, no enrolment: %.300s", body)
	}
	if code := run(t.Context(), []string{"mfa", "unlock", "contoso", "nobody"}, &out, &errOut); code != 1 || !strings.Contains(errOut.String(), `no user "nobody"`) {
		t.Errorf("unknown user: exit %d %s", code, errOut.String())
	}
}

// TestCodeRaceAcrossNodes: the same code redeemed at the same moment on both
// nodes gives tokens at most once (none when the replay is seen while the
// first exchange mints: both are then refused), every refusal is
// invalid_grant, and whatever was issued is revoked, whichever order their
// steps interleave in.
func TestCodeRaceAcrossNodes(t *testing.T) {
	c := newCluster(t)
	pa := c.portalA()
	for round := range 5 {
		c.use(0)
		a, code := c.browser().login(pa, "contoso", "carol", "carol-password")
		var (
			wg   sync.WaitGroup
			toks [2]*oauth2.Token
			errs [2]error
		)
		for n := range 2 {
			conf := *pa.conf
			conf.Endpoint.TokenURL = c.nodes[n].URL + "/oauth/token"
			wg.Go(func() {
				toks[n], errs[n] = conf.Exchange(t.Context(), code, oauth2.VerifierOption(a.verifier))
			})
		}
		wg.Wait()
		won := 0
		for n, tok := range toks {
			if tok == nil {
				// Refused as a code already used, never anything else (a
				// replay seen while minting refuses the first one too).
				wantOAuthError(t, errs[n], "invalid_grant")
				continue
			}
			won++
			c.use(n)
			if _, err := c.oidc.UserInfo(t.Context(), oauth2.StaticTokenSource(tok)); err == nil {
				t.Errorf("round %d: the access token issued by a raced code still works", round)
			}
			if _, err := pa.refresh(t.Context(), tok.RefreshToken); err == nil {
				t.Errorf("round %d: the refresh token issued by a raced code still works", round)
			}
		}
		if won > 1 {
			t.Fatalf("round %d: the code was redeemed %d times", round, won)
		}
	}
}
