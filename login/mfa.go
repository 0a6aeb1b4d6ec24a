package login

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"

	"github.com/gatehouse-id/gatehouse/directory"
	"github.com/gatehouse-id/gatehouse/mfa"
	"github.com/gatehouse-id/gatehouse/templates"
	"github.com/gatehouse-id/gatehouse/totppage"
)

// The second factor. After the password (and the tenant choice), policy
// decides (directory.DecideMFA): a person who has an authenticator always
// gives a code; one who has none enrols first when policy requires TOTP;
// otherwise the login is done with the password alone. A person may enrol
// on its own from the account page.

// The acr values Gatehouse issues and understands in acr_values.
const (
	acrPassword = "pwd"
	acrMFA      = "mfa"
)

var (
	amrPassword = []string{"pwd"}
	amrTOTP     = []string{"pwd", "otp", "mfa"}
)

// secondFactor follows a proven password for user acting in tenant: it
// finishes the login, or leaves it pending at the TOTP or enrolment stage.
func (h *Handler) secondFactor(w http.ResponseWriter, r *http.Request, id string, req Request,
	user directory.User, tenant directory.Tenant, homeSlug, accountKey string, attrs []slog.Attr) error {
	ctx := r.Context()
	dec, err := h.tenants.DecideMFAFor(ctx, user.ID, tenant.ID, req.MFARequested)
	if errors.Is(err, directory.ErrUserDisabled) || errors.Is(err, directory.ErrNotFound) {
		return &templates.PageError{Code: http.StatusForbidden, Msg: templates.MsgAccountDisabled, ClientName: clientName(req), Err: err, Attrs: attrs}
	}
	if err != nil {
		return templates.InternalError(fmt.Errorf("decide MFA: %w", err), attrs...)
	}
	p := pendingLogin{UserID: user.ID, Username: user.Username, HomeSlug: homeSlug, HomeTenantID: user.TenantID,
		TenantID: tenant.ID, Account: accountKey, Lang: user.PreferredLanguage}
	return h.nextFactor(w, r, id, req, p, user, tenant, dec, attrs)
}

// nextFactor goes on from a proven password (p, for user acting in
// tenant): to the TOTP code if the person has an authenticator, to
// enrolment if dec requires TOTP, or else straight to the finished login.
func (h *Handler) nextFactor(w http.ResponseWriter, r *http.Request, id string, req Request, p pendingLogin,
	user directory.User, tenant directory.Tenant, dec directory.MFADecision, attrs []slog.Attr) error {
	ctx := r.Context()
	enrolled, err := h.mfa.Enrolled(ctx, user.ID)
	if err != nil {
		return templates.InternalError(fmt.Errorf("TOTP status: %w", err), attrs...)
	}
	p.Reason = dec.Reason
	switch {
	case enrolled:
		p.Stage = stageTOTP
	case dec.Required:
		p.Stage = stageEnrol
		if p.EnrolSecret, p.EnrolID, err = totppage.NewEnrolment(h.mfa, p.subject()); err != nil {
			return templates.InternalError(err, attrs...)
		}
	default:
		return h.finish(w, r, id, req, p, user, tenant, amrPassword, attrs)
	}
	if err := h.savePending(w, r, id, &p); err != nil {
		return templates.InternalError(err, attrs...)
	}
	h.log.LogAttrs(ctx, slog.LevelInfo, "password accepted; second factor next", append(attrs,
		slog.String("stage", p.Stage), slog.String("reason", dec.Reason))...)
	http.Redirect(w, r, "/login/totp?authRequestID="+url.QueryEscape(id), http.StatusSeeOther)
	return nil
}

// subject is who the pending login is for, as package mfa names it: the
// person in its home tenant, where its authenticator belongs and its TOTP
// events are audited, even when it acts in a tenant it is linked to.
func (p *pendingLogin) subject() mfa.Subject {
	return mfa.Subject{UserID: p.UserID, Username: p.Username, TenantID: p.HomeTenantID, TenantSlug: p.HomeSlug}
}

// showTOTP serves GET /login/totp: the code form, or the enrolment page.
func (h *Handler) showTOTP(w http.ResponseWriter, r *http.Request) error {
	id, req, p, err := h.pendingPage(w, r, stageTOTP, stageEnrol)
	if err != nil || req.Done {
		return err
	}
	if p.Stage == stageEnrol {
		return h.renderEnrolment(w, r, http.StatusOK, id, req, p, templates.CodeError{})
	}
	h.renderTOTP(w, r, http.StatusOK, id, req, p, templates.CodeError{})
	return nil
}

