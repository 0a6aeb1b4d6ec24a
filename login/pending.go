package login

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/gatehouse-id/gatehouse/ephemeral"
	"github.com/gatehouse-id/gatehouse/templates"
)

// A login that has proven the password but is not done yet (a tenant to
// choose, a TOTP code to give, an authenticator to enrol, a new password
// to choose) waits in the ephemeral store under its authorization request,
// so that any node can serve the next step. It is bound to the browser by
// a hash of its CSRF cookie (a stolen request id is useless in another
// browser), carries its stage (a form for one step cannot be used for
// another), and lives pendingTTL at most.

// pendingTTL bounds how long a proven password waits for the next step.
const pendingTTL = 10 * time.Minute

// The stages of a pending login.
const (
	stageTenant = "tenant" // choosing the tenant to act in
	stageTOTP   = "totp"   // giving a TOTP or recovery code
	stageEnrol  = "enrol"  // enrolling an authenticator, which policy requires
	stageCodes  = "codes"  // enrolled; the recovery codes are being shown
	// stageNewPassword: every factor is proven; the person must choose a
	// new password before the login completes (new_password.go).
	stageNewPassword = "new-password"
	// stageSupport is in support.go.
)

// pendingLogin is what one step leaves for the next.
type pendingLogin struct {
	Stage    string `json:"s"`
	UserID   string `json:"uid"`
	Username string `json:"u"`
	HomeSlug string `json:"h"` // remembered for the next sign-in's form
	// HomeTenantID is the user's own tenant: its TOTP is the person's,
	// audited there, whichever tenant the login acts in.
	HomeTenantID string   `json:"ht"`
	Tenants      []string `json:"tids,omitempty"` // offered, home first (stageTenant)
	TenantID     string   `json:"tid,omitempty"`  // acting in (after the choice)
	Browser      []byte   `json:"b"`              // SHA-256 of the CSRF cookie
	Account      string   `json:"acct"`           // the password throttle key to reset on success
	// Enrolment (stageEnrol): the new secret, sealed for the user, and the
	// id its form carries, so that a stale form is told apart.
	EnrolSecret []byte `json:"es,omitempty"`
	EnrolID     string `json:"eid,omitempty"`
	// Codes (stageCodes) are the new recovery codes, sealed, kept until the
	// person continues, so that a reload or a second submission shows them
	// again rather than losing them.
	Codes []byte `json:"rc,omitempty"`
	// Why TOTP is required, for the enrolment page.
	Reason string `json:"r,omitempty"`
	// AMR (stageNewPassword) is how the person authenticated, for the
	// login that completes once the new password is set.
	AMR []string `json:"amr,omitempty"`
	// Lang is the preferred language of whoever proved the password (the
	// support user in a support login), for the pages that follow.
	Lang string `json:"lang,omitempty"`
	// Support is set for a support login ("jill$john"): the fields above
	// are then the support user's, who authenticates, and Support names
	// the person it will act as (support.go).
	Support *pendingSupport `json:"sup,omitempty"`
}

func pendingKey(authRequestID string) string { return "login-pending:" + authRequestID }

func browserHash(csrfCookie string) []byte {
	h := sha256.Sum256([]byte(csrfCookie))
	return h[:]
}

// savePending stores p for request id, bound to this browser.
func (h *Handler) savePending(w http.ResponseWriter, r *http.Request, id string, p *pendingLogin) error {
	p.Browser = browserHash(h.csrf.cookie(w, r))
	b, err := json.Marshal(p)
	if err != nil {
		return err
	}
	if err := h.pending.Set(r.Context(), pendingKey(id), b, pendingTTL); err != nil {
		return fmt.Errorf("store pending login: %w", err)
	}
	return nil
}

