package claims

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// EventBackchannelLogout is the member of a logout token's events claim
// (OpenID Connect Back-Channel Logout 1.0 §2.4).
const EventBackchannelLogout = "http://schemas.openid.net/event/backchannel-logout"

// LogoutToken is a back-channel logout token (OpenID Connect Back-Channel
// Logout 1.0 §2.4): Gatehouse POSTs one to a portal's
// backchannel_logout_uri when a session in which the portal got an ID
// token ends. Gatehouse always sends both sub and sid; sid names the
// session (the sid of the ID tokens issued in it), sub the person.
type LogoutToken struct {
	Issuer    string   `json:"iss"`
	Subject   string   `json:"sub,omitempty"`
	Audience  []string `json:"aud"`
	IssuedAt  int64    `json:"iat"`
	Expiry    int64    `json:"exp"`
	JWTID     string   `json:"jti"`
	SessionID string   `json:"sid,omitempty"`
	// Events holds EventBackchannelLogout with an empty object.
	Events map[string]json.RawMessage `json:"events"`
}

// NewLogoutEvents is the events claim of a logout token.
func NewLogoutEvents() map[string]json.RawMessage {
	return map[string]json.RawMessage{EventBackchannelLogout: json.RawMessage(`{}`)}
}

// VerifyLogoutToken verifies raw as a logout token for this relying party
// as §2.6 of the specification asks, and returns its claims: the
// signature against the issuer's keys, iss, aud (an accepted audience:
// the portal's client id), iat and exp; the JOSE typ logout+jwt (so that
// neither an ID token nor an access token passes for one); "Verify that
// the Logout Token contains a sub Claim, a sid Claim, or both"; "Verify
// that the Logout Token contains an events Claim whose value is JSON
// object containing the member name
// http://schemas.openid.net/event/backchannel-logout"; "Verify that the
// Logout Token does not contain a nonce Claim"; and a jti (§2.4:
// REQUIRED). Telling a replayed jti from a new one, and matching sid and
// sub to the portal's own sessions, are the caller's: only it has them.
func (v *Verifier) VerifyLogoutToken(ctx context.Context, raw string) (*LogoutToken, error) {
	payload, err := v.verify(ctx, raw, isLogoutTokenType)
	if err != nil {
		return nil, err
	}
	var lt LogoutToken
	if err := json.Unmarshal(payload, &lt); err != nil {
		return nil, fmt.Errorf("%w: logout token claims: %v", ErrMalformed, err)
	}
	var extra struct {
		Nonce *json.RawMessage `json:"nonce"`
	}
	if err := json.Unmarshal(payload, &extra); err != nil {
		return nil, fmt.Errorf("%w: logout token claims: %v", ErrMalformed, err)
	}
	event, ok := lt.Events[EventBackchannelLogout]
	switch {
	case extra.Nonce != nil:
		return nil, fmt.Errorf("%w: a logout token has no nonce", ErrMalformed)
	case !ok:
		return nil, fmt.Errorf("%w: events %s", ErrMissingClaim, EventBackchannelLogout)
	case !isJSONObject(event):
		return nil, fmt.Errorf("%w: the back-channel logout event is not a JSON object", ErrMalformed)
	case lt.Subject == "" && lt.SessionID == "":
		return nil, fmt.Errorf("%w: sub or sid", ErrMissingClaim)
	case lt.JWTID == "":
		return nil, fmt.Errorf("%w: jti", ErrMissingClaim)
	}
	return &lt, nil
}

func isJSONObject(b json.RawMessage) bool {
	var m map[string]json.RawMessage
	return json.Unmarshal(b, &m) == nil && m != nil
}

func isLogoutTokenType(typ string) bool {
	t := strings.ToLower(typ)
	return t == "logout+jwt" || t == "application/logout+jwt"
}

// maxLogoutRequest bounds the form a back-channel logout request may send:
// a logout token is a few hundred bytes.
const maxLogoutRequest = 64 << 10

// LogoutHandler serves a portal's back-channel logout endpoint (§2.5,
// §2.8): it reads logout_token from the POSTed form, verifies it
// (VerifyLogoutToken), and calls end, which ends the portal's own
// sessions for the token's sid (or, without one, every session of sub).
// It answers with Cache-Control: no-store, as §2.8 asks:
//
//   - 200 when end succeeded;
//   - 400 {"error":"invalid_request"} for a request without a
//     verifiable logout token ("If the request was invalid or the logout
//     failed, the RP MUST respond with 400 Bad Request");
//   - 503 when the issuer's keys cannot be fetched or end fails: the fault
//     is the portal's and passing, and Gatehouse retries a 5xx.
//
// The reason a token was refused goes to the Config's Logger at Debug; the
// token is never logged.
func (v *Verifier) LogoutHandler(end func(ctx context.Context, lt *LogoutToken) error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", http.MethodPost)
			http.Error(w, http.StatusText(http.StatusMethodNotAllowed), http.StatusMethodNotAllowed)
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, maxLogoutRequest)
		if err := r.ParseForm(); err != nil || len(r.PostForm["logout_token"]) != 1 {
			logoutError(w, http.StatusBadRequest, "Send one logout_token in a form")
			return
		}
		lt, err := v.VerifyLogoutToken(r.Context(), r.PostForm.Get("logout_token"))
		switch {
		case errors.Is(err, ErrKeySetUnavailable):
			v.cfg.Logger.WarnContext(r.Context(), "logout token not verifiable", "err", err)
			logoutError(w, http.StatusServiceUnavailable, "")
			return
		case err != nil:
			v.cfg.Logger.DebugContext(r.Context(), "logout token refused", "err", err)
			logoutError(w, http.StatusBadRequest, "The logout token is invalid")
			return
		}
		if err := end(r.Context(), lt); err != nil {
			v.cfg.Logger.WarnContext(r.Context(), "back-channel logout failed", "sid", lt.SessionID, "err", err)
			logoutError(w, http.StatusServiceUnavailable, "")
			return
		}
		w.WriteHeader(http.StatusOK)
	})
}

// logoutError answers status, with the OAuth error JSON §2.8 allows for a
// 400.
func logoutError(w http.ResponseWriter, status int, description string) {
	if status != http.StatusBadRequest {
		http.Error(w, http.StatusText(status), status)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"error": "invalid_request", "error_description": description})
}
