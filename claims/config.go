package claims

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

// Defaults and bounds of Config. The leeway is small because Gatehouse
// access tokens live minutes: it absorbs clock skew between hosts, not
// tokens that are merely a little old.
const (
	DefaultLeeway             = 30 * time.Second
	MaxLeeway                 = 5 * time.Minute
	DefaultRefreshMinInterval = 10 * time.Second
)

// defaultAlgorithms are the algorithms a Verifier accepts unless configured
// otherwise: those Gatehouse can sign with (package keys).
var defaultAlgorithms = []string{"RS256", "ES256", "EdDSA"}

// asymmetric lists every algorithm a Config may allow: signatures by a
// private key that a public JWKS key verifies. none and HMAC are absent on
// purpose: with a public key set, an HS256 "signature" keyed with the public
// key's bytes is forgeable by anyone (the algorithm confusion attack).
var asymmetric = []jose.SignatureAlgorithm{
	jose.RS256, jose.RS384, jose.RS512,
	jose.PS256, jose.PS384, jose.PS512,
	jose.ES256, jose.ES384, jose.ES512,
	jose.EdDSA,
}

// Config configures a Verifier. Issuer and at least one of Audiences or
// AcceptAudience are required; everything else has a default that suits
// Gatehouse.
type Config struct {
	// Issuer is the issuer URL exactly as Gatehouse writes it in iss (no
	// trailing slash unless the issuer has one).
	Issuer string
	// Audiences are the aud values this relying party accepts; a token is
	// accepted when its aud holds any of them. Gatehouse sets aud to the
	// client id the token was issued to, so a resource server lists the
	// clients whose tokens it serves.
	Audiences []string
	// AcceptAudience, when set, is asked about each aud value not in
	// Audiences, for a resource server that decides at run time.
	AcceptAudience func(aud string) bool
	// Algorithms is the JOSE alg allow-list; default RS256, ES256 and
	// EdDSA, the algorithms Gatehouse signs with.
	// none and the HMAC algorithms (HS256, HS384, HS512) are refused.
	Algorithms []string
	// Leeway is the clock skew tolerated on exp, nbf and iat; zero means
	// DefaultLeeway (there is no "none": clocks are never exactly equal),
	// at most MaxLeeway.
	Leeway time.Duration
	// JWKSURL is where the signing keys are published. Empty means: read
	// jwks_uri from the issuer's discovery document
	// (<Issuer>/.well-known/openid-configuration) at the first fetch.
	JWKSURL string
	// HTTPClient fetches discovery and the JWKS; default
	// http.DefaultClient. Each fetch is also bounded by a 15 s timeout.
	HTTPClient *http.Client
	// RefreshMinInterval is the least time between two fetches of the key
	// set, so that tokens with made-up kids cannot make the verifier hammer
	// the issuer; default DefaultRefreshMinInterval.
	RefreshMinInterval time.Duration
	// Now is the clock; default time.Now.
	Now func() time.Time
	// Logger receives key-set fetch failures (Warn) and the reasons the
	// middleware turns requests away (Debug); default: discard. Tokens are
	// never logged.
	Logger *slog.Logger
}

// settings is a validated Config with defaults filled in.
type settings struct {
	Config
	algs []jose.SignatureAlgorithm
}

func (c Config) validate() (settings, error) {
	s := settings{Config: c}
	u, err := url.Parse(c.Issuer)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return s, fmt.Errorf("claims: issuer %q must be an absolute http(s) URL without query or fragment", c.Issuer)
	}
	if len(c.Audiences) == 0 && c.AcceptAudience == nil {
		return s, errors.New("claims: set Audiences or AcceptAudience: the audience is always checked")
	}
	if slices.Contains(c.Audiences, "") {
		return s, errors.New("claims: an empty audience would accept tokens meant for anyone")
	}
	names := c.Algorithms
	if len(names) == 0 {
		names = defaultAlgorithms
	}
	for _, n := range names {
		a := jose.SignatureAlgorithm(n)
		switch {
		case strings.EqualFold(n, "none") || strings.HasPrefix(strings.ToUpper(n), "HS"):
			return s, fmt.Errorf("claims: algorithm %q refused: a public key set must never verify unsigned or HMAC tokens", n)
		case !slices.Contains(asymmetric, a):
			return s, fmt.Errorf("claims: algorithm %q unknown; allowed are RS*, PS*, ES* and EdDSA", n)
		}
		if !slices.Contains(s.algs, a) {
			s.algs = append(s.algs, a)
		}
	}
	switch {
	case c.Leeway < 0 || c.Leeway > MaxLeeway:
		return s, fmt.Errorf("claims: leeway %v must lie between 0 and %v", c.Leeway, MaxLeeway)
	case c.Leeway == 0:
		s.Leeway = DefaultLeeway
	}
	if c.JWKSURL != "" {
		if u, err := url.Parse(c.JWKSURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return s, fmt.Errorf("claims: JWKS URL %q must be an absolute http(s) URL", c.JWKSURL)
		}
	}
	if s.HTTPClient == nil {
		s.HTTPClient = http.DefaultClient
	}
	switch {
	case c.RefreshMinInterval < 0:
		return s, fmt.Errorf("claims: negative refresh interval %v", c.RefreshMinInterval)
	case c.RefreshMinInterval == 0:
		s.RefreshMinInterval = DefaultRefreshMinInterval
	}
	if s.Now == nil {
		s.Now = time.Now
	}
	if s.Logger == nil {
		s.Logger = slog.New(slog.DiscardHandler)
	}
	return s, nil
}
