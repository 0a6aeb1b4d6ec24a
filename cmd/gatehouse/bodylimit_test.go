package main

import (
	"bytes"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestBodyLimit: a body past maxBodyBytes is refused with a 4xx, declared
// or streamed, at the endpoints whose bodies the OIDC library reads; a
// normal request still works.
func TestBodyLimit(t *testing.T) {
	h := newHarness(t)
	huge := "grant_type=client_credentials&pad=" + strings.Repeat("a", maxBodyBytes)
	send := func(body io.Reader, length int64) int {
		req, _ := http.NewRequest(http.MethodPost, h.issuer+"/oauth/token", body)
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.SetBasicAuth("machine", machineSecret)
		req.ContentLength = length
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if got := send(strings.NewReader(huge), int64(len(huge))); got != http.StatusRequestEntityTooLarge {
		t.Errorf("a declared body of %d bytes: %d, want 413", len(huge), got)
	}
	// Streamed without a length (chunked): refused while read.
	if got := send(io.MultiReader(bytes.NewReader([]byte(huge))), -1); got < 400 || got >= 500 {
		t.Errorf("a streamed body of %d bytes: %d, want a 4xx", len(huge), got)
	}
	if got := send(strings.NewReader(url.Values{"grant_type": {"client_credentials"}}.Encode()), -1); got != http.StatusOK {
		t.Errorf("a normal token request: %d", got)
	}
}

// TestClientOf: the client a request names, by query, Basic
// authentication or an OAuth form; a page's form is not read here.
func TestClientOf(t *testing.T) {
	form := func(path, body string) *http.Request {
		r, _ := http.NewRequest(http.MethodPost, "http://x"+path, strings.NewReader(body))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		return r
	}
	basic, _ := http.NewRequest(http.MethodPost, "http://x/oauth/token", nil)
	basic.SetBasicAuth(url.QueryEscape("portal a"), "secret")
	query, _ := http.NewRequest(http.MethodGet, "http://x/authorize?client_id=portal-b", nil)
	for _, tc := range []struct {
		r    *http.Request
		want string
	}{
		{query, "portal-b"},
		{basic, "portal a"},
		{form("/oauth/token", "grant_type=client_credentials&client_id=machine"), "machine"},
		{form("/login", "client_id=not-read&password=x"), ""},
	} {
		if got := clientOf(tc.r); got != tc.want {
			t.Errorf("%s %s: %q, want %q", tc.r.Method, tc.r.URL, got, tc.want)
		}
	}
	for id, ok := range map[string]bool{"portal-a": true, "": false, "a\nb": false, strings.Repeat("x", 129): false} {
		if loggable(id) != ok {
			t.Errorf("loggable(%q) = %v", id, !ok)
		}
	}
}
