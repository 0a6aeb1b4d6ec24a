package provider

import (
	"crypto/sha256"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// TestVerifiedTokensStillChecked: a token introspected once is remembered,
// but what can change is still checked on every use: a revoked token is
// inactive at once, an expired one too, and a token whose signature was
// altered is never taken for the remembered one.
func TestVerifiedTokensStillChecked(t *testing.T) {
	e := newEnv(t)
	withMachineClients(t, e)
	status, body := e.post(pathToken, "meter", machineSecret, url.Values{"grant_type": {"client_credentials"}})
	if status != http.StatusOK {
		t.Fatalf("token: %d %v", status, body)
	}
	tok := body["access_token"].(string)
	active := func(token string) bool {
		t.Helper()
		status, body := e.post(pathIntrospect, "meter", machineSecret, url.Values{"token": {token}})
		if status != http.StatusOK {
			t.Fatalf("introspect: %d %v", status, body)
		}
		return body["active"] == true
	}
	for range 2 {
		if !active(tok) {
			t.Fatal("a fresh token is inactive")
		}
	}
	if _, ok := e.p.srv.verified.get(sha256.Sum256([]byte(tok))); !ok {
		t.Fatal("a verified token was not remembered")
	}
	sig := tok[strings.LastIndexByte(tok, '.')+1:]
	flipped := tok[:len(tok)-len(sig)] + string(sig[0]^1) + sig[1:]
	if active(flipped) {
		t.Error("a token with an altered signature is active")
	}

	e.clock.Advance(24 * time.Hour)
	if active(tok) {
		t.Error("an expired token is active")
	}
}

// TestVerifiedTokensRevoked: revocation ends a remembered token at once.
func TestVerifiedTokensRevoked(t *testing.T) {
	e := newEnv(t)
	withMachineClients(t, e)
	_, body := e.post(pathToken, "meter", machineSecret, url.Values{"grant_type": {"client_credentials"}})
	tok := body["access_token"].(string)
	if _, body := e.post(pathIntrospect, "meter", machineSecret, url.Values{"token": {tok}}); body["active"] != true {
		t.Fatalf("fresh token: %v", body)
	}
	req, err := http.NewRequest(http.MethodPost, e.srv.URL+pathRevoke, strings.NewReader(url.Values{"token": {tok}}.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth("meter", machineSecret)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("revoke: %d", resp.StatusCode)
	}
	if _, body := e.post(pathIntrospect, "meter", machineSecret, url.Values{"token": {tok}}); body["active"] != false {
		t.Errorf("revoked token: %v", body)
	}
}

// TestVerifiedTokensBounded: the memory is bounded; a flood of distinct
// tokens starts it again rather than growing it.
func TestVerifiedTokensBounded(t *testing.T) {
	var v verifiedTokens
	for i := range maxVerifiedTokens + 10 {
		v.put(sha256.Sum256([]byte{byte(i), byte(i >> 8)}), verifiedToken{kid: "k"})
	}
	if n := len(v.m); n > maxVerifiedTokens {
		t.Errorf("%d tokens remembered, at most %d", n, maxVerifiedTokens)
	}
}

// TestVerifiedTokensKeyDeleted: a token remembered as verified stops being
// active as soon as the key that signed it is deleted (a compromised key),
// without waiting for it to expire.
func TestVerifiedTokensKeyDeleted(t *testing.T) {
	e := newEnv(t)
	withMachineClients(t, e)
	km := e.p.srv.store.keys
	first, ok := km.Active()
	if !ok {
		t.Fatal("no signing key")
	}
	if _, err := km.RotateNow(t.Context()); err != nil {
		t.Fatal(err)
	}
	// Mint with the first key until its successor signs: the last token
	// it signed is a minute old at most, far from expiring.
	var tok string
	for range 48 * 60 {
		if k, _ := km.Active(); k.ID != first.ID {
			break
		}
		_, body := e.post(pathToken, "meter", machineSecret, url.Values{"grant_type": {"client_credentials"}})
		tok = body["access_token"].(string)
		e.clock.Advance(time.Minute)
	}
	if k, _ := km.Active(); k.ID == first.ID || tok == "" {
		t.Fatal("the next key never signed")
	}
	introspect := func() any {
		_, body := e.post(pathIntrospect, "meter", machineSecret, url.Values{"token": {tok}})
		return body["active"]
	}
	if introspect() != true {
		t.Fatal("a token of the retired key, still published, is inactive")
	}
	if _, err := km.Delete(t.Context(), first.ID); err != nil {
		t.Fatal(err)
	}
	if introspect() != false {
		t.Error("a token of a deleted key is still active")
	}
}
