package provider

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"time"

	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"

	"github.com/gatehouse-id/gatehouse/directory"
	"github.com/gatehouse-id/gatehouse/ephemeral"
)

// usedCodeMemory is how long a redeemed code is remembered, so that a
// replay can still revoke what it issued.
const usedCodeMemory = time.Hour

// usedCode records what a redeemed code issued (RFC 6749 §4.1.2: "If an
// authorization code is used more than once, the authorization server MUST
// deny the request and SHOULD revoke (when possible) all tokens previously
// issued based on that authorization code").
type usedCode struct {
	JTI       string    `json:"jti,omitempty"`
	ExpiresAt time.Time `json:"exp,omitzero"`
	FamilyID  string    `json:"family,omitempty"`
}

// CodeExchange redeems an authorization code (RFC 6749 §4.1.3, RFC 7636
// §4.6). The code is taken from the store atomically, so of two nodes racing
// with one code exactly one proceeds.
func (s *Server) CodeExchange(ctx context.Context, r *op.ClientRequest[oidc.AccessTokenRequest]) (*op.Response, error) {
	code := r.Data.Code
	a, err := s.store.takeCode(ctx, code)
	if errors.Is(err, ephemeral.ErrNotFound) {
		s.codeReplayed(ctx, code)
		return nil, oidc.ErrInvalidGrant().WithDescription("the authorization code is invalid, expired or already used")
	}
	if err != nil {
		return nil, s.serverError(ctx, "take authorization code", err)
	}
	c := r.Client.(*client).c
	if a.ClientID != c.ID {
		s.store.log.WarnContext(ctx, "code presented by another client", "client_id", c.ID)
		return nil, oidc.ErrInvalidGrant().WithDescription("the authorization code was issued to another client")
	}
	if r.Data.RedirectURI != a.RedirectURI {
		return nil, oidc.ErrInvalidGrant().WithDescription("redirect_uri does not match the authorization request")
	}
	if err := checkPKCE(a.CodeChallenge, r.Data.CodeVerifier); err != nil {
		return nil, err
	}
	ts, refreshToken, familyID, err := s.issueToPerson(ctx, &c, personLogin{signedIn: a.signedIn, nonce: a.Nonce, scopes: a.Scopes},
		"authorization_code")
	if err != nil {
		return nil, err
	}
	if s.codeWasReplayed(ctx, code, usedCode{JTI: ts.jti, ExpiresAt: ts.expiresAt, FamilyID: familyID}) {
		s.revokeIssued(ctx, usedCode{JTI: ts.jti, ExpiresAt: ts.expiresAt, FamilyID: familyID})
		return nil, oidc.ErrInvalidGrant().WithDescription("the authorization code was used more than once")
	}
	s.store.log.InfoContext(ctx, "tokens issued", "grant_type", "authorization_code", "client_id", c.ID,
		"user_id", a.UserID, "sid", a.SessionID, "refresh", refreshToken != "")
	s.store.issued("authorization_code", c.ID)
	return op.NewResponse(tokenResponse(ts, refreshToken, a.Scopes, s.store.cfg.Now())), nil
}

// personLogin is what a person's login (an authorization request's, or an
// approved device grant's) says the tokens are for.
type personLogin struct {
	signedIn
	nonce  string
	scopes []string
}

// issueToPerson mints the tokens of a person's login for client c: the ID
// token (with openid), the access token, and a refresh token with
// offline_access for a client registered for refresh_token. The code
// exchange and the device grant both issue through it, so that a device
// gets the same claims as a browser. Its errors are OAuth errors.
func (s *Server) issueToPerson(ctx context.Context, c *directory.Client, l personLogin, grantType string) (tokenSet, string, string, error) {
	person, u, p, err := s.subject(ctx, l.UserID, l.TenantID, l.AuthTime, c)
	if errors.Is(err, directory.ErrUserDisabled) || errors.Is(err, directory.ErrNotFound) {
		return tokenSet{}, "", "", oidc.ErrInvalidGrant().WithDescription("the user can no longer sign in")
	}
	if err != nil {
		return tokenSet{}, "", "", s.serverError(ctx, "load user", err)
	}
	// Logged out between the login and now (a code not yet redeemed, a
	// device that polls only now): the logout revoked the session's
	// refresh tokens, and none may be born after it.
	if ended, err := s.sessionEnded(ctx, l.SessionID); err != nil {
		return tokenSet{}, "", "", s.serverError(ctx, "check the session", err)
	} else if ended && grantType == "device_code" {
		return tokenSet{}, "", "", oidc.ErrAccessDenied().WithDescription("the person signed out of the session that approved the device; start again")
	} else if ended {
		return tokenSet{}, "", "", oidc.ErrInvalidGrant().WithDescription("the session of this login has been logged out")
	}
	if l.SupportActorID == "" && u.MustChangePassword {
		return tokenSet{}, "", "", errNewPassword() // asked for since the login (a support user's: recheckSupport)
	}
	g := grant{
		client: c, subject: l.UserID, scopes: l.scopes, nonce: l.nonce, authTime: l.AuthTime,
		amr: l.AMR, acr: l.ACR, sessionID: l.SessionID, tenantID: l.TenantID, person: &person,
	}
	if l.SupportActorID != "" {
		if g.support, err = s.recheckSupport(ctx, g, l.SupportActorID, l.SupportReason, u, p, grantType); err != nil {
			return tokenSet{}, "", "", err
		}
		if err := s.auditSupportToken(ctx, actionSupportToken, g, grantType); err != nil {
			return tokenSet{}, "", "", s.serverError(ctx, "audit support token", err)
		}
	}
	// The client is told when this session ends (back-channel logout).
	if err := s.recordParticipation(ctx, g); err != nil {
		return tokenSet{}, "", "", s.serverError(ctx, "record the client in the session", err)
	}
	ts, err := s.mint(g)
	if err != nil {
		return tokenSet{}, "", "", s.serverError(ctx, "mint tokens", err)
	}
	var refreshToken, familyID string
	if slices.Contains(l.scopes, oidc.ScopeOfflineAccess) && c.HasGrant(directory.GrantRefreshToken) {
		rt, rec := s.newRefreshToken(g, "")
		if err := s.store.grants.CreateRefreshToken(ctx, rec); err != nil {
			return tokenSet{}, "", "", s.serverError(ctx, "store refresh token", err)
		}
		refreshToken, familyID = rt, rec.FamilyID
	}
	return ts, refreshToken, familyID, nil
}

