package main

import (
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/gatehouse-id/gatehouse/ephemeral/redis/redistest"
	"github.com/gatehouse-id/gatehouse/storage/postgres/pgtest"
)

// tcpProxy forwards one address to another and can be cut and restored,
// to play a backend going away and coming back without touching the real
// one, which other tests share.
type tcpProxy struct {
	t      *testing.T
	addr   string // stays the same across stop and start
	target string
	mu     sync.Mutex
	ln     net.Listener
	conns  map[net.Conn]bool
}

func newTCPProxy(t *testing.T, target string) *tcpProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &tcpProxy{t: t, addr: ln.Addr().String(), target: target, conns: map[net.Conn]bool{}}
	p.serve(ln)
	t.Cleanup(p.stop)
	return p
}

func (p *tcpProxy) serve(ln net.Listener) {
	p.mu.Lock()
	p.ln = ln
	p.mu.Unlock()
	go func() {
		for {
			in, err := ln.Accept()
			if err != nil {
				return
			}
			out, err := net.Dial("tcp", p.target)
			if err != nil {
				in.Close()
				continue
			}
			p.mu.Lock()
			p.conns[in], p.conns[out] = true, true
			p.mu.Unlock()
			go func() { io.Copy(out, in); out.Close() }()
			go func() { io.Copy(in, out); in.Close() }()
		}
	}()
}

// stop refuses new connections and cuts the open ones.
func (p *tcpProxy) stop() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln != nil {
		p.ln.Close()
		p.ln = nil
	}
	for c := range p.conns {
		c.Close()
	}
	clear(p.conns)
}

// start listens again on the same address.
func (p *tcpProxy) start() {
	p.t.Helper()
	ln, err := net.Listen("tcp", p.addr)
	if err != nil {
		p.t.Fatal(err)
	}
	p.serve(ln)
}

// viaProxy returns rawURL with its host replaced by a proxy to that host.
func viaProxy(t *testing.T, rawURL string) (string, *tcpProxy) {
	t.Helper()
	u, err := url.Parse(rawURL)
	if err != nil {
		t.Fatal(err)
	}
	p := newTCPProxy(t, u.Host)
	u.Host = p.addr
	return u.String(), p
}

