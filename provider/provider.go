package provider

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/zitadel/oidc/v3/pkg/op"
	"golang.org/x/text/language"

	"github.com/gatehouse-id/gatehouse/audit"
	"github.com/gatehouse-id/gatehouse/claims"
	"github.com/gatehouse-id/gatehouse/clientkeys"
	"github.com/gatehouse-id/gatehouse/directory"
	"github.com/gatehouse-id/gatehouse/ephemeral"
	"github.com/gatehouse-id/gatehouse/grants"
	"github.com/gatehouse-id/gatehouse/keys"
	"github.com/gatehouse-id/gatehouse/logout"
	"github.com/gatehouse-id/gatehouse/session"
)

// Deps are the parts the provider works with.
type Deps struct {
	Directory *directory.Directory
	Grants    grants.Store
	Keys      *keys.Manager
	Ephemeral ephemeral.Store
	Sessions  *session.Store
	Cookies   session.Cookies
	// Health reports whether the stores answer (served at /ready).
	Health func(context.Context) error
	// Audit records support access (every token issued in a support
	// session or by token exchange, and every refusal) and a person's
	// answer to a device (device_login.go). Required.
	Audit func(context.Context, audit.Event) error
	// Issued, if not nil, is told of each token response the token
	// endpoint gives: the grant type (authorization_code, refresh_token,
	// client_credentials, token_exchange, device_code) and the client's
	// id. It is on the hot path of machine tokens, so it must be quick: a
	// counter.
	Issued func(grantType, clientID string)
	// ClientKeys fetches the key sets private_key_jwt clients publish at
	// their jwks_uri. If nil, New makes one with clientkeys' defaults,
	// fetching plain http only for an http issuer (development).
	ClientKeys *clientkeys.Fetcher
	// Logout, if not nil, is OpenID Connect Back-Channel Logout (package
	// logout): told which client got an ID token in which session, and
	// of the sessions RP-initiated logout ends. Discovery advertises
	// back-channel logout only with it.
	Logout Logout
}

// Logout is what the provider needs of back-channel logout
// (logout.Service).
type Logout interface {
	Record(ctx context.Context, p logout.Participation) error
	EndSessions(ctx context.Context, sessionIDs []string) error
}

// Provider is the assembled OpenID provider.
type Provider struct {
	cfg     Config
	handler http.Handler
	srv     *Server
	store   *storage
	op      *op.Provider
	cookies session.Cookies
	// docs are discovery and the JWKS, rendered once per key change.
	docs *prerendered
}

// New builds the provider.
func New(cfg Config, deps Deps) (*Provider, error) {
	cfg.setDefaults()
	cfg.Issuer = strings.TrimSuffix(cfg.Issuer, "/")
	if u, err := url.Parse(cfg.Issuer); err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return nil, fmt.Errorf("provider: issuer %q must be an absolute https URL", cfg.Issuer)
	}
	if deps.Health == nil {
		deps.Health = func(context.Context) error { return nil }
	}
	if deps.Audit == nil {
		return nil, errors.New("provider: Deps.Audit is required")
	}
	if deps.Issued == nil {
		deps.Issued = func(string, string) {}
	}
	codeCrypto := op.NewAES256GCMCrypto(cfg.CodeKey, "code-1")
	st := &storage{
		codes: codeCrypto,
		cfg:   &cfg, dir: deps.Directory, grants: deps.Grants, keys: deps.Keys, kv: deps.Ephemeral,
		sessions: deps.Sessions, health: deps.Health, log: cfg.Logger, audit: deps.Audit, issued: deps.Issued,
		logout:   deps.Logout,
		requests: &authRequests{kv: deps.Ephemeral, lifetime: cfg.AuthRequestLifetime, now: cfg.Now},
		devices:  &devices{kv: deps.Ephemeral, now: cfg.Now},
	}
	opCfg := &op.Config{
		CryptoKey:                cfg.CodeKey,
		DefaultLogoutRedirectURI: cfg.Issuer + cfg.LoggedOutPath,
		CodeMethodS256:           true,
		AuthMethodPost:           true,
		GrantTypeRefreshToken:    true,
		// The login pages' languages (templates.Languages).
		SupportedUILocales: []language.Tag{language.English, language.Dutch, language.German},
	}
	opts := []op.Option{
		// Codes are AES-256-GCM only; the library's default would also
		// accept its old unauthenticated AES-CFB format.
		op.WithCrypto(codeCrypto),
		op.WithIDTokenHintVerifierOpts(op.WithSupportedIDTokenHintSigningAlgorithms(verifierAlgorithms...)),
		op.WithAccessTokenVerifierOpts(op.WithSupportedAccessTokenSigningAlgorithms(verifierAlgorithms...)),
	}
	if cfg.AllowInsecureIssuer {
		opts = append(opts, op.WithAllowInsecure())
	}
	opProvider, err := op.NewProvider(opCfg, st, op.StaticIssuer(cfg.Issuer), opts...)
	if err != nil {
		return nil, fmt.Errorf("provider: %w", err)
	}
	if deps.ClientKeys == nil {
		deps.ClientKeys = clientkeys.NewFetcher(clientkeys.FetcherConfig{
			InsecureAllowHTTP: strings.HasPrefix(cfg.Issuer, "http://"), Logger: cfg.Logger, Now: cfg.Now})
	}
	srv := &Server{
		LegacyServer: op.NewLegacyServer(opProvider, *op.DefaultEndpoints),
		store:        st,
		assertions: &assertionVerifier{issuer: cfg.Issuer, client: deps.Directory.Store().ClientByID, kv: deps.Ephemeral,
			fetch: deps.ClientKeys, now: cfg.Now},
	}
	p := &Provider{cfg: cfg, store: st, cookies: deps.Cookies, srv: srv, op: opProvider,
		docs: newPrerendered(func() []string {
			var ids []string
			for _, k := range deps.Keys.PublicKeys() {
				ids = append(ids, k.KeyID)
			}
			return ids
		})}
	// The middleware wraps the library's router rather than being one of
	// its middlewares: the same order, but a machine's token
	// (directClientCredentials) is answered before the router sets up its
	// routing context.
	p.handler = p.middleware(op.RegisterLegacyServer(srv, p.callback(opProvider),
		op.WithServerCORSOptions(nil), // the middleware does CORS, narrowly
	))
	return p, nil
}