// checkPKCE verifies the code_verifier against the stored S256 challenge.
// A request made without a challenge (only allowed for InsecureSkipPKCE
// clients) must not send a verifier either.
func checkPKCE(challenge *oidc.CodeChallenge, verifier string) error {
	if challenge == nil {
		if verifier != "" {
			return oidc.ErrInvalidGrant().WithDescription("code_verifier sent, but the authorization request had no code_challenge")
		}
		return nil
	}
	if verifier == "" {
		return oidc.ErrInvalidGrant().WithDescription("code_verifier is required")
	}
	if len(verifier) < 43 || len(verifier) > 128 {
		return oidc.ErrInvalidGrant().WithDescription("code_verifier must be 43 to 128 characters (RFC 7636 §4.1)")
	}
	if err := op.AuthorizeCodeChallenge(verifier, challenge); err != nil {
		return oidc.ErrInvalidGrant().WithDescription("code_verifier does not match the code_challenge")
	}
	return nil
}

func (s *Server) rememberCode(ctx context.Context, code string, u usedCode) error {
	b, err := json.Marshal(u)
	if err != nil {
		return err
	}
	return s.store.kv.Set(ctx, usedCodeKey(code), b, usedCodeMemory)
}

func (s *Server) loadUsedCode(ctx context.Context, code string) (usedCode, bool) {
	b, err := s.store.kv.Get(ctx, usedCodeKey(code))
	if err != nil {
		return usedCode{}, false
	}
	var u usedCode
	if json.Unmarshal(b, &u) != nil {
		return usedCode{}, false
	}
	return u, true
}

// A replay and the first exchange may run at once, on two nodes. Each side
// writes its own key first and reads the other's second: the exchange
// stores what it issued (used-code key), then looks for the replay marker;
// the replay sets the marker, then looks for what was issued. Whatever the
// interleaving, at least one of them sees the other's write, and the tokens
// of the first exchange are revoked (by either side, or both: revoking
// twice is harmless). Neither side overwrites the other's key.

// codeReplayed handles a code that is not (or no longer) redeemable: if it
// was redeemed before, revoke what that redemption issued.
func (s *Server) codeReplayed(ctx context.Context, code string) {
	if _, err := s.store.codes.Decrypt(code); err != nil {
		return // not a code Gatehouse issued
	}
	// The marker goes first, even if the first redemption has not recorded
	// itself yet: it may be between taking the code and recording it.
	s.store.log.WarnContext(ctx, "authorization code presented again; revoking what it issued, if anything")
	if err := s.store.kv.Set(ctx, replayedCodeKey(code), []byte("1"), usedCodeMemory); err != nil {
		s.store.log.ErrorContext(ctx, "mark code replayed", "err", err)
	}
	if u, ok := s.loadUsedCode(ctx, code); ok && (u.JTI != "" || u.FamilyID != "") {
		s.revokeIssued(ctx, u)
	}
}

// codeWasReplayed stores what the exchange issued and reports whether a
// replay came in meanwhile.
//
// It fails closed: if what was issued cannot be recorded, or the marker
// cannot be read, a replay could go unseen, so the exchange counts as
// replayed (its tokens are revoked and refused).
func (s *Server) codeWasReplayed(ctx context.Context, code string, issued usedCode) bool {
	if err := s.rememberCode(ctx, code, issued); err != nil {
		s.store.log.ErrorContext(ctx, "remember issued tokens; refusing the exchange", "err", err)
		return true
	}
	_, err := s.store.kv.Get(ctx, replayedCodeKey(code))
	if err != nil && !errors.Is(err, ephemeral.ErrNotFound) {
		s.store.log.ErrorContext(ctx, "look for a replay; refusing the exchange", "err", err)
		return true
	}
	return err == nil
}

func (s *Server) revokeIssued(ctx context.Context, u usedCode) {
	now := s.store.cfg.Now().UTC()
	if u.FamilyID != "" {
		if err := s.store.grants.RevokeRefreshFamily(ctx, u.FamilyID, now); err != nil {
			s.store.log.ErrorContext(ctx, "revoke refresh family", "err", err)
		}
	}
	if u.JTI != "" {
		if err := s.revokeJTI(ctx, u.JTI, u.ExpiresAt); err != nil {
			s.store.log.ErrorContext(ctx, "revoke access token", "err", err)
		}
	}
}

// sessionEndedKey marks a session a logout ended (TerminateSessionFromRequest),
// for as long as a code or device grant of it could still be redeemed.
func sessionEndedKey(sid string) string { return "session-ended:" + sid }

// sessionEnded reports whether a logout ended the session sid lately.
func (s *Server) sessionEnded(ctx context.Context, sid string) (bool, error) {
	if sid == "" {
		return false, nil
	}
	_, err := s.store.kv.Get(ctx, sessionEndedKey(sid))
	if errors.Is(err, ephemeral.ErrNotFound) {
		return false, nil
	}
	return err == nil, err
}
