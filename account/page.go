package account

import (
	"cmp"
	"errors"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/gatehouse-id/gatehouse/directory"
	"github.com/gatehouse-id/gatehouse/mfa"
	"github.com/gatehouse-id/gatehouse/session"
	"github.com/gatehouse-id/gatehouse/templates"
	"github.com/gatehouse-id/gatehouse/totppage"
)

// errNoSession means the browser has no usable session: none, expired, or
// one whose user is disabled or gone or no longer in its tenant. The page
// then says to sign in.
var errNoSession = errors.New("account: no usable session")

// person is who a live session speaks for, as the page needs it.
type person struct {
	sess session.Session
	user directory.User
	// acting is what the user holds in the session's tenant; home what it
	// holds in its home tenant, where its authenticator belongs, its TOTP
	// events and consents are written and support acts as it. They are the
	// same unless the session acts in a tenant the user is linked to.
	acting, home directory.Principal
	// dec is the session's tenant's effective TOTP policy and whether TOTP
	// is required of the person there (a role, a group, its home tenant),
	// not counting any application's request.
	dec directory.MFADecision
}

// subject is the person as package mfa names it: in its home tenant, as
// at login.
func (p person) subject() mfa.Subject {
	return mfa.Subject{UserID: p.user.ID, Username: p.user.Username, TenantID: p.home.Tenant.ID, TenantSlug: p.home.Tenant.Slug}
}

func (p person) attrs() []slog.Attr {
	return []slog.Attr{slog.String("user_id", p.user.ID), slog.String("tenant_id", p.acting.Tenant.ID), slog.String("session_id", p.sess.ID)}
}

// signedIn loads the person the browser's session speaks for, checking,
// as single sign-on does, that the user is still active and may still act
// in the session's tenant (directory.PrincipalOf); errNoSession otherwise.
func (h *Handler) signedIn(r *http.Request) (person, error) {
	ctx := r.Context()
	sess, err := h.sessions.Lookup(ctx, session.TokenFromRequest(r))
	if errors.Is(err, session.ErrNotFound) {
		return person{}, errNoSession
	}
	if err != nil {
		return person{}, templates.InternalError(fmt.Errorf("look up session: %w", err))
	}
	p := person{sess: sess}
	attrs := []slog.Attr{slog.String("user_id", sess.UserID), slog.String("tenant_id", sess.TenantID), slog.String("session_id", sess.ID)}
	gone := func(err error) bool {
		if errors.Is(err, directory.ErrUserDisabled) || errors.Is(err, directory.ErrNotFound) {
			h.log.LogAttrs(ctx, slog.LevelInfo, "account page: session no longer usable", append(attrs, slog.String("err", err.Error()))...)
			return true
		}
		return false
	}
	if p.user, p.acting, err = h.dir.PrincipalSince(ctx, sess.UserID, sess.TenantID, sess.AuthTime); gone(err) {
		return person{}, errNoSession
	} else if err != nil {
		return person{}, templates.InternalError(fmt.Errorf("user of session: %w", err), attrs...)
	}
	p.home = p.acting
	if p.acting.Tenant.ID != p.user.TenantID {
		if _, p.home, err = h.dir.PrincipalOf(ctx, sess.UserID, ""); gone(err) {
			return person{}, errNoSession
		} else if err != nil {
			return person{}, templates.InternalError(fmt.Errorf("user in its home tenant: %w", err), attrs...)
		}
	}
	if sess.Support != nil {
		// A support session shows the person's page only while support
		// may still act as it (consent, permission, both people active).
		if _, err := h.dir.RecheckSupport(ctx, sess.Support.ActorID, sess.UserID, h.now()); directory.RefusalOf(err) != "" {
			h.log.LogAttrs(ctx, slog.LevelInfo, "account page: support access no longer allowed",
				append(attrs, slog.String("actor_id", sess.Support.ActorID), slog.String("refusal", string(directory.RefusalOf(err))))...)
			return person{}, errNoSession
		} else if err != nil {
			return person{}, templates.InternalError(fmt.Errorf("decide support access: %w", err), attrs...)
		}
	}
	if p.dec, err = h.dir.DecideMFAOf(ctx, p.user, p.acting, false); err != nil {
		return person{}, templates.InternalError(fmt.Errorf("decide MFA: %w", err), attrs...)
	}
	return p, nil
}

// show serves GET /account: the return from /authorize when the query
// says so, else the page for the session, or the sign-in page.
func (h *Handler) show(w http.ResponseWriter, r *http.Request) error {
	if q := r.URL.Query(); q.Has("state") || q.Has("code") || q.Has("error") {
		return h.returned(w, r)
	}
	p, ok, err := h.viewer(w, r, http.StatusOK, "")
	if !ok {
		return err
	}
	return h.renderAccount(w, r, http.StatusOK, p, templates.AccountPage{})
}

