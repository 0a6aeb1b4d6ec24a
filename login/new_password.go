package login

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"

	"github.com/gatehouse-id/gatehouse/directory"
	"github.com/gatehouse-id/gatehouse/templates"
	"github.com/gatehouse-id/gatehouse/throttle"
	"github.com/gatehouse-id/gatehouse/totppage"
)

// The new password: "must-reset-at-next-login forces a new password before
// any token is issued". A person whose administrator set "reset password
// at next login" (directory.User.MustChangePassword), or created the
// account with a temporary password, proves the password and every other
// factor as usual; then, instead of completing, the login waits at the
// new-password stage (pending.go) while the person chooses a new password,
// twice. Only once directory.SetPassword has taken it, and the change is
// audited, does the login complete (finish), with the factors proven
// before. In a support login ("jill$john") it is the support user, whose
// password was typed, who chooses a new one; the supported user's flag
// waits for their own login.
//
// The step comes after the second factor, not before: choosing a new
// password changes the account, and a temporary password, often sent by
// mail or read over the phone, is what an attacker is likeliest to hold.
// Asked after TOTP, the change needs everything the session would have
// needed, and a stolen temporary password alone cannot set a password of
// the thief's choosing and so lock the person out. (Password, then new
// password, then TOTP would issue nothing early either, but would let
// that happen.)

// newPasswordPath is the new-password page.
const newPasswordPath = "/login/new-password"

// Audit action of a password chosen at login.
const actionPasswordChanged = "user.password_changed"

// askNewPassword leaves a login whose every factor is proven (p, with
// amr) pending at the new-password stage and sends the browser to the
// page.
func (h *Handler) askNewPassword(w http.ResponseWriter, r *http.Request, id string, p pendingLogin, amr []string, attrs []slog.Attr) error {
	p.Stage, p.AMR = stageNewPassword, slices.Clone(amr)
	p.EnrolSecret, p.EnrolID, p.Codes = nil, "", nil
	if err := h.savePending(w, r, id, &p); err != nil {
		return templates.InternalError(err, attrs...)
	}
	h.log.LogAttrs(r.Context(), slog.LevelInfo, "login proven; new password required", attrs...)
	http.Redirect(w, r, newPasswordPath+"?authRequestID="+url.QueryEscape(id), http.StatusSeeOther)
	return nil
}

// showNewPassword serves GET /login/new-password: the form.
func (h *Handler) showNewPassword(w http.ResponseWriter, r *http.Request) error {
	id, req, p, err := h.pendingPage(w, r, stageNewPassword)
	if err != nil || req.Done {
		return err
	}
	h.renderNewPassword(w, r, http.StatusOK, id, req, p.Lang, templates.NewPasswordPage{Username: p.Username})
	return nil
}

// renderNewPassword renders pg for request id, in the language of req and
// of preferred, the person's preferred language.
func (h *Handler) renderNewPassword(w http.ResponseWriter, r *http.Request, status int, id string, req Request, preferred string, pg templates.NewPasswordPage) {
	pg.ClientName, pg.AuthRequestID = clientName(req), id
	pg.CSRFToken = h.csrf.token(h.csrf.cookie(w, r), id)
	h.pages.Render(w, r, status, pg, languages(req, preferred)...)
}

