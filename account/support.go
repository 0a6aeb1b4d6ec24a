package account

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/gatehouse-id/gatehouse/audit"
	"github.com/gatehouse-id/gatehouse/directory"
	"github.com/gatehouse-id/gatehouse/templates"
)

// The audit actions of the support consents this page changes.
const (
	actionSupportEnabled  = "support.consent_enabled"
	actionSupportDisabled = "support.consent_disabled"
)

// The values of the support forms' scope field.
const (
	scopeSelf   = "self"
	scopeTenant = "tenant"
)

// supportSection is the "Support access" section for p: the effective
// policy and the open consents of p's home tenant, which is where consents
// are given (and where support acts as p), whatever tenant the session
// acts in.
func (h *Handler) supportSection(ctx context.Context, p person) (templates.AccountSupport, error) {
	own, tenant, pol, err := h.dir.SupportConsents(ctx, p.user.ID)
	if err != nil {
		return templates.AccountSupport{}, templates.InternalError(fmt.Errorf("support consents: %w", err), p.attrs()...)
	}
	s := templates.AccountSupport{
		Mode: string(pol.Mode), Window: pol.ConsentWindow, TenantName: p.home.Tenant.Name, Admin: p.home.IsAdmin(),
	}
	now := h.now()
	if own.Live(now) {
		s.Own = templates.Deadline(own.ExpiresAt)
	}
	if tenant.Live(now) {
		s.Tenant = templates.Deadline(tenant.ExpiresAt)
	}
	return s, nil
}

// enableSupport serves POST /account/support/enable: scope=self opens
// support access to the person's own account, scope=tenant (a tenant
// administrator) to every account of the home tenant, for the policy's
// consent window from now. An open window is replaced by the new one.
func (h *Handler) enableSupport(w http.ResponseWriter, r *http.Request) error {
	return h.changeSupport(w, r, true)
}

// disableSupport serves POST /account/support/disable: it closes the
// window of the scope, open or not.
func (h *Handler) disableSupport(w http.ResponseWriter, r *http.Request) error {
	return h.changeSupport(w, r, false)
}

func (h *Handler) changeSupport(w http.ResponseWriter, r *http.Request, enable bool) error {
	p, ok, err := h.posted(w, r)
	if !ok {
		return err
	}
	ctx := r.Context()
	scope := r.PostForm.Get("scope")
	if scope != scopeSelf && scope != scopeTenant {
		// No form of the page sends it; the value is not logged.
		return &templates.PageError{Code: http.StatusBadRequest, Msg: templates.MsgBadRequest,
			Err: errors.New("support form: scope is neither self nor tenant"), Attrs: p.attrs()}
	}
	forTenant := scope == scopeTenant
	// posted has refused a support session already; the directory refuses
	// it again (ErrSupportSession) should that check ever be lost.
	by := directory.SupportCaller{UserID: p.sess.UserID}
	if p.sess.Support != nil {
		by.ActorID = p.sess.Support.ActorID
	}
	now := h.now()
	var (
		c       directory.SupportConsent
		wasOpen bool
	)
	if enable {
		c, err = h.dir.EnableSupport(ctx, by, forTenant, now)
	} else {
		wasOpen, err = h.dir.DisableSupport(ctx, by, forTenant, now)
	}
	attrs := append(p.attrs(), slog.String("scope", scope))
	switch {
	case errors.Is(err, directory.ErrSupportSession):
		return h.refuse(w, r, http.StatusForbidden, p, templates.MsgSupportCannotChange)
	case errors.Is(err, directory.ErrForbidden):
		h.log.LogAttrs(ctx, slog.LevelWarn, "account support form refused: not a tenant administrator", attrs...)
		return h.renderAccount(w, r, http.StatusForbidden, p, templates.AccountPage{Notice: templates.MsgSupportTenantForbidden})
	case err != nil:
		return templates.InternalError(fmt.Errorf("change support consent: %w", err), attrs...)
	}

	// Audited once the change is made, not before as package mfa does: the
	// event states what only the change knows (the window's end, whether
	// one was open), and a change the directory refuses (a tenant-wide
	// consent asked for by a non-administrator) must not be audited as
	// made. If the event cannot be recorded the change stays made, and the
	// person reads the internal-error page: the page shows the state as it
	// is on the next visit, and the log has the failure (doc.go).
	e := audit.Event{
		Time: now.UTC(), TenantID: p.user.TenantID, Actor: p.user.ID, ActorName: p.user.Username,
		Target: p.user.ID, TargetName: p.user.Username,
		Details: map[string]string{"scope": scope},
	}
	if forTenant {
		e.Target, e.TargetName = p.home.Tenant.ID, p.home.Tenant.Slug
	}
	pg := templates.AccountPage{}
	if enable {
		e.Action = actionSupportEnabled
		e.Details["expires_at"] = c.ExpiresAt.UTC().Format(time.RFC3339)
		pg.Notice, pg.NoticeUntil = templates.MsgSupportEnabled, templates.Deadline(c.ExpiresAt)
		if forTenant {
			pg.Notice = templates.MsgSupportTenantEnabled
		}
	} else {
		e.Action = actionSupportDisabled
		e.Details["was_open"] = strconv.FormatBool(wasOpen)
		pg.Notice = templates.MsgSupportDisabled
		if forTenant {
			pg.Notice = templates.MsgSupportTenantDisabled
		}
	}
	if err := h.audit(ctx, e); err != nil {
		return templates.InternalError(fmt.Errorf("audit %s (the change is made): %w", e.Action, err), attrs...)
	}
	h.log.LogAttrs(ctx, slog.LevelInfo, "support consent changed from the account page", append(attrs, slog.String("action", e.Action))...)
	// The page itself, with the notice, as the TOTP removal answers: the
	// page keeps no notice across a redirect.
	return h.renderAccount(w, r, http.StatusOK, p, pg)
}