// TestOutagesAreTemporary cuts Redis, then PostgreSQL, under a running
// node: people and machines get a clear "temporarily unavailable" (503,
// never a 500, never a panic), readiness says which dependency is missing,
// and the node serves again as soon as the backend is back, without a
// restart.
func TestOutagesAreTemporary(t *testing.T) {
	dbURL, dbProxy := viaProxy(t, pgtest.FreshSchemaURL(t))
	rawRedis := redistest.URL(t)
	prefix := redistest.Prefix(t, rawRedis)
	redisURL, redisProxy := viaProxy(t, rawRedis)

	h, _ := startNode(t, &clock{}, "testdata/directory.yaml", mustRead(t, "testdata/directory.yaml"), func(c *config) {
		c.DatabaseURL, c.RedisURL, c.RedisPrefix = dbURL, redisURL, prefix
	})
	issuer := h.issuer
	machine := clientcredentials.Config{ClientID: "machine", ClientSecret: machineSecret, TokenURL: h.oidc.Endpoint().TokenURL}

	ready := func() (int, map[string]string) { return h.readyz(t) }
	login := func() error {
		b := h.browser()
		pa := h.portalA()
		a, c := b.login(pa, "contoso", "carol", "carol-password")
		_, err := pa.exchange(t.Context(), c, a)
		return err
	}
	if code, m := ready(); code != http.StatusOK || m["database"] != "ok" || m["ephemeral"] != "ok" {
		t.Fatalf("readyz before the outages: %d %v", code, m)
	}
	liveToken := h.browser().signIn(t, h.portalA(), "contoso", "carol", "carol-password")

	// Redis goes away.
	redisProxy.stop()
	b := h.browser()
	// The request cannot be saved: the portal gets error=server_error with
	// the redirect (the client is known, so RFC 6749 §4.1.2.1 says redirect).
	_, resp, body := b.start(h.portalA())
	if loc, err := url.Parse(resp.Header.Get("Location")); err != nil || resp.StatusCode != http.StatusFound ||
		loc.Host != "localhost" || loc.Query().Get("error") != "server_error" || strings.Contains(loc.RawQuery, "127.0.0.1") {
		t.Errorf("authorize during a Redis outage: %d %s %.200s", resp.StatusCode, resp.Header.Get("Location"), body)
	}
	resp, body = b.get(issuer + "/login?authRequestID=abc")
	if resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(body, "briefly unavailable") {
		t.Errorf("login page during a Redis outage: %d\n%.300s", resp.StatusCode, body)
	}
	if code, m := ready(); code != http.StatusServiceUnavailable || m["ephemeral"] != "unavailable" || m["database"] != "ok" {
		t.Errorf("readyz during a Redis outage: %d %v", code, m)
	}
	// Every endpoint that needs Redis answers 503, and says nothing about
	// hosts or ports.
	for _, probe := range []struct{ method, path string }{
		{http.MethodGet, "/authorize/callback?id=abc"},
		{http.MethodGet, "/ready"},
	} {
		req, _ := http.NewRequest(probe.method, issuer+probe.path, nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusServiceUnavailable || strings.Contains(string(body), "127.0.0.1") || strings.Contains(string(body), "dial") {
			t.Errorf("%s %s during a Redis outage: %d %.200s", probe.method, probe.path, resp.StatusCode, body)
		}
	}
	req, _ := http.NewRequest(http.MethodPost, issuer+"/revoke", strings.NewReader(url.Values{"token": {liveToken.AccessToken}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth("portal-a", portalASecret)
	if resp, err := http.DefaultClient.Do(req); err != nil {
		t.Fatal(err)
	} else if resp.Body.Close(); resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("revoking an access token during a Redis outage: %d (a 200 would claim it is revoked)", resp.StatusCode)
	}
	redisProxy.start()
	waitReady(t, ready)
	if err := login(); err != nil {
		t.Fatalf("login once Redis is back: %v", err)
	}

	// PostgreSQL goes away while a person is on the login page.
	b = h.browser()
	_, loginPage, loginBody := b.start(h.portalA())
	if !strings.Contains(loginBody, "csrf_token") {
		t.Fatalf("no login page: %d", loginPage.StatusCode)
	}
	dbProxy.stop()
	_, err := machine.Token(t.Context())
	var re *oauth2.RetrieveError
	if !errors.As(err, &re) || re.Response.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("client credentials during a PostgreSQL outage: %v", err)
	}
	resp, body = b.submitLogin(loginPage, loginBody, "contoso", "carol", "carol-password")
	if resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(body, "briefly unavailable") {
		t.Errorf("login during a PostgreSQL outage: %d\n%.300s", resp.StatusCode, body)
	}
	if code, m := ready(); code != http.StatusServiceUnavailable || m["database"] != "unavailable" {
		t.Errorf("readyz during a PostgreSQL outage: %d %v", code, m)
	}
	if resp, body := h.browser().get(h.portalA().conf.AuthCodeURL("st")); resp.StatusCode >= 500 && resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("authorize during a PostgreSQL outage: %d %.200s", resp.StatusCode, body)
	}
	dbProxy.start()
	waitReady(t, ready)
	if _, err := machine.Token(t.Context()); err != nil {
		t.Errorf("client credentials once PostgreSQL is back: %v", err)
	}
	if err := login(); err != nil {
		t.Errorf("login once PostgreSQL is back: %v", err)
	}
	if code, m := ready(); code != http.StatusOK {
		t.Errorf("readyz after the outages: %d %v", code, m)
	}
}

// waitReady polls readiness for a few seconds: the node must come back by
// itself (pools reconnect), without a restart.
func waitReady(t *testing.T, ready func() (int, map[string]string)) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		code, m := ready()
		if code == http.StatusOK {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("not ready 10s after the backend came back: %d %v", code, m)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
