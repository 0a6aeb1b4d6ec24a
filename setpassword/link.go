package setpassword

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"

	"github.com/gatehouse-id/gatehouse/audit"
	"github.com/gatehouse-id/gatehouse/directory"
	"github.com/gatehouse-id/gatehouse/onetime"
	"github.com/gatehouse-id/gatehouse/templates"
	"github.com/gatehouse-id/gatehouse/throttle"
	"github.com/gatehouse-id/gatehouse/totppage"
)

// flow is one kind of mailed link: where its page is, what it is for,
// and what using it is audited as.
type flow struct {
	path    string
	purpose onetime.Purpose
	link    string // templates.LinkInvitation or templates.LinkReset
	action  string
}

var (
	invitation = flow{InvitationPath, onetime.PurposeInvitation, templates.LinkInvitation, "user.invitation_accepted"}
	reset      = flow{ResetPath, onetime.PurposePasswordReset, templates.LinkReset, "user.password_reset"}
)

// showLink serves GET /invitation and GET /password/reset: the form if
// the link can be used, and otherwise a page that says why not and what
// to do. The link is only looked at (directory.OpenLink), not used.
func (h *Handler) showLink(w http.ResponseWriter, r *http.Request, f flow) error {
	token := r.URL.Query().Get("token")
	l, err := h.openLink(r, f, token)
	if err != nil {
		return h.linkError(w, r, f, err)
	}
	h.renderLinkForm(w, r, http.StatusOK, f, token, l, templates.SetPasswordPage{})
	return nil
}

// openLink is directory.OpenLink for the token from a URL or a form; a
// token no link could have is onetime.ErrNotFound without a lookup.
func (h *Handler) openLink(r *http.Request, f flow, token string) (directory.MailLink, error) {
	if token == "" || len(token) > maxTokenLen {
		return directory.MailLink{}, onetime.ErrNotFound
	}
	return h.dir.OpenLink(r.Context(), f.purpose, token)
}

func (h *Handler) renderLinkForm(w http.ResponseWriter, r *http.Request, status int, f flow, token string, l directory.MailLink,
	pg templates.SetPasswordPage) {
	pg.Link, pg.Token, pg.CSRFToken = f.link, token, h.csrfToken(w, r, f.path)
	pg.Username, pg.TenantName = l.User.Username, l.Tenant.Name
	if !l.ExpiresAt.IsZero() {
		pg.Until = templates.Deadline(l.ExpiresAt)
	}
	h.pages.Render(w, r, status, pg, l.User.PreferredLanguage)
}

// linkError answers a link that cannot be used with the page that says
// why, with a 4xx status; anything else is a failure on our side.
func (h *Handler) linkError(w http.ResponseWriter, r *http.Request, f flow, err error) error {
	var (
		msg    templates.Message
		status int
	)
	switch {
	case errors.Is(err, onetime.ErrExpired):
		msg, status = templates.MsgLinkExpired, http.StatusGone
	case errors.Is(err, onetime.ErrUsed):
		msg, status = templates.MsgLinkUsed, http.StatusGone
	case errors.Is(err, onetime.ErrNotFound):
		msg, status = templates.MsgLinkNotFound, http.StatusNotFound
	case errors.Is(err, directory.ErrLinkUnusable):
		msg, status = templates.MsgLinkUnusable, http.StatusForbidden
	default:
		return templates.InternalError(fmt.Errorf("open %s link: %w", f.purpose, err))
	}
	// The error names the user's id at most, never the secret.
	h.log.LogAttrs(r.Context(), slog.LevelInfo, "mailed link refused", slog.String("purpose", string(f.purpose)),
		slog.String("problem", string(msg)), slog.String("err", err.Error()))
	h.pages.Render(w, r, status, templates.LinkProblemPage{Link: f.link, Problem: msg})
	return nil
}