// viewer is signedIn for a handler: without a usable session it answers
// with the sign-in page (status, notice). ok is false then, and when err
// says what to render.
func (h *Handler) viewer(w http.ResponseWriter, r *http.Request, status int, notice templates.Message) (p person, ok bool, err error) {
	p, err = h.signedIn(r)
	if errors.Is(err, errNoSession) {
		h.pages.Render(w, r, status, templates.AccountSignInPage{Notice: notice})
		return person{}, false, nil
	}
	if err != nil {
		return person{}, false, err
	}
	return p, true, nil
}

// renderAccount renders the page for p with its current TOTP and support
// state, adding to pg (a notice, a form's refused code). A support session
// gets a banner and no form.
func (h *Handler) renderAccount(w http.ResponseWriter, r *http.Request, status int, p person, pg templates.AccountPage) error {
	st, err := h.mfa.Status(r.Context(), p.subject())
	if err != nil {
		return templates.InternalError(fmt.Errorf("TOTP status: %w", err), p.attrs()...)
	}
	if sup := p.sess.Support; sup != nil {
		// A support session: a banner, and no form (so no CSRF token).
		pg.SupportActor, pg.SupportActorTenant = cmp.Or(sup.ActorUsername, sup.ActorID, "support"), sup.ActorTenantSlug
	} else {
		pg.CSRFToken = h.csrf.token(p.sess.ID)
	}
	if pg.Support, err = h.supportSection(r.Context(), p); err != nil {
		return err
	}
	if pg.Tenants, err = h.switchTenants(r, p); err != nil {
		return err
	}
	pg.Username, pg.TenantName, pg.TenantSlug = p.user.Username, p.acting.Tenant.Name, p.acting.Tenant.Slug
	if pg.Profile.ErrorField == "" {
		// Not a refused form, whose typed values stay: the profile as stored.
		pg.Profile = profileOf(p.user)
	}
	pg.Profile.Email = p.user.Email
	pg.Policy, pg.Required, pg.Reason = string(p.dec.Policy), p.dec.Required, p.dec.Reason
	pg.Enrolled, pg.RecoveryCodesLeft = st.Enrolled, st.RecoveryCodesLeft
	if st.LockedFor > 0 {
		pg.LockedMinutes = totppage.LockMinutes(st.LockedFor)
	}
	h.pages.Render(w, r, status, pg, p.user.PreferredLanguage)
	return nil
}

// refuse answers a form that policy or the person's state does not allow:
// the page again, with msg, and nothing changed.
func (h *Handler) refuse(w http.ResponseWriter, r *http.Request, status int, p person, msg templates.Message) error {
	h.log.LogAttrs(r.Context(), slog.LevelInfo, "account form refused", append(p.attrs(), slog.String("reason", string(msg)))...)
	return h.renderAccount(w, r, status, p, templates.AccountPage{Notice: msg})
}

// posted runs the checks every form starts with, in order: the body size,
// a live session, that it is not a support session, the CSRF token bound
// to it. ok is false when the answer is already written or err says what
// to render.
func (h *Handler) posted(w http.ResponseWriter, r *http.Request) (p person, ok bool, err error) {
	if err := templates.ParseForm(w, r); err != nil {
		return person{}, false, err
	}
	if p, ok, err = h.viewer(w, r, http.StatusUnauthorized, templates.MsgAccountSignedOut); !ok {
		if err == nil {
			h.log.LogAttrs(r.Context(), slog.LevelInfo, "account form without a session", slog.String("path", r.URL.Path))
		}
		return person{}, false, err
	}
	if sup := p.sess.Support; sup != nil {
		// Support acting as the person changes none of their sign-in
		// settings nor their consent: refused before anything the form
		// carries is looked at (the token, the scope, a code), so that no
		// code is spent and nothing is changed.
		h.log.LogAttrs(r.Context(), slog.LevelWarn, "account form refused: support session",
			append(p.attrs(), slog.String("actor_id", sup.ActorID), slog.String("path", r.URL.Path))...)
		return person{}, false, h.renderAccount(w, r, http.StatusForbidden, p, templates.AccountPage{Notice: templates.MsgSupportCannotChange})
	}
	if !h.csrf.valid(p.sess.ID, r.PostForm.Get(csrfField)) {
		h.log.LogAttrs(r.Context(), slog.LevelWarn, "account form refused: CSRF token missing or wrong",
			append(p.attrs(), slog.String("path", r.URL.Path))...)
		return person{}, false, h.renderAccount(w, r, http.StatusForbidden, p, templates.AccountPage{Notice: templates.MsgAccountFormExpired})
	}
	return p, true, nil
}
