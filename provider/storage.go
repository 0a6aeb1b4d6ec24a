package provider

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"

	"github.com/gatehouse-id/gatehouse/audit"
	"github.com/gatehouse-id/gatehouse/directory"
	"github.com/gatehouse-id/gatehouse/ephemeral"
	"github.com/gatehouse-id/gatehouse/grants"
	"github.com/gatehouse-id/gatehouse/keys"
	"github.com/gatehouse-id/gatehouse/session"
	backend "github.com/gatehouse-id/gatehouse/storage"
)

// errNotUsed marks op.Storage methods that only the library's own grant,
// userinfo, introspection and revocation handlers call. Server replaces all
// of those, so these methods are unreachable; they fail loudly rather than
// pretend.
var errNotUsed = errors.New("provider: this storage method is replaced by provider.Server")

// storage implements op.Storage for the parts of the library Gatehouse uses:
// authorize, the login callback, end_session, discovery and JWKS.
type storage struct {
	cfg      *Config
	dir      *directory.Directory
	grants   grants.Store
	keys     *keys.Manager
	kv       ephemeral.Store
	sessions *session.Store
	requests *authRequests
	// devices are the device authorization grants (device.go).
	devices *devices
	health  func(context.Context) error
	// audit records support access (support.go).
	audit func(context.Context, audit.Event) error
	// issued is told of each token response (Deps.Issued).
	issued func(grantType, clientID string)
	// logout is back-channel logout (Deps.Logout), or nil.
	logout Logout
	log    *slog.Logger
	// codes encrypts authorization codes (the library's op.Crypto, with
	// the code key); a replay is only marked for a code it decrypts, so
	// that made-up codes write nothing.
	codes op.Crypto
}

var (
	_ op.Storage                        = (*storage)(nil)
	_ op.CanTerminateSessionFromRequest = (*storage)(nil)
)

// CreateAuthRequest stores a validated authorization request. It enforces
// what the library leaves to storage: PKCE S256 for every client unless the
// client is a confidential legacy client registered with InsecureSkipPKCE,
// "plain" never; the response modes Gatehouse supports; and single sign-on:
// a browser with a live session whose user is still active gets the request
// completed here, unless prompt=login, max_age or a hint rules that out.
func (s *storage) CreateAuthRequest(ctx context.Context, req *oidc.AuthRequest, hintSubject string) (op.AuthRequest, error) {
	c, err := s.dir.Store().ClientByID(ctx, req.ClientID)
	if err != nil && !errors.Is(err, directory.ErrNotFound) {
		s.log.WarnContext(ctx, "load client for authorization request", "err", err)
		return nil, noteOutage(ctx, err, "the application could not be loaded")
	}
	if err != nil {
		return nil, oidc.ErrInvalidClient().WithDescription("unknown client")
	}
	switch {
	case req.CodeChallenge == "" && !c.InsecureSkipPKCE:
		return nil, oidc.ErrInvalidRequest().WithDescription("code_challenge is required (PKCE with S256)")
	case req.CodeChallenge != "" && req.CodeChallengeMethod != oidc.CodeChallengeMethodS256:
		return nil, oidc.ErrInvalidRequest().WithDescription("code_challenge_method must be S256")
	case req.CodeChallenge != "" && !validChallenge(req.CodeChallenge):
		return nil, oidc.ErrInvalidRequest().WithDescription("code_challenge must be the base64url SHA-256 of a code_verifier")
	}
	a := &authRequest{
		ID: newRequestID(), CreatedAt: s.cfg.Now().UTC(), ClientID: req.ClientID, RedirectURI: req.RedirectURI,
		State: req.State, Nonce: req.Nonce, Scopes: withDefaultScopes(req.Scopes, c.DefaultScopes), ResponseType: req.ResponseType,
		ResponseMode: req.ResponseMode, Prompt: req.Prompt, MaxAge: req.MaxAge,
		LoginHint: req.LoginHint, HintSubject: hintSubject, MFARequested: wantsMFA(req.ACRValues),
		UILocales: uiLocales(req.UILocales),
	}
	if req.CodeChallenge != "" {
		a.CodeChallenge = &oidc.CodeChallenge{Challenge: req.CodeChallenge, Method: oidc.CodeChallengeMethodS256}
	}
	if sess, ok := s.reusableSession(ctx, a); ok {
		// A third-party client the person has yet to allow waits for the
		// consent page, with this session (consent.go).
		_, needed, err := s.consentFor(ctx, a, sess.UserID)
		switch {
		case err != nil:
			s.log.WarnContext(ctx, "decide consent for authorization request", "err", err)
			return nil, noteOutage(ctx, err, "the application could not be loaded")
		case needed && slices.Contains(req.Prompt, oidc.PromptNone):
			// OIDC Core §3.1.2.6: consent needed, and no interaction
			// allowed. The library has no constructor for consent_required.
			e := oidc.ErrInteractionRequired().WithDescription("the application needs the person's consent")
			e.ErrorType = "consent_required"
			return nil, e
		case needed:
			a.awaitConsent(sess)
		default:
			a.complete(sess)
		}
	} else if slices.Contains(req.Prompt, oidc.PromptNone) {
		// OIDC Core §3.1.2.6: no interaction allowed and none possible.
		return nil, oidc.ErrLoginRequired()
	}
	if err := s.requests.save(ctx, a); err != nil {
		s.log.WarnContext(ctx, "save authorization request", "err", err)
		return nil, noteOutage(ctx, err, "the sign-in request could not be saved")
	}
	return a, nil
}