func (h *Handler) renderTOTP(w http.ResponseWriter, r *http.Request, status int, id string, req Request, p pendingLogin, ce templates.CodeError) {
	h.pages.Render(w, r, status, templates.TOTPPage{ClientName: clientName(req), AuthRequestID: id,
		CSRFToken: h.csrf.token(h.csrf.cookie(w, r), id), CodeError: ce}, languages(req, p.Lang)...)
}

func (h *Handler) renderEnrolment(w http.ResponseWriter, r *http.Request, status int, id string, req Request, p pendingLogin, ce templates.CodeError) error {
	setup, err := totppage.DrawSealed(h.mfa, p.subject(), p.EnrolSecret)
	if err != nil {
		return templates.InternalError(err)
	}
	h.pages.Render(w, r, status, templates.EnrolPage{
		ClientName: clientName(req), AuthRequestID: id, CSRFToken: h.csrf.token(h.csrf.cookie(w, r), id),
		EnrolID: p.EnrolID, Reason: p.Reason, Account: setup.Account,
		QR: setup.QR, Secret: setup.Key, CodeError: ce,
	}, languages(req, p.Lang)...)
	return nil
}

// submitTOTP serves POST /login/totp: a TOTP code or a recovery code.
func (h *Handler) submitTOTP(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	id, req, err := h.postedForm(w, r)
	if err != nil || req.Done {
		return err
	}
	p, err := h.loadPending(ctx, r, id, false, stageTOTP)
	if err != nil {
		return err
	}
	tenant, user, attrs, err := h.pendingPeople(r, req, p)
	if err != nil {
		return err
	}
	var method mfa.Method
	refused, err := totppage.TryCode(ctx, w, r, h.address, func() (err error) {
		method, err = h.mfa.Verify(ctx, p.subject(), r.PostForm.Get("code"))
		return err
	})
	if refused != nil {
		h.log.LogAttrs(ctx, slog.LevelInfo, "TOTP refused", append(attrs, slog.String("reason", string(refused.Msg)))...)
		h.renderTOTP(w, r, refused.Status, id, req, p, refused.CodeError())
		return nil
	}
	if errors.Is(err, mfa.ErrNotEnrolled) { // reset by an administrator meanwhile
		return &templates.PageError{Code: http.StatusBadRequest, Msg: templates.MsgRequestExpired, ClientName: clientName(req), Err: err, Attrs: attrs}
	}
	if err != nil {
		return templates.InternalError(fmt.Errorf("verify TOTP: %w", err), attrs...)
	}
	if _, err := h.loadPending(ctx, r, id, true, stageTOTP); err != nil {
		return err
	}
	attrs = append(attrs, slog.String("method", string(method)))
	return h.finish(w, r, id, req, p, user, tenant, amrTOTP, attrs)
}

// submitEnrolment serves POST /login/totp/enrol: the first code from the
// new authenticator. On success the person sees its recovery codes, once,
// and goes on to the application from there.
func (h *Handler) submitEnrolment(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	id, req, err := h.postedForm(w, r)
	if err != nil || req.Done {
		return err
	}
	p, err := h.loadPending(ctx, r, id, false, stageEnrol, stageCodes)
	if err != nil {
		return err
	}
	if p.Stage == stageCodes { // submitted twice: the first one enrolled
		http.Redirect(w, r, "/login/totp/codes?authRequestID="+url.QueryEscape(id), http.StatusSeeOther)
		return nil
	}
	if r.PostForm.Get("enrol_id") != p.EnrolID {
		// A form from an earlier enrolment (another tab, the back button):
		// its QR code is not the one this enrolment stores.
		return h.renderEnrolment(w, r, http.StatusBadRequest, id, req, p, templates.CodeError{Error: templates.MsgEnrolmentStale})
	}
	_, _, attrs, err := h.pendingPeople(r, req, p)
	if err != nil {
		return err
	}
	sub := p.subject()
	secret, err := h.mfa.OpenSecret(sub, p.EnrolSecret)
	if err != nil {
		return templates.InternalError(fmt.Errorf("open TOTP enrolment: %w", err), attrs...)
	}
	var codes []string
	refused, err := totppage.TryCode(ctx, w, r, h.address, func() (err error) {
		codes, err = h.mfa.CompleteEnrolment(ctx, sub, secret, r.PostForm.Get("code"))
		return err
	})
	if refused != nil {
		h.log.LogAttrs(ctx, slog.LevelInfo, "TOTP enrolment code refused", append(attrs, slog.String("reason", string(refused.Msg)))...)
		return h.renderEnrolment(w, r, refused.Status, id, req, p, refused.CodeError())
	}
	if errors.Is(err, mfa.ErrEnrolled) {
		// Enrolled meanwhile by another login: a code from the
		// authenticator is what this login needs now.
		p.Stage, p.EnrolSecret, p.EnrolID = stageTOTP, nil, ""
		if err := h.savePending(w, r, id, &p); err != nil {
			return templates.InternalError(err, attrs...)
		}
		http.Redirect(w, r, "/login/totp?authRequestID="+url.QueryEscape(id), http.StatusSeeOther)
		return nil
	}
	if err != nil {
		return templates.InternalError(fmt.Errorf("complete TOTP enrolment: %w", err), attrs...)
	}
	// The codes wait, sealed, in the pending login until the person has
	// seen them and goes on: a reload, a second submission or a failure
	// of the last step never loses them.
	b, err := json.Marshal(codes)
	if err != nil {
		return templates.InternalError(err, attrs...)
	}
	if p.Codes, err = h.sealer.Seal(b, codesAAD(id, p.UserID)); err != nil {
		return templates.InternalError(fmt.Errorf("seal recovery codes: %w", err), attrs...)
	}
	p.Stage, p.EnrolSecret, p.EnrolID = stageCodes, nil, ""
	if err := h.savePending(w, r, id, &p); err != nil {
		return templates.InternalError(err, attrs...)
	}
	h.log.LogAttrs(ctx, slog.LevelInfo, "TOTP enrolled at login", attrs...)
	http.Redirect(w, r, "/login/totp/codes?authRequestID="+url.QueryEscape(id), http.StatusSeeOther)
	return nil
}

