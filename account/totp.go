package account

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/gatehouse-id/gatehouse/directory"
	"github.com/gatehouse-id/gatehouse/ephemeral"
	"github.com/gatehouse-id/gatehouse/mfa"
	"github.com/gatehouse-id/gatehouse/templates"
	"github.com/gatehouse-id/gatehouse/totppage"
)

// enrolTTL bounds how long a new secret waits for its first code, as the
// login's enrolment does.
const enrolTTL = 10 * time.Minute

// pendingEnrolment is a secret shown but not yet confirmed, kept in the
// ephemeral store under the session's id, sealed for its user (so that it
// opens for no one else), with the id its form carries, so that a form from
// an earlier QR code is told apart.
type pendingEnrolment struct {
	UserID string `json:"uid"`
	Secret []byte `json:"es"`
	ID     string `json:"eid"`
}

func enrolKey(sessionID string) string { return "account-enrol:" + sessionID }

// startEnrolment serves POST /account/totp/enrol/start.
func (h *Handler) startEnrolment(w http.ResponseWriter, r *http.Request) error {
	p, ok, err := h.posted(w, r)
	if !ok {
		return err
	}
	if refused, err := h.refuseEnrolment(w, r, p); refused || err != nil {
		return err
	}
	pe := pendingEnrolment{UserID: p.user.ID}
	if pe.Secret, pe.ID, err = totppage.NewEnrolment(h.mfa, p.subject()); err != nil {
		return templates.InternalError(err, p.attrs()...)
	}
	raw, err := json.Marshal(pe)
	if err != nil {
		return templates.InternalError(err, p.attrs()...)
	}
	if err := h.pending.Set(r.Context(), enrolKey(p.sess.ID), raw, enrolTTL); err != nil {
		return templates.InternalError(fmt.Errorf("store TOTP enrolment: %w", err), p.attrs()...)
	}
	http.Redirect(w, r, Path+"/totp/enrol", http.StatusSeeOther)
	return nil
}

// refuseEnrolment answers, and reports true, when p may not enrol: the
// tenant's policy is off, or p has an authenticator already.
func (h *Handler) refuseEnrolment(w http.ResponseWriter, r *http.Request, p person) (bool, error) {
	if p.dec.Policy == directory.MFAOff {
		return true, h.refuse(w, r, http.StatusForbidden, p, templates.MsgMFAOff)
	}
	st, err := h.mfa.Status(r.Context(), p.subject())
	if err != nil {
		return true, templates.InternalError(fmt.Errorf("TOTP status: %w", err), p.attrs()...)
	}
	if st.Enrolled {
		return true, h.refuse(w, r, http.StatusConflict, p, templates.MsgAlreadyEnrolled)
	}
	return false, nil
}

// showEnrolment serves GET /account/totp/enrol: the QR code and key of
// the secret startEnrolment made, drawn again on every visit.
func (h *Handler) showEnrolment(w http.ResponseWriter, r *http.Request) error {
	p, ok, err := h.viewer(w, r, http.StatusOK, "")
	if !ok {
		return err
	}
	if p.sess.Support != nil {
		// Nothing to show: a support session cannot start an enrolment.
		http.Redirect(w, r, Path, http.StatusSeeOther)
		return nil
	}
	pe, found, err := h.loadEnrolment(r.Context(), p)
	if err != nil {
		return err
	}
	if !found {
		http.Redirect(w, r, Path, http.StatusSeeOther)
		return nil
	}
	if refused, err := h.refuseEnrolment(w, r, p); refused || err != nil {
		return err
	}
	return h.renderEnrolment(w, r, http.StatusOK, p, pe, templates.CodeError{})
}

