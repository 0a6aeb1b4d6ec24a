package login

import (
	"bytes"
	"errors"
	"log/slog"
	"net/http"

	"github.com/gatehouse-id/gatehouse/storage"
	"github.com/gatehouse-id/gatehouse/templates"
)

// pageError is what a handler returns when it cannot go on: the status and
// the message the person sees, and the cause, which only the log sees (like
// tailscale's tsweb.HTTPError). Attrs add what the handler knew (client_id,
// tenant, user_id) to the log line.
type pageError struct {
	Code       int
	Msg        templates.Message
	ClientName string
	Err        error
	Attrs      []slog.Attr
}

func (e *pageError) Error() string {
	if e.Err == nil {
		return http.StatusText(e.Code)
	}
	return e.Err.Error()
}

func (e *pageError) Unwrap() error { return e.Err }

// internalError is an unexpected failure: the person reads "something went
// wrong on our side", the log gets err at Error level. An outage of the
// database or Redis is a 503 that says to try again in a moment.
func internalError(err error, attrs ...slog.Attr) error {
	if errors.Is(err, storage.ErrUnavailable) {
		return &pageError{Code: http.StatusServiceUnavailable, Msg: templates.MsgUnavailable, Err: err, Attrs: attrs}
	}
	return &pageError{Code: http.StatusInternalServerError, Msg: templates.MsgInternal, Err: err, Attrs: attrs}
}

// handlerFunc is a login handler: it writes a response and returns nil, or
// writes nothing and returns an error for page to render.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

// page adapts fn to http.Handler. It sets the security headers before fn
// runs, so that redirects carry them too, and renders fn's error as the
// error page: a *pageError with its own status and message, anything else
// as a 500. Server errors are logged at Error, refusals at Warn; neither
// ever includes form values, cookies or tokens.
func (h *Handler) page(fn handlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		setSecurityHeaders(w.Header())
		err := fn(w, r)
		if err == nil {
			return
		}
		var pe *pageError
		if !errors.As(err, &pe) {
			pe = &pageError{Code: http.StatusInternalServerError, Msg: templates.MsgInternal, Err: err}
		}
		level := slog.LevelWarn
		if pe.Code >= 500 {
			level = slog.LevelError
		}
		attrs := append([]slog.Attr{
			slog.String("method", r.Method),
			slog.String("path", r.URL.Path),
			slog.Int("status", pe.Code),
			slog.String("err", pe.Error()),
		}, pe.Attrs...)
		h.log.LogAttrs(r.Context(), level, "login page error", attrs...)
		h.render(w, r, pe.Code, templates.ErrorPage{Message: pe.Msg, ClientName: pe.ClientName})
	})
}

// render writes page p with status. It renders into a buffer first, so that
// a failing template becomes a plain 500 instead of half a page behind a
// 200.
func (h *Handler) render(w http.ResponseWriter, r *http.Request, status int, p templates.Page) {
	var buf bytes.Buffer
	if err := h.tmpl.Execute(&buf, p); err != nil {
		h.log.LogAttrs(r.Context(), slog.LevelError, "render login page", slog.String("err", err.Error()))
		http.Error(w, "Something went wrong on our side. Please try again later.", http.StatusInternalServerError)
		return
	}
	setSecurityHeaders(w.Header())
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// contentSecurityPolicy allows our own style sheet and images and nothing
// else to load, and no one to frame the pages (clickjacking of the
// password form).
//
// It has no form-action directive on purpose: Chromium applies form-action
// to every redirect that follows a form submission, and a successful POST
// /login is followed by 303 to the callback and then a redirect to the
// portal's redirect_uri on another origin, which form-action 'self' would
// block. The form's action is a fixed path in a template that html/template
// escapes, and base-uri 'none' stops an injected <base> from moving it.
//
// img-src allows data: for the enrolment page's QR code, which the server
// draws into the page so that no one else sees the secret.
const contentSecurityPolicy = "default-src 'self'; img-src 'self' data:; base-uri 'none'; object-src 'none'; frame-ancestors 'none'"

// setSecurityHeaders sets the headers every login response carries: nothing
// is cached (the pages hold CSRF tokens and typed usernames), nothing is
// framed, no Referer leaks the authorization request id to another site.
func setSecurityHeaders(h http.Header) {
	h.Set("Cache-Control", "no-store")
	h.Set("Pragma", "no-cache")
	h.Set("X-Frame-Options", "DENY")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", contentSecurityPolicy)
	h.Set("Referrer-Policy", "no-referrer")
}
