package login

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"time"

	"github.com/gatehouse-id/gatehouse/directory"
	"github.com/gatehouse-id/gatehouse/ephemeral"
	"github.com/gatehouse-id/gatehouse/templates"
)

// The tenant choice (seed 003's external users): a person linked to tenants
// besides its home proves its password at home, then chooses the tenant to
// act in; the session, and so every token, speaks for that one tenant only.
//
// Between the two steps the server keeps a pending choice in the ephemeral
// store under the authorization request, listing the tenants offered and
// bound to the browser by a hash of its CSRF cookie: a stolen request id is
// useless in another browser, and the choice is taken (single use) when it
// is made. Nothing about the user travels in the form but the tenant id,
// which must be one of those offered.

// pendingTTL bounds how long a proven password waits for the choice.
const pendingTTL = 10 * time.Minute

// pendingChoice is what the password step leaves for the choice step.
type pendingChoice struct {
	UserID   string   `json:"uid"`
	Tenants  []string `json:"tids"` // home first
	Browser  []byte   `json:"b"`    // SHA-256 of the CSRF cookie
	Account  string   `json:"acct"` // the throttle key to reset on success
	Username string   `json:"u"`
}

func pendingKey(authRequestID string) string { return "login-tenant:" + authRequestID }

func browserHash(csrfCookie string) []byte {
	h := sha256.Sum256([]byte(csrfCookie))
	return h[:]
}

// offerTenants starts the choice if the user may act in more than its home
// tenant, and reports whether it did.
func (h *Handler) offerTenants(w http.ResponseWriter, r *http.Request, id string, user directory.User, accountKey string, attrs []slog.Attr) (bool, error) {
	ctx := r.Context()
	tenants, err := h.tenants.TenantsOf(ctx, user)
	if err != nil {
		return false, internalError(fmt.Errorf("tenants of user: %w", err), attrs...)
	}
	if len(tenants) < 2 {
		return false, nil
	}
	p := pendingChoice{UserID: user.ID, Browser: browserHash(h.csrf.cookie(w, r)), Account: accountKey, Username: user.Username}
	for _, t := range tenants {
		p.Tenants = append(p.Tenants, t.ID)
	}
	b, err := json.Marshal(p)
	if err != nil {
		return false, internalError(err, attrs...)
	}
	if err := h.pending.Set(ctx, pendingKey(id), b, pendingTTL); err != nil {
		return false, internalError(fmt.Errorf("store pending tenant choice: %w", err), attrs...)
	}
	h.log.LogAttrs(ctx, slog.LevelInfo, "password accepted; tenant choice offered", append(attrs, slog.Int("tenants", len(tenants)))...)
	http.Redirect(w, r, "/login/tenant?authRequestID="+url.QueryEscape(id), http.StatusSeeOther)
	return true, nil
}

// loadPending returns the pending choice for request id made in this
// browser; anything else reads as an expired sign-in.
func (h *Handler) loadPending(ctx context.Context, r *http.Request, id string, take bool) (pendingChoice, error) {
	expired := &pageError{Code: http.StatusBadRequest, Msg: templates.MsgRequestExpired}
	cookie, ok := h.csrf.fromRequest(r)
	if !ok {
		expired.Err = errors.New("tenant choice without a CSRF cookie")
		return pendingChoice{}, expired
	}
	get := h.pending.Get
	if take {
		get = h.pending.Take
	}
	b, err := get(ctx, pendingKey(id))
	if errors.Is(err, ephemeral.ErrNotFound) {
		expired.Err = errors.New("no pending tenant choice")
		return pendingChoice{}, expired
	}
	if err != nil {
		return pendingChoice{}, internalError(fmt.Errorf("load pending tenant choice: %w", err))
	}
	var p pendingChoice
	if err := json.Unmarshal(b, &p); err != nil {
		return pendingChoice{}, internalError(fmt.Errorf("decode pending tenant choice: %w", err))
	}
	if subtle.ConstantTimeCompare(p.Browser, browserHash(cookie)) != 1 {
		expired.Err = errors.New("tenant choice from another browser")
		return pendingChoice{}, expired
	}
	return p, nil
}

