package templates

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/gatehouse-id/gatehouse/storage"
)

// PageError is what a page handler returns when it cannot go on: the status
// and the message the person sees, and the cause, which only the log sees
// (like tailscale's tsweb.HTTPError). Attrs add what the handler knew
// (client_id, tenant, user_id) to the log line.
type PageError struct {
	Code       int
	Msg        Message
	ClientName string
	Err        error
	Attrs      []slog.Attr
}

func (e *PageError) Error() string {
	if e.Err == nil {
		return http.StatusText(e.Code)
	}
	return e.Err.Error()
}

func (e *PageError) Unwrap() error { return e.Err }

// InternalError is an unexpected failure: the person reads "something went
// wrong on our side", the log gets err at Error level. An outage of the
// database or Redis is a 503 that says to try again in a moment.
func InternalError(err error, attrs ...slog.Attr) error {
	if errors.Is(err, storage.ErrUnavailable) {
		return &PageError{Code: http.StatusServiceUnavailable, Msg: MsgUnavailable, Err: err, Attrs: attrs}
	}
	return &PageError{Code: http.StatusInternalServerError, Msg: MsgInternal, Err: err, Attrs: attrs}
}

// Pages serves the pages of one part of Gatehouse (the login, the account
// page) with the same headers, error page, logging and cross-origin
// protection. Create it with NewPages.
type Pages struct {
	set *Set
	log *slog.Logger
	// what names the part in log lines ("login page", "account page").
	what      string
	crossSite *http.CrossOriginProtection
	// secure marks the language cookie Secure.
	secure bool
}

// NewPages returns the Pages of the part called what, rendering set and
// logging to log (discarded if nil). secureCookies marks the cookie of the
// language switch Secure, as the part's other cookies; it is false only in
// plain-HTTP development.
func NewPages(set *Set, log *slog.Logger, what string, secureCookies bool) *Pages {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	p := &Pages{set: set, log: log, what: what, crossSite: http.NewCrossOriginProtection(), secure: secureCookies}
	// net/http's CrossOriginProtection refuses cross-origin POSTs from
	// browsers; the refusal is the "form expired" page.
	p.crossSite.SetDenyHandler(p.Handle(func(w http.ResponseWriter, r *http.Request) error {
		return &PageError{Code: http.StatusForbidden, Msg: MsgFormExpired, Err: errors.New("cross-origin request refused")}
	}))
	return p
}

// Route registers fn on mux at pattern, behind CrossOriginProtection and
// Handle.
func (p *Pages) Route(mux *http.ServeMux, pattern string, fn func(w http.ResponseWriter, r *http.Request) error) {
	mux.Handle(pattern, p.crossSite.Handler(p.Handle(fn)))
}

// Handle adapts fn, which writes a response and returns nil or writes
// nothing and returns an error, to http.Handler. It sets the security
// headers, and the language cookie when the request comes from the
// language switch, before fn runs, so that redirects carry them too, and renders
// fn's error as the error page: a *PageError with its own status and
// message, anything else as a 500. Server errors are logged at Error,
// refusals at Warn; neither ever includes form values, cookies, codes or
// tokens.
func (p *Pages) Handle(fn func(w http.ResponseWriter, r *http.Request) error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		SetSecurityHeaders(w.Header())
		RememberLanguage(w, r, p.secure)
		err := fn(w, r)
		if err == nil {
			return
		}
		var pe *PageError
		if !errors.As(err, &pe) {
			pe = &PageError{Code: http.StatusInternalServerError, Msg: MsgInternal, Err: err}
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
		p.log.LogAttrs(r.Context(), level, p.what+" error", attrs...)
		p.Render(w, r, pe.Code, ErrorPage{Message: pe.Msg, ClientName: pe.ClientName})
	})
}

// Render writes page pg with status, in the language Language picks for r
// and hints (the handler's, best first: the authorization request's
// ui_locales, the person's preferred language), with the language switch
// (switchTarget). It renders into a buffer first, so that a failing
// template becomes a plain 500 instead of half a page behind a 200.
func (p *Pages) Render(w http.ResponseWriter, r *http.Request, status int, pg Page, hints ...string) {
	f := Frame{Lang: Language(r, hints...), Support: SupportBannerFrom(r.Context()), Brand: BrandFrom(r.Context())}
	path, query, ok := switchTarget(r, pg)
	f.Path, f.Query, f.NoSwitch = path, query, !ok
	var buf bytes.Buffer
	if err := p.set.Render(&buf, pg, f); err != nil {
		p.log.LogAttrs(r.Context(), slog.LevelError, "render "+p.what, slog.String("err", err.Error()))
		http.Error(w, "Something went wrong on our side. Please try again later.", http.StatusInternalServerError)
		return
	}
	SetSecurityHeaders(w.Header())
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// MaxFormBytes bounds a POST body on the pages: a real form is well under
// 2 KiB; anything larger is refused before it is parsed.
const MaxFormBytes = 16 << 10

// ParseForm reads a POST body of at most MaxFormBytes, answering a larger
// or malformed one with the page that says so.
func ParseForm(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, MaxFormBytes)
	if err := r.ParseForm(); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return &PageError{Code: http.StatusRequestEntityTooLarge, Msg: MsgFormTooLarge, Err: err}
		}
		return &PageError{Code: http.StatusBadRequest, Msg: MsgBadRequest, Err: fmt.Errorf("parse form: %w", err)}
	}
	return nil
}
