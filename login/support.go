package login

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gatehouse-id/gatehouse/audit"
	"github.com/gatehouse-id/gatehouse/directory"
	"github.com/gatehouse-id/gatehouse/session"
	"github.com/gatehouse-id/gatehouse/templates"
	"github.com/gatehouse-id/gatehouse/throttle"
)

// Support logins (seed 004): at the login of a customer's tenant, the
// username "jill$john" and Jill's own password start a support session in
// which Jill acts as John; "jill$" acts as an administrator of the tenant.
//
//  1. The password is Jill's, checked against the nearest tenant above the
//     one logged in to that has a "jill" (directory.AuthenticateSupport).
//     A wrong password, an unknown Jill and an unknown tenant get the one
//     answer every wrong password gets, counted against the address and
//     against "jill" as a support user (supportAccountKey), never John:
//     nothing about John is looked up before Jill's password is proven.
//  2. The support rules decide (directory.AuthorizeSupport). A refusal,
//     whatever its reason, reads the same ("you cannot sign in as this
//     user for support"), and is audited with the reason.
//  3. A page says whom Jill will act as and asks for the reason (a ticket
//     reference; required where the tenant's policy says so).
//  4. Jill's own TOTP, whenever Jill has an authenticator or Jill's tenant
//     and roles, John's tenant and roles, or the application require it
//     (Jill enrols first if she has none).
//  5. The rules decide again, the login is audited, and a support session
//     starts for John with Jill as its actor, living SupportLifetime (an
//     hour) at most.
//
// A browser already in a support session cannot start another.

// stageSupport: the support login is proven and allowed; the reason is
// asked for next.
const stageSupport = "support"

// pendingSupport is what a pending support login keeps about the person
// supported, besides the support user in pendingLogin's own fields.
type pendingSupport struct {
	TargetID       string `json:"t"`
	TargetUsername string `json:"tu"`
	TenantID       string `json:"tid"`
	TenantSlug     string `json:"ts"`
	TenantName     string `json:"tn"`
	// ReasonRequired is what the policy said when the rules allowed the
	// login, for the support page to show; the reason given is checked
	// against the policy of the moment (submitSupport).
	ReasonRequired bool `json:"rr,omitempty"`
	// Reason is set once given (support page).
	Reason string `json:"r,omitempty"`
}

// Supporters decides support access; *directory.Directory implements it.
type Supporters interface {
	AuthenticateSupport(ctx context.Context, tenantSlug, actorUsername, password string) (directory.User, directory.Tenant, error)
	AuthorizeSupport(ctx context.Context, actorID, tenantID, targetUsername string, now time.Time) (directory.Support, error)
	RecheckSupport(ctx context.Context, actorID, targetID string, now time.Time) (directory.Support, error)
	// UserIn returns the user called username in tenantID.
	UserIn(ctx context.Context, tenantID, username string) (directory.User, error)
}

// Audit actions of support logins.
const (
	actionSupportLogin        = "support.login"
	actionSupportLoginRefused = "support.login_refused"
)

// supportAccountKey is the password throttle key of a support login: the
// support user's name, whatever tenant and target it is tried at, so that
// varying either buys no extra guesses, and whether or not such a user
// exists, so that being throttled tells nothing either.
func supportAccountKey(actorName string) string { return "support$" + actorName }

// supportLogin continues submitLogin for a "jill$john" username once the
// throttles have let it through.
func (h *Handler) supportLogin(w http.ResponseWriter, r *http.Request, id string, req Request, p templates.LoginPage,
	pw, tenantSlug, actorName, targetName, accountKey, addressKey string, attrs []slog.Attr) error {
	ctx := r.Context()
	attrs = append(attrs, slog.Bool("support", true))
	actor, tenant, err := h.support.AuthenticateSupport(ctx, tenantSlug, actorName, pw)
	if done, err := h.passwordRefused(w, r, id, req, p, err, accountKey, addressKey, attrs); done {
		return err
	}
	attrs = append(attrs, slog.String("tenant_id", tenant.ID), slog.String("actor_id", actor.ID))
	home, err := h.tenants.TenantByID(ctx, actor.TenantID)
	if err != nil {
		return templates.InternalError(fmt.Errorf("home tenant of support user: %w", err), attrs...)
	}
	// What the next steps, and the audit of a refusal, know of the support
	// login: the support user, who authenticates in its home tenant, and
	// the tenant it acts in; the target only once the rules allow it.
	pend := pendingLogin{Stage: stageSupport, UserID: actor.ID, Username: actor.Username, HomeSlug: home.Slug, Lang: actor.PreferredLanguage,
		HomeTenantID: actor.TenantID, TenantID: actor.TenantID, Account: accountKey,
		Support: &pendingSupport{TargetUsername: targetName, TenantID: tenant.ID, TenantSlug: tenant.Slug, TenantName: tenant.Name}}
	refuse := func(refusal directory.SupportRefusal, msg templates.Message) error {
		if err := h.auditSupportRefusal(ctx, r, req, pend, refusal); err != nil {
			return templates.InternalError(err, attrs...)
		}
		h.log.LogAttrs(ctx, slog.LevelWarn, "support login refused", append(attrs, slog.String("refusal", string(refusal)))...)
		p.Error = msg
		h.renderForm(w, r, http.StatusForbidden, id, req, p)
		return nil
	}
	if cur, err := h.sessions.Lookup(ctx, session.TokenFromRequest(r)); err == nil && cur.Support != nil {
		return refuse(directory.RefusedFromSupport, templates.MsgSupportFromSupport)
	}
	access, err := h.support.AuthorizeSupport(ctx, actor.ID, tenant.ID, targetName, h.now())
	if refusal := directory.RefusalOf(err); refusal != "" {
		return refuse(refusal, templates.MsgSupportRefused)
	}
	if err != nil {
		return templates.InternalError(fmt.Errorf("decide support access: %w", err), attrs...)
	}
	pend.Support.TargetID, pend.Support.TargetUsername = access.Target.ID, access.Target.Username
	pend.Support.ReasonRequired = access.Policy.RequireReason
	if err := h.savePending(w, r, id, &pend); err != nil {
		return templates.InternalError(err, attrs...)
	}
	h.log.LogAttrs(ctx, slog.LevelInfo, "support password accepted; reason next", append(attrs, slog.String("user_id", access.Target.ID))...)
	http.Redirect(w, r, "/login/support?authRequestID="+url.QueryEscape(id), http.StatusSeeOther)
	return nil
}

