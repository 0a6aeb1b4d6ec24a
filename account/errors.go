package account

import (
	"net/http"

	"github.com/gatehouse-id/gatehouse/templates"
)

// pageError and internalError are the shared page errors
// (templates.PageError): a status and message for the person, the cause for
// the log.
type pageError = templates.PageError

var internalError = templates.InternalError

// handlerFunc writes a response and returns nil, or writes nothing and
// returns an error for page to render.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

// page adapts fn to http.Handler: the security headers first, so that
// redirects carry them too; fn's error as the error page, logged at Error
// for a 5xx and at Warn otherwise, never with form values, cookies or codes.
func (h *Handler) page(fn handlerFunc) http.Handler { return h.pages().Handle(fn) }

// render writes page p with status (templates.Pages.Render).
func (h *Handler) render(w http.ResponseWriter, r *http.Request, status int, p templates.Page) {
	h.pages().Render(w, r, status, p)
}

func (h *Handler) pages() templates.Pages {
	return templates.Pages{Set: h.tmpl, Log: h.log, What: "account page"}
}
