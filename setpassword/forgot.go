package setpassword

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/gatehouse-id/gatehouse/audit"
	"github.com/gatehouse-id/gatehouse/directory"
	"github.com/gatehouse-id/gatehouse/templates"
	"github.com/gatehouse-id/gatehouse/throttle"
	"github.com/gatehouse-id/gatehouse/totppage"
)

// Audit action of a reset link a person asked for.
const actionResetRequested = "user.password_reset_requested"

// showForgot serves GET /password/forgot: the form, pre-filled from the
// query (the login page passes what was typed there), with a way back to
// the sign-in it came from.
func (h *Handler) showForgot(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	pg := templates.ForgotPasswordPage{Tenant: strings.TrimSpace(q.Get("tenant")), Username: strings.TrimSpace(q.Get("username")),
		AuthRequestID: q.Get("authRequestID")}
	// What no form of ours could have sent is left out, not refused: the
	// page is still the way to a new password.
	if len(pg.Tenant) > maxTenantLen {
		pg.Tenant = ""
	}
	if len(pg.Username) > maxUsernameLen {
		pg.Username = ""
	}
	if len(pg.AuthRequestID) > maxRequestIDLen {
		pg.AuthRequestID = ""
	}
	h.renderForgot(w, r, http.StatusOK, pg)
	return nil
}

func (h *Handler) renderForgot(w http.ResponseWriter, r *http.Request, status int, pg templates.ForgotPasswordPage) {
	pg.CSRFToken = h.csrfToken(w, r, ForgotPath)
	h.pages.Render(w, r, status, pg)
}

// submitForgot serves POST /password/forgot: size, CSRF, the fields, the
// per-address and per-account throttles; then a reset link if the
// account can have one (directory.RequestReset), recorded in the same
// transaction, and mailed once it is committed.
//
// The answer reveals nothing about the account: the same page and status
// whether it exists, has no address, or is disabled, and every request
// counts against both throttles alike, so that being throttled does not
// tell either. Only the queue sees the difference, and a failure to queue
// is logged, not shown.
func (h *Handler) submitForgot(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	if err := h.postedForm(w, r, ForgotPath); err != nil {
		return err
	}
	form := r.PostForm
	pg := templates.ForgotPasswordPage{Tenant: strings.TrimSpace(form.Get("tenant")), Username: strings.TrimSpace(form.Get("username")),
		AuthRequestID: form.Get("authRequestID")}
	if len(pg.AuthRequestID) > maxRequestIDLen {
		pg.AuthRequestID = ""
	}
	if pg.Tenant == "" {
		// Cumulocity style: "acme/jill" typed as the username.
		if t, u, ok := strings.Cut(pg.Username, "/"); ok {
			pg.Tenant, pg.Username = strings.TrimSpace(t), strings.TrimSpace(u)
		}
	}
	pg.TenantError = templates.FieldMessage(pg.Tenant, maxTenantLen, templates.MsgTenantRequired)
	pg.UsernameError = templates.FieldMessage(pg.Username, maxUsernameLen, templates.MsgUsernameRequired)
	if pg.TenantError != "" || pg.UsernameError != "" {
		h.renderForgot(w, r, http.StatusBadRequest, pg)
		return nil
	}
	slug, username := directory.NormalizeSlug(pg.Tenant), directory.NormalizeUsername(pg.Username)
	attrs := []slog.Attr{slog.String("tenant", slug)}

	accountKey, addressKey := slug+"/"+username, throttle.ClientAddress(r)
	wait, err := h.forgotBlocked(r, accountKey, addressKey)
	if err != nil {
		return templates.InternalError(err, attrs...)
	}
	if wait > 0 {
		h.log.LogAttrs(ctx, slog.LevelWarn, "password reset request throttled", append(attrs, slog.Duration("wait", wait))...)
		totppage.RetryAfter(w, wait)
		pg.Error, pg.RetryMinutes = templates.MsgTooManyAttempts, totppage.LockMinutes(wait)
		h.renderForgot(w, r, http.StatusTooManyRequests, pg)
		return nil
	}
	_, errAccount := h.account.Failure(ctx, accountKey)
	_, errAddress := h.address.Failure(ctx, addressKey)
	if err := errors.Join(errAccount, errAddress); err != nil {
		return templates.InternalError(err, attrs...)
	}

	h.afterAnswer(ctx, func(ctx context.Context) { h.sendReset(ctx, slug, username, addressKey, attrs) })
	h.pages.Render(w, r, http.StatusOK, templates.ResetSentPage{ValidMinutes: int(h.resetLifetime.Minutes()),
		AuthRequestID: pg.AuthRequestID})
	return nil
}

