package login

import (
	"net/http"

	"github.com/gatehouse-id/gatehouse/templates"
)

// pageError and internalError are the shared page errors
// (templates.PageError): a status and message for the person, the cause for
// the log.
type pageError = templates.PageError

var internalError = templates.InternalError

// handlerFunc is a login handler: it writes a response and returns nil, or
// writes nothing and returns an error for page to render.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

// page adapts fn to http.Handler. It sets the security headers before fn
// runs, so that redirects carry them too, and renders fn's error as the
// error page: a *pageError with its own status and message, anything else
// as a 500. Server errors are logged at Error, refusals at Warn; neither
// ever includes form values, cookies or tokens.
func (h *Handler) page(fn handlerFunc) http.Handler { return h.pages().Handle(fn) }

// render writes page p with status (templates.Pages.Render).
func (h *Handler) render(w http.ResponseWriter, r *http.Request, status int, p templates.Page) {
	h.pages().Render(w, r, status, p)
}

func (h *Handler) pages() templates.Pages {
	return templates.Pages{Set: h.tmpl, Log: h.log, What: "login page"}
}