// showTenantChoice serves GET /login/tenant?authRequestID=….
func (h *Handler) showTenantChoice(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	id := r.URL.Query().Get("authRequestID")
	req, err := h.loginRequest(ctx, id)
	if err != nil {
		return err
	}
	if req.Done {
		http.Redirect(w, r, h.callback(ctx, id), http.StatusFound)
		return nil
	}
	p, err := h.loadPending(ctx, r, id, false)
	if err != nil {
		return err
	}
	return h.renderChoice(w, r, http.StatusOK, id, req, p, "")
}

func (h *Handler) renderChoice(w http.ResponseWriter, r *http.Request, status int, id string, req Request, p pendingChoice, msg templates.Message) error {
	page := templates.TenantChoicePage{ClientName: clientName(req), AuthRequestID: id,
		CSRFToken: h.csrf.token(h.csrf.cookie(w, r), id), Username: p.Username, Error: msg}
	for i, tid := range p.Tenants {
		t, err := h.tenants.TenantByID(r.Context(), tid)
		if errors.Is(err, directory.ErrNotFound) {
			continue // removed since the password step
		}
		if err != nil {
			return internalError(fmt.Errorf("load tenant: %w", err))
		}
		page.Tenants = append(page.Tenants, templates.TenantOption{ID: t.ID, Name: t.Name, Slug: t.Slug,
			Level: string(t.Level), Home: i == 0, Checked: i == 0})
	}
	h.render(w, r, status, page)
	return nil
}

// submitTenantChoice serves POST /login/tenant: the chosen tenant must be
// one that was offered; the pending choice is used up either way, except
// when no tenant was picked, which only shows the page again.
func (h *Handler) submitTenantChoice(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	id, req, err := h.postedForm(w, r)
	if err != nil || req.Done {
		return err
	}
	chosen := r.PostForm.Get("tenant_id")
	if chosen == "" {
		p, err := h.loadPending(ctx, r, id, false)
		if err != nil {
			return err
		}
		return h.renderChoice(w, r, http.StatusBadRequest, id, req, p, templates.MsgChooseTenant)
	}
	p, err := h.loadPending(ctx, r, id, true)
	if err != nil {
		return err
	}
	attrs := []slog.Attr{slog.String("client_id", req.ClientID), slog.String("user_id", p.UserID)}
	if !slices.Contains(p.Tenants, chosen) {
		return &pageError{Code: http.StatusBadRequest, Msg: templates.MsgBadRequest, ClientName: clientName(req),
			Err: errors.New("chosen tenant was not offered"), Attrs: attrs}
	}
	user, err := h.tenants.ActiveUser(ctx, p.UserID)
	if errors.Is(err, directory.ErrUserDisabled) || errors.Is(err, directory.ErrNotFound) {
		return &pageError{Code: http.StatusForbidden, Msg: templates.MsgAccountDisabled, ClientName: clientName(req), Err: err, Attrs: attrs}
	}
	if err != nil {
		return internalError(err, attrs...)
	}
	tenant, err := h.tenants.TenantByID(ctx, chosen)
	if errors.Is(err, directory.ErrNotFound) { // removed since it was offered
		return &pageError{Code: http.StatusBadRequest, Msg: templates.MsgRequestExpired, ClientName: clientName(req), Err: err, Attrs: attrs}
	}
	if err != nil {
		return internalError(fmt.Errorf("load chosen tenant: %w", err), attrs...)
	}
	home, err := h.tenants.TenantByID(ctx, user.TenantID)
	if err != nil {
		return internalError(fmt.Errorf("home tenant: %w", err), attrs...)
	}
	attrs = append(attrs, slog.String("tenant_id", tenant.ID), slog.Bool("home", tenant.ID == home.ID))
	return h.finish(w, r, id, req, user, tenant, home.Slug, p.Account, attrs)
}