// ACR values (OIDC Core §2, acr_values): "pwd" is a password, "mfa" a
// password and TOTP. A request asking for "mfa" (or the equivalent PAPE
// policy URI) requires TOTP at the login.
const (
	ACRPassword = "pwd"
	ACRMFA      = "mfa"
	// acrPAPEMultiFactor is OpenID PAPE's multi-factor policy, which some
	// relying-party libraries send.
	acrPAPEMultiFactor = "http://schemas.openid.net/pape/policies/2007/06/multi-factor"
)

// maxUILocales bounds how many ui_locales an authorization request keeps:
// the login pages only look for the first that is one of theirs.
const maxUILocales = 8

// uiLocales keeps the first maxUILocales tags of ui_locales, which zitadel
// has parsed (dropping malformed ones), as strings for the login pages.
func uiLocales(tags oidc.Locales) []string {
	var out []string
	for _, t := range tags {
		if len(out) == maxUILocales {
			break
		}
		out = append(out, t.String())
	}
	return out
}

// wantsMFA reports whether acr_values ask for multi-factor authentication.
func wantsMFA(values []string) bool {
	return slices.Contains(values, ACRMFA) || slices.Contains(values, acrPAPEMultiFactor)
}

// withDefaultScopes adds the client's default scopes (always granted, asked
// for or not) to the requested ones, keeping the request's order.
func withDefaultScopes(scopes, defaults []string) []string {
	out := slices.Clone(scopes)
	for _, d := range defaults {
		if !slices.Contains(out, d) {
			out = append(out, d)
		}
	}
	return out
}