// showSupport serves GET /login/support: whom the support login will act
// as, and the reason field.
func (h *Handler) showSupport(w http.ResponseWriter, r *http.Request) error {
	id, req, p, err := h.pendingPage(w, r, stageSupport)
	if err != nil || req.Done {
		return err
	}
	h.renderSupport(w, r, http.StatusOK, id, req, p, "", "")
	return nil
}

func (h *Handler) renderSupport(w http.ResponseWriter, r *http.Request, status int, id string, req Request, p pendingLogin, reason string, msg templates.Message) {
	h.pages.Render(w, r, status, templates.SupportPage{
		ClientName: clientName(req), AuthRequestID: id, CSRFToken: h.csrf.token(h.csrf.cookie(w, r), id),
		ActorUsername: p.Username, Username: p.Support.TargetUsername, TenantName: p.Support.TenantName,
		ReasonRequired: p.Support.ReasonRequired, Reason: reason,
		LifetimeMinutes: int(h.sessions.SupportLifetime() / time.Minute), Error: msg,
	}, languages(req, p.Lang)...)
}

// submitSupport serves POST /login/support: the reason given, the rules
// decide again, and the support user's second factor comes next.
func (h *Handler) submitSupport(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	id, req, err := h.postedForm(w, r)
	if err != nil || req.Done {
		return err
	}
	p, err := h.loadPending(ctx, r, id, false, stageSupport)
	if err != nil {
		return err
	}
	home, actor, attrs, err := h.pendingPeople(r, req, p) // the support user, in its home tenant
	if err != nil {
		return err
	}
	attrs = append(attrs, slog.Bool("support", true), slog.String("target_id", p.Support.TargetID))
	access, err := h.support.RecheckSupport(ctx, actor.ID, p.Support.TargetID, h.now())
	if refusal := directory.RefusalOf(err); refusal != "" {
		return h.supportRefusedLate(ctx, r, req, p, refusal, attrs)
	}
	if err != nil {
		return templates.InternalError(fmt.Errorf("decide support access: %w", err), attrs...)
	}
	// The reason is checked against the policy as it is now, and the page,
	// if it comes again, says so.
	p.Support.ReasonRequired = access.Policy.RequireReason
	typed := r.PostForm.Get("reason")
	reason, err := access.CheckReason(typed)
	if directory.RefusalOf(err) == directory.RefusedReasonRequired {
		h.renderSupport(w, r, http.StatusBadRequest, id, req, p, "", templates.MsgReasonRequired)
		return nil
	}
	if err != nil {
		h.renderSupport(w, r, http.StatusBadRequest, id, req, p, strings.TrimSpace(typed), templates.MsgReasonInvalid)
		return nil
	}
	if _, err := h.loadPending(ctx, r, id, true, stageSupport); err != nil {
		return err
	}
	p.Support.Reason = reason
	// Jill's TOTP: her own tenant and roles, John's, or the application
	// may require it; an authenticator she has is always asked for.
	var dec directory.MFADecision
	for _, who := range []struct{ userID, label string }{{actor.ID, ""}, {access.Target.ID, " of " + access.Target.Username}} {
		d, err := h.tenants.DecideMFAFor(ctx, who.userID, "", req.MFARequested)
		if err != nil {
			return templates.InternalError(fmt.Errorf("decide MFA: %w", err), attrs...)
		}
		if d.Required && !dec.Required {
			dec = d
			dec.Reason += who.label
		}
	}
	return h.nextFactor(w, r, id, req, p, actor, home, dec, attrs)
}

