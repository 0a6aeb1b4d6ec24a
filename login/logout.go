package login

import (
	"errors"
	"net/http"
	"strings"

	"github.com/gatehouse-id/gatehouse/templates"
)

// loggedOut is where RP-initiated logout ends when the application gave no
// post_logout_redirect_uri: the provider ends the session and redirects
// here, so that the person sees that it worked.
func (h *Handler) loggedOut(w http.ResponseWriter, r *http.Request) error {
	h.pages.Render(w, r, http.StatusOK, templates.LoggedOutPage{})
	return nil
}

// showLogoutConfirm serves GET /logout: the provider sends end_session
// requests without an id_token_hint here (RP-Initiated Logout 1.0 §6),
// with their parameters in the query. The page asks; nothing is ended.
func (h *Handler) showLogoutConfirm(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	q.Del(templates.LangParam)
	action := "/logout"
	if enc := q.Encode(); enc != "" {
		action += "?" + enc
	}
	h.pages.Render(w, r, http.StatusOK, templates.LogoutConfirmPage{
		Action: action, CSRFToken: h.csrf.logoutToken(h.csrf.cookie(w, r)),
	}, uiLocales(q.Get("ui_locales"))...)
	return nil
}

// submitLogoutConfirm serves POST /logout: with a valid CSRF token, the
// provider ends the session as end_session does (Config.EndLogout) and
// answers with its redirect.
func (h *Handler) submitLogoutConfirm(w http.ResponseWriter, r *http.Request) error {
	if err := templates.ParseForm(w, r); err != nil {
		return err
	}
	if !h.csrf.validLogout(r, r.PostForm.Get(csrfField)) {
		return &templates.PageError{Code: http.StatusForbidden, Msg: templates.MsgFormExpired,
			Err: errors.New("logout: csrf token missing or wrong")}
	}
	h.endLogout(w, r, r.URL.Query())
	return nil
}

// uiLocales splits a ui_locales parameter into the language hints of
// templates.Pages.Render.
func uiLocales(s string) []string { return strings.Fields(s) }
