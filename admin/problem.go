package admin

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"

	"github.com/gatehouse-id/gatehouse/directory"
	"github.com/gatehouse-id/gatehouse/storage"
)

// Problem is an RFC 9457 problem details object.
type Problem struct {
	Type   string `json:"type"`
	Title  string `json:"title"`
	Status int    `json:"status"`
	Detail string `json:"detail,omitempty"`
	// Errors name the fields at fault, for a form to show beside them.
	Errors []FieldProblem `json:"errors,omitempty"`
}

// FieldProblem is one field at fault.
type FieldProblem struct {
	Field  string `json:"field"`
	Reason string `json:"reason"`
}

// problemBase is where the API's problem types live: a type is this and a
// kind ("not-found"), a stable URI a client may switch on.
const problemBase = "https://gatehouse.dev/problems/"

func problem(status int, kind, title, detail string) *Problem {
	return &Problem{Type: problemBase + kind, Title: title, Status: status, Detail: detail}
}

func (p *Problem) Error() string { return p.Title + ": " + p.Detail }

// fieldProblem is a 422 (or 400, for a body that does not decode) naming
// the field.
func fieldProblem(status int, field, reason string) *Problem {
	p := problem(status, "invalid-field", "A field is not valid", field+": "+reason)
	p.Errors = []FieldProblem{{Field: field, Reason: reason}}
	return p
}

// writeProblem writes p.
func writeProblem(w http.ResponseWriter, p *Problem) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(p.Status)
	_ = json.NewEncoder(w).Encode(p)
}

// problemOf turns a handler's error into the problem the client reads,
// logging what the client must not see.
func (h *Handler) problemOf(r *http.Request, err error) *Problem {
	var p *Problem
	var fe *directory.FieldError
	var quota *directory.QuotaError
	switch {
	case errors.As(err, &p):
		return p
	case errors.As(err, &quota):
		return problem(http.StatusConflict, "quota-exceeded", "User quota reached", quota.Error())
	case errors.Is(err, directory.ErrUserDeleted):
		return problem(http.StatusConflict, "user-deleted", "User deleted",
			"the user is deleted: restore it (POST .../restore) before changing it")
	case errors.Is(err, directory.ErrUserNotDeleted):
		return problem(http.StatusConflict, "user-not-deleted", "User not deleted", "only a deleted user can be restored")
	case errors.Is(err, directory.ErrConflict):
		// The store's own words (a constraint's name) are not the client's.
		pr := problem(http.StatusConflict, "conflict", "Already exists", "a name is taken")
		if errors.As(err, &fe) {
			pr.Detail, pr.Errors = fe.Error(), []FieldProblem{{Field: fe.Field, Reason: fe.Reason}}
		}
		return pr
	case errors.As(err, &fe):
		return fieldProblem(http.StatusUnprocessableEntity, fe.Field, fe.Reason)
	case errors.Is(err, directory.ErrNotFound):
		return problem(http.StatusNotFound, "not-found", "Not found", "there is no such resource, or it is outside your tenant's reach")
	case errors.Is(err, directory.ErrForbidden), errors.Is(err, directory.ErrSupportSession):
		return problem(http.StatusForbidden, "forbidden", "Not allowed", "your roles do not allow this")
	case errors.Is(err, storage.ErrUnavailable):
		h.log.WarnContext(r.Context(), "admin API: store unavailable", "path", r.URL.Path, "err", err)
		return problem(http.StatusServiceUnavailable, "unavailable", "Temporarily unavailable", "nothing was changed; try again shortly")
	}
	h.log.LogAttrs(r.Context(), slog.LevelError, "admin API error", slog.String("method", r.Method),
		slog.String("path", r.URL.Path), slog.String("err", err.Error()))
	return problem(http.StatusInternalServerError, "internal", "Something went wrong",
		"the request may not have completed: read the resource before trying again")
}

// renamed returns err with the directory's field name put as the request
// body names it (rename says how), so that a problem points at what the
// client sent.
func renamed(err error, rename func(field string) string) error {
	var fe *directory.FieldError
	if !errors.As(err, &fe) {
		return err
	}
	return &directory.FieldError{Field: rename(fe.Field), Reason: fe.Reason, Err: fe.Err}
}
