package main

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	gooidc "github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/gatehouse-id/gatehouse/directory"
	"github.com/gatehouse-id/gatehouse/password"
)

// syncBuffer is a log sink that goroutines write at once.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestLogsHoldNoSecrets runs a whole day of one person and one machine
// through a node whose log is the production one (JSON, debug level, so
// that the most is written), and greps it: no password, TOTP secret or
// code, recovery code, authorization code, token, client secret, CSRF
// token or cookie value may appear; and the lines the pages write while
// serving a request carry its request_id.
func TestLogsHoldNoSecrets(t *testing.T) {
	var logs syncBuffer
	log, err := newLogger(&logs, "debug", false)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(nil)
	issuer := "http://" + srv.Listener.Addr().String()
	cfg := testConfig(t, issuer, "", "", "")
	clk := &clock{}
	a, err := build(t.Context(), cfg, log, options{now: clk.Now, passwordParams: password.Params{Memory: 64, Time: 1, Threads: 1}})
	if err != nil {
		t.Fatal(err)
	}
	applyFile(t, a, "testdata/directory.yaml", mustRead(t, "testdata/directory.yaml"), issuer)
	srv.Config.Handler = a.handler
	srv.Start()
	t.Cleanup(func() { srv.Close(); a.Close() })
	p, err := gooidc.NewProvider(t.Context(), issuer)
	if err != nil {
		t.Fatal(err)
	}
	h := &harness{t: t, issuer: issuer, app: a, clock: clk, oidc: p}
	h.setMFA(t, "contoso", directory.MFARequired)
	h.alignTOTP()

	secrets := []string{"carol-password", "not-the-password", portalASecret, machineSecret}
	pa := h.portalA()
	b := h.browser()
	h.browser().submitPassword(pa, "contoso", "carol", "not-the-password") // a failed login is logged too
	az, resp, body := b.submitPassword(pa, "contoso", "carol", "carol-password")
	if m := csrfRE.FindStringSubmatch(body); m != nil {
		secrets = append(secrets, m[1])
	}
	totpSecret, recovery, resp := h.enrol(t, b, resp, body)
	secrets = append(secrets, totpSecret)
	secrets = append(secrets, recovery...)
	c := code(t, resp, az)
	secrets = append(secrets, c)
	tok := pa.redeem(t, c, az)
	fresh, err := pa.refresh(t.Context(), tok.RefreshToken)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.oidc.UserInfo(t.Context(), oauth2.StaticTokenSource(fresh)); err != nil {
		t.Fatal(err)
	}
	idToken, _ := tok.Extra("id_token").(string)
	secrets = append(secrets, tok.AccessToken, tok.RefreshToken, idToken, fresh.AccessToken, fresh.RefreshToken)
	u, _ := url.Parse(issuer)
	for _, ck := range b.c.Jar.Cookies(u) {
		if ck.Name != "gatehouse_tenant" { // the last tenant typed: a convenience, not a secret
			secrets = append(secrets, ck.Value)
		}
	}
	res := h.tokenRequest(t, "machine", machineSecret, url.Values{"grant_type": {"client_credentials"}})
	res.want(t, http.StatusOK, "")
	if at, _ := res.body["access_token"].(string); at != "" {
		secrets = append(secrets, at)
	}

	out := logs.String()
	for _, s := range secrets {
		if len(s) >= 6 && (strings.Contains(out, s) || strings.Contains(out, url.QueryEscape(s))) {
			t.Errorf("the log holds a secret: %.12s…", s)
		}
	}
	// The pages' lines of a request name it.
	var withID, pageLines int
	for line := range strings.SplitSeq(strings.TrimSpace(out), "\n") {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("not a JSON line: %.200s", line)
		}
		msg, _ := rec["msg"].(string)
		if msg == "login succeeded" || msg == "login failed" {
			pageLines++
			if id, _ := rec["request_id"].(string); id != "" {
				withID++
			}
		}
	}
	if pageLines < 2 || withID != pageLines {
		t.Errorf("%d of %d login lines carry a request_id", withID, pageLines)
	}
}