// validChallenge: an S256 challenge is the unpadded base64url of 32 bytes.
func validChallenge(c string) bool {
	if len(c) != 43 {
		return false
	}
	return strings.Trim(c, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") == ""
}

// reusableSession returns the browser's SSO session if request a may be
// completed with it without asking the person anything.
func (s *storage) reusableSession(ctx context.Context, a *authRequest) (session.Session, bool) {
	sess, err := s.sessions.Lookup(ctx, session.TokenFromContext(ctx))
	if err != nil {
		return session.Session{}, false
	}
	if slices.Contains(a.Prompt, oidc.PromptLogin) || slices.Contains(a.Prompt, oidc.PromptSelectAccount) {
		return session.Session{}, false
	}
	if a.MaxAge != nil && s.cfg.Now().Sub(sess.AuthTime) > time.Duration(*a.MaxAge)*time.Second {
		return session.Session{}, false
	}
	if a.HintSubject != "" && a.HintSubject != sess.UserID {
		return session.Session{}, false
	}
	// A portal that asks for multi-factor authentication gets it: a session
	// that used the password alone does not do (step-up).
	if a.MFARequested && !slices.Contains(sess.AMR, "mfa") {
		return session.Session{}, false
	}
	// The user must still be active, and still be allowed in the tenant
	// the session acts in (an external user's link may be gone).
	user, p, err := s.dir.PrincipalSince(ctx, sess.UserID, sess.TenantID, sess.AuthTime)
	if err != nil {
		return session.Session{}, false
	}
	// A new password asked for since the session began (an
	// administrator's "change at next login") is chosen at a login, which
	// single sign-on must not skip. For a support session it is the
	// support user's, whose password signed in (below).
	if sess.Support == nil && user.MustChangePassword {
		return session.Session{}, false
	}
	// TOTP may have become required since the session began (a tenant
	// policy, a role): a password-only session then does not do.
	if !slices.Contains(sess.AMR, "mfa") {
		// (A request that asked for MFA was refused above already.)
		dec, err := s.dir.DecideMFAOf(ctx, user, p, false)
		if err != nil || dec.Required {
			return session.Session{}, false
		}
	}
	if a.LoginHint != "" && !s.hintMatches(ctx, a.LoginHint, user) {
		return session.Session{}, false
	}
	// A support session is reused only while support may still act; the
	// token endpoint decides again, and audits, when the code is redeemed.
	if sess.Support != nil {
		sup, err := s.dir.RecheckSupport(ctx, sess.Support.ActorID, sess.UserID, s.cfg.Now())
		if err != nil || sup.Actor.MustChangePassword || sup.Actor.Revoked(sess.AuthTime) {
			return session.Session{}, false
		}
		// The support user's own TOTP requirement, as the supported
		// user's was checked above.
		if !slices.Contains(sess.AMR, "mfa") {
			if dec, err := s.dir.DecideMFAFor(ctx, sess.Support.ActorID, "", false); err != nil || dec.Required {
				return session.Session{}, false
			}
		}
	}
	return sess, true
}

// hintMatches reports whether login_hint ("username" or "tenant/username")
// names user.
func (s *storage) hintMatches(ctx context.Context, hint string, user directory.User) bool {
	tenantSlug, username, found := strings.Cut(hint, "/")
	if !found {
		return directory.NormalizeUsername(hint) == user.Username
	}
	t, err := s.dir.Store().TenantByID(ctx, user.TenantID)
	return err == nil && directory.NormalizeSlug(tenantSlug) == t.Slug && directory.NormalizeUsername(username) == user.Username
}

// AuthRequestByID serves the login callback. A completed request is only
// handed out to the browser whose session completed it: anyone else who
// learns the request id gets it as not done, and the portal gets
// interaction_required instead of a code.
func (s *storage) AuthRequestByID(ctx context.Context, id string) (op.AuthRequest, error) {
	a, err := s.requests.get(ctx, id)
	if err != nil {
		if errors.Is(err, errRequestNotFound) {
			return nil, oidc.ErrInvalidRequest().WithDescription("the sign-in request has expired; start again from the application")
		}
		s.log.WarnContext(ctx, "load authorization request", "err", err)
		return nil, noteOutage(ctx, err, "the sign-in request could not be loaded")
	}
	if a.Completed {
		sess, err := s.sessions.Lookup(ctx, session.TokenFromContext(ctx))
		if err != nil || sess.ID != a.SessionID {
			a.Completed = false
		}
	}
	return a, nil
}

// SaveAuthCode stores the completed request under its code, which the token
// endpoint takes atomically: the code is single-use across all nodes.
func (s *storage) SaveAuthCode(ctx context.Context, id, code string) error {
	a, err := s.requests.get(ctx, id)
	if errors.Is(err, errRequestNotFound) {
		return oidc.ErrInvalidRequest().WithDescription("the sign-in request has expired")
	}
	if err != nil {
		s.log.WarnContext(ctx, "load authorization request for its code", "err", err)
		return noteOutage(ctx, err, "the sign-in request could not be loaded")
	}
	b, err := marshalRequest(a)
	if err != nil {
		return err
	}
	if err := s.kv.Set(ctx, codeKey(code), b, s.cfg.CodeLifetime); err != nil {
		s.log.WarnContext(ctx, "save authorization code", "err", err)
		return noteOutage(ctx, err, "the authorization code could not be saved")
	}
	// The request has done its work; only the code may now be redeemed.
	if err := s.requests.delete(ctx, id); err != nil {
		s.log.WarnContext(ctx, "delete authorization request", "err", err)
		return noteOutage(ctx, err, "the sign-in request could not be closed")
	}
	return nil
}

// AuthRequestByCode takes the request behind code, once.
func (s *storage) AuthRequestByCode(ctx context.Context, code string) (op.AuthRequest, error) {
	return s.takeCode(ctx, code)
}

func (s *storage) takeCode(ctx context.Context, code string) (*authRequest, error) {
	b, err := s.kv.Take(ctx, codeKey(code))
	if err != nil {
		return nil, err
	}
	return unmarshalRequest(b)
}

func (s *storage) DeleteAuthRequest(ctx context.Context, id string) error {
	return s.requests.delete(ctx, id)
}

func (s *storage) CreateAccessToken(context.Context, op.TokenRequest) (string, time.Time, error) {
	return "", time.Time{}, errNotUsed
}

func (s *storage) CreateAccessAndRefreshTokens(context.Context, op.TokenRequest, string) (string, string, time.Time, error) {
	return "", "", time.Time{}, errNotUsed
}

func (s *storage) TokenRequestByRefreshToken(context.Context, string) (op.RefreshTokenRequest, error) {
	return nil, op.ErrInvalidRefreshToken
}

func (s *storage) TerminateSession(context.Context, string, string) error { return errNotUsed }

func (s *storage) RevokeToken(context.Context, string, string, string) *oidc.Error {
	return oidc.ErrServerError().WithParent(errNotUsed)
}

func (s *storage) GetRefreshTokenInfo(context.Context, string, string) (string, string, error) {
	return "", "", op.ErrInvalidRefreshToken
}

// TerminateSessionFromRequest ends the browser's SSO session (RP-initiated
// logout) and revokes every refresh token born in it, so a portal that logs
// out cannot keep refreshing (and those born in the sessions it replaced
// by tenant switches, session.Session.Earlier). With no session cookie but a valid
// id_token_hint, the hint's sid names the session whose refresh tokens go.
func (s *storage) TerminateSessionFromRequest(ctx context.Context, req *op.EndSessionRequest) (string, error) {
	token := session.TokenFromContext(ctx)
	sid := ""
	var sids []string
	if sess, err := s.sessions.Lookup(ctx, token); err == nil {
		// The session, and those it replaced by tenant switches.
		sid, sids = sess.ID, append(slices.Clone(sess.Earlier), sess.ID)
	} else if req.IDTokenHintClaims != nil {
		sid, _ = req.IDTokenHintClaims.Claims["sid"].(string)
		sids = []string{sid}
	}
	if err := s.sessions.Delete(ctx, token); err != nil {
		s.log.WarnContext(ctx, "end session", "err", err)
		return "", noteOutage(ctx, err, "the session could not be ended")
	}
	for _, id := range sids {
		if id == "" {
			continue
		}
		if err := s.grants.RevokeSessionRefreshTokens(ctx, id, s.cfg.Now().UTC()); err != nil {
			s.log.WarnContext(ctx, "revoke the session's refresh tokens", "err", err)
			return "", noteOutage(ctx, err, "the session's refresh tokens could not be revoked")
		}
		// A device the session approved, which has yet to collect its
		// tokens, gets none (DeviceToken), nor does a code of it not yet
		// redeemed (CodeExchange).
		if err := s.kv.Set(ctx, sessionEndedKey(id), []byte("1"), max(s.cfg.DeviceCodeLifetime, s.cfg.AuthRequestLifetime)); err != nil {
			s.log.WarnContext(ctx, "mark the session ended for devices", "err", err)
			return "", noteOutage(ctx, err, "the session's devices could not be told")
		}
	}
	// Back-Channel Logout 1.0: every client that got an ID token in the
	// ended sessions hears of it (including the one logging out, whose
	// other instances may hold the session too).
	if s.logout != nil && len(sids) > 0 {
		if err := s.logout.EndSessions(ctx, slices.DeleteFunc(sids, func(id string) bool { return id == "" })); err != nil {
			s.log.WarnContext(ctx, "queue back-channel logouts", "err", err)
			return "", noteOutage(ctx, err, "the applications could not be told of the logout")
		}
	}
	s.log.InfoContext(ctx, "session ended", "client_id", req.ClientID, "user_id", req.UserID, "sid", sid)
	if req.RedirectURI != "" {
		return req.RedirectURI, nil
	}
	return s.cfg.Issuer + s.cfg.LoggedOutPath, nil
}

// signingKey adapts keys.SigningKey to op.SigningKey.
type signingKey struct{ k keys.SigningKey }

func (k signingKey) SignatureAlgorithm() jose.SignatureAlgorithm { return k.k.Algorithm }
func (k signingKey) Key() any                                    { return k.k.Private }
func (k signingKey) ID() string                                  { return k.k.ID }

func (s *storage) SigningKey(context.Context) (op.SigningKey, error) {
	k, ok := s.keys.Active()
	if !ok {
		return nil, oidc.ErrServerError().WithDescription("no signing key")
	}
	return signingKey{k}, nil
}

// SignatureAlgorithms are the algorithms of every published key, so that
// a relying party that read them in discovery accepts the next key's too.
func (s *storage) SignatureAlgorithms(context.Context) ([]jose.SignatureAlgorithm, error) {
	return s.keys.PublishedAlgorithms(), nil
}

// publicKey adapts a JSON Web Key to op.Key.
type publicKey struct{ k jose.JSONWebKey }

func (k publicKey) ID() string                         { return k.k.KeyID }
func (k publicKey) Algorithm() jose.SignatureAlgorithm { return jose.SignatureAlgorithm(k.k.Algorithm) }
func (k publicKey) Use() string                        { return k.k.Use }
func (k publicKey) Key() any                           { return k.k.Key }

// KeySet returns every published key, from the manager's memory.
func (s *storage) KeySet(context.Context) ([]op.Key, error) {
	pub := s.keys.PublicKeys()
	out := make([]op.Key, len(pub))
	for i, k := range pub {
		out[i] = publicKey{k}
	}
	return out, nil
}

func (s *storage) GetClientByClientID(ctx context.Context, id string) (op.Client, error) {
	c, err := s.dir.Store().ClientByID(ctx, id)
	if errors.Is(err, directory.ErrNotFound) {
		return nil, oidc.ErrInvalidClient().WithDescription("unknown client")
	}
	if err != nil {
		s.log.WarnContext(ctx, "load client", "err", err)
		return nil, noteOutage(ctx, err, "the application could not be loaded")
	}
	return s.opClient(c), nil
}

// opClient adapts c for the library, with the login URL and default ID
// token lifetime from the configuration.
func (s *storage) opClient(c directory.Client) *client {
	return &client{c: c, loginPath: s.cfg.Issuer + s.cfg.LoginPath, idTTL: s.cfg.IDTokenLifetime}
}

func (s *storage) AuthorizeClientIDSecret(ctx context.Context, id, secret string) error {
	if _, err := s.dir.VerifyClientSecret(ctx, id, secret); err != nil {
		return oidc.ErrInvalidClient().WithDescription("client authentication failed")
	}
	return nil
}

// SetUserinfoFromScopes is deprecated in the library and left empty, as its
// documentation asks.
func (s *storage) SetUserinfoFromScopes(context.Context, *oidc.UserInfo, string, string, []string) error {
	return nil
}

func (s *storage) SetUserinfoFromToken(context.Context, *oidc.UserInfo, string, string, string) error {
	return errNotUsed
}

func (s *storage) SetIntrospectionFromToken(context.Context, *oidc.IntrospectionResponse, string, string, string) error {
	return errNotUsed
}

func (s *storage) GetPrivateClaimsFromScopes(context.Context, string, string, []string) (map[string]any, error) {
	return nil, errNotUsed
}

// GetKeyByIDAndClientID serves the library's own client-assertion and
// jwt-bearer checks, which Gatehouse never reaches: private_key_jwt clients
// are authenticated by Server.VerifyClient (client_assertion.go), and the
// jwt-bearer grant is not offered. So no key is ever found here.
func (s *storage) GetKeyByIDAndClientID(context.Context, string, string) (*jose.JSONWebKey, error) {
	return nil, oidc.ErrInvalidClient().WithDescription("client has no registered keys")
}

func (s *storage) ValidateJWTProfileScopes(context.Context, string, []string) ([]string, error) {
	return nil, oidc.ErrUnsupportedGrantType()
}

func (s *storage) Health(ctx context.Context) error {
	if err := s.health(ctx); err != nil {
		return noteOutage(ctx, fmt.Errorf("%w: %w", backend.ErrUnavailable, err), "the stores do not answer")
	}
	return nil
}
