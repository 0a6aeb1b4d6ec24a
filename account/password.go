package account

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/gatehouse-id/gatehouse/audit"
	"github.com/gatehouse-id/gatehouse/directory"
	"github.com/gatehouse-id/gatehouse/templates"
	"github.com/gatehouse-id/gatehouse/throttle"
	"github.com/gatehouse-id/gatehouse/totppage"
)

// actionPasswordChanged is the audit action of a new password, as the
// login's "choose a new password" records it; Details.reason tells them
// apart.
const actionPasswordChanged = "user.password_changed"

// maxPasswordLen bounds the password fields, as on the login pages: longer
// than any real password, short enough that nothing is hashed at length.
const maxPasswordLen = 1024

// changePassword serves POST /account/password: the current password, and
// the new one twice. After posted's checks (a support session is refused
// there, before anything the form carries is read), each check refuses
// before the next one runs: the address throttle, the fields, the two new
// ones the same; then the current password, verified by the directory
// against the person's home tenant (where the user and its password live,
// whatever tenant the session acts in); then directory.SetPassword, which
// applies the password policy and refuses the current password. A refusal
// shows the page again and changes nothing.
//
// A wrong current password counts against the client's address, the budget
// the login pages and this page's TOTP forms share: the form answers
// whether a password is the person's, and must not become a way around the
// login's throttle. A policy refusal counts too, as at login: each costs a
// strength estimate and a hash and answers a question about a password. A
// typo in the second field costs and tells nothing.
func (h *Handler) changePassword(w http.ResponseWriter, r *http.Request) error {
	p, ok, err := h.posted(w, r)
	if !ok {
		return err
	}
	ctx := r.Context()
	attrs := p.attrs()
	addressKey := throttle.ClientAddress(r)
	wait, err := h.address.Blocked(ctx, addressKey)
	if err != nil {
		return templates.InternalError(err, attrs...)
	}
	if wait > 0 {
		h.log.LogAttrs(ctx, slog.LevelWarn, "account password change throttled", append(attrs, slog.Duration("wait", wait))...)
		totppage.RetryAfter(w, wait)
		return h.renderAccount(w, r, http.StatusTooManyRequests, p, templates.AccountPage{Password: templates.AccountPassword{
			Error: templates.MsgTooManyAttempts, RetryMinutes: totppage.LockMinutes(wait)}})
	}
	current, pw, confirm := r.PostForm.Get("current_password"), r.PostForm.Get("new_password"), r.PostForm.Get("confirm_password")
	form := templates.AccountPassword{
		CurrentError:  fieldError(current),
		PasswordError: fieldError(pw),
		ConfirmError:  fieldError(confirm),
	}
	if form.CurrentError != "" || form.PasswordError != "" || form.ConfirmError != "" {
		return h.renderAccount(w, r, http.StatusBadRequest, p, templates.AccountPage{Password: form})
	}
	if pw != confirm {
		h.log.LogAttrs(ctx, slog.LevelInfo, "account password change: new passwords differ", attrs...)
		return h.renderAccount(w, r, http.StatusBadRequest, p, templates.AccountPage{Password: templates.AccountPassword{Error: templates.MsgPasswordMismatch}})
	}

	u, _, err := h.dir.Authenticate(ctx, p.home.Tenant.Slug, p.user.Username, current)
	switch {
	case errors.Is(err, directory.ErrInvalidCredentials):
		if _, err := h.address.Failure(ctx, addressKey); err != nil {
			return templates.InternalError(err, attrs...)
		}
		h.log.LogAttrs(ctx, slog.LevelInfo, "account password change: current password wrong", attrs...)
		return h.renderAccount(w, r, http.StatusUnauthorized, p, templates.AccountPage{Password: templates.AccountPassword{Error: templates.MsgCurrentPasswordWrong}})
	case errors.Is(err, directory.ErrUserDisabled): // disabled since signedIn looked
		return h.gone(w, r, p, err)
	case err != nil:
		return templates.InternalError(fmt.Errorf("verify current password: %w", err), attrs...)
	case u.ID != p.user.ID:
		// The home tenant and username name the session's user; anything
		// else is a bug, and nothing is changed.
		return templates.InternalError(fmt.Errorf("verify current password: found user %s, not the session's", u.ID), attrs...)
	}

	changed, err := h.dir.SetPassword(ctx, p.user.ID, pw)
	var refused *directory.FieldError
	switch {
	case errors.As(err, &refused) && refused.Field == "password":
		if _, err := h.address.Failure(ctx, addressKey); err != nil {
			return templates.InternalError(err, attrs...)
		}
		// The policy's reason never quotes the password (password.WeakError).
		h.log.LogAttrs(ctx, slog.LevelInfo, "account password change refused by the policy", append(attrs, slog.String("reason", refused.Reason))...)
		return h.renderAccount(w, r, http.StatusBadRequest, p, templates.AccountPage{Password: templates.AccountPassword{
			Error: templates.MsgPasswordRefused, Reason: refused.Reason}})
	case errors.Is(err, directory.ErrNotFound): // deleted meanwhile
		return h.gone(w, r, p, err)
	case err != nil:
		return templates.InternalError(fmt.Errorf("set password: %w", err), attrs...)
	}

	// Audited once the change is made, as the support consents are: a
	// password the directory refuses must not be audited as changed. If
	// the event cannot be recorded the password stays changed, and the
	// person reads the internal-error page; the log says which event was
	// lost.
	e := audit.Event{
		Time: h.now().UTC(), Action: actionPasswordChanged, TenantID: changed.TenantID,
		Actor: changed.ID, ActorName: changed.Username, Target: changed.ID, TargetName: changed.Username,
		Details: map[string]string{"reason": "account_page", "address": addressKey},
	}
	if err := h.audit(ctx, e); err != nil {
		return templates.InternalError(fmt.Errorf("audit %s (the password is changed): %w", e.Action, err), attrs...)
	}
	h.log.LogAttrs(ctx, slog.LevelInfo, "password changed from the account page", attrs...)
	return h.renderAccount(w, r, http.StatusOK, p, templates.AccountPage{Notice: templates.MsgPasswordChanged})
}

// gone answers a form whose user was disabled or deleted since the session
// was looked up, as signedIn would have: the sign-in page, nothing changed.
func (h *Handler) gone(w http.ResponseWriter, r *http.Request, p person, err error) error {
	h.log.LogAttrs(r.Context(), slog.LevelInfo, "account page: session no longer usable", append(p.attrs(), slog.String("err", err.Error()))...)
	h.pages.Render(w, r, http.StatusUnauthorized, templates.AccountSignInPage{Notice: templates.MsgAccountSignedOut})
	return nil
}

// fieldError marks an empty password field, or one longer than any real
// password.
func fieldError(v string) templates.Message {
	return templates.FieldMessage(v, maxPasswordLen, templates.MsgPasswordRequired)
}