func codesAAD(authRequestID, userID string) []byte {
	return []byte("recovery-codes:" + authRequestID + ":" + userID)
}

// showCodes serves GET /login/totp/codes: the new recovery codes, for as
// long as the login waits for the person to continue.
func (h *Handler) showCodes(w http.ResponseWriter, r *http.Request) error {
	id, req, p, err := h.pendingPage(w, r, stageCodes)
	if err != nil || req.Done {
		return err
	}
	b, err := h.sealer.Open(p.Codes, codesAAD(id, p.UserID))
	if err != nil {
		return templates.InternalError(fmt.Errorf("open recovery codes: %w", err))
	}
	var codes []string
	if err := json.Unmarshal(b, &codes); err != nil {
		return templates.InternalError(fmt.Errorf("decode recovery codes: %w", err))
	}
	h.pages.Render(w, r, http.StatusOK, templates.RecoveryCodesPage{ClientName: clientName(req), AuthRequestID: id,
		CSRFToken: h.csrf.token(h.csrf.cookie(w, r), id), Codes: codes}, languages(req, p.Lang)...)
	return nil
}

// submitCodesSeen serves POST /login/totp/done: the person has saved the
// codes; the login completes with TOTP.
func (h *Handler) submitCodesSeen(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	id, req, err := h.postedForm(w, r)
	if err != nil || req.Done {
		return err
	}
	p, err := h.loadPending(ctx, r, id, true, stageCodes)
	if err != nil {
		return err
	}
	tenant, user, attrs, err := h.pendingPeople(r, req, p)
	if err != nil {
		return err
	}
	return h.finish(w, r, id, req, p, user, tenant, amrTOTP, attrs)
}

// pendingPeople loads the user and the tenant of a pending login; a user
// disabled meanwhile ends it.
func (h *Handler) pendingPeople(r *http.Request, req Request, p pendingLogin) (directory.Tenant, directory.User, []slog.Attr, error) {
	ctx := r.Context()
	attrs := []slog.Attr{slog.String("client_id", req.ClientID), slog.String("user_id", p.UserID), slog.String("tenant_id", p.TenantID)}
	user, err := h.tenants.ActiveUser(ctx, p.UserID)
	if errors.Is(err, directory.ErrUserDisabled) || errors.Is(err, directory.ErrNotFound) {
		return directory.Tenant{}, directory.User{}, attrs, &templates.PageError{Code: http.StatusForbidden, Msg: templates.MsgAccountDisabled,
			ClientName: clientName(req), Err: err, Attrs: attrs}
	}
	if err != nil {
		return directory.Tenant{}, directory.User{}, attrs, templates.InternalError(err, attrs...)
	}
	tenant, err := h.tenants.TenantByID(ctx, p.TenantID)
	if err != nil {
		return directory.Tenant{}, directory.User{}, attrs, templates.InternalError(fmt.Errorf("tenant of pending login: %w", err), attrs...)
	}
	return tenant, user, attrs, nil
}
