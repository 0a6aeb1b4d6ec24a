package account

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"

	"github.com/gatehouse-id/gatehouse/audit"
	"github.com/gatehouse-id/gatehouse/directory"
	"github.com/gatehouse-id/gatehouse/session"
	"github.com/gatehouse-id/gatehouse/templates"
)

// actionTenantSwitched is the audit action of a tenant switch.
const actionTenantSwitched = "session.tenant_switched"

// A person linked to several tenants (an external user: seed 003) chooses
// one at login (package login's tenant choice). The "Switch tenant" section
// lists the others, and choosing one re-issues the browser's session for
// it (session.Store.Switch): a new session and cookie, with the same
// auth_time, amr and acr and the same absolute end, the old session
// deleted. Single sign-on from then on gives tokens for the new tenant;
// tokens already issued keep their tenant (and the old sid) until they
// expire. No password is asked again, since the person proved it for this
// session; but if the new tenant requires TOTP and the session did not
// use it, the switch is refused (single sign-on would not accept such a
// session there either) and the person signs in again.

// switchTenants lists the tenants other than the session's in which the
// person may act, for the page; none in a support session.
func (h *Handler) switchTenants(r *http.Request, p person) ([]templates.AccountTenant, error) {
	if p.sess.Support != nil {
		return nil, nil
	}
	ts, err := h.dir.TenantsOf(r.Context(), p.user)
	if err != nil {
		return nil, templates.InternalError(fmt.Errorf("tenants of the user: %w", err), p.attrs()...)
	}
	var out []templates.AccountTenant
	for _, t := range ts {
		if t.ID != p.acting.Tenant.ID {
			out = append(out, templates.AccountTenant{ID: t.ID, Name: t.Name, Slug: t.Slug, Home: t.ID == p.user.TenantID})
		}
	}
	return out, nil
}

// switchTenant serves POST /account/tenant: the session re-issued for the
// chosen tenant, audited as session.tenant_switched, and the page again
// (303), now in that tenant.
func (h *Handler) switchTenant(w http.ResponseWriter, r *http.Request) error {
	p, ok, err := h.posted(w, r)
	if !ok {
		return err
	}
	ctx := r.Context()
	chosen := r.PostForm.Get("tenant_id")
	offered, err := h.switchTenants(r, p)
	if err != nil {
		return err
	}
	i := slices.IndexFunc(offered, func(t templates.AccountTenant) bool { return t.ID == chosen })
	if i < 0 {
		return &templates.PageError{Code: http.StatusBadRequest, Msg: templates.MsgBadRequest,
			Err: errors.New("account: tenant to switch to was not offered"), Attrs: p.attrs()}
	}
	_, there, err := h.dir.PrincipalOf(ctx, p.user.ID, chosen)
	if errors.Is(err, directory.ErrNotFound) || errors.Is(err, directory.ErrUserDisabled) {
		return &templates.PageError{Code: http.StatusBadRequest, Msg: templates.MsgBadRequest, Err: err, Attrs: p.attrs()}
	}
	if err != nil {
		return templates.InternalError(fmt.Errorf("user in the chosen tenant: %w", err), p.attrs()...)
	}
	if !slices.Contains(p.sess.AMR, "mfa") {
		dec, err := h.dir.DecideMFAOf(ctx, p.user, there, false)
		if err != nil {
			return templates.InternalError(fmt.Errorf("decide MFA in the chosen tenant: %w", err), p.attrs()...)
		}
		if dec.Required {
			return h.refuse(w, r, http.StatusForbidden, p, templates.MsgSwitchNeedsTOTP)
		}
	}
	token, sess, old, err := h.sessions.Switch(ctx, session.TokenFromRequest(r), chosen)
	if errors.Is(err, session.ErrNotFound) {
		h.pages.Render(w, r, http.StatusUnauthorized, templates.AccountSignInPage{Notice: templates.MsgAccountSignedOut})
		return nil
	}
	if err != nil {
		return templates.InternalError(fmt.Errorf("switch session: %w", err), p.attrs()...)
	}
	h.cookies.Set(w, token, sess.ExpiresAt.Sub(h.now()))
	attrs := append(p.attrs(), slog.String("to_tenant_id", chosen), slog.String("new_session_id", sess.ID))
	e := audit.Event{
		// In the person's home tenant, the target's (audit.Event.TenantID).
		Action: actionTenantSwitched, TenantID: p.user.TenantID, Actor: p.user.ID, ActorName: p.user.Username,
		Target: p.user.ID, TargetName: p.user.Username,
		Details: map[string]string{"from_tenant_id": old.TenantID, "to_tenant_id": chosen, "old_sid": old.ID, "sid": sess.ID},
	}
	if err := h.audit(ctx, e); err != nil {
		return templates.InternalError(fmt.Errorf("audit %s (the switch is made): %w", e.Action, err), attrs...)
	}
	h.log.LogAttrs(ctx, slog.LevelInfo, "tenant switched from the account page", attrs...)
	http.Redirect(w, r, Path, http.StatusSeeOther)
	return nil
}
