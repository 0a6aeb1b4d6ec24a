package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"time"
)

// target is the one server the benchmark may talk to. Every HTTP client it
// hands out dials only that host and port, and follows no redirect to
// anywhere else, so a misconfigured redirect URI cannot send load to a
// real portal.
type target struct {
	base *url.URL
	addr string // host:port dialled
}

func newTarget(raw string) (*target, error) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("-target must be an absolute http(s) URL, got %q", raw)
	}
	if u.Path == "/" {
		u.Path = ""
	}
	port := u.Port()
	if port == "" {
		port = map[string]string{"http": "80", "https": "443"}[u.Scheme]
	}
	return &target{base: u, addr: net.JoinHostPort(u.Hostname(), port)}, nil
}

// url is the target's URL for path.
func (t *target) url(path string) string { return t.base.String() + path }

// errOffTarget refuses a dial or redirect to anything but the target.
var errOffTarget = errors.New("refusing to contact anything but -target")

// transport is shared by the workers of one scenario: one connection per
// worker, kept alive, as wrk and real clients do.
func (t *target) transport(conns int) *http.Transport {
	d := &net.Dialer{Timeout: 5 * time.Second}
	return &http.Transport{
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			if addr != t.addr {
				return nil, errOffTarget
			}
			return d.DialContext(ctx, network, addr)
		},
		MaxIdleConns:        conns,
		MaxIdleConnsPerHost: conns,
		MaxConnsPerHost:     conns,
		IdleConnTimeout:     time.Minute,
		ForceAttemptHTTP2:   false,
	}
}

// client is an HTTP client on tr that never follows a redirect: the
// scenarios follow the ones they expect themselves.
func (t *target) client(tr *http.Transport) *http.Client {
	return &http.Client{Transport: tr, Timeout: 10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// browser is a client with its own cookie jar: one person's browser.
func (t *target) browser(tr *http.Transport) *http.Client {
	c := t.client(tr)
	c.Jar, _ = cookiejar.New(nil)
	return c
}