// submitNewPassword serves POST /login/new-password. Each check refuses
// before the next one runs: size, CSRF, request, the pending login (this
// browser's, at this stage), its user still active, the address throttle,
// the fields, the two fields the same; then the pending login is taken, so
// that of two submissions only one sets a password, and the directory
// applies the password policy. A refusal shows the page again and changes
// nothing. Only the directory's refusals count against the address: each
// costs the server a strength estimate and a hash, and each answers a
// question about a password (is it common? is it the current one?); a
// typo in the second field costs and tells nothing.
func (h *Handler) submitNewPassword(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	id, req, err := h.postedForm(w, r)
	if err != nil || req.Done {
		return err
	}
	p, err := h.loadPending(ctx, r, id, false, stageNewPassword)
	if err != nil {
		return err
	}
	tenant, user, attrs, err := h.pendingPeople(r, req, p)
	if err != nil {
		return err
	}
	page := templates.NewPasswordPage{Username: p.Username}
	addressKey := throttle.ClientAddress(r)
	wait, err := h.address.Blocked(ctx, addressKey)
	if err != nil {
		return templates.InternalError(err, attrs...)
	}
	if wait > 0 {
		h.log.LogAttrs(ctx, slog.LevelWarn, "new password throttled", append(attrs, slog.Duration("wait", wait))...)
		totppage.RetryAfter(w, wait)
		page.Error, page.RetryMinutes = templates.MsgTooManyAttempts, totppage.LockMinutes(wait)
		h.renderNewPassword(w, r, http.StatusTooManyRequests, id, req, p.Lang, page)
		return nil
	}
	pw, confirm := r.PostForm.Get("new_password"), r.PostForm.Get("confirm_password")
	page.PasswordError = templates.FieldMessage(pw, maxPasswordLen, templates.MsgPasswordRequired)
	page.ConfirmError = templates.FieldMessage(confirm, maxPasswordLen, templates.MsgPasswordRequired)
	if page.PasswordError != "" || page.ConfirmError != "" {
		h.renderNewPassword(w, r, http.StatusBadRequest, id, req, p.Lang, page)
		return nil
	}
	if pw != confirm {
		h.log.LogAttrs(ctx, slog.LevelInfo, "new passwords differ", attrs...)
		page.Error = templates.MsgPasswordMismatch
		h.renderNewPassword(w, r, http.StatusBadRequest, id, req, p.Lang, page)
		return nil
	}

	left, err := h.pendingLeft(ctx, id)
	if err != nil {
		return err
	}
	if _, err := h.loadPending(ctx, r, id, true, stageNewPassword); err != nil {
		return err
	}
	changed, err := h.auth.SetPassword(ctx, user.ID, pw)
	var refused *directory.FieldError
	switch {
	case errors.As(err, &refused) && refused.Field == "password":
		if err := errors.Join(h.putBackPending(ctx, id, p, left), h.addressFailure(ctx, addressKey)); err != nil {
			return templates.InternalError(err, attrs...)
		}
		// The policy's reason never quotes the password (password.WeakError).
		h.log.LogAttrs(ctx, slog.LevelInfo, "new password refused by the policy", append(attrs, slog.String("reason", refused.Reason))...)
		page.Error, page.Reason = templates.MsgPasswordRefused, refused.Reason
		h.renderNewPassword(w, r, http.StatusBadRequest, id, req, p.Lang, page)
		return nil
	case errors.Is(err, directory.ErrNotFound): // deleted meanwhile
		return &templates.PageError{Code: http.StatusForbidden, Msg: templates.MsgAccountDisabled, ClientName: clientName(req), Err: err, Attrs: attrs}
	case err != nil:
		// Nothing was changed: the person may try again (after an outage,
		// say) with the login still pending.
		if perr := h.putBackPending(ctx, id, p, left); perr != nil {
			err = errors.Join(err, perr)
		}
		return templates.InternalError(fmt.Errorf("set password: %w", err), attrs...)
	}
	// The password is changed: a failure to audit it ends this login (the
	// person signs in again with the new password), and the log says so.
	if err := h.auditPasswordChanged(ctx, r, req, changed); err != nil {
		return templates.InternalError(fmt.Errorf("password changed, but: %w", err), attrs...)
	}
	h.log.LogAttrs(ctx, slog.LevelInfo, "password changed at login", attrs...)
	return h.finish(w, r, id, req, p, changed, tenant, p.AMR, attrs)
}

// addressFailure counts a refused new password against the address.
func (h *Handler) addressFailure(ctx context.Context, addressKey string) error {
	_, err := h.address.Failure(ctx, addressKey)
	return err
}