// submitLink serves POST /invitation and POST /password/reset. Each check
// refuses before the next runs: size, CSRF, the link (still usable), the
// address throttle, the two fields present and the same; then one
// transaction uses the link, sets the password and records the event. A
// refusal shows the form again and changes nothing, so the link stays
// usable. Only the policy's refusals count against the address: each
// costs a strength estimate and a hash and answers a question about a
// password; a typo in the second field costs and tells nothing.
func (h *Handler) submitLink(w http.ResponseWriter, r *http.Request, f flow) error {
	ctx := r.Context()
	if err := h.postedForm(w, r, f.path); err != nil {
		return err
	}
	token := r.PostForm.Get("token")
	l, err := h.openLink(r, f, token)
	if err != nil {
		return h.linkError(w, r, f, err)
	}
	attrs := []slog.Attr{slog.String("purpose", string(f.purpose)), slog.String("tenant_id", l.Tenant.ID),
		slog.String("user_id", l.User.ID)}
	addressKey := throttle.ClientAddress(r)
	wait, err := h.address.Blocked(ctx, addressKey)
	if err != nil {
		return templates.InternalError(err, attrs...)
	}
	var page templates.SetPasswordPage
	if wait > 0 {
		h.log.LogAttrs(ctx, slog.LevelWarn, "set password throttled", append(attrs, slog.Duration("wait", wait))...)
		totppage.RetryAfter(w, wait)
		page.Error, page.RetryMinutes = templates.MsgTooManyAttempts, totppage.LockMinutes(wait)
		h.renderLinkForm(w, r, http.StatusTooManyRequests, f, token, l, page)
		return nil
	}
	pw, confirm := r.PostForm.Get("new_password"), r.PostForm.Get("confirm_password")
	page.PasswordError = templates.FieldMessage(pw, maxPasswordLen, templates.MsgPasswordRequired)
	page.ConfirmError = templates.FieldMessage(confirm, maxPasswordLen, templates.MsgPasswordRequired)
	if page.PasswordError == "" && page.ConfirmError == "" && pw != confirm {
		page.Error = templates.MsgPasswordMismatch
	}
	if page.PasswordError != "" || page.ConfirmError != "" || page.Error != "" {
		h.renderLinkForm(w, r, http.StatusBadRequest, f, token, l, page)
		return nil
	}

	u, used, next, err := h.useLink(r, f, token, pw)
	var refused *directory.FieldError
	switch {
	case errors.As(err, &refused) && refused.Field == "password":
		if _, err := h.address.Failure(ctx, addressKey); err != nil {
			return templates.InternalError(err, attrs...)
		}
		// The policy's reason never quotes the password (password.WeakError).
		h.log.LogAttrs(ctx, slog.LevelInfo, "password refused by the policy", append(attrs, slog.String("reason", refused.Reason))...)
		page.Error, page.Reason = templates.MsgPasswordRefused, refused.Reason
		h.renderLinkForm(w, r, http.StatusBadRequest, f, token, l, page)
		return nil
	case err != nil:
		// Used, expired or made unusable since it was opened above.
		return h.linkError(w, r, f, err)
	}
	h.log.LogAttrs(ctx, slog.LevelInfo, "password set from a mailed link", attrs...)
	if f.purpose == onetime.PurposePasswordReset {
		if err := h.mailer.SendPasswordChanged(u, used.Tenant, h.now()); err != nil {
			h.log.LogAttrs(ctx, slog.LevelError, "password changed notice not queued", append(attrs, slog.String("err", err.Error()))...)
		}
		// Every session of the person ended with the reset: the portals
		// hear of it (back-channel logout).
		if h.signedOut != nil {
			if err := h.signedOut(ctx, u.ID); err != nil {
				h.log.LogAttrs(ctx, slog.LevelError, "back-channel logout after a reset", append(attrs, slog.String("err", err.Error()))...)
			}
		}
	}
	// The done page, also when a portal waits: it shows the strength of
	// the password just chosen, and one click goes on to the portal.
	done := templates.PasswordSetPage{Link: f.link, Username: u.Username, TenantName: used.Tenant.Name,
		Strength: u.PasswordStrength.String(), MFARequired: h.mfaRequired(r, u, attrs), SignInURL: accountPath}
	if next.url != "" {
		done.SignInURL, done.PortalName = next.url, next.name
	}
	h.pages.Render(w, r, http.StatusOK, done, u.PreferredLanguage)
	return nil
}

// portalLogin is where a person goes on to once its password is set: a
// portal's login page, and the portal's name for the button.
type portalLogin struct{ url, name string }

// accountPath is where a person signs in when no portal is waiting: the
// account page (package account).
const accountPath = "/account"

// useLink uses the link to set pw and records the event, in one
// transaction, and returns the user, the link, and the portal's login
// page to continue to (zero for none).
func (h *Handler) useLink(r *http.Request, f flow, token, pw string) (directory.User, directory.MailLink, portalLogin, error) {
	ctx := r.Context()
	var (
		u    directory.User
		l    directory.MailLink
		next portalLogin
	)
	err := h.atomically(ctx, func(d *directory.Directory, s directory.Store, record func(audit.Event) error) error {
		var err error
		if u, l, err = d.UseLink(ctx, f.purpose, token, pw); err != nil {
			return err
		}
		var details map[string]string
		if l.ClientID != "" {
			details = map[string]string{"client_id": l.ClientID}
		}
		if err := record(audit.Event{Action: f.action, TenantID: u.TenantID, Actor: u.ID, ActorName: u.Username,
			Target: u.ID, TargetName: u.Username, Details: details}); err != nil {
			return err
		}
		next, err = h.continueAt(r, s, l)
		return err
	})
	return u, l, next, err
}

// continueAt is the login page of the portal the link names (its
// initiate_login_uri, OpenID Connect Core §4) with iss and login_hint
// added, so that the portal starts a login with the tenant and username
// filled in, and its name; zero when the link names no portal, or one
// without a login page (it may have been changed or deleted since the
// link was sent).
func (h *Handler) continueAt(r *http.Request, s directory.Store, l directory.MailLink) (portalLogin, error) {
	c, err := directory.LinkPortal(r.Context(), s, l)
	if errors.Is(err, directory.ErrNotFound) || err == nil && c.InitiateLoginURI == "" {
		return portalLogin{}, nil
	}
	if err != nil {
		return portalLogin{}, err
	}
	next, err := url.Parse(c.InitiateLoginURI)
	if err != nil || !next.IsAbs() || (next.Scheme != "https" && next.Scheme != "http") {
		// The directory checks the URI when it is stored; one that does
		// not parse now is not followed.
		h.log.LogAttrs(r.Context(), slog.LevelWarn, "client's initiate_login_uri not followed", slog.String("client_id", c.ID))
		return portalLogin{}, nil
	}
	q := next.Query()
	q.Set("iss", h.issuer)
	q.Set("login_hint", l.Tenant.Slug+"/"+l.User.Username)
	next.RawQuery, next.Fragment = q.Encode(), ""
	return portalLogin{url: next.String(), name: c.Name}, nil
}

// mfaRequired reports whether u's tenant requires two-factor sign-in of
// it, for the note on the done page; an error only loses the note.
func (h *Handler) mfaRequired(r *http.Request, u directory.User, attrs []slog.Attr) bool {
	dec, err := h.dir.DecideMFAFor(r.Context(), u.ID, u.TenantID, false)
	if err != nil {
		h.log.LogAttrs(r.Context(), slog.LevelWarn, "two-factor policy unknown", append(attrs, slog.String("err", err.Error()))...)
		return false
	}
	return dec.Required
}