// forgotBlocked is how long the longer of the account's and the address's
// throttles still blocks requests.
func (h *Handler) forgotBlocked(r *http.Request, accountKey, addressKey string) (wait time.Duration, err error) {
	byAddress, err := h.address.Blocked(r.Context(), addressKey)
	if err != nil {
		return 0, err
	}
	byAccount, err := h.account.Blocked(r.Context(), accountKey)
	if err != nil {
		return 0, err
	}
	return max(byAddress, byAccount), nil
}

// resetTimeout bounds a request's work after its answer.
const resetTimeout = 30 * time.Second

// afterAnswer runs work once the answer is on its way, apart from the
// request, so that how long the answer takes says nothing about the
// account: looking the account up, making a link and writing a mail take
// time for an account that has one and none for an account that does
// not. The work outlives the request (its context is detached, bounded
// by resetTimeout). When maxResetsInFlight are already running, or the
// node is shutting down (Wait has begun), it runs before the answer
// instead, and only then can timing tell.
func (h *Handler) afterAnswer(ctx context.Context, work func(context.Context)) {
	detached, cancel := context.WithTimeout(context.WithoutCancel(ctx), resetTimeout)
	h.mu.Lock()
	if !h.closing {
		select {
		case h.inFlight <- struct{}{}:
			h.requests.Go(func() {
				defer func() { <-h.inFlight; cancel() }()
				work(detached)
			})
			h.mu.Unlock()
			return
		default:
			h.log.LogAttrs(ctx, slog.LevelWarn, "password reset requests pile up: answering this one after its work")
		}
	}
	h.mu.Unlock()
	defer cancel()
	work(detached)
}

// Wait waits for the "forgot password" requests still running after
// their answers (at most resetTimeout), and from then on every request
// does its work before it answers: a node that shuts down calls it once
// it has stopped serving, before it closes the stores the work writes to.
func (h *Handler) Wait() {
	h.mu.Lock()
	h.closing = true // no request starts background work after this
	h.mu.Unlock()
	h.requests.Wait()
}

// sendReset makes the account's reset link and mails it, if it can have
// one; a failure is logged, since the person has its answer already.
func (h *Handler) sendReset(ctx context.Context, slug, username, address string, attrs []slog.Attr) {
	l, sent, err := h.requestReset(ctx, slug, username, address)
	switch {
	case err != nil:
		h.log.LogAttrs(ctx, slog.LevelError, "password reset request failed", append(attrs, slog.String("err", err.Error()))...)
		return
	case !sent:
		return
	}
	attrs = append(attrs, slog.String("tenant_id", l.Tenant.ID), slog.String("user_id", l.User.ID))
	if err := h.mailer.SendReset(l); err != nil {
		h.log.LogAttrs(ctx, slog.LevelError, "password reset mail not queued", append(attrs, slog.String("err", err.Error()))...)
		return
	}
	h.log.LogAttrs(ctx, slog.LevelInfo, "password reset link sent", attrs...)
}

// requestReset makes a reset link for the account and records the
// request, in one transaction; sent is false, and nothing is written,
// when the account gets no link (directory.RequestReset's ErrNotFound).
//
// The request is audited as anonymous, from the client address: anyone
// may ask for any account's link, and the log must not say the person
// did.
func (h *Handler) requestReset(ctx context.Context, slug, username, address string) (l directory.MailLink, sent bool, err error) {
	err = h.atomically(ctx, func(d *directory.Directory, _ directory.Store, record func(audit.Event) error) error {
		sent = false // PostgreSQL may run the transaction again
		var err error
		l, err = d.RequestReset(ctx, slug, username)
		if errors.Is(err, directory.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		u := l.User
		sent = true
		return record(audit.Event{Action: actionResetRequested, TenantID: u.TenantID, Actor: "anonymous",
			Target: u.ID, TargetName: u.Username, Details: map[string]string{"address": address}})
	})
	if err != nil {
		return directory.MailLink{}, false, err
	}
	return l, sent, nil
}
