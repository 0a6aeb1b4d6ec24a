package login

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"

	"github.com/gatehouse-id/gatehouse/audit"
	"github.com/gatehouse-id/gatehouse/session"
	"github.com/gatehouse-id/gatehouse/templates"
	"github.com/gatehouse-id/gatehouse/throttle"
)

// The consent step: a third-party application (directory.Client.ThirdParty)
// gets no code before the person allows what it asks for. The provider
// decides that it must ask, when the login completes the request
// (CompleteLogin answers ErrConsentRequired) or when a single sign-on
// session would (GET /login finds the request AwaitingConsent); either way
// the request then waits for the consent of the person in that session,
// whose cookie the browser now holds. GET /login/consent shows the
// application's name and what each scope it asks for means; POST
// /login/consent takes Allow (the consent is remembered and the request
// completed) or Deny (the application gets access_denied), audited as
// consent.granted or consent.denied, and sends the browser to the
// callback. The platform's own portals never come here.

// consentPath is the consent page.
const consentPath = "/login/consent"

// Audit actions of the consent page.
const (
	actionConsentGranted = "consent.granted"
	actionConsentDenied  = "consent.denied"
)

// consentURL is the consent page of request id.
func consentURL(id string) string {
	return consentPath + "?authRequestID=" + url.QueryEscape(id)
}

// consentSession returns the browser's session, which must be the one the
// request waits for (Requests.ConsentRequest checks that).
func (h *Handler) consentSession(r *http.Request) (session.Session, error) {
	sess, err := h.sessions.Lookup(r.Context(), session.TokenFromRequest(r))
	if err != nil {
		return session.Session{}, &templates.PageError{Code: http.StatusBadRequest, Msg: templates.MsgRequestExpired,
			Err: fmt.Errorf("consent without a live session: %w", err)}
	}
	return sess, nil
}

// consentRequest asks the provider what request id asks of sess.
func (h *Handler) consentRequest(r *http.Request, id string, req Request, sess session.Session) (Consent, error) {
	c, err := h.requests.ConsentRequest(r.Context(), id, sess)
	if errors.Is(err, ErrRequestNotFound) {
		return Consent{}, &templates.PageError{Code: http.StatusBadRequest, Msg: templates.MsgRequestExpired,
			ClientName: clientName(req), Err: err}
	}
	if err != nil {
		return Consent{}, templates.InternalError(fmt.Errorf("load consent request: %w", err))
	}
	return c, nil
}

// showConsent serves GET /login/consent?authRequestID=….
func (h *Handler) showConsent(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	id := r.URL.Query().Get("authRequestID")
	req, err := h.loginRequest(ctx, id)
	if err != nil {
		return err
	}
	if req.Done {
		http.Redirect(w, r, h.callback(ctx, id), http.StatusFound)
		return nil
	}
	sess, err := h.consentSession(r)
	if err != nil {
		return err
	}
	c, err := h.consentRequest(r, id, req, sess)
	if err != nil {
		return err
	}
	user, err := h.tenants.ActiveUser(ctx, sess.UserID)
	if err != nil {
		return &templates.PageError{Code: http.StatusBadRequest, Msg: templates.MsgRequestExpired,
			ClientName: clientName(req), Err: fmt.Errorf("consent of an inactive user: %w", err)}
	}
	name := c.ClientName
	if name == "" {
		name = clientName(req)
	}
	pg := templates.ConsentPage{ClientName: name, AuthRequestID: id, Username: user.Username,
		Scopes: c.Scopes, Again: c.Again, CSRFToken: h.csrf.token(h.csrf.cookie(w, r), id)}
	h.pages.Render(w, r, http.StatusOK, pg, languages(req, user.PreferredLanguage)...)
	return nil
}

// submitConsent serves POST /login/consent: size, CSRF and request as
// every form; the browser's session must be the one the request waits
// for; the answer is "allow" or "deny". The answer is audited before the
// provider acts on it: an answer that cannot be audited is not given.
func (h *Handler) submitConsent(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	id, req, err := h.postedForm(w, r)
	if err != nil || req.Done {
		return err
	}
	answer := r.PostForm.Get("answer")
	if answer != "allow" && answer != "deny" {
		return &templates.PageError{Code: http.StatusBadRequest, Msg: templates.MsgBadRequest,
			Err: fmt.Errorf("consent answer %q", answer)}
	}
	sess, err := h.consentSession(r)
	if err != nil {
		return err
	}
	c, err := h.consentRequest(r, id, req, sess)
	if err != nil {
		return err
	}
	allow := answer == "allow"
	attrs := []slog.Attr{slog.String("client_id", req.ClientID), slog.String("user_id", sess.UserID)}
	action := actionConsentDenied
	if allow {
		action = actionConsentGranted
	}
	e := audit.Event{Action: action, TenantID: sess.TenantID, Actor: sess.UserID, Target: sess.UserID,
		Details: map[string]string{"client_id": req.ClientID, "scopes": strings.Join(c.Scopes, " "),
			"session_id": sess.ID, "address": throttle.ClientAddress(r)}}
	if sess.Support != nil {
		e.Actor, e.Details["reason"] = sess.Support.ActorID, sess.Support.Reason
	}
	if err := h.audit(ctx, e); err != nil {
		return templates.InternalError(fmt.Errorf("audit consent: %w", err), attrs...)
	}
	if err := h.requests.AnswerConsent(ctx, id, sess, allow); err != nil {
		if errors.Is(err, ErrRequestNotFound) {
			return &templates.PageError{Code: http.StatusBadRequest, Msg: templates.MsgRequestExpired,
				ClientName: clientName(req), Err: err, Attrs: attrs}
		}
		return templates.InternalError(fmt.Errorf("answer consent: %w", err), attrs...)
	}
	h.log.LogAttrs(ctx, slog.LevelInfo, action, attrs...)
	http.Redirect(w, r, h.callback(ctx, id), http.StatusSeeOther)
	return nil
}
