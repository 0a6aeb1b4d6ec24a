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