// submitEnrolment serves POST /account/totp/enrol: the first code from the
// new authenticator. On success the person sees the recovery codes, once.
func (h *Handler) submitEnrolment(w http.ResponseWriter, r *http.Request) error {
	p, ok, err := h.posted(w, r)
	if !ok {
		return err
	}
	ctx := r.Context()
	pe, found, err := h.loadEnrolment(ctx, p)
	if err != nil {
		return err
	}
	if !found {
		return h.refuse(w, r, http.StatusBadRequest, p, templates.MsgEnrolmentExpired)
	}
	if subtle.ConstantTimeCompare([]byte(r.PostForm.Get("enrol_id")), []byte(pe.ID)) != 1 {
		// A form from an earlier enrolment (another tab, the back button):
		// its QR code is not the one kept now.
		return h.renderEnrolment(w, r, http.StatusBadRequest, p, pe, templates.CodeError{Error: templates.MsgEnrolmentStale})
	}
	if p.dec.Policy == directory.MFAOff { // turned off since the page was drawn
		return h.refuse(w, r, http.StatusForbidden, p, templates.MsgMFAOff)
	}
	sub := p.subject()
	secret, err := h.mfa.OpenSecret(sub, pe.Secret)
	if err != nil {
		return templates.InternalError(fmt.Errorf("open TOTP enrolment: %w", err), p.attrs()...)
	}
	var codes []string
	refused, err := totppage.TryCode(ctx, w, r, h.address, func() (err error) {
		codes, err = h.mfa.CompleteEnrolment(ctx, sub, secret, r.PostForm.Get("code"))
		return err
	})
	if refused != nil {
		h.log.LogAttrs(ctx, slog.LevelInfo, "account TOTP enrolment code refused", append(p.attrs(), slog.String("reason", string(refused.Msg)))...)
		return h.renderEnrolment(w, r, refused.Status, p, pe, refused.CodeError())
	}
	if errors.Is(err, mfa.ErrEnrolled) { // another tab finished first
		h.forgetEnrolment(ctx, p)
		return h.refuse(w, r, http.StatusConflict, p, templates.MsgAlreadyEnrolled)
	}
	if err != nil {
		return templates.InternalError(fmt.Errorf("complete TOTP enrolment: %w", err), p.attrs()...)
	}
	h.forgetEnrolment(ctx, p)
	h.log.LogAttrs(ctx, slog.LevelInfo, "TOTP enrolled from the account page", p.attrs()...)
	h.pages.Render(w, r, http.StatusOK, templates.AccountRecoveryCodesPage{Codes: codes}, p.user.PreferredLanguage)
	return nil
}

// loadEnrolment returns the session's pending enrolment, if there is one
// for its user.
func (h *Handler) loadEnrolment(ctx context.Context, p person) (pendingEnrolment, bool, error) {
	raw, err := h.pending.Get(ctx, enrolKey(p.sess.ID))
	if errors.Is(err, ephemeral.ErrNotFound) {
		return pendingEnrolment{}, false, nil
	}
	if err != nil {
		return pendingEnrolment{}, false, templates.InternalError(fmt.Errorf("load TOTP enrolment: %w", err), p.attrs()...)
	}
	var pe pendingEnrolment
	if err := json.Unmarshal(raw, &pe); err != nil {
		return pendingEnrolment{}, false, templates.InternalError(fmt.Errorf("decode TOTP enrolment: %w", err), p.attrs()...)
	}
	if pe.UserID != p.user.ID {
		return pendingEnrolment{}, false, nil
	}
	return pe, true, nil
}

// forgetEnrolment drops the session's pending enrolment once it is done;
// left behind, it would only expire.
func (h *Handler) forgetEnrolment(ctx context.Context, p person) {
	if err := h.pending.Delete(ctx, enrolKey(p.sess.ID)); err != nil {
		h.log.LogAttrs(ctx, slog.LevelWarn, "delete TOTP enrolment", append(p.attrs(), slog.String("err", err.Error()))...)
	}
}

func (h *Handler) renderEnrolment(w http.ResponseWriter, r *http.Request, status int, p person, pe pendingEnrolment, ce templates.CodeError) error {
	setup, err := totppage.DrawSealed(h.mfa, p.subject(), pe.Secret)
	if err != nil {
		return templates.InternalError(err, p.attrs()...)
	}
	h.pages.Render(w, r, status, templates.AccountEnrolPage{
		CSRFToken: h.csrf.token(p.sess.ID), EnrolID: pe.ID, Account: setup.Account, QR: setup.QR, Secret: setup.Key,
		CodeError: ce,
	}, p.user.PreferredLanguage)
	return nil
}

