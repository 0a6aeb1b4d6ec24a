package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/gatehouse-id/gatehouse/internal/loadgen"
)

// discovery is the part of the provider's metadata the scenarios use. The
// benchmark follows the endpoints the server advertises, as a relying party
// would, and refuses any that is not on the target.
type discovery struct {
	Issuer                string `json:"issuer"`
	AuthorizationEndpoint string `json:"authorization_endpoint"`
	TokenEndpoint         string `json:"token_endpoint"`
	UserinfoEndpoint      string `json:"userinfo_endpoint"`
	IntrospectionEndpoint string `json:"introspection_endpoint"`
	JWKSURI               string `json:"jwks_uri"`
}

func readDiscovery(ctx context.Context, t *target, c *http.Client) (*discovery, error) {
	body, err := get(ctx, c, t.url("/.well-known/openid-configuration"), nil)
	if err != nil {
		return nil, err
	}
	var d discovery
	if err := json.Unmarshal(body, &d); err != nil {
		return nil, fmt.Errorf("discovery: %w", err)
	}
	for _, e := range []string{d.AuthorizationEndpoint, d.TokenEndpoint, d.UserinfoEndpoint, d.IntrospectionEndpoint, d.JWKSURI} {
		if !strings.HasPrefix(e, t.base.String()+"/") {
			return nil, fmt.Errorf("discovery names %q, which is not on -target %s (is -target the issuer?)", e, t.base)
		}
	}
	return &d, nil
}

// credentials are the machine client's.
type credentials struct{ id, secret, scope string }

// setup is what every scenario may use.
type setup struct {
	target  *target
	disc    *discovery
	machine credentials
	person  person
}

// scenario prepares, for conc workers sharing client c, the operation a
// worker repeats. Preparation (a login to get a refresh token, say) is not
// measured.
type scenario struct {
	name    string
	about   string
	prepare func(ctx context.Context, s *setup, c *http.Client, tr *http.Transport, conc int) (loadgen.Op, error)
}

var scenarios = []scenario{
	{"client_credentials", "token endpoint, client_credentials grant, HTTP Basic client secret", prepareClientCredentials},
	{"discovery", "GET /.well-known/openid-configuration", prepareGet(func(d *discovery) string { return "" })},
	{"jwks", "GET the jwks_uri", prepareGet(func(d *discovery) string { return d.JWKSURI })},
	{"introspection", "introspect one client_credentials access token, authenticated as the machine client", prepareIntrospection},
	{"userinfo", "GET userinfo with a person's access token", prepareUserinfo},
	{"refresh", "refresh_token grant; each worker rotates its own token chain", prepareRefresh},
	{"code_flow", "a whole login: authorize, login page, password, callback, code exchange with PKCE", prepareCodeFlow},
}

func scenarioNamed(name string) (scenario, bool) {
	i := slices.IndexFunc(scenarios, func(s scenario) bool { return s.name == name })
	if i < 0 {
		return scenario{}, false
	}
	return scenarios[i], true
}

func prepareClientCredentials(_ context.Context, s *setup, c *http.Client, _ *http.Transport, _ int) (loadgen.Op, error) {
	form := url.Values{"grant_type": {"client_credentials"}}
	if s.machine.scope != "" {
		form.Set("scope", s.machine.scope)
	}
	return func(ctx context.Context, _ int) error {
		_, err := tokenRequest(ctx, c, s.disc.TokenEndpoint, form, s.machine.id, s.machine.secret)
		return err
	}, nil
}

func prepareGet(endpoint func(*discovery) string) func(context.Context, *setup, *http.Client, *http.Transport, int) (loadgen.Op, error) {
	return func(_ context.Context, s *setup, c *http.Client, _ *http.Transport, _ int) (loadgen.Op, error) {
		u := endpoint(s.disc)
		if u == "" {
			u = s.target.url("/.well-known/openid-configuration")
		}
		return func(ctx context.Context, _ int) error {
			_, err := get(ctx, c, u, nil)
			return err
		}, nil
	}
}

func prepareIntrospection(ctx context.Context, s *setup, c *http.Client, _ *http.Transport, _ int) (loadgen.Op, error) {
	form := url.Values{"grant_type": {"client_credentials"}}
	if s.machine.scope != "" {
		form.Set("scope", s.machine.scope)
	}
	tok, err := tokenRequest(ctx, c, s.disc.TokenEndpoint, form, s.machine.id, s.machine.secret)
	if err != nil {
		return nil, err
	}
	body := url.Values{"token": {tok.AccessToken}}
	return func(ctx context.Context, _ int) error {
		out, err := postForm(ctx, c, s.disc.IntrospectionEndpoint, body, s.machine.id, s.machine.secret)
		if err != nil {
			return err
		}
		if !strings.Contains(string(out), `"active":true`) {
			return fmt.Errorf("the token introspected as inactive")
		}
		return nil
	}, nil
}

// perWorkerLogins signs the person in once per worker, each in a browser of
// its own: one token set per worker.
func perWorkerLogins(ctx context.Context, s *setup, c *http.Client, tr *http.Transport, conc int) ([]tokens, error) {
	out := make([]tokens, conc)
	for w := range conc {
		t, err := codeFlow(ctx, s.target, s.disc, s.target.browser(tr), c, s.person)
		if err != nil {
			return nil, fmt.Errorf("sign in %s/%s at %s: %w", s.person.tenant, s.person.username, s.person.portalID, err)
		}
		out[w] = t
	}
	return out, nil
}

func prepareUserinfo(ctx context.Context, s *setup, c *http.Client, tr *http.Transport, conc int) (loadgen.Op, error) {
	toks, err := perWorkerLogins(ctx, s, c, tr, conc)
	if err != nil {
		return nil, err
	}
	return func(ctx context.Context, w int) error {
		_, err := get(ctx, c, s.disc.UserinfoEndpoint, http.Header{"Authorization": {"Bearer " + toks[w].AccessToken}})
		return err
	}, nil
}

func prepareRefresh(ctx context.Context, s *setup, c *http.Client, tr *http.Transport, conc int) (loadgen.Op, error) {
	if !strings.Contains(" "+s.person.scope+" ", " offline_access ") {
		return nil, fmt.Errorf("the refresh scenario needs offline_access in -scope")
	}
	toks, err := perWorkerLogins(ctx, s, c, tr, conc)
	if err != nil {
		return nil, err
	}
	for _, t := range toks {
		if t.RefreshToken == "" {
			return nil, fmt.Errorf("the portal got no refresh token: may %s use refresh_token and offline_access?", s.person.portalID)
		}
	}
	return func(ctx context.Context, w int) error {
		t, err := tokenRequest(ctx, c, s.disc.TokenEndpoint, url.Values{"grant_type": {"refresh_token"},
			"refresh_token": {toks[w].RefreshToken}}, s.person.portalID, s.person.portalSecret)
		if err != nil {
			return err
		}
		if t.RefreshToken != "" {
			toks[w] = t
		}
		return nil
	}, nil
}

func prepareCodeFlow(_ context.Context, s *setup, c *http.Client, tr *http.Transport, _ int) (loadgen.Op, error) {
	return func(ctx context.Context, _ int) error {
		_, err := codeFlow(ctx, s.target, s.disc, s.target.browser(tr), c, s.person)
		return err
	}, nil
}