// loadPending returns the pending login for request id at one of stages,
// made in this browser; take also ends it (single use). Anything else
// reads as an expired sign-in.
func (h *Handler) loadPending(ctx context.Context, r *http.Request, id string, take bool, stages ...string) (pendingLogin, error) {
	expired := &templates.PageError{Code: http.StatusBadRequest, Msg: templates.MsgRequestExpired}
	cookie, ok := h.csrf.fromRequest(r)
	if !ok {
		expired.Err = errors.New("pending login step without a CSRF cookie")
		return pendingLogin{}, expired
	}
	b, err := h.pending.Get(ctx, pendingKey(id))
	if errors.Is(err, ephemeral.ErrNotFound) {
		expired.Err = errors.New("no pending login")
		return pendingLogin{}, expired
	}
	if err != nil {
		return pendingLogin{}, templates.InternalError(fmt.Errorf("load pending login: %w", err))
	}
	var p pendingLogin
	if err := json.Unmarshal(b, &p); err != nil {
		return pendingLogin{}, templates.InternalError(fmt.Errorf("decode pending login: %w", err))
	}
	if subtle.ConstantTimeCompare(p.Browser, browserHash(cookie)) != 1 {
		expired.Err = errors.New("pending login step from another browser")
		return pendingLogin{}, expired
	}
	if !slices.Contains(stages, p.Stage) {
		expired.Err = fmt.Errorf("pending login is at stage %q, not %q", p.Stage, stages)
		return pendingLogin{}, expired
	}
	if take {
		// Take, not Delete: of two concurrent steps only one goes on.
		if _, err := h.pending.Take(ctx, pendingKey(id)); errors.Is(err, ephemeral.ErrNotFound) {
			expired.Err = errors.New("pending login taken by a concurrent step")
			return pendingLogin{}, expired
		} else if err != nil {
			return pendingLogin{}, templates.InternalError(fmt.Errorf("take pending login: %w", err))
		}
	}
	return p, nil
}

// pendingLeft is how long the pending login for request id has left,
// read before a step takes it, so that putBackPending can give it back no
// more than that.
func (h *Handler) pendingLeft(ctx context.Context, id string) (time.Duration, error) {
	left, err := h.pending.TTL(ctx, pendingKey(id))
	if errors.Is(err, ephemeral.ErrNotFound) {
		return 0, &templates.PageError{Code: http.StatusBadRequest, Msg: templates.MsgRequestExpired, Err: errors.New("no pending login")}
	}
	if err != nil {
		return 0, templates.InternalError(fmt.Errorf("pending login lifetime: %w", err))
	}
	return left, nil
}

// putBackPending stores p, which a step took but did not complete (a new
// password the policy refused), again for request id, for the time left
// it had: trying again never extends a pending login's life. p is bound
// to the browser already.
func (h *Handler) putBackPending(ctx context.Context, id string, p pendingLogin, left time.Duration) error {
	if left <= 0 {
		return nil // expired meanwhile: the next step reads as expired
	}
	b, err := json.Marshal(p)
	if err != nil {
		return err
	}
	if err := h.pending.Set(ctx, pendingKey(id), b, left); err != nil {
		return fmt.Errorf("put back pending login: %w", err)
	}
	return nil
}

// pendingPage starts the GET of a pending login's page: the request it is
// for (if it is done already, the browser goes on to the callback and
// req.Done tells the caller to stop) and the pending login, at one of
// stages, made in this browser.
func (h *Handler) pendingPage(w http.ResponseWriter, r *http.Request, stages ...string) (string, Request, pendingLogin, error) {
	ctx := r.Context()
	id := r.URL.Query().Get("authRequestID")
	req, err := h.loginRequest(ctx, id)
	if err != nil {
		return "", Request{}, pendingLogin{}, err
	}
	if req.Done {
		http.Redirect(w, r, h.callback(ctx, id), http.StatusFound)
		return id, req, pendingLogin{}, nil
	}
	p, err := h.loadPending(ctx, r, id, false, stages...)
	return id, req, p, err
}
