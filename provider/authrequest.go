package provider

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"

	"github.com/gatehouse-id/gatehouse/ephemeral"
	"github.com/gatehouse-id/gatehouse/session"
)

// errRequestNotFound: the authorization request is unknown or has expired.
var errRequestNotFound = errors.New("authorization request not found or expired")

// authRequest is an authorization request between /authorize and the code
// exchange. It lives in the ephemeral store, so that a login may start on one
// node and finish on another.
type authRequest struct {
	ID            string              `json:"id"`
	CreatedAt     time.Time           `json:"created_at"`
	ClientID      string              `json:"client_id"`
	RedirectURI   string              `json:"redirect_uri"`
	State         string              `json:"state,omitempty"`
	Nonce         string              `json:"nonce,omitempty"`
	Scopes        []string            `json:"scopes"`
	ResponseType  oidc.ResponseType   `json:"response_type"`
	ResponseMode  oidc.ResponseMode   `json:"response_mode,omitempty"`
	CodeChallenge *oidc.CodeChallenge `json:"code_challenge,omitempty"`
	Prompt        []string            `json:"prompt,omitempty"`
	MaxAge        *uint               `json:"max_age,omitempty"`
	LoginHint     string              `json:"login_hint,omitempty"`
	// UILocales is ui_locales, for the language of the login pages.
	UILocales []string `json:"ui_locales,omitempty"`
	// MFARequested is true when acr_values asked for multi-factor
	// authentication (see wantsMFA).
	MFARequested bool `json:"mfa,omitempty"`
	// HintSubject is the sub of a valid id_token_hint: the person the portal
	// expects.
	HintSubject string `json:"hint_subject,omitempty"`

	// Set when a login (or a reusable SSO session) completes the request,
	// with who signed in, where and how.
	Completed bool `json:"done,omitempty"`
	signedIn

	// ConsentSessionID is set while the request waits for the consent of
	// the person in that session (consent.go): a third-party client's.
	// Denied is set once that person denied it.
	ConsentSessionID string `json:"consent_sid,omitempty"`
	Denied           bool   `json:"denied,omitempty"`

	// DeviceKey is set on a device's login (device.go): the key of the
	// device grant the login answers. Such a request has no redirect URI;
	// its callback approves or denies the grant (finishDevice).
	DeviceKey string `json:"device,omitempty"`
	// DeviceBrowser is, on a device's login, the browserKey of the
	// browser that confirmed the code: only its callback answers the
	// grant (StartDeviceLogin).
	DeviceBrowser string `json:"device_browser,omitempty"`
}

var _ op.AuthRequest = (*authRequest)(nil)

func (a *authRequest) GetID() string                         { return a.ID }
func (a *authRequest) GetACR() string                        { return a.ACR }
func (a *authRequest) GetAMR() []string                      { return a.AMR }
func (a *authRequest) GetAudience() []string                 { return []string{a.ClientID} }
func (a *authRequest) GetAuthTime() time.Time                { return a.AuthTime }
func (a *authRequest) GetClientID() string                   { return a.ClientID }
func (a *authRequest) GetCodeChallenge() *oidc.CodeChallenge { return a.CodeChallenge }
func (a *authRequest) GetNonce() string                      { return a.Nonce }
func (a *authRequest) GetRedirectURI() string                { return a.RedirectURI }
func (a *authRequest) GetResponseType() oidc.ResponseType    { return a.ResponseType }
func (a *authRequest) GetResponseMode() oidc.ResponseMode    { return a.ResponseMode }
func (a *authRequest) GetScopes() []string                   { return a.Scopes }
func (a *authRequest) GetState() string                      { return a.State }
func (a *authRequest) GetSubject() string                    { return a.UserID }
func (a *authRequest) Done() bool                            { return a.Completed }

// complete binds the request to a session: the person in it is who the
// portal gets tokens for.
func (a *authRequest) complete(s session.Session) {
	a.Completed = true
	a.UserID, a.TenantID, a.SessionID = s.UserID, s.TenantID, s.ID
	a.AuthTime, a.AMR, a.ACR = s.AuthTime, s.AMR, s.ACR
	a.SupportActorID, a.SupportReason = "", ""
	if s.Support != nil {
		a.SupportActorID, a.SupportReason = s.Support.ActorID, s.Support.Reason
	}
}

// authRequests persists authRequests and codes in the ephemeral store.
type authRequests struct {
	kv       ephemeral.Store
	lifetime time.Duration
	now      func() time.Time
}

func requestKey(id string) string { return "authreq:" + id }

// codeKey hashes the code: the store never holds a redeemable code.
func codeKey(code string) string {
	h := sha256.Sum256([]byte(code))
	return "code:" + hex.EncodeToString(h[:])
}

// usedCodeKey remembers a redeemed code and what it issued, so that a replay
// can revoke those tokens (RFC 6749 §4.1.2).
func usedCodeKey(code string) string {
	h := sha256.Sum256([]byte(code))
	return "code-used:" + hex.EncodeToString(h[:])
}

// replayedCodeKey marks a code that was presented again after its first
// redemption (see codeReplayed).
func replayedCodeKey(code string) string {
	h := sha256.Sum256([]byte(code))
	return "code-replayed:" + hex.EncodeToString(h[:])
}

func newRequestID() string {
	b := make([]byte, 24)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

func (s *authRequests) save(ctx context.Context, a *authRequest) error {
	ttl := a.CreatedAt.Add(s.lifetime).Sub(s.now())
	if ttl <= 0 {
		return errRequestNotFound
	}
	b, err := json.Marshal(a)
	if err != nil {
		return err
	}
	if err := s.kv.Set(ctx, requestKey(a.ID), b, ttl); err != nil {
		return fmt.Errorf("save authorization request: %w", err)
	}
	return nil
}

func (s *authRequests) get(ctx context.Context, id string) (*authRequest, error) {
	b, err := s.kv.Get(ctx, requestKey(id))
	if errors.Is(err, ephemeral.ErrNotFound) {
		return nil, errRequestNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("load authorization request: %w", err)
	}
	var a authRequest
	if err := json.Unmarshal(b, &a); err != nil {
		return nil, fmt.Errorf("decode authorization request: %w", err)
	}
	return &a, nil
}

func (s *authRequests) delete(ctx context.Context, id string) error {
	return s.kv.Delete(ctx, requestKey(id))
}

func marshalRequest(a *authRequest) ([]byte, error) { return json.Marshal(a) }

func unmarshalRequest(b []byte) (*authRequest, error) {
	var a authRequest
	if err := json.Unmarshal(b, &a); err != nil {
		return nil, fmt.Errorf("decode authorization request: %w", err)
	}
	return &a, nil
}
