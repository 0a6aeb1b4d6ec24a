package main

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
)

// person is who signs in during the code-flow scenarios, at which portal.
type person struct {
	portalID, portalSecret, redirectURI string
	tenant, username, password          string
	scope                               string
}

var (
	csrfRE      = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)
	authReqIDRE = regexp.MustCompile(`name="authRequestID" value="([^"]+)"`)
	formRE      = regexp.MustCompile(`<form[^>]*method="post"[^>]*action="([^"]*)"`)
)

// codeFlow is one whole browser login with PKCE S256, as a portal and its
// user's browser run it: authorize, the login page, the password, the
// callback, and the code redeemed at the token endpoint. The browser
// starts with no cookie, so single sign-on never shortcuts it.
func codeFlow(ctx context.Context, t *target, d *discovery, browser, portal *http.Client, p person) (tokens, error) {
	verifier := random()
	sum := sha256.Sum256([]byte(verifier))
	state := random()
	q := url.Values{
		"response_type": {"code"}, "client_id": {p.portalID}, "redirect_uri": {p.redirectURI},
		"scope": {p.scope}, "state": {state}, "nonce": {random()},
		"code_challenge": {base64.RawURLEncoding.EncodeToString(sum[:])}, "code_challenge_method": {"S256"},
	}
	loc, err := redirect(ctx, browser, d.AuthorizationEndpoint+"?"+q.Encode(), nil)
	if err != nil {
		return tokens{}, err
	}
	page, pageURL, err := fetchPage(ctx, browser, loc)
	if err != nil {
		return tokens{}, err
	}
	csrf, id, action := csrfRE.FindStringSubmatch(page), authReqIDRE.FindStringSubmatch(page), formRE.FindStringSubmatch(page)
	if csrf == nil || id == nil {
		return tokens{}, errors.New("the authorize redirect did not lead to a login page")
	}
	post := pageURL
	if action != nil && action[1] != "" {
		a, err := pageURL.Parse(html.UnescapeString(action[1]))
		if err != nil {
			return tokens{}, err
		}
		post = a
	}
	form := url.Values{"authRequestID": {html.UnescapeString(id[1])}, "csrf_token": {html.UnescapeString(csrf[1])},
		"tenant": {p.tenant}, "username": {p.username}, "password": {p.password}}
	loc, err = redirect(ctx, browser, post.String(), form)
	if err != nil {
		return tokens{}, fmt.Errorf("login: %w", err)
	}
	// The login sends the browser to the callback, which sends it to the
	// portal with the code.
	for range 3 {
		if strings.HasPrefix(loc.String(), p.redirectURI) {
			break
		}
		if loc, err = redirect(ctx, browser, loc.String(), nil); err != nil {
			return tokens{}, err
		}
	}
	back := loc.Query()
	if e := back.Get("error"); e != "" {
		return tokens{}, fmt.Errorf("the portal got error %s", e)
	}
	if back.Get("state") != state || back.Get("code") == "" {
		return tokens{}, errors.New("the portal got no code for its state")
	}
	return tokenRequest(ctx, portal, d.TokenEndpoint, url.Values{"grant_type": {"authorization_code"},
		"code": {back.Get("code")}, "redirect_uri": {p.redirectURI}, "code_verifier": {verifier}}, p.portalID, p.portalSecret)
}

// redirect requests u (a POST of form when form is set) and returns where the
// answer redirects to.
func redirect(ctx context.Context, c *http.Client, u string, form url.Values) (*url.URL, error) {
	method, body := http.MethodGet, io.Reader(nil)
	if form != nil {
		method, body = http.MethodPost, strings.NewReader(form.Encode())
	}
	req, err := http.NewRequestWithContext(ctx, method, u, body)
	if err != nil {
		return nil, err
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := c.Do(req)
	if err != nil {
		return nil, err
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxBody))
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound && resp.StatusCode != http.StatusSeeOther {
		return nil, fmt.Errorf("%s %s: HTTP %d, want a redirect", method, req.URL.Path, resp.StatusCode)
	}
	return req.URL.Parse(resp.Header.Get("Location"))
}

// fetchPage GETs u and returns the page and its URL.
func fetchPage(ctx context.Context, c *http.Client, u *url.URL) (string, *url.URL, error) {
	body, err := get(ctx, c, u.String(), nil)
	return string(body), u, err
}

// random is 256 bits, base64url: a state, nonce or PKCE verifier.
func random() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}
