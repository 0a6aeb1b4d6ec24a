package login

import (
	"net/http"

	"github.com/gatehouse-id/gatehouse/templates"
)

// loggedOut is where RP-initiated logout ends when the application gave no
// post_logout_redirect_uri: the provider ends the session and redirects
// here, so that the person sees that it worked.
func (h *Handler) loggedOut(w http.ResponseWriter, r *http.Request) error {
	h.pages.Render(w, r, http.StatusOK, templates.LoggedOutPage{})
	return nil
}
