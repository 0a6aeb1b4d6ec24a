package claims

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// discoverJWKS reads jwks_uri from the issuer's discovery document. OpenID
// Connect Discovery §4.3: "The issuer value returned MUST be identical to the
// Issuer URL that was used as the prefix to /.well-known/openid-configuration
// to retrieve the configuration information." A document that names another
// issuer is refused, so that a misrouted request cannot hand the verifier
// someone else's keys.
func discoverJWKS(ctx context.Context, client *http.Client, issuer string) (string, error) {
	// §4: "any terminating / MUST be removed before appending
	// /.well-known/openid-configuration".
	where := strings.TrimSuffix(issuer, "/") + "/.well-known/openid-configuration"
	resp, err := get(ctx, client, where)
	if err != nil {
		return "", err
	}
	var doc struct {
		Issuer  string `json:"issuer"`
		JWKSURI string `json:"jwks_uri"`
	}
	if err := json.Unmarshal(resp.body, &doc); err != nil {
		return "", fmt.Errorf("read discovery %s: %w", where, err)
	}
	if doc.Issuer != issuer {
		return "", fmt.Errorf("discovery %s names issuer %q, want %q", where, doc.Issuer, issuer)
	}
	u, err := url.Parse(doc.JWKSURI)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return "", fmt.Errorf("discovery %s: jwks_uri %q is not an absolute http(s) URL", where, doc.JWKSURI)
	}
	return doc.JWKSURI, nil
}

// response is a fetched body, capped at maxResponseBytes.
type response struct {
	header http.Header
	body   []byte
}

// get fetches u and returns its body if the answer is 200 OK.
func get(ctx context.Context, client *http.Client, u string) (response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return response{}, err
	}
	req.Header.Set("Accept", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return response{}, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return response{}, fmt.Errorf("GET %s: %s", u, resp.Status)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes+1))
	if err != nil {
		return response{}, fmt.Errorf("GET %s: %w", u, err)
	}
	if len(body) > maxResponseBytes {
		return response{}, fmt.Errorf("GET %s: response larger than %d bytes", u, maxResponseBytes)
	}
	return response{header: resp.Header, body: body}, nil
}
