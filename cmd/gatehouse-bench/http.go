package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// maxBody bounds what the benchmark reads of any answer.
const maxBody = 1 << 20

// do sends req and returns the body of a 200, or an error naming the status
// (and the OAuth error, if the answer is one).
func do(c *http.Client, req *http.Request) ([]byte, error) {
	resp, err := c.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		var oauth struct {
			Error string `json:"error"`
		}
		_ = json.Unmarshal(body, &oauth)
		return nil, fmt.Errorf("%s %s: HTTP %d %s", req.Method, req.URL.Path, resp.StatusCode, oauth.Error)
	}
	return body, nil
}

// get fetches u and returns the body of a 200.
func get(ctx context.Context, c *http.Client, u string, header http.Header) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	for k, v := range header {
		req.Header[k] = v
	}
	return do(c, req)
}

// postForm posts form to u, with HTTP Basic credentials when id is set.
func postForm(ctx context.Context, c *http.Client, u string, form url.Values, id, secret string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, strings.NewReader(form.Encode()))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if id != "" {
		req.SetBasicAuth(url.QueryEscape(id), url.QueryEscape(secret))
	}
	return do(c, req)
}

// tokens is the part of a token response the scenarios use.
type tokens struct {
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token"`
	IDToken      string `json:"id_token"`
}

// tokenRequest posts a token request and decodes the answer, refusing one
// without an access token.
func tokenRequest(ctx context.Context, c *http.Client, u string, form url.Values, id, secret string) (tokens, error) {
	body, err := postForm(ctx, c, u, form, id, secret)
	if err != nil {
		return tokens{}, err
	}
	var t tokens
	if err := json.Unmarshal(body, &t); err != nil || t.AccessToken == "" {
		return tokens{}, fmt.Errorf("token response without an access token")
	}
	return t, nil
}
