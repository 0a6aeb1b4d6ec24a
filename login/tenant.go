package login

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"

	"github.com/gatehouse-id/gatehouse/directory"
	"github.com/gatehouse-id/gatehouse/templates"
)

// The tenant choice (seed 003's external users): a person linked to tenants
// besides its home proves its password at home, then chooses the tenant to
// act in; the session, and so every token, speaks for that one tenant only.
//
// Between the two steps the server keeps a pending login (pending.go)
// listing the tenants offered; the choice takes it (single use). Nothing
// about the user travels in the form but the tenant id, which must be one
// of those offered.

// offerTenants starts the choice if the user may act in more than its home
// tenant, and reports whether it did.
func (h *Handler) offerTenants(w http.ResponseWriter, r *http.Request, id string, user directory.User, accountKey string, attrs []slog.Attr) (bool, error) {
	ctx := r.Context()
	tenants, err := h.tenants.TenantsOf(ctx, user)
	if err != nil {
		return false, templates.InternalError(fmt.Errorf("tenants of user: %w", err), attrs...)
	}
	if len(tenants) < 2 {
		return false, nil
	}
	p := pendingLogin{Stage: stageTenant, UserID: user.ID, Account: accountKey, Username: user.Username, Lang: user.PreferredLanguage,
		HomeSlug: tenants[0].Slug, HomeTenantID: user.TenantID}
	for _, t := range tenants {
		p.Tenants = append(p.Tenants, t.ID)
	}
	if err := h.savePending(w, r, id, &p); err != nil {
		return false, templates.InternalError(err, attrs...)
	}
	h.log.LogAttrs(ctx, slog.LevelInfo, "password accepted; tenant choice offered", append(attrs, slog.Int("tenants", len(tenants)))...)
	http.Redirect(w, r, "/login/tenant?authRequestID="+url.QueryEscape(id), http.StatusSeeOther)
	return true, nil
}

// showTenantChoice serves GET /login/tenant?authRequestID=….
func (h *Handler) showTenantChoice(w http.ResponseWriter, r *http.Request) error {
	id, req, p, err := h.pendingPage(w, r, stageTenant)
	if err != nil || req.Done {
		return err
	}
	return h.renderChoice(w, r, http.StatusOK, id, req, p, "")
}

func (h *Handler) renderChoice(w http.ResponseWriter, r *http.Request, status int, id string, req Request, p pendingLogin, msg templates.Message) error {
	page := templates.TenantChoicePage{ClientName: clientName(req), AuthRequestID: id,
		CSRFToken: h.csrf.token(h.csrf.cookie(w, r), id), Username: p.Username, Error: msg}
	for i, tid := range p.Tenants {
		t, err := h.tenants.TenantByID(r.Context(), tid)
		if errors.Is(err, directory.ErrNotFound) {
			continue // removed since the password step
		}
		if err != nil {
			return templates.InternalError(fmt.Errorf("load tenant: %w", err))
		}
		page.Tenants = append(page.Tenants, templates.TenantOption{ID: t.ID, Name: t.Name, Slug: t.Slug,
			Level: string(t.Level), Home: i == 0, Checked: i == 0})
	}
	h.pages.Render(w, r, status, page, languages(req, p.Lang)...)
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
		p, err := h.loadPending(ctx, r, id, false, stageTenant)
		if err != nil {
			return err
		}
		return h.renderChoice(w, r, http.StatusBadRequest, id, req, p, templates.MsgChooseTenant)
	}
	p, err := h.loadPending(ctx, r, id, true, stageTenant)
	if err != nil {
		return err
	}
	attrs := []slog.Attr{slog.String("client_id", req.ClientID), slog.String("user_id", p.UserID)}
	if !slices.Contains(p.Tenants, chosen) {
		return &templates.PageError{Code: http.StatusBadRequest, Msg: templates.MsgBadRequest, ClientName: clientName(req),
			Err: errors.New("chosen tenant was not offered"), Attrs: attrs}
	}
	user, err := h.tenants.ActiveUser(ctx, p.UserID)
	if errors.Is(err, directory.ErrUserDisabled) || errors.Is(err, directory.ErrNotFound) {
		return &templates.PageError{Code: http.StatusForbidden, Msg: templates.MsgAccountDisabled, ClientName: clientName(req), Err: err, Attrs: attrs}
	}
	if err != nil {
		return templates.InternalError(err, attrs...)
	}
	tenant, err := h.tenants.TenantByID(ctx, chosen)
	if errors.Is(err, directory.ErrNotFound) { // removed since it was offered
		return &templates.PageError{Code: http.StatusBadRequest, Msg: templates.MsgRequestExpired, ClientName: clientName(req), Err: err, Attrs: attrs}
	}
	if err != nil {
		return templates.InternalError(fmt.Errorf("load chosen tenant: %w", err), attrs...)
	}
	attrs = append(attrs, slog.String("tenant_id", tenant.ID), slog.Bool("home", tenant.ID == user.TenantID))
	return h.secondFactor(w, r, id, req, user, tenant, p.HomeSlug, p.Account, attrs)
}