// regenerate serves POST /account/totp/recovery: a current TOTP code buys
// ten new recovery codes, shown once; the old ones stop working.
func (h *Handler) regenerate(w http.ResponseWriter, r *http.Request) error {
	p, ok, err := h.posted(w, r)
	if !ok {
		return err
	}
	ctx := r.Context()
	// (Not enrolled: RegenerateRecoveryCodes says so, answered below.)
	var codes []string
	refused, err := totppage.TryCode(ctx, w, r, h.address, func() (err error) {
		codes, err = h.mfa.RegenerateRecoveryCodes(ctx, p.subject(), r.PostForm.Get("code"))
		return err
	})
	if refused != nil {
		h.log.LogAttrs(ctx, slog.LevelInfo, "account recovery codes: code refused", append(p.attrs(), slog.String("reason", string(refused.Msg)))...)
		return h.renderAccount(w, r, refused.Status, p, templates.AccountPage{Recovery: refused.CodeError()})
	}
	if errors.Is(err, mfa.ErrNotEnrolled) { // removed meanwhile
		return h.refuse(w, r, http.StatusConflict, p, templates.MsgNotEnrolled)
	}
	if err != nil {
		return templates.InternalError(fmt.Errorf("regenerate recovery codes: %w", err), p.attrs()...)
	}
	h.log.LogAttrs(ctx, slog.LevelInfo, "recovery codes regenerated from the account page", p.attrs()...)
	h.pages.Render(w, r, http.StatusOK, templates.AccountRecoveryCodesPage{Codes: codes, Regenerated: true}, p.user.PreferredLanguage)
	return nil
}

// remove serves POST /account/totp/remove: a current TOTP code removes the
// authenticator, unless TOTP is required of the person, which is checked
// first so that a refusal does not spend the code.
func (h *Handler) remove(w http.ResponseWriter, r *http.Request) error {
	p, ok, err := h.posted(w, r)
	if !ok {
		return err
	}
	ctx := r.Context()
	if refused, err := h.refuseUnenrolled(w, r, p); refused || err != nil {
		return err
	}
	if p.dec.Required {
		return h.refuse(w, r, http.StatusForbidden, p, templates.MsgTOTPRequired)
	}
	refused, err := totppage.TryCode(ctx, w, r, h.address, func() error {
		return h.mfa.Remove(ctx, p.subject(), r.PostForm.Get("code"))
	})
	if refused != nil {
		h.log.LogAttrs(ctx, slog.LevelInfo, "account TOTP removal: code refused", append(p.attrs(), slog.String("reason", string(refused.Msg)))...)
		return h.renderAccount(w, r, refused.Status, p, templates.AccountPage{Remove: refused.CodeError()})
	}
	if errors.Is(err, mfa.ErrNotEnrolled) {
		return h.refuse(w, r, http.StatusConflict, p, templates.MsgNotEnrolled)
	}
	if err != nil {
		return templates.InternalError(fmt.Errorf("remove TOTP: %w", err), p.attrs()...)
	}
	h.log.LogAttrs(ctx, slog.LevelInfo, "TOTP removed from the account page", p.attrs()...)
	return h.renderAccount(w, r, http.StatusOK, p, templates.AccountPage{Notice: templates.MsgTOTPRemoved})
}

// refuseUnenrolled answers, and reports true, when p has no authenticator
// to change.
func (h *Handler) refuseUnenrolled(w http.ResponseWriter, r *http.Request, p person) (bool, error) {
	st, err := h.mfa.Status(r.Context(), p.subject())
	if err != nil {
		return true, templates.InternalError(fmt.Errorf("TOTP status: %w", err), p.attrs()...)
	}
	if !st.Enrolled {
		return true, h.refuse(w, r, http.StatusConflict, p, templates.MsgNotEnrolled)
	}
	return false, nil
}