// ServeHTTP serves the OpenID Connect endpoints.
func (p *Provider) ServeHTTP(w http.ResponseWriter, r *http.Request) { p.handler.ServeHTTP(w, r) }

// Paths lists the paths the provider serves, for mounting it on a mux.
func Paths() []string {
	return []string{
		"/.well-known/openid-configuration", pathAuthorize, pathAuthorize + "/callback", pathToken,
		pathIntrospect, pathUserinfo, pathRevoke, pathEndSession, pathKeys, "/healthz", "/ready", pathDeviceAuthorization,
	}
}

// CallbackURL is where the login pages send the browser once a request is
// completed.
func (p *Provider) CallbackURL(_ context.Context, id string) string {
	return p.cfg.Issuer + pathAuthorize + "/callback?id=" + url.QueryEscape(id)
}

// LoginRequest is what the login pages need to know about a pending
// authorization request.
type LoginRequest struct {
	ID         string
	ClientID   string
	ClientName string
	LoginHint  string
	Done       bool
	// MFARequested: the portal asked for multi-factor authentication.
	MFARequested bool
	// UILocales is the request's ui_locales, best first.
	UILocales []string
	// AwaitingConsent: the request waits for the consent page (consent.go).
	AwaitingConsent bool
}

// ErrInvalidToken is VerifyAccessToken's answer to a token that is not a
// live Gatehouse access token.
var ErrInvalidToken = errInvalidToken

// VerifyAccessToken checks that raw is a live access token Gatehouse issued
// (signature, issuer, expiry, revocation), for Gatehouse's own resource
// servers: the administration API. It returns ErrInvalidToken for any
// other token, and another error only when it could not tell.
func (p *Provider) VerifyAccessToken(ctx context.Context, raw string) (*claims.AccessToken, error) {
	return p.srv.verifyAccessToken(ctx, raw)
}

// AdminAudience is the audience of access tokens for the administration
// API: a token carries it when the client was granted the
// claims.ScopeAdmin scope.
func (p *Provider) AdminAudience() string { return adminAudience(p.cfg.Issuer) }

func adminAudience(issuer string) string { return issuer + "/api/v1" }

// ErrRequestNotFound: unknown or expired authorization request.
var ErrRequestNotFound = errRequestNotFound

// LoginRequest returns the pending request id for the login pages.
func (p *Provider) LoginRequest(ctx context.Context, id string) (LoginRequest, error) {
	a, err := p.store.requests.get(ctx, id)
	if err != nil {
		return LoginRequest{}, err
	}
	name := a.ClientID
	if c, err := p.store.dir.Store().ClientByID(ctx, a.ClientID); err == nil {
		name = c.Name
	}
	return LoginRequest{ID: a.ID, ClientID: a.ClientID, ClientName: name, LoginHint: a.LoginHint, Done: a.Completed,
		MFARequested: a.MFARequested, UILocales: slices.Clone(a.UILocales),
		AwaitingConsent: a.ConsentSessionID != "" && !a.Completed && !a.Denied}, nil
}

// CompleteLogin marks request id as completed by the person in sess; or,
// for a third-party client the person has yet to allow, binds it to sess
// and answers ErrConsentRequired (consent.go).
func (p *Provider) CompleteLogin(ctx context.Context, id string, sess session.Session) error {
	a, err := p.store.requests.get(ctx, id)
	if err != nil {
		return err
	}
	if a.HintSubject != "" && a.HintSubject != sess.UserID {
		// The portal asked for a specific person (id_token_hint) and
		// someone else logged in: OIDC Core §3.1.2.1 says to return an
		// error rather than tokens for the wrong person.
		return errors.New("the person who signed in is not the one the application asked for")
	}
	_, needed, err := p.store.consentFor(ctx, a, sess.UserID)
	if err != nil {
		return err
	}
	if needed {
		a.awaitConsent(sess)
		if err := p.store.requests.save(ctx, a); err != nil {
			return err
		}
		return ErrConsentRequired
	}
	a.complete(sess)
	return p.store.requests.save(ctx, a)
}