// supportRefusedLate answers a support login (p) that the rules refuse
// after its password step (a consent revoked, a user disabled meanwhile):
// audited, and the error page, since there is no form to go back to.
func (h *Handler) supportRefusedLate(ctx context.Context, r *http.Request, req Request, p pendingLogin,
	refusal directory.SupportRefusal, attrs []slog.Attr) error {
	if err := h.auditSupportRefusal(ctx, r, req, p, refusal); err != nil {
		return templates.InternalError(err, attrs...)
	}
	return &templates.PageError{Code: http.StatusForbidden, Msg: templates.MsgSupportRefused, ClientName: clientName(req),
		Err: fmt.Errorf("support login refused: %s", refusal), Attrs: attrs}
}

// startSupportSession is finish's support half, for the support user
// actor of p: it decides once more, audits the login and starts the
// support session for the person supported. The audit comes before the
// session is handed out: a support login that cannot be audited does not
// happen.
func (h *Handler) startSupportSession(r *http.Request, req Request, p pendingLogin, actor directory.User,
	amr []string, acr string, attrs []slog.Attr) (string, session.Session, error) {
	ctx := r.Context()
	ps := p.Support
	access, err := h.support.RecheckSupport(ctx, actor.ID, ps.TargetID, h.now())
	if refusal := directory.RefusalOf(err); refusal != "" {
		return "", session.Session{}, h.supportRefusedLate(ctx, r, req, p, refusal, attrs)
	}
	if err != nil {
		return "", session.Session{}, templates.InternalError(fmt.Errorf("decide support access: %w", err), attrs...)
	}
	sup := &session.Support{ActorID: actor.ID, ActorUsername: actor.Username, ActorTenantID: actor.TenantID,
		ActorTenantSlug: p.HomeSlug, Username: access.Target.Username, Reason: ps.Reason}
	revoked := access.Target.RevokedBefore
	if actor.RevokedBefore.After(revoked) {
		revoked = actor.RevokedBefore
	}
	token, sess, err := h.sessions.Create(ctx, access.Target.ID, access.Tenant.ID, amr, acr, sup, revoked)
	if err != nil {
		return "", session.Session{}, templates.InternalError(fmt.Errorf("create support session: %w", err), attrs...)
	}
	d := map[string]string{"client_id": req.ClientID, "address": throttle.ClientAddress(r), "actor_tenant": p.HomeSlug,
		"session_id": sess.ID, "amr": strings.Join(amr, " "), "allowed_by": "permission"}
	if access.ByConsent {
		d["allowed_by"] = "consent"
	}
	if ps.Reason != "" {
		d["reason"] = ps.Reason
	}
	if err := h.audit(ctx, audit.Event{Action: actionSupportLogin, TenantID: access.Tenant.ID, Actor: actor.ID,
		ActorName: access.Name(), Target: access.Target.ID, TargetName: access.Target.Username, Details: d}); err != nil {
		if derr := h.sessions.Delete(ctx, token); derr != nil {
			h.log.LogAttrs(ctx, slog.LevelWarn, "delete unaudited support session", append(attrs, slog.String("err", derr.Error()))...)
		}
		return "", session.Session{}, templates.InternalError(fmt.Errorf("audit support login: %w", err), attrs...)
	}
	return token, sess, nil
}

// auditSupportRefusal records a refused support login (p). It is only
// called once the support user's password is proven: a wrong password
// names nobody, and is throttled and logged like any other. A refusal
// about the target (unknown, disabled, no consent, ...) goes to the tenant
// tried, whose administrators see who tried, naming the target if it
// exists; one about the support user itself (no permission) goes to the
// support user's own tenant, naming the tenant tried but nobody in it.
func (h *Handler) auditSupportRefusal(ctx context.Context, r *http.Request, req Request, p pendingLogin, refusal directory.SupportRefusal) error {
	s := p.Support
	targetName := s.TargetUsername
	if directory.ValidateUsername(targetName) != nil && targetName != "" {
		targetName = "(invalid)" // what was typed could be anything, of any length
	}
	e := audit.Event{Action: actionSupportLoginRefused, TenantID: s.TenantID, Actor: p.UserID,
		ActorName: directory.SupportName(p.Username, targetName),
		Details: map[string]string{"refusal": string(refusal), "client_id": req.ClientID,
			"address": throttle.ClientAddress(r), "actor_tenant": p.HomeSlug}}
	switch {
	case refusal.ActorSide():
		e.TenantID, e.ActorName = p.HomeTenantID, directory.SupportName(p.Username, "")
		e.Details["tenant"] = s.TenantSlug
	case refusal == directory.RefusedUnknownUser || targetName == "":
		// Nobody to name.
	case s.TargetID != "": // refused late: the rules found the target before
		e.Target, e.TargetName = s.TargetID, s.TargetUsername
	default:
		if u, err := h.support.UserIn(ctx, s.TenantID, targetName); err == nil {
			e.Target, e.TargetName = u.ID, u.Username
		}
	}
	if err := h.audit(ctx, e); err != nil {
		return fmt.Errorf("audit refused support login: %w", err)
	}
	return nil
}
